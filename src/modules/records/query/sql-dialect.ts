import type { FieldType } from 'src/modules/collections/collection-schema';
import { quote, type Dialect } from 'src/modules/collections/sql-identifiers';
import type { FilterValue } from './list-query';
import type { SqlParams } from './sql-params';

/**
 * Everything that differs between PostgreSQL and MariaDB in the SQL this
 * folder writes. Column arguments are already-quoted references; values only
 * ever arrive as placeholders or through `params`.
 */
export interface SqlSyntax {
  readonly dialect: Dialect;
  /** PostgreSQL can name one parameter twice ($1 … $1); MySQL needs a fresh `?` and value for each use. */
  readonly reusesParameters: boolean;
  quote(identifier: string): string;
  placeholder(position: number): string;
  /** A datetime column as ISO 8601 UTC text with microseconds: exact for keyset cursors, and free of driver time zone settings. */
  datetimeText(column: string): string;
  /** A date column as YYYY-MM-DD text: drivers otherwise turn dates into midnights in some time zone. */
  dateText(column: string): string;
  /** A json column as JSON text, so rows map the same whichever way the driver reads JSON. */
  jsonText(column: string): string;
  like(column: string, type: FieldType, placeholder: string, caseInsensitive: boolean): string;
  /** The search words as the full-text engine should receive them. */
  searchText(search: string): string;
  jsonEquals(column: string, placeholder: string): string;
  /** `column IN values` with the values bound as parameters. */
  anyOf(column: string, type: FieldType, values: readonly FilterValue[], params: SqlParams, negated: boolean): string;
  /** One ORDER BY term; NULLs sort as the largest value on both dialects (PostgreSQL's rule). */
  orderBy(expression: string, descending: boolean, nullable: boolean): string;
  average(column: string, type: FieldType): string;
  /**
   * What full-text search matches against, from the searchable columns
   * (quoted, unqualified): on PostgreSQL the tsvector expression the GIN
   * index is built on, on MariaDB the FULLTEXT index's column list.
   */
  searchTarget(columns: readonly string[]): string;
  searchMatch(target: string, placeholder: string): string;
  /** A filter or cursor value as the driver should receive it for a column of `type`. */
  parameter(value: FilterValue, type: FieldType): unknown;
}

const PG_ARRAY_TYPES: Record<FieldType, string | undefined> = {
  string: 'text',
  text: 'text',
  email: 'text',
  url: 'text',
  enum: 'text',
  integer: 'bigint',
  number: 'double precision',
  boolean: 'boolean',
  datetime: 'timestamptz',
  date: 'date',
  uuid: 'uuid',
  relation: 'uuid',
  json: undefined,
};

const postgres: SqlSyntax = {
  dialect: 'postgres',
  reusesParameters: true,
  quote: (identifier) => quote('postgres', identifier),
  placeholder: (position) => `$${position}`,
  datetimeText: (column) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  dateText: (column) => `to_char(${column}, 'YYYY-MM-DD')`,
  jsonText: (column) => column,
  // uuid has no LIKE operator; its text form is the canonical lower-case one.
  like: (column, type, placeholder, caseInsensitive) => `${type === 'uuid' || type === 'relation' ? `${column}::text` : column} ${caseInsensitive ? 'ILIKE' : 'LIKE'} ${placeholder}`,
  jsonEquals: (column, placeholder) => `${column} = ${placeholder}::jsonb`,
  anyOf(column, type, values, params, negated) {
    const arrayType = PG_ARRAY_TYPES[type];
    if (!arrayType) throw new Error(`no array type for ${type} fields`);
    // One array parameter: the SQL text, and so the prepared statement, does not depend on how many values there are.
    const array = `${params.add(values.map((value) => this.parameter(value, type)))}::${arrayType}[]`;
    return negated ? `${column} <> ALL(${array})` : `${column} = ANY(${array})`;
  },
  orderBy: (expression, descending) => `${expression} ${descending ? 'DESC' : 'ASC'}`,
  average: (column) => `avg(${column})`,
  searchTarget: (columns) => `to_tsvector('simple', ${columns.map((column) => `coalesce(${column}, '')`).join(` || ' ' || `)})`,
  // websearch syntax: quoted phrases, or, -word; never a syntax error whatever the user types.
  searchMatch: (target, placeholder) => `${target} @@ websearch_to_tsquery('simple', ${placeholder})`,
  searchText: (search) => search,
  parameter: (value) => value,
};

const mysql: SqlSyntax = {
  dialect: 'mysql',
  reusesParameters: false,
  quote: (identifier) => quote('mysql', identifier),
  placeholder: () => '?',
  datetimeText: (column) => `DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.%fZ')`,
  dateText: (column) => `DATE_FORMAT(${column}, '%Y-%m-%d')`,
  // mysql2 parses MariaDB JSON only when the server sends extended metadata; as text it is always a string.
  jsonText: (column) => `CAST(${column} AS CHAR)`,
  // The tables' collation ignores case, so a case-sensitive LIKE needs the binary collation.
  like: (column, _type, placeholder, caseInsensitive) => (caseInsensitive ? `LOWER(${column}) LIKE LOWER(${placeholder})` : `${column} COLLATE utf8mb4_bin LIKE ${placeholder}`),
  // JSON_EQUALS matches NULL columns inside WHERE on MariaDB 10.11; normalized text compares exactly (binary collation).
  jsonEquals: (column, placeholder) => `JSON_NORMALIZE(${column}) = JSON_NORMALIZE(${placeholder})`,
  anyOf(column, type, values, params, negated) {
    const list = values.map((value) => params.add(this.parameter(value, type))).join(', ');
    return `${column} ${negated ? 'NOT IN' : 'IN'} (${list})`;
  },
  orderBy(expression, descending, nullable) {
    const direction = descending ? 'DESC' : 'ASC';
    // MariaDB sorts NULL as the smallest value; `x IS NULL` first puts it where PostgreSQL does.
    return nullable ? `${expression} IS NULL ${direction}, ${expression} ${direction}` : `${expression} ${direction}`;
  },
  // AVG of an integer is DECIMAL with 4 decimals on MariaDB; as a double it matches PostgreSQL.
  average: (column, type) => (type === 'integer' ? `avg(CAST(${column} AS DOUBLE))` : `avg(${column})`),
  searchTarget: (columns) => `MATCH(${columns.join(', ')})`,
  searchMatch: (target, placeholder) => `${target} AGAINST (${placeholder} IN NATURAL LANGUAGE MODE)`,
  // InnoDB's full-text parser rejects its operator characters even in natural language mode: keep the words only.
  searchText: (search) => search.match(/[\p{L}\p{N}_]+/gu)!.join(' '),
  parameter(value, type) {
    if (type !== 'datetime') return value;
    // datetime(3) holds UTC wall-clock time; a string keeps the driver's time zone option out of it.
    const iso = value instanceof Date ? value.toISOString() : String(value);
    return iso.replace('T', ' ').replace('Z', '');
  },
};

export function syntaxOf(dialect: Dialect): SqlSyntax {
  return dialect === 'postgres' ? postgres : mysql;
}
