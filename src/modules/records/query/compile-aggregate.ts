import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { shapeKeyOf, type CompiledQuery } from './compiled-query';
import type { FilterScope } from './compile-filter';
import { startStatement, whereClause } from './compile-where';
import type { AggregateColumn, ExtraConditions, ListQuery, SchemaLookup } from './list-query';
import type { SqlSyntax } from './sql-dialect';

/**
 * Aggregates over the records the list would return (filter, search, trash),
 * one row per group. Output columns: the group_by fields under their names,
 * then `count`, `sum_<field>`, `avg_<field>`, `min_<field>`, `max_<field>`.
 * Groups are ordered by the requested sort, then by the group fields (so
 * offset paging is stable), and paged like records (limit + 1 rows); without
 * group_by there is exactly one row and no paging.
 */
export function compileAggregate(query: ListQuery, collection: CollectionSchema, schemas: SchemaLookup, dialect: Dialect, extra: ExtraConditions = {}): CompiledQuery {
  const aggregate = query.aggregate;
  if (!aggregate) throw new Error('compileAggregate: the query asks for no aggregates');
  const statement = startStatement(query, collection, schemas, dialect, extra);
  const { sql, scope, params } = statement;
  const { syntax } = sql;
  const expressions = new Map(aggregate.columns.map((column) => [column.alias, expression(column, syntax, scope)]));
  const select = [
    ...aggregate.groupBy.map((name) => sql.selects.get(name)!),
    ...aggregate.columns.map((column) => outputColumn(column, expressions.get(column.alias)!, syntax, scope)),
  ];
  let text = `SELECT ${select.join(', ')} FROM ${sql.table} AS ${sql.alias}${whereClause(statement.conditions)}`;
  if (aggregate.groupBy.length > 0) {
    const order = [...aggregate.sort];
    for (const name of aggregate.groupBy) if (!order.some((key) => key.column === name)) order.push({ column: name, descending: false });
    const terms = order.map(({ column, descending }) => {
      const computed = expressions.get(column);
      // Every aggregate but count is NULL for a group without values.
      if (computed !== undefined) return syntax.orderBy(computed, descending, column !== 'count');
      return syntax.orderBy(scope.column(column), descending, scope.fields.get(column)!.nullable);
    });
    text += ` GROUP BY ${aggregate.groupBy.map((name) => scope.column(name)).join(', ')} ORDER BY ${terms.join(', ')} LIMIT ${params.add(query.limit + 1)} OFFSET ${params.add(query.offset)}`;
  }
  return { sql: text, params: params.values, shapeKey: shapeKeyOf('aggregate', collection, text) };
}

function expression(column: AggregateColumn, syntax: SqlSyntax, scope: FilterScope): string {
  if (!column.field) return 'count(*)';
  const ref = scope.column(column.field);
  return column.fn === 'avg' ? syntax.average(ref, scope.fields.get(column.field)!.type) : `${column.fn}(${ref})`;
}

/** min and max of dates and datetimes come back as text, like those fields do in records. */
function outputColumn(column: AggregateColumn, computed: string, syntax: SqlSyntax, scope: FilterScope): string {
  const alias = syntax.quote(column.alias);
  const type = column.field && (column.fn === 'min' || column.fn === 'max') ? scope.fields.get(column.field)!.type : undefined;
  if (type === 'datetime') return `${syntax.datetimeText(computed)} AS ${alias}`;
  if (type === 'date') return `${syntax.dateText(computed)} AS ${alias}`;
  return `${computed} AS ${alias}`;
}
