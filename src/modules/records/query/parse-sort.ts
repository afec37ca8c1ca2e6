import type { FieldInfo } from './collection-model';
import { invalid } from './coerce-value';
import type { SortKey } from './list-query';
import { commaList } from './comma-list';
import { MAX_SORT_KEYS } from './query-limits';

/** `-published_at,title`: fields of the collection itself (system fields too), `-` for descending. */
export function parseSort(param: string | undefined, fields: ReadonlyMap<string, FieldInfo>): SortKey[] {
  const keys: SortKey[] = [];
  for (const entry of commaList(param, 'sort', MAX_SORT_KEYS)) {
    const descending = entry.startsWith('-');
    const name = descending ? entry.slice(1) : entry;
    const info = fields.get(name);
    if (!info) throw invalid('sort', name.includes('.') ? `"${name}": sorting by a related record's field is not supported` : `"${name}" is not a field of this collection`);
    if (info.type === 'json') throw invalid('sort', `"${name}" is a json field and has no order`);
    if (keys.some((key) => key.field === name)) throw invalid('sort', `"${name}" appears twice`);
    keys.push({ field: name, descending });
  }
  return keys;
}
