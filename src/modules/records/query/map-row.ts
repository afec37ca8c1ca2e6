import type { CollectionSchema, FieldType } from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { modelOf } from './collection-model';
import type { ListQuery } from './list-query';

type Convert = (value: unknown) => unknown;
type RowMapper = (row: Readonly<Record<string, unknown>>) => Record<string, unknown>;

const mappers = new WeakMap<CollectionSchema, { version: number; byDialect: Map<Dialect, RowMapper> }>();

/**
 * A database row as the API returns the record: integers as numbers (pg and
 * mysql2 give bigints as strings), booleans as true/false (MariaDB's
 * tinyint), datetimes as ISO 8601 with milliseconds and Z, dates as
 * YYYY-MM-DD, JSON parsed. Other values pass unchanged, and so do columns
 * the collection does not know. Returns a new object: the row itself stays
 * as it was, for encodeCursor. The mapper is built once per schema version
 * and dialect.
 */
export function mapRow(row: Readonly<Record<string, unknown>>, collection: CollectionSchema, dialect: Dialect): Record<string, unknown> {
  return mapperFor(collection, dialect)(row);
}

/** Maps an aggregate row: counts, sums and averages as numbers; min, max and group values like the fields they come from. */
export function aggregateRowMapper(query: ListQuery, collection: CollectionSchema, dialect: Dialect): RowMapper {
  const aggregate = query.aggregate;
  if (!aggregate) throw new Error('aggregateRowMapper: the query asks for no aggregates');
  const fields = query.trash ? modelOf(collection).trashFields : modelOf(collection).fields;
  const typeOf = (name: string) => fields.get(name)!.type;
  const converters: [string, Convert][] = [];
  for (const name of aggregate.groupBy) pushConverter(converters, name, typeOf(name), dialect);
  for (const column of aggregate.columns) {
    if (column.field && (column.fn === 'min' || column.fn === 'max')) pushConverter(converters, column.alias, typeOf(column.field), dialect);
    else converters.push([column.alias, toNumber]);
  }
  return compose(converters);
}

function mapperFor(collection: CollectionSchema, dialect: Dialect): RowMapper {
  let cached = mappers.get(collection);
  if (!cached || cached.version !== collection.version) {
    cached = { version: collection.version, byDialect: new Map() };
    mappers.set(collection, cached);
  }
  let mapper = cached.byDialect.get(dialect);
  if (!mapper) {
    const converters: [string, Convert][] = [];
    for (const field of modelOf(collection).trashFields.values()) pushConverter(converters, field.name, field.type, dialect);
    mapper = compose(converters);
    cached.byDialect.set(dialect, mapper);
  }
  return mapper;
}

/** Only the columns that need work get a converter; the rest are copied as they are. */
function compose(converters: readonly [string, Convert][]): RowMapper {
  const names = converters.map(([name]) => name);
  const convert = converters.map(([, fn]) => fn);
  return (row) => {
    const record: Record<string, unknown> = { ...row };
    for (let i = 0; i < names.length; i++) {
      const value = record[names[i]];
      if (value !== null && value !== undefined) record[names[i]] = convert[i](value);
    }
    return record;
  };
}

function pushConverter(converters: [string, Convert][], name: string, type: FieldType, dialect: Dialect): void {
  const convert = converterFor(type, dialect);
  if (convert) converters.push([name, convert]);
}

function converterFor(type: FieldType, dialect: Dialect): Convert | undefined {
  switch (type) {
    case 'integer':
      return toNumber;
    case 'boolean':
      return dialect === 'mysql' ? toBoolean : undefined;
    case 'datetime':
      return toIsoDatetime;
    case 'date':
      // node-postgres reads a date as local midnight; mysql2 with timezone 'Z' as UTC midnight.
      return dialect === 'mysql' ? toUtcDate : toLocalDate;
    case 'json':
      return dialect === 'mysql' ? parseJsonText : undefined;
    default:
      return undefined;
  }
}

function toNumber(value: unknown): unknown {
  return typeof value === 'string' ? Number(value) : value;
}

function toBoolean(value: unknown): unknown {
  return value === 1 || value === '1' || value === true;
}

/** Our SQL reads datetimes as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; other queries give Dates or database text. */
function toIsoDatetime(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.length === 27 && value[10] === 'T' && value[26] === 'Z') return `${value.slice(0, 23)}Z`;
    if (value.length === 24 && value[10] === 'T' && value[23] === 'Z') return value;
    // 'YYYY-MM-DD HH:MM:SS[.fff][+HH[:MM]]' (PostgreSQL text, MariaDB dateStrings); without an offset it is UTC.
    const iso = value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
    const date = new Date(/(?:Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(date.getTime()) ? value : date.toISOString();
  }
  return value instanceof Date ? value.toISOString() : value;
}

function toLocalDate(value: unknown): unknown {
  if (typeof value === 'string') return value.slice(0, 10);
  if (!(value instanceof Date)) return value;
  return `${pad(value.getFullYear(), 4)}-${pad(value.getMonth() + 1, 2)}-${pad(value.getDate(), 2)}`;
}

function toUtcDate(value: unknown): unknown {
  if (typeof value === 'string') return value.slice(0, 10);
  return value instanceof Date ? value.toISOString().slice(0, 10) : value;
}

/** Our SQL reads MariaDB JSON as text; a value mysql2 already parsed passes through (unless it is a string that is itself JSON text). */
function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
