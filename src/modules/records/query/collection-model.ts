import {
  IDENTIFIER_PATTERN,
  SOFT_DELETE_COLUMN,
  isSearchable,
  type CollectionSchema,
  type FieldType,
} from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { syntaxOf, type SqlSyntax } from './sql-dialect';

export interface FieldInfo {
  readonly name: string;
  readonly type: FieldType;
  /** The column can hold NULL: a field that is not required (system columns never are). */
  readonly nullable: boolean;
  /** relation: the collection it points to. */
  readonly target?: string;
  /** enum: the allowed values. */
  readonly values?: ReadonlySet<string>;
}

/** The SQL pieces of a collection for one dialect, quoted once. */
export interface ModelSql {
  readonly syntax: SqlSyntax;
  readonly table: string;
  /** Main-query alias, quoted. */
  readonly alias: string;
  /** `"t"."column"` for each field a query may name (trash fields included). */
  readonly columns: ReadonlyMap<string, string>;
  /** The select-list item that reads each field as the API wants it (datetimes, dates and JSON as text). */
  readonly selects: ReadonlyMap<string, string>;
  /** Full-text target (see SqlSyntax.searchTarget); undefined when nothing is searchable. */
  readonly searchTarget?: string;
}

/**
 * What the parser and compiler need to know of one collection version,
 * worked out once: field lookups, the default projection, the searchable
 * fields, and per dialect the quoted identifiers.
 */
export interface CollectionModel {
  readonly schema: CollectionSchema;
  /** Fields a query may name: the system columns and the collection's own. */
  readonly fields: ReadonlyMap<string, FieldInfo>;
  /** The same plus deleted_at, for queries over the trash (where it is never NULL). */
  readonly trashFields: ReadonlyMap<string, FieldInfo>;
  /** What a record holds when no projection is asked for. */
  readonly defaultFields: readonly string[];
  readonly trashDefaultFields: readonly string[];
  readonly searchable: readonly string[];
  sql(dialect: Dialect): ModelSql;
}

export const MAIN_ALIAS = 't';
const TABLE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

const models = new WeakMap<CollectionSchema, CollectionModel>();

/** The model of a schema snapshot; the registry replaces snapshots on change, so the cache follows them. */
export function modelOf(schema: CollectionSchema): CollectionModel {
  let model = models.get(schema);
  // A schema object changed in place (tests, or a registry that mutates) gets a fresh model.
  if (!model || model.schema.version !== schema.version) {
    model = buildModel(schema);
    models.set(schema, model);
  }
  return model;
}

function buildModel(schema: CollectionSchema): CollectionModel {
  // Names become SQL identifiers: refuse anything the registry should never have accepted.
  if (!TABLE_PATTERN.test(schema.table)) throw new Error(`collection ${schema.name} has an unsafe table name`);
  const fields = new Map<string, FieldInfo>([
    ['id', { name: 'id', type: 'uuid', nullable: false }],
    ['created_at', { name: 'created_at', type: 'datetime', nullable: false }],
    ['updated_at', { name: 'updated_at', type: 'datetime', nullable: false }],
  ]);
  for (const field of schema.fields) {
    if (!IDENTIFIER_PATTERN.test(field.name)) throw new Error(`collection ${schema.name} has an unsafe field name`);
    fields.set(field.name, {
      name: field.name,
      type: field.type,
      nullable: !field.required,
      target: field.type === 'relation' ? field.target : undefined,
      values: field.type === 'enum' ? new Set(field.values ?? []) : undefined,
    });
  }
  const trashFields = schema.softDelete ? new Map<string, FieldInfo>([...fields, [SOFT_DELETE_COLUMN, { name: SOFT_DELETE_COLUMN, type: 'datetime', nullable: false }]]) : fields;
  const defaultFields = ['id', ...schema.fields.map((f) => f.name), 'created_at', 'updated_at'];
  const searchable = schema.fields.filter(isSearchable).map((f) => f.name);
  const bySyntax = new Map<Dialect, ModelSql>();
  return {
    schema,
    fields,
    trashFields,
    defaultFields,
    trashDefaultFields: schema.softDelete ? [...defaultFields, SOFT_DELETE_COLUMN] : defaultFields,
    searchable,
    sql(dialect) {
      let sql = bySyntax.get(dialect);
      if (!sql) {
        sql = buildSql(schema, trashFields, searchable, syntaxOf(dialect));
        bySyntax.set(dialect, sql);
      }
      return sql;
    },
  };
}

function buildSql(schema: CollectionSchema, fields: ReadonlyMap<string, FieldInfo>, searchable: readonly string[], syntax: SqlSyntax): ModelSql {
  const alias = syntax.quote(MAIN_ALIAS);
  const columns = new Map<string, string>();
  const selects = new Map<string, string>();
  for (const field of fields.values()) {
    const name = syntax.quote(field.name);
    const column = `${alias}.${name}`;
    columns.set(field.name, column);
    selects.set(field.name, selectItem(syntax, field.type, column, name));
  }
  // Unqualified, so the text is exactly the index's expression; in WHERE it can only mean the main table.
  const searchTarget = searchable.length > 0 ? syntax.searchTarget(searchable.map((name) => syntax.quote(name))) : undefined;
  return { syntax, table: syntax.quote(schema.table), alias, columns, selects, searchTarget };
}

/** A column read for the API; text conversions keep the field's name (ORDER BY uses the qualified column, never this alias). */
function selectItem(syntax: SqlSyntax, type: FieldType, column: string, quotedName: string): string {
  switch (type) {
    case 'datetime':
      return `${syntax.datetimeText(column)} AS ${quotedName}`;
    case 'date':
      return `${syntax.dateText(column)} AS ${quotedName}`;
    case 'json': {
      const text = syntax.jsonText(column);
      return text === column ? column : `${text} AS ${quotedName}`;
    }
    default:
      return column;
  }
}
