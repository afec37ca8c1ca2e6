import { invalid } from './coerce-value';
import { MAX_LIST_ENTRIES } from './query-limits';

/** A comma-separated parameter; blanks around entries are forgiven, empty entries are not. */
export function commaList(param: string | undefined, name: string, max = MAX_LIST_ENTRIES): string[] {
  if (param === undefined) return [];
  const list = param.split(',').map((entry) => entry.trim());
  if (list.some((entry) => entry === '')) throw invalid(name, 'has an empty entry');
  if (list.length > max) throw invalid(name, `has more than ${max} entries`);
  return list;
}
