import type { FieldType } from 'src/modules/collections/collection-schema';
import type { FieldInfo } from './collection-model';
import type { FilterNode, FilterValue } from './list-query';

/** SQL's three truth values: `null` is UNKNOWN (a comparison with NULL). A row matches only when its filter is true. */
export type Truth = boolean | null;

export type RelationNode = Extract<FilterNode, { kind: 'relation' }>;

/**
 * Decides a relation node, which needs the related collection. `value` is the
 * record's relation value (null when it has none). To match SQL's
 * `field IN (SELECT id FROM target WHERE live AND node)`: for a value, true
 * when that live target record matches `node.node`, else false; for null,
 * null when some live target record matches `node.node`, else false.
 */
export type RelationResolver = (node: RelationNode, value: string | null) => Truth;

/**
 * Evaluates a parsed filter on one record in memory, with the semantics of
 * the SQL compileFilter writes on PostgreSQL (three-valued logic included),
 * so a record can be checked against a permission's row filter without a
 * query, even after it was deleted. `record` holds values as the API
 * returns them (datetimes as ISO 8601 text; up to microseconds compare
 * exactly, a millisecond value compares as stored at that precision);
 * a missing field counts as NULL. `fields` are the collection's fields with
 * the system ones (modelOf(schema).fields).
 *
 * Text compares by code point, as PostgreSQL's C and C.UTF-8 collations do;
 * $ilike folds case one code point at a time (Unicode simple lower case).
 * A database with a linguistic collation orders text differently, and
 * MariaDB's case-insensitive collation also equates 'a' and 'A'.
 */
export function evaluateFilter(node: FilterNode, record: Readonly<Record<string, unknown>>, fields: ReadonlyMap<string, FieldInfo>, relation: RelationResolver): Truth {
  switch (node.kind) {
    case 'and': {
      let result: Truth = true;
      for (const child of node.nodes) {
        const value = evaluateFilter(child, record, fields, relation);
        if (value === false) return false;
        if (value === null) result = null;
      }
      return result;
    }
    case 'or': {
      let result: Truth = false;
      for (const child of node.nodes) {
        const value = evaluateFilter(child, record, fields, relation);
        if (value === true) return true;
        if (value === null) result = null;
      }
      return result;
    }
    case 'not': {
      const value = evaluateFilter(node.node, record, fields, relation);
      return value === null ? null : !value;
    }
    case 'null':
      return (valueOf(record, fieldOf(fields, node.field)) === null) === node.isNull;
    case 'in': {
      const info = fieldOf(fields, node.field);
      const value = valueOf(record, info);
      if (value === null) return null;
      const found = node.values.some((candidate) => compare(info.type, value, candidate) === 0);
      return found !== node.negated;
    }
    case 'compare': {
      const info = fieldOf(fields, node.field);
      const value = valueOf(record, info);
      if (value === null) return null;
      switch (node.op) {
        case 'like':
        case 'ilike':
          return likeMatcher(String(node.value), node.op === 'ilike').test(node.op === 'ilike' ? foldCase(textOf(info.type, value)) : textOf(info.type, value));
        case 'eq':
          return compare(info.type, value, node.value) === 0;
        case 'ne':
          return compare(info.type, value, node.value) !== 0;
        case 'gt':
          return compare(info.type, value, node.value) > 0;
        case 'gte':
          return compare(info.type, value, node.value) >= 0;
        case 'lt':
          return compare(info.type, value, node.value) < 0;
        case 'lte':
          return compare(info.type, value, node.value) <= 0;
      }
      break;
    }
    case 'relation': {
      const value = valueOf(record, fieldOf(fields, node.field));
      return relation(node, value === null ? null : String(value).toLowerCase());
    }
  }
  throw new Error(`filter: unknown node ${JSON.stringify(node)}`);
}

function fieldOf(fields: ReadonlyMap<string, FieldInfo>, name: string): FieldInfo {
  const info = fields.get(name);
  // Parsed filters only name existing fields; this is a filter built against another schema version.
  if (!info) throw new Error(`filter: no field ${name}`);
  return info;
}

/** The record's value, undefined and null alike as SQL NULL. */
function valueOf(record: Readonly<Record<string, unknown>>, info: FieldInfo): unknown {
  const value = Object.hasOwn(record, info.name) ? record[info.name] : undefined;
  return value === undefined ? null : value;
}

/** Sign of `value` (the record's) against `operand` (the filter's, as coerceValue made it). */
function compare(type: FieldType, value: unknown, operand: FilterValue): number {
  switch (type) {
    case 'integer':
    case 'number':
      return Math.sign(Number(value) - Number(operand));
    case 'boolean':
      return Number(value === true || value === 1 || value === '1' || value === 'true') - Number(operand === true);
    case 'datetime': {
      const a = micros(value);
      const b = micros(operand);
      return a === b ? 0 : a < b ? -1 : 1;
    }
    case 'json':
      return jsonbEquals(value, JSON.parse(String(operand))) ? 0 : 1;
    default:
      return Buffer.compare(Buffer.from(textOf(type, value), 'utf8'), Buffer.from(String(operand), 'utf8'));
  }
}

/** uuids and relations compare (and match LIKE) in their canonical lower-case text, as PostgreSQL's uuid type does. */
function textOf(type: FieldType, value: unknown): string {
  const text = String(value);
  return type === 'uuid' || type === 'relation' ? text.toLowerCase() : text;
}

/** Microseconds since the epoch of a Date or ISO 8601 text (the stored precision). */
function micros(value: unknown): bigint {
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  const text = String(value);
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`filter: ${JSON.stringify(text)} is not a datetime`);
  // Date.parse keeps milliseconds; the 4th to 6th fraction digits are the microseconds it drops.
  return BigInt(ms) * 1000n + BigInt(fraction.slice(3, 6).padEnd(3, '0'));
}

/** jsonb equality: object keys in any order, numbers by value, arrays in order. */
function jsonbEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonbEquals(item, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonbEquals((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
  }
  return a === b;
}

const matchers = new Map<string, RegExp>();

/**
 * PostgreSQL's LIKE: `%` any run of characters, `_` exactly one, `\` makes
 * the next character literal; the whole text must match. ILIKE folds both
 * sides' case.
 */
function likeMatcher(pattern: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let matcher = matchers.get(key);
  if (!matcher) {
    let source = '';
    const characters = [...(caseInsensitive ? foldCase(pattern) : pattern)];
    for (let i = 0; i < characters.length; i++) {
      const c = characters[i];
      if (c === '\\' && i + 1 < characters.length) source += escapeRegExp(characters[++i]);
      else if (c === '%') source += '[^]*';
      else if (c === '_') source += '[^]';
      else source += escapeRegExp(c);
    }
    matcher = new RegExp(`^${source}$`, 'u');
    // Patterns come from permissions and requests: keep the cache bounded.
    if (matchers.size >= 1000) matchers.clear();
    matchers.set(key, matcher);
  }
  return matcher;
}

function escapeRegExp(character: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(character) ? `\\${character}` : character;
}

/** Lower case one code point at a time (İ gives i, not i and a combining dot), as the database's towlower does. */
function foldCase(text: string): string {
  let out = '';
  for (const c of text) out += String.fromCodePoint(c.toLowerCase().codePointAt(0)!);
  return out;
}
