import { SOFT_DELETE_COLUMN, type CollectionSchema } from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { modelOf, type ModelSql } from './collection-model';
import { compileFilter, mainScope } from './compile-filter';
import { shapeKeyOf, type CompiledQuery } from './compiled-query';
import type { FilterNode, Projection, SchemaLookup } from './list-query';
import { outputFieldsOf, selectedColumnsOf } from './projection-columns';
import { REVERSE_EXPAND_MAX_ROWS } from './query-limits';
import { SqlParams } from './sql-params';

export interface CompiledExpand extends CompiledQuery {
  /** Keys of each related record as the API returns it (see CompiledList.outputFields). */
  readonly outputFields: readonly string[];
}

export interface CompiledReverseExpand extends CompiledExpand {
  /** Children kept per parent. A parent with more gets perParentLimit + 1 rows: keep the first perParentLimit and mark it truncated. */
  readonly perParentLimit: number;
}

/**
 * The caller's row filter on the related collection (its read grant's
 * `where`): related records it does not match are left out, as if absent.
 * `schemas` resolves the relation paths the filter may hold.
 */
export interface ExpandFilter {
  readonly where: FilterNode;
  readonly schemas: SchemaLookup;
}

/**
 * One level of a forward expansion for a whole page: the live `target`
 * records among `ids` (the relation values of the parent rows; duplicates are
 * fine). One query per level, never one per row. `ids` must not be empty.
 * With `filter`, a target the caller may not read is not fetched, so its
 * parent shows null as for a missing one.
 */
export function compileExpandFetch(target: CollectionSchema, ids: readonly string[], dialect: Dialect, projection: Projection, filter?: ExpandFilter): CompiledExpand {
  const model = modelOf(target);
  const sql = model.sql(dialect);
  const params = new SqlParams(sql.syntax);
  const columns = selectedColumnsOf(projection, model, false);
  const text = `SELECT ${columns.map((name) => sql.selects.get(name)!).join(', ')} FROM ${sql.table} AS ${sql.alias} WHERE ${liveAmong(target, sql, 'id', ids, params, filter)}`;
  return { sql: text, params: params.values, shapeKey: shapeKeyOf('expand', target, text), outputFields: outputFieldsOf(projection, model, false) };
}

/**
 * One level of a reverse expansion (`<source>_via_<field>`): the live
 * `source` records whose `field` points to one of `parentIds`, ordered by
 * parent then id (creation order). Capped at REVERSE_EXPAND_MAX_ROWS (1000)
 * rows in all, shared evenly: each parent gets at most
 * floor(1000 / parents) children (at least 1), plus one row that tells the
 * caller there are more. Rows carry `field`, to hand each child to its
 * parent; it is dropped unless in outputFields. With `filter`, only the
 * children the caller may read are listed (and share the cap).
 */
export function compileReverseExpandFetch(source: CollectionSchema, field: string, parentIds: readonly string[], dialect: Dialect, projection: Projection, filter?: ExpandFilter): CompiledReverseExpand {
  const model = modelOf(source);
  if (model.fields.get(field)?.type !== 'relation') throw new Error(`${source.name}.${field} is not a relation`);
  const sql = model.sql(dialect);
  const { syntax } = sql;
  const params = new SqlParams(syntax);
  const columns = selectedColumnsOf(projection, model, false, [field]);
  const rank = syntax.quote('_rank');
  const inner = `SELECT ${columns.map((name) => sql.selects.get(name)!).join(', ')}, row_number() OVER (PARTITION BY ${sql.columns.get(field)} ORDER BY ${sql.columns.get('id')}) AS ${rank} FROM ${sql.table} AS ${sql.alias} WHERE ${liveAmong(source, sql, field, parentIds, params, filter)}`;
  const perParentLimit = Math.max(1, Math.floor(REVERSE_EXPAND_MAX_ROWS / new Set(parentIds).size));
  const r = syntax.quote('r');
  const text = `SELECT ${columns.map((name) => `${r}.${syntax.quote(name)}`).join(', ')} FROM (${inner}) AS ${r} WHERE ${r}.${rank} <= ${params.add(perParentLimit + 1)} ORDER BY ${r}.${syntax.quote(field)}, ${r}.${syntax.quote('id')}`;
  return { sql: text, params: params.values, shapeKey: shapeKeyOf('reverse', source, text), outputFields: outputFieldsOf(projection, model, false), perParentLimit };
}

/** Live records whose `column` is one of `ids`, and that `filter` matches. */
function liveAmong(collection: CollectionSchema, sql: ModelSql, column: string, ids: readonly string[], params: SqlParams, filter: ExpandFilter | undefined): string {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new Error('expansion without ids: skip the query');
  const conditions = [sql.syntax.anyOf(sql.columns.get(column)!, 'uuid', unique, params, false)];
  if (collection.softDelete) conditions.unshift(`${sql.columns.get(SOFT_DELETE_COLUMN)} IS NULL`);
  if (filter) conditions.push(compileFilter(filter.where, mainScope(modelOf(collection), sql.syntax, false), { syntax: sql.syntax, params, schemas: filter.schemas }));
  return conditions.join(' AND ');
}
