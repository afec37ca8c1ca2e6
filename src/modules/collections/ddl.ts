import { isSearchable, SOFT_DELETE_COLUMN, tableName, type CollectionSchema, type FieldDefinition, type IndexDefinition } from './collection-schema';
import { DEFAULT_STRING_LENGTH } from './definition-rules';
import { constraintName, quote, type Dialect } from './sql-identifiers';

/**
 * DDL for run-time collections, as plain SQL statements per dialect. Pure:
 * the collections service runs them through TypeORM's QueryRunner inside one
 * transaction (PostgreSQL and the embedded database roll DDL back; MySQL
 * cannot, which is why every data check runs before the first statement).
 */
export class Ddl {
  constructor(
    private readonly dialect: Dialect,
    /** The full-text expression list queries search with; the index must be on exactly it. */
    private readonly searchVector: (schema: CollectionSchema) => string,
  ) {}

  private q(identifier: string): string {
    return quote(this.dialect, identifier);
  }

  createTable(schema: CollectionSchema): string[] {
    const pg = this.dialect === 'postgres';
    const timestamp = pg ? 'timestamptz' : 'datetime(3)';
    const now = pg ? 'now()' : 'CURRENT_TIMESTAMP(3)';
    const columns = [
      `${this.q('id')} ${pg ? 'uuid' : 'char(36)'} NOT NULL PRIMARY KEY`,
      `${this.q('created_at')} ${timestamp} NOT NULL DEFAULT ${now}`,
      `${this.q('updated_at')} ${timestamp} NOT NULL DEFAULT ${now}`,
      ...(schema.softDelete ? [`${this.q(SOFT_DELETE_COLUMN)} ${timestamp} NULL`] : []),
      ...schema.fields.map((field) => this.column(field)),
    ];
    const options = pg ? '' : ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
    return [
      `CREATE TABLE ${this.q(schema.table)} (${columns.join(', ')})${options}`,
      ...schema.fields.flatMap((field) => this.fieldExtras(schema, field)),
      ...schema.indexes.map((index) => this.createIndex(schema, index)),
      ...(schema.softDelete ? [this.softDeleteIndex(schema)] : []),
      ...this.createSearchIndex(schema),
    ];
  }

  dropTable(schema: CollectionSchema): string[] {
    return [`DROP TABLE ${this.q(schema.table)}`];
  }

  addField(schema: CollectionSchema, field: FieldDefinition): string[] {
    return [`ALTER TABLE ${this.q(schema.table)} ADD COLUMN ${this.column(field)}`, ...this.fieldExtras(schema, field)];
  }

  dropField(schema: CollectionSchema, field: FieldDefinition): string[] {
    // MySQL will not drop a column that a foreign key or unique index still uses.
    const first = this.dialect === 'mysql' ? this.dropFieldExtras(schema, field) : [];
    return [...first, `ALTER TABLE ${this.q(schema.table)} DROP COLUMN ${this.q(field.name)}`];
  }

  renameField(schema: CollectionSchema, from: string, to: string): string[] {
    return [`ALTER TABLE ${this.q(schema.table)} RENAME COLUMN ${this.q(from)} TO ${this.q(to)}`];
  }

  /** Column changes for a field whose constraints changed (its type did not). */
  alterField(schema: CollectionSchema, before: FieldDefinition, after: FieldDefinition): string[] {
    const table = this.q(schema.table);
    const column = this.q(after.name);
    const statements: string[] = [];
    const typeChanged = this.columnType(before) !== this.columnType(after);
    const nullChanged = Boolean(before.required) !== Boolean(after.required);
    const defaultChanged = JSON.stringify(before.default) !== JSON.stringify(after.default);
    if (this.dialect === 'mysql') {
      if (typeChanged || nullChanged || defaultChanged) statements.push(`ALTER TABLE ${table} MODIFY COLUMN ${this.column(after)}`);
    } else {
      if (typeChanged) statements.push(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${this.columnType(after)}`);
      if (nullChanged) statements.push(`ALTER TABLE ${table} ALTER COLUMN ${column} ${after.required ? 'SET' : 'DROP'} NOT NULL`);
      if (defaultChanged) {
        const literal = this.defaultLiteral(after);
        statements.push(`ALTER TABLE ${table} ALTER COLUMN ${column} ${literal ? `SET DEFAULT ${literal}` : 'DROP DEFAULT'}`);
      }
    }
    if (Boolean(before.unique) !== Boolean(after.unique)) {
      const name = constraintName(schema.table, after.name, 'key');
      statements.push(after.unique ? `CREATE UNIQUE INDEX ${this.q(name)} ON ${table} (${column})` : this.dropIndexSql(schema, name));
    }
    if (after.type === 'relation' && (before.onDelete ?? 'restrict') !== (after.onDelete ?? 'restrict')) {
      statements.push(this.dropForeignKeySql(schema, after.name), this.addForeignKeySql(schema, after));
    }
    return statements;
  }

  createIndex(schema: CollectionSchema, index: IndexDefinition): string {
    const name = constraintName(schema.table, index.name, 'idx');
    const columns = index.fields.map((f) => this.q(f)).join(', ');
    return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${this.q(name)} ON ${this.q(schema.table)} (${columns})`;
  }

  dropIndex(schema: CollectionSchema, index: IndexDefinition): string {
    return this.dropIndexSql(schema, constraintName(schema.table, index.name, 'idx'));
  }

  addSoftDelete(schema: CollectionSchema): string[] {
    const type = this.dialect === 'postgres' ? 'timestamptz' : 'datetime(3)';
    return [`ALTER TABLE ${this.q(schema.table)} ADD COLUMN ${this.q(SOFT_DELETE_COLUMN)} ${type} NULL`, this.softDeleteIndex(schema)];
  }

  /** Dropping the column purges the trash: the caller warns before doing it. */
  dropSoftDelete(schema: CollectionSchema): string[] {
    return [`DELETE FROM ${this.q(schema.table)} WHERE ${this.q(SOFT_DELETE_COLUMN)} IS NOT NULL`, ...this.dropSoftDeleteIndexFirst(schema), `ALTER TABLE ${this.q(schema.table)} DROP COLUMN ${this.q(SOFT_DELETE_COLUMN)}`];
  }

  createSearchIndex(schema: CollectionSchema): string[] {
    const fields = schema.fields.filter(isSearchable);
    if (fields.length === 0) return [];
    const name = this.q(constraintName(schema.table, 'search', 'idx'));
    if (this.dialect === 'postgres') return [`CREATE INDEX ${name} ON ${this.q(schema.table)} USING gin (${this.searchVector(schema)})`];
    return [`CREATE FULLTEXT INDEX ${name} ON ${this.q(schema.table)} (${fields.map((f) => this.q(f.name)).join(', ')})`];
  }

  dropSearchIndex(schema: CollectionSchema): string[] {
    if (!schema.fields.some(isSearchable)) return [];
    return [this.dropIndexSql(schema, constraintName(schema.table, 'search', 'idx'))];
  }

  columnType(field: FieldDefinition): string {
    const pg = this.dialect === 'postgres';
    switch (field.type) {
      case 'string':
        return `varchar(${field.maxLength ?? DEFAULT_STRING_LENGTH})`;
      case 'text':
        return pg ? 'text' : 'longtext';
      case 'integer':
        return 'bigint';
      case 'number':
        return pg ? 'double precision' : 'double';
      case 'boolean':
        return pg ? 'boolean' : 'tinyint(1)';
      case 'datetime':
        return pg ? 'timestamptz' : 'datetime(3)';
      case 'date':
        return 'date';
      case 'json':
        return pg ? 'jsonb' : 'json';
      case 'enum':
        return 'varchar(64)';
      case 'email':
        return 'varchar(320)';
      case 'url':
        return 'varchar(2048)';
      case 'uuid':
      case 'relation':
        return pg ? 'uuid' : 'char(36)';
    }
  }

  /** A field default as a SQL literal. Values were validated against the field's type before. */
  defaultLiteral(field: FieldDefinition): string | undefined {
    const value = field.default;
    if (value === undefined || value === null) return undefined;
    const pg = this.dialect === 'postgres';
    switch (field.type) {
      case 'integer':
      case 'number':
        return String(Number(value));
      case 'boolean':
        return pg ? (value ? 'TRUE' : 'FALSE') : value ? '1' : '0';
      case 'json':
        return pg ? `${this.literal(JSON.stringify(value))}::jsonb` : `(${this.literal(JSON.stringify(value))})`;
      case 'datetime':
        return this.literal(pg ? String(value) : new Date(String(value)).toISOString().replace('T', ' ').replace('Z', ''));
      default:
        return this.literal(String(value));
    }
  }

  private literal(text: string): string {
    const escaped = text.replace(/'/g, "''");
    // MySQL treats backslashes in literals as escapes; PostgreSQL (standard_conforming_strings) does not.
    return `'${this.dialect === 'mysql' ? escaped.replace(/\\/g, '\\\\') : escaped}'`;
  }

  private column(field: FieldDefinition): string {
    const literal = this.defaultLiteral(field);
    return `${this.q(field.name)} ${this.columnType(field)}${field.required ? ' NOT NULL' : ' NULL'}${literal ? ` DEFAULT ${literal}` : ''}`;
  }

  private fieldExtras(schema: CollectionSchema, field: FieldDefinition): string[] {
    const statements: string[] = [];
    if (field.unique) statements.push(`CREATE UNIQUE INDEX ${this.q(constraintName(schema.table, field.name, 'key'))} ON ${this.q(schema.table)} (${this.q(field.name)})`);
    if (field.type === 'relation') {
      // PostgreSQL does not index foreign keys by itself; expand and reverse lookups need one.
      if (this.dialect === 'postgres') statements.push(`CREATE INDEX ${this.q(constraintName(schema.table, field.name, 'idx'))} ON ${this.q(schema.table)} (${this.q(field.name)})`);
      statements.push(this.addForeignKeySql(schema, field));
    }
    return statements;
  }

  private dropFieldExtras(schema: CollectionSchema, field: FieldDefinition): string[] {
    const statements: string[] = [];
    if (field.type === 'relation') statements.push(this.dropForeignKeySql(schema, field.name));
    if (field.unique) statements.push(this.dropIndexSql(schema, constraintName(schema.table, field.name, 'key')));
    return statements;
  }

  private addForeignKeySql(schema: CollectionSchema, field: FieldDefinition): string {
    const onDelete = { restrict: 'RESTRICT', cascade: 'CASCADE', 'set-null': 'SET NULL' }[field.onDelete ?? 'restrict'];
    const name = this.q(constraintName(schema.table, field.name, 'fkey'));
    return `ALTER TABLE ${this.q(schema.table)} ADD CONSTRAINT ${name} FOREIGN KEY (${this.q(field.name)}) REFERENCES ${this.q(tableName(field.target!))} (${this.q('id')}) ON DELETE ${onDelete}`;
  }

  private dropForeignKeySql(schema: CollectionSchema, field: string): string {
    const name = this.q(constraintName(schema.table, field, 'fkey'));
    return this.dialect === 'postgres' ? `ALTER TABLE ${this.q(schema.table)} DROP CONSTRAINT ${name}` : `ALTER TABLE ${this.q(schema.table)} DROP FOREIGN KEY ${name}`;
  }

  private dropIndexSql(schema: CollectionSchema, name: string): string {
    return this.dialect === 'postgres' ? `DROP INDEX ${this.q(name)}` : `DROP INDEX ${this.q(name)} ON ${this.q(schema.table)}`;
  }

  private softDeleteIndex(schema: CollectionSchema): string {
    return `CREATE INDEX ${this.q(constraintName(schema.table, SOFT_DELETE_COLUMN, 'idx'))} ON ${this.q(schema.table)} (${this.q(SOFT_DELETE_COLUMN)})`;
  }

  private dropSoftDeleteIndexFirst(schema: CollectionSchema): string[] {
    return this.dialect === 'mysql' ? [this.dropIndexSql(schema, constraintName(schema.table, SOFT_DELETE_COLUMN, 'idx'))] : [];
  }
}
