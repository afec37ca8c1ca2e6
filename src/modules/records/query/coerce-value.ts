import { ValidationFailedError } from 'src/common/errors/domain.error';
import type { FieldInfo } from './collection-model';
import type { FilterValue } from './list-query';
import { MAX_VALUE_LENGTH } from './query-limits';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;
/** The cursor's own form: UTC, seconds always, up to microseconds (what the database stores). */
const CANONICAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
// With the u flag a surrogate pair is one code point, so this only finds lone halves.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

export function invalid(field: string, message: string): ValidationFailedError {
  return new ValidationFailedError([{ field, message }], `Invalid list query: ${field} ${message}.`);
}

/**
 * A string the databases accept as a parameter: PostgreSQL rejects NUL
 * characters (which would surface as a 500), and lone surrogates are not text.
 */
export function checkText(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.length > MAX_VALUE_LENGTH) throw invalid(field, `must be at most ${MAX_VALUE_LENGTH} characters`);
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) throw invalid(field, 'must be valid text without NUL characters');
  return value;
}

/** Checks a filter value against its field's type and turns it into what the compiler binds. */
export function coerceValue(info: FieldInfo, value: unknown, field: string): FilterValue {
  if (value === null) throw invalid(field, 'null is not a value here; use {"$null": true}');
  switch (info.type) {
    case 'string':
    case 'text':
    case 'email':
    case 'url':
      return checkText(value, field);
    case 'enum': {
      const text = checkText(value, field);
      if (!info.values?.has(text)) throw invalid(field, `must be one of ${[...(info.values ?? [])].map((v) => JSON.stringify(v)).join(', ')}`);
      return text;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(field, 'must be an integer between -(2^53 - 1) and 2^53 - 1');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'must be a finite number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
      return value;
    case 'datetime': {
      const date = typeof value === 'string' ? parseDatetime(value) : undefined;
      if (!date) throw invalid(field, 'must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z');
      return date;
    }
    case 'date':
      if (typeof value !== 'string' || !isDate(value)) throw invalid(field, 'must be a date as YYYY-MM-DD');
      return value;
    case 'uuid':
    case 'relation':
      if (typeof value !== 'string' || !UUID.test(value)) throw invalid(field, 'must be a UUID');
      return value.toLowerCase();
    case 'json':
      checkJson(value, field, 0);
      return JSON.stringify(value);
  }
}

const MAX_JSON_DEPTH = 32;

/** PostgreSQL's jsonb refuses \u0000 and broken surrogates anywhere in a document, keys included. */
function checkJson(value: unknown, field: string, depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw invalid(field, `nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (typeof value === 'string') {
    checkText(value, field);
  } else if (Array.isArray(value)) {
    for (const item of value) checkJson(item, field, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      checkText(key, field);
      checkJson(item, field, depth + 1);
    }
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    throw invalid(field, 'must hold finite numbers only');
  }
}

/** ISO 8601: a date, or a date and time with optional seconds, fraction and offset (none means UTC). */
export function parseDatetime(text: string): Date | undefined {
  const match = DATETIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 18 || minutes > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years below 100 as 19xx.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(Number(h), Number(mi) - offsetMinutes, Number(s), Number(fraction.slice(0, 3).padEnd(3, '0')));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function isCanonicalDatetime(text: string): boolean {
  return CANONICAL_DATETIME.test(text) && parseDatetime(text) !== undefined;
}

export function isDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
