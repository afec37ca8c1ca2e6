import type { FilterNode, FilterValue } from 'src/modules/records/query/list-query';

/**
 * Whether a record (as an event carries it) matches a parsed filter, in
 * memory. Follows the SQL semantics parse-filter.ts documents: NULL matches
 * no comparison, only $null. Conservative where memory cannot answer: a
 * relation path (the related record is not in the event) and $like/$ilike on
 * non-strings never match, so a filter never lets through more than SQL would.
 */
export function recordMatches(node: FilterNode, record: Readonly<Record<string, unknown>>): boolean {
  switch (node.kind) {
    case 'and':
      return node.nodes.every((child) => recordMatches(child, record));
    case 'or':
      return node.nodes.some((child) => recordMatches(child, record));
    case 'not':
      return !recordMatches(node.node, record);
    case 'null':
      return (record[node.field] === null || record[node.field] === undefined) === node.isNull;
    case 'in': {
      const value = record[node.field];
      if (value === null || value === undefined) return false;
      const found = node.values.some((candidate) => compare(value, candidate) === 0);
      return node.negated ? !found : found;
    }
    case 'compare': {
      const value = record[node.field];
      if (value === null || value === undefined) return false;
      if (node.op === 'like' || node.op === 'ilike') return typeof value === 'string' && typeof node.value === 'string' && like(value, node.value, node.op === 'ilike');
      const order = compare(value, node.value);
      if (order === undefined) return false;
      switch (node.op) {
        case 'eq':
          return order === 0;
        case 'ne':
          return order !== 0;
        case 'gt':
          return order > 0;
        case 'gte':
          return order >= 0;
        case 'lt':
          return order < 0;
        case 'lte':
          return order <= 0;
      }
      return false;
    }
    case 'relation':
      return false;
  }
}

/** -1, 0 or 1; undefined when the two cannot be compared. */
function compare(value: unknown, target: FilterValue): number | undefined {
  let a: number | string | boolean;
  let b: number | string | boolean;
  if (target instanceof Date) {
    a = new Date(value as string).getTime();
    b = target.getTime();
    if (Number.isNaN(a)) return undefined;
  } else if (typeof target === 'number') {
    a = Number(value);
    b = target;
    if (Number.isNaN(a)) return undefined;
  } else if (typeof target === 'boolean') {
    a = value === true || value === 1 || value === 'true';
    b = target;
  } else {
    a = typeof value === 'string' ? value : JSON.stringify(value);
    b = target;
  }
  return a === b ? 0 : a > b ? 1 : -1;
}

/** SQL LIKE: % any run, _ one character, \ escapes. */
function like(value: string, pattern: string, ignoreCase: boolean): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]);
    else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
