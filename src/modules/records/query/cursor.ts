import type { FieldInfo } from './collection-model';
import { checkText, invalid, isCanonicalDatetime, isDate, isUuid } from './coerce-value';
import type { CursorValue, ListQuery, SortKey } from './list-query';
import { MAX_CURSOR_LENGTH } from './query-limits';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The full ordering of a list: the sort keys, then `id` (in the last key's direction) so no two rows tie. */
export function orderingOf(sort: readonly SortKey[]): readonly SortKey[] {
  if (sort.some((key) => key.field === 'id')) return sort;
  return [...sort, { field: 'id', descending: sort.length > 0 && sort[sort.length - 1].descending }];
}

/**
 * The cursor for the page after `row`: the row as the driver returned it for
 * compileList's SQL (before mapRow), whose datetimes carry microseconds.
 * Base64url JSON of the collection, the sort and the ordering's values; opaque
 * to clients, checked field by field when it comes back.
 */
export function encodeCursor(row: Readonly<Record<string, unknown>>, query: ListQuery): string {
  const values = orderingOf(query.sort).map((key) => cursorValue(row[key.field], key.field));
  return Buffer.from(JSON.stringify({ c: query.collection, s: sortSignature(query.sort), k: values }), 'utf8').toString('base64url');
}

/** The ordering's values from a cursor, each checked against its field as a filter value would be. */
export function decodeCursor(text: string, collection: string, sort: readonly SortKey[], fields: ReadonlyMap<string, FieldInfo>): CursorValue[] {
  if (text.length > MAX_CURSOR_LENGTH || !BASE64URL.test(text)) throw invalid('cursor', 'is not a cursor this API issued');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid('cursor', 'is not a cursor this API issued');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || Object.keys(payload).length !== 3) throw invalid('cursor', 'is not a cursor this API issued');
  const { c, s, k } = payload as Record<string, unknown>;
  if (c !== collection) throw invalid('cursor', `was issued for another collection; start again without a cursor`);
  if (s !== sortSignature(sort)) throw invalid('cursor', 'was issued for another sort order; start again without a cursor');
  const ordering = orderingOf(sort);
  if (!Array.isArray(k) || k.length !== ordering.length) throw invalid('cursor', 'is not a cursor this API issued');
  return ordering.map((key, i) => checkValue(fields.get(key.field)!, k[i]));
}

function sortSignature(sort: readonly SortKey[]): string {
  return sort.map((key) => `${key.descending ? '-' : ''}${key.field}`).join(',');
}

/** A row value in the cursor's JSON form: drivers give bigints as strings, booleans as 0/1, datetimes as text or Dates. */
function cursorValue(value: unknown, field: string): CursorValue {
  if (value === null || value === undefined) throw new Error(`cursor: the row has no value for ${field}`);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'bigint') return String(value);
  throw new Error(`cursor: ${field} holds an unexpected ${typeof value}`);
}

function checkValue(info: FieldInfo, value: unknown): CursorValue {
  const bad = () => invalid('cursor', `is not a cursor this API issued (${info.name})`);
  switch (info.type) {
    case 'integer': {
      const number = typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw bad();
      return number;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
      return value;
    case 'boolean':
      if (value === 1 || value === 0 || value === '1' || value === '0') return value === 1 || value === '1';
      if (typeof value !== 'boolean') throw bad();
      return value;
    case 'datetime':
      if (typeof value !== 'string' || !isCanonicalDatetime(value)) throw bad();
      return value;
    case 'date':
      if (typeof value !== 'string' || !isDate(value)) throw bad();
      return value;
    case 'uuid':
    case 'relation':
      if (typeof value !== 'string' || !isUuid(value)) throw bad();
      return value.toLowerCase();
    default:
      // Strings, and enum values that may since have been removed: any text is a valid bound.
      if (typeof value !== 'string') throw bad();
      return checkText(value, 'cursor');
  }
}
