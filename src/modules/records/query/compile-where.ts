import { SOFT_DELETE_COLUMN, type CollectionSchema } from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { modelOf, type CollectionModel, type ModelSql } from './collection-model';
import { compileFilter, mainScope, type FilterContext, type FilterScope } from './compile-filter';
import type { ExtraConditions, ListQuery, SchemaLookup } from './list-query';
import { syntaxOf } from './sql-dialect';
import { SqlParams } from './sql-params';

/** A list, count or aggregate statement under construction, with its WHERE conditions so far. */
export interface ListStatement {
  readonly model: CollectionModel;
  readonly sql: ModelSql;
  readonly params: SqlParams;
  readonly scope: FilterScope;
  readonly conditions: string[];
}

/**
 * The conditions every statement over a list shares, in text order: live
 * records (or the trash), the caller's extra filter, the request's filter,
 * and the full-text search.
 */
export function startStatement(query: ListQuery, collection: CollectionSchema, schemas: SchemaLookup, dialect: Dialect, extra: ExtraConditions): ListStatement {
  if (query.collection !== collection.name) throw new Error(`query for ${query.collection} compiled against ${collection.name}`);
  const model = modelOf(collection);
  const syntax = syntaxOf(dialect);
  const sql = model.sql(dialect);
  const params = new SqlParams(syntax);
  const scope = mainScope(model, syntax, query.trash);
  const context: FilterContext = { syntax, params, schemas };
  const conditions: string[] = [];
  if (collection.softDelete) conditions.push(`${scope.column(SOFT_DELETE_COLUMN)} IS ${query.trash ? 'NOT ' : ''}NULL`);
  if (extra.where) conditions.push(compileFilter(extra.where, scope, context));
  if (query.filter) conditions.push(compileFilter(query.filter, scope, context));
  if (query.search !== undefined) {
    if (!sql.searchTarget) throw new Error(`${collection.name} has nothing to search`);
    conditions.push(syntax.searchMatch(sql.searchTarget, params.add(syntax.searchText(query.search))));
  }
  return { model, sql, params, scope, conditions };
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
}
