import type { FieldInfo } from './collection-model';
import { invalid } from './coerce-value';
import type { AggregateColumn, AggregateFunction, AggregateQuery, AggregateSortKey } from './list-query';
import { commaList } from './comma-list';
import { MAX_AGGREGATES, MAX_GROUP_BY, MAX_SORT_KEYS } from './query-limits';
import type { FieldType } from 'src/modules/collections/collection-schema';

const APPLIES_TO: Record<Exclude<AggregateFunction, 'count'>, readonly FieldType[]> = {
  sum: ['integer', 'number'],
  avg: ['integer', 'number'],
  min: ['integer', 'number', 'date', 'datetime', 'string'],
  max: ['integer', 'number', 'date', 'datetime', 'string'],
};

/**
 * `aggregate=count,sum:views,avg:views` with `group_by=status`: output
 * columns `status`, `count`, `sum_views`, `avg_views`. `sort` may name group
 * fields and output columns.
 */
export function parseAggregate(aggregate: string, groupBy: string | undefined, sort: string | undefined, fields: ReadonlyMap<string, FieldInfo>): AggregateQuery {
  const columns: AggregateColumn[] = commaList(aggregate, 'aggregate', MAX_AGGREGATES).map((entry) => aggregateColumn(entry, fields));
  const aliases = new Set<string>();
  for (const column of columns) {
    if (aliases.has(column.alias)) throw invalid('aggregate', `"${column.alias}" appears twice`);
    aliases.add(column.alias);
  }
  const groups = commaList(groupBy, 'group_by', MAX_GROUP_BY);
  groups.forEach((name, index) => {
    const info = fields.get(name);
    if (!info) throw invalid('group_by', `"${name}" is not a field of this collection`);
    if (info.type === 'json') throw invalid('group_by', `"${name}" is a json field and cannot be grouped by`);
    if (groups.indexOf(name) !== index) throw invalid('group_by', `"${name}" appears twice`);
    if (aliases.has(name)) throw invalid('group_by', `"${name}" is also the name of an aggregate column`);
  });
  const sortKeys: AggregateSortKey[] = [];
  for (const entry of commaList(sort, 'sort', MAX_SORT_KEYS)) {
    const descending = entry.startsWith('-');
    const column = descending ? entry.slice(1) : entry;
    if (!groups.includes(column) && !aliases.has(column)) throw invalid('sort', `"${column}" is neither a group_by field nor an aggregate column`);
    if (sortKeys.some((key) => key.column === column)) throw invalid('sort', `"${column}" appears twice`);
    sortKeys.push({ column, descending });
  }
  return { columns, groupBy: groups, sort: sortKeys };
}

function aggregateColumn(entry: string, fields: ReadonlyMap<string, FieldInfo>): AggregateColumn {
  if (entry === 'count') return { fn: 'count', alias: 'count' };
  const [fn, field, ...rest] = entry.split(':');
  if (fn === 'count') throw invalid('aggregate', '"count" counts records and takes no field');
  if (!Object.hasOwn(APPLIES_TO, fn) || field === undefined || rest.length > 0) {
    throw invalid('aggregate', `"${entry}" is not an aggregate; use count, sum:<field>, avg:<field>, min:<field> or max:<field>`);
  }
  const name = fn as keyof typeof APPLIES_TO;
  const info = fields.get(field);
  if (!info) throw invalid('aggregate', `"${field}" is not a field of this collection`);
  if (!APPLIES_TO[name].includes(info.type)) throw invalid('aggregate', `${name} does not apply to ${info.type} fields ("${field}")`);
  return { fn: name, field, alias: `${name}_${field}` };
}
