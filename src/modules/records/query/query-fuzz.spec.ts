import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationFailedError } from 'src/common/errors/domain.error';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { compileAggregate } from './compile-aggregate';
import { compileCount, compileList } from './compile-list';
import { compileExpandFetch, compileReverseExpandFetch } from './compile-expand';
import type { CompiledQuery } from './compiled-query';
import { LIST_PARAMETERS, parseListQuery } from './parse-list-query';
import { SeededRandom, randomListRequest } from './spec-random';
import { articles, schemas } from './spec-fixtures';
import type { Expansion, ListQuery } from './list-query';

const ITERATIONS = 5_000;
const ALL_SCHEMAS = ['companies', 'authors', 'articles', 'comments'].map((name) => schemas.get(name)!);

/** Every identifier the SQL may contain: names from the schemas, and the compiler's own aliases. */
const IDENTIFIERS = new Set<string>(['t', 't1', 't2', 't3', 'r', '_rank', 'count', 'id', 'created_at', 'updated_at', 'deleted_at']);
for (const schema of ALL_SCHEMAS) {
  IDENTIFIERS.add(schema.table);
  for (const field of schema.fields) {
    IDENTIFIERS.add(field.name);
    for (const fn of ['sum', 'avg', 'min', 'max']) IDENTIFIERS.add(`${fn}_${field.name}`);
  }
}
for (const fn of ['min', 'max']) for (const name of ['created_at', 'updated_at', 'id']) IDENTIFIERS.add(`${fn}_${name}`);

/** The only string literals the compiler writes; everything else a user says is a parameter. */
const LITERALS = new Set(["'UTC'", `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`, "'YYYY-MM-DD'", "'simple'", "''", "' '", "'%Y-%m-%dT%H:%i:%s.%fZ'", "'%Y-%m-%d'"]);

const KEYWORDS = new Set(
  (
    'SELECT FROM WHERE AND OR NOT IN IS NULL AS ORDER BY ASC DESC LIMIT OFFSET GROUP count sum avg min max CAST DOUBLE CHAR to_char AT TIME ZONE DATE_FORMAT ' +
    'to_tsvector coalesce websearch_to_tsquery MATCH AGAINST NATURAL LANGUAGE MODE LIKE ILIKE LOWER ANY ALL JSON_NORMALIZE jsonb text uuid bigint double precision ' +
    'boolean timestamptz date row_number OVER PARTITION COLLATE utf8mb4_bin'
  ).split(' '),
);

/**
 * Proves a statement's shape came from the compiler alone: its literals are
 * the compiler's, its identifiers the schema's, every other word a keyword,
 * no digits, and exactly one parameter per placeholder.
 */
function assertSafe(compiled: CompiledQuery, dialect: Dialect, context: string): void {
  let rest = compiled.sql.replace(/'[^']*'/g, (literal) => {
    assert.ok(LITERALS.has(literal), `${context}: unexpected literal ${literal} in ${compiled.sql}`);
    return ' ';
  });
  const quoted = dialect === 'postgres' ? /"([^"]*)"/g : /`([^`]*)`/g;
  rest = rest.replace(quoted, (_, name: string) => {
    assert.ok(IDENTIFIERS.has(name), `${context}: unexpected identifier ${name} in ${compiled.sql}`);
    return ' ';
  });
  const placeholders = dialect === 'postgres' ? (rest.match(/\$\d+/g) ?? []).map((p) => Number(p.slice(1))) : (rest.match(/\?/g) ?? []).map(() => 0);
  rest = rest.replace(dialect === 'postgres' ? /\$\d+/g : /\?/g, ' ');
  for (const word of rest.split(/[\s(),.=<>:@|*[\]]+/).filter(Boolean)) {
    assert.ok(KEYWORDS.has(word), `${context}: unexpected text ${JSON.stringify(word)} in ${compiled.sql}`);
  }
  assert.doesNotMatch(rest, /[;'"`\\#-]|\/\*/, `${context}: stray punctuation in ${compiled.sql}`);
  if (dialect === 'postgres') {
    const highest = Math.max(0, ...placeholders);
    assert.equal(highest, compiled.params.length, `${context}: placeholders and params differ`);
    for (let n = 1; n <= highest; n++) assert.ok(placeholders.includes(n), `${context}: $${n} unused`);
  } else {
    assert.equal(placeholders.length, compiled.params.length, `${context}: placeholders and params differ`);
  }
  for (const param of compiled.params) {
    const values = Array.isArray(param) ? param : [param];
    for (const value of values) assert.ok(['string', 'number', 'boolean'].includes(typeof value) || value instanceof Date, `${context}: odd parameter ${String(value)}`);
  }
}

function compileAll(query: ListQuery, dialect: Dialect): CompiledQuery[] {
  if (query.aggregate) return [compileAggregate(query, articles, schemas, dialect)];
  const statements: CompiledQuery[] = [compileList(query, articles, schemas, dialect), compileCount(query, articles, schemas, dialect)];
  const ids = ['0190a0b0-1111-7000-8000-00000000000a'];
  const walk = (expansions: readonly Expansion[]) => {
    for (const e of expansions) {
      const schema = schemas.get(e.collection)!;
      statements.push(e.kind === 'forward' ? compileExpandFetch(schema, ids, dialect, e.projection) : compileReverseExpandFetch(schema, e.field, ids, dialect, e.projection));
      walk(e.projection.expand);
    }
  };
  walk(query.projection.expand);
  return statements;
}

describe('parse and compile under random and hostile input', () => {
  it('has a checker that notices values, unknown identifiers and stray text in SQL', () => {
    const ok = { sql: 'SELECT "t"."id" FROM "c_articles" AS "t" WHERE "t"."title" = $1 LIMIT $2', params: ['x', 1], shapeKey: '' };
    assertSafe(ok, 'postgres', 'control');
    const bad = [
      { ...ok, sql: ok.sql.replace('$1', "'x'") },
      { ...ok, sql: ok.sql.replace('"title"', '"evil"') },
      { ...ok, sql: ok.sql.replace('$2', '5') },
      { ...ok, sql: `${ok.sql}; DROP TABLE "c_articles"` },
      { ...ok, sql: `${ok.sql} -- x` },
      { ...ok, sql: ok.sql.replace('= $1', '= $1 OR x') },
      { ...ok, params: ['x'] },
    ];
    for (const compiled of bad) assert.throws(() => assertSafe(compiled, 'postgres', 'tampered'), assert.AssertionError);
    assert.throws(() => assertSafe({ sql: 'SELECT `t`.`id` FROM `c_articles` AS `t` WHERE `t`.`title` = ?', params: [], shapeKey: '' }, 'mysql', 'tampered'), assert.AssertionError);
  });

  it(`either refuses with a 400 naming a parameter, or writes SQL whose shape only the schema decides (${ITERATIONS} requests, both dialects)`, () => {
    const random = new SeededRandom(20_240_501);
    let accepted = 0;
    const refusedFields = new Set<string>();
    for (let i = 0; i < ITERATIONS; i++) {
      const raw = randomListRequest(random, articles);
      const context = `request ${i} ${JSON.stringify(raw)}`;
      let query: ListQuery;
      try {
        query = parseListQuery(articles, raw, schemas);
      } catch (error) {
        assert.ok(error instanceof ValidationFailedError, `${context}: threw ${String(error)}`);
        const field = error.errors?.[0]?.field ?? '';
        const param = field.split('.')[0];
        assert.ok(LIST_PARAMETERS.includes(param) || Object.keys(raw).includes(param), `${context}: error names ${field}`);
        assert.ok(error.errors![0].message.length > 0);
        refusedFields.add(param);
        continue;
      }
      accepted++;
      for (const dialect of ['postgres', 'mysql'] as const) {
        for (const compiled of compileAll(query, dialect)) assertSafe(compiled, dialect, `${context} (${dialect})`);
      }
    }
    // Both outcomes must be well exercised, or the property says little.
    assert.ok(accepted > ITERATIONS * 0.2, `only ${accepted} of ${ITERATIONS} requests were accepted`);
    assert.ok(accepted < ITERATIONS * 0.8, `${accepted} of ${ITERATIONS} requests were accepted`);
    for (const param of ['filter', 'sort', 'fields', 'expand', 'limit', 'cursor', 'search', 'aggregate']) assert.ok(refusedFields.has(param), `no request was refused for ${param}`);
  });

  it('gives the same shape key to requests that differ only in values', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 500; i++) {
      const views = random.int(1000);
      const title = random.pick(["a'b", '%', 'x;--', 'é']);
      const raw = { filter: JSON.stringify({ views: { $gt: views }, title: { $like: title }, status: { $in: ['draft', 'published'] } }), limit: String(1 + random.int(500)) };
      for (const dialect of ['postgres', 'mysql'] as const) {
        const compiled = compileList(parseListQuery(articles, raw, schemas), articles, schemas, dialect);
        const reference = compileList(parseListQuery(articles, { filter: '{"views": {"$gt": 0}, "title": {"$like": ""}, "status": {"$in": ["archived", "draft"]}}' }, schemas), articles, schemas, dialect);
        assert.equal(compiled.shapeKey, reference.shapeKey);
        assert.equal(compiled.sql, reference.sql);
        assert.ok(compiled.params.includes(title) || compiled.params.includes(views));
      }
    }
  });
});
