import type { QueryRunner } from 'typeorm';
import { ConflictError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { SOFT_DELETE_COLUMN, type CollectionSchema, type FieldDefinition, type IndexDefinition } from './collection-schema';
import { DEFAULT_STRING_LENGTH } from './definition-rules';
import type { SchemaChange } from './schema-diff';
import { quote, type Dialect } from './sql-identifiers';

/**
 * Refuses, before any DDL runs, a change the existing rows cannot satisfy,
 * with a 409 that says why. Checking first matters most on MySQL, whose DDL
 * cannot be rolled back.
 */
export class DataChecks {
  constructor(
    private readonly runner: QueryRunner,
    private readonly dialect: Dialect,
    private readonly schema: CollectionSchema,
  ) {}

  async check(changes: SchemaChange[]): Promise<void> {
    for (const change of changes) {
      switch (change.kind) {
        case 'add-field':
          if (change.field.required && change.field.default === undefined && (await this.hasRows())) {
            throw this.conflict(`"${this.schema.name}" has records, so the new required field "${change.field.name}" needs a default for them.`);
          }
          break;
        case 'alter-field':
          await this.checkAlter(change.before, change.after);
          break;
        case 'add-index':
          if (change.index.unique) await this.checkNoDuplicates(change.index.fields, `the unique index "${change.index.name}"`);
          break;
        case 'soft-delete':
          if (!change.enabled) {
            const [row] = await this.runner.query(`SELECT count(*) AS n FROM ${this.table} WHERE ${this.q(SOFT_DELETE_COLUMN)} IS NOT NULL`);
            if (Number(row.n) > 0) throw this.conflict(`The trash of "${this.schema.name}" holds ${row.n} records; restore or purge them before turning soft delete off.`);
          }
          break;
        default:
          break;
      }
    }
  }

  private async checkAlter(before: FieldDefinition, after: FieldDefinition): Promise<void> {
    // A renamed field still has its old column name until the rename runs.
    const column = this.q(before.name);
    if (after.required && !before.required) {
      const rows = await this.runner.query(`SELECT 1 AS x FROM ${this.table} WHERE ${column} IS NULL LIMIT 1`);
      if (rows.length > 0) throw this.conflict(`Some records have no "${before.name}", so it cannot become required. Fill them in first.`);
    }
    if (after.unique && !before.unique) await this.checkNoDuplicates([before.name], `"${after.name}" unique`);
    if (after.type === 'string') {
      const was = before.maxLength ?? DEFAULT_STRING_LENGTH;
      const will = after.maxLength ?? DEFAULT_STRING_LENGTH;
      if (will < was) {
        const length = this.dialect === 'postgres' ? 'char_length' : 'CHAR_LENGTH';
        const rows = await this.runner.query(`SELECT 1 AS x FROM ${this.table} WHERE ${length}(${column}) > ${will} LIMIT 1`);
        if (rows.length > 0) throw this.conflict(`Some "${before.name}" values are longer than ${will} characters, so maxLength cannot shrink to ${will}.`);
      }
    }
  }

  private async checkNoDuplicates(fields: IndexDefinition['fields'], what: string): Promise<void> {
    const columns = fields.map((f) => this.q(f)).join(', ');
    const notNull = fields.map((f) => `${this.q(f)} IS NOT NULL`).join(' AND ');
    const rows = await this.runner.query(`SELECT ${columns} FROM ${this.table} WHERE ${notNull} GROUP BY ${columns} HAVING count(*) > 1 LIMIT 1`);
    if (rows.length > 0) {
      const example = fields.map((f) => `${f}=${JSON.stringify(rows[0][f])}`).join(', ');
      throw this.conflict(`Cannot make ${what}: several records share ${example}.`);
    }
  }

  private async hasRows(): Promise<boolean> {
    return (await this.runner.query(`SELECT 1 AS x FROM ${this.table} LIMIT 1`)).length > 0;
  }

  private conflict(detail: string): ConflictError {
    return new ConflictError(ErrorCode.SchemaConflict, detail);
  }

  private q(identifier: string): string {
    return quote(this.dialect, identifier);
  }

  private get table(): string {
    return this.q(this.schema.table);
  }
}
