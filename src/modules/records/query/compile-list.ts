import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { shapeKeyOf, type CompiledQuery } from './compiled-query';
import { startStatement, whereClause, type ListStatement } from './compile-where';
import { orderingOf } from './cursor';
import type { CursorValue, ExtraConditions, ListQuery, SchemaLookup, SortKey } from './list-query';
import { outputFieldsOf, selectedColumnsOf } from './projection-columns';

export interface CompiledList extends CompiledQuery {
  /** Keys of each record as the API returns it; the SQL may read more (id, sort keys, foreign keys), which the caller drops. */
  readonly outputFields: readonly string[];
  /** Rows asked for: limit + 1. A row past the limit means there is a next page; it is not returned. */
  readonly fetch: number;
}

/**
 * One page of records. The ordering is the sort keys then id, so pages never
 * overlap; with a cursor the page starts after the cursor's row (keyset),
 * otherwise at the offset. Rows come back as compileList reads them: pass
 * them to mapRow, and the last one of the page to encodeCursor.
 */
export function compileList(query: ListQuery, collection: CollectionSchema, schemas: SchemaLookup, dialect: Dialect, extra: ExtraConditions = {}): CompiledList {
  if (query.aggregate) throw new Error('compileList: the query asks for aggregates; use compileAggregate');
  const statement = startStatement(query, collection, schemas, dialect, extra);
  const { model, sql, params, scope } = statement;
  const ordering = orderingOf(query.sort);
  if (query.cursor) statement.conditions.push(keyset(ordering, query.cursor, statement));
  const columns = selectedColumnsOf(query.projection, model, query.trash, ordering.map((key) => key.field));
  const orderBy = ordering.map((key) => sql.syntax.orderBy(scope.column(key.field), key.descending, scope.fields.get(key.field)!.nullable));
  let text = `SELECT ${columns.map((name) => sql.selects.get(name)!).join(', ')} FROM ${sql.table} AS ${sql.alias}${whereClause(statement.conditions)} ORDER BY ${orderBy.join(', ')} LIMIT ${params.add(query.limit + 1)}`;
  if (!query.cursor) text += ` OFFSET ${params.add(query.offset)}`;
  return { sql: text, params: params.values, shapeKey: shapeKeyOf('list', collection, text), outputFields: outputFieldsOf(query.projection, model, query.trash), fetch: query.limit + 1 };
}

/** How many records match: the list's conditions without cursor, order or paging. */
export function compileCount(query: ListQuery, collection: CollectionSchema, schemas: SchemaLookup, dialect: Dialect, extra: ExtraConditions = {}): CompiledQuery {
  const statement = startStatement(query, collection, schemas, dialect, extra);
  const { sql } = statement;
  const text = `SELECT count(*) AS ${sql.syntax.quote('count')} FROM ${sql.table} AS ${sql.alias}${whereClause(statement.conditions)}`;
  return { sql: text, params: statement.params.values, shapeKey: shapeKeyOf('count', collection, text) };
}

/**
 * Rows after the cursor's row in the ordering (k1, …, kn):
 * `k1 >= v1 AND (k1 > v1 OR (k1 = v1 AND (k2 > v2 OR …)))`. The leading
 * bound lets an index on the first key serve as a range scan; with
 * descending keys the comparisons turn around.
 */
function keyset(ordering: readonly SortKey[], values: readonly CursorValue[], { scope, params, sql }: ListStatement): string {
  const bounds = ordering.map((key, i) => ({
    column: scope.column(key.field),
    after: key.descending ? '<' : '>',
    value: params.reusable(sql.syntax.parameter(values[i], scope.fields.get(key.field)!.type)),
  }));
  const from = (i: number): string => {
    const { column, after, value } = bounds[i];
    if (i === bounds.length - 1) return `${column} ${after} ${value()}`;
    return `(${column} ${after} ${value()} OR (${column} = ${value()} AND ${from(i + 1)}))`;
  };
  if (bounds.length === 1) return from(0);
  const { column, after, value } = bounds[0];
  return `${column} ${after}= ${value()} AND ${from(0)}`;
}
