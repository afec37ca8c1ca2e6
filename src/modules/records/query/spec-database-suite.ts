import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CollectionSchema, FieldType } from 'src/modules/collections/collection-schema';
import type { Dialect } from 'src/modules/collections/sql-identifiers';
import { compileAggregate } from './compile-aggregate';
import { compileExpandFetch, compileReverseExpandFetch } from './compile-expand';
import { compileCount, compileList } from './compile-list';
import { modelOf } from './collection-model';
import { evaluateFilter, type RelationResolver } from './evaluate-filter';
import type { CompiledQuery } from './compiled-query';
import { encodeCursor } from './cursor';
import type { FilterNode, ListQuery } from './list-query';
import { aggregateRowMapper, mapRow } from './map-row';
import { parseFilter } from './parse-filter';
import { parseListQuery, type RawListQuery } from './parse-list-query';
import { searchVectorSql } from './search-vector';
import { articles, authors, comments, companies, schemas } from './spec-fixtures';
import { SeededRandom, randomFilter, randomListRequest } from './spec-random';

/** Test-only: a scratch database the suite owns. */
export interface ScratchDatabase {
  query(statement: CompiledQuery | { sql: string; params: unknown[] }): Promise<Record<string, unknown>[]>;
  /** Also drops the scratch database. */
  close(): Promise<void>;
}

type Row = Record<string, unknown>;

const uuid = (n: number) => `0190a0b0-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const CREATED = Date.parse('2024-05-01T10:00:00.000Z');

const companyRows: Row[] = [
  { id: uuid(1), name: 'Acme', parent: null },
  { id: uuid(2), name: 'Acme Sub', parent: uuid(1) },
  { id: uuid(3), name: 'Globex', parent: null },
];

const authorRows: Row[] = [
  { id: uuid(10), name: 'Ada', email: 'ada@example.com', company: uuid(1), birthday: '1990-02-28', active: true, deleted_at: null },
  { id: uuid(11), name: 'Bob', email: null, company: uuid(3), birthday: '2001-12-31', active: false, deleted_at: null },
  { id: uuid(12), name: 'Cy', email: 'cy@example.com', company: uuid(2), birthday: null, active: true, deleted_at: '2024-04-01T00:00:00.000000Z' },
  { id: uuid(13), name: 'Dee', email: null, company: uuid(2), birthday: '1985-07-04', active: true, deleted_at: null },
];

/** created_at: three rows per millisecond, a microsecond apart, so keyset cursors must be exact to the microsecond. */
const articleRows: Row[] = Array.from({ length: 24 }, (_, i) => ({
  id: uuid(100 + i),
  created_at: microIso(CREATED + Math.floor(i / 3), i % 3),
  title: `Article ${String(i).padStart(2, '0')}`,
  body: [`Notes on rust and memory ${i}`, `Gardening tips ${i}`, null, 'Rust belt history'][i % 4],
  status: ['draft', 'published', 'archived'][i % 3],
  views: [5, 10, 10, 25, 0, 7][i % 6] + (i >= 12 ? 100 : 0),
  rating: i % 5 === 0 ? null : (i % 5) * 1.25,
  published_at: i % 3 === 0 ? null : microIso(Date.parse('2024-01-01T00:00:00Z') + i * 86_400_000 + 123, 456),
  meta: [{ a: 1 }, { a: 1, b: [1, 2] }, null, 'text'][i % 4],
  featured: i % 7 === 0,
  external: i % 2 === 0 ? uuid(900 + i) : null,
  author: [uuid(10), uuid(11), uuid(12), uuid(13), null][i % 5],
  deleted_at: i === 5 || i === 17 ? '2024-05-02T00:00:00.000000Z' : null,
}));

const commentRows: Row[] = [
  ...Array.from({ length: 5 }, (_, i) => ({ id: uuid(500 + i), body: `First ${i}`, article: uuid(100), likes: i })),
  { id: uuid(510), body: 'Second a', article: uuid(101), likes: 3 },
  { id: uuid(511), body: 'Second b', article: uuid(101), likes: 0 },
  { id: uuid(512), body: 'On a deleted article', article: uuid(105), likes: 9 },
];

function microIso(ms: number, micros: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

function columnType(type: FieldType, dialect: Dialect, maxLength?: number): string {
  const pg = dialect === 'postgres';
  const types: Record<FieldType, string> = {
    string: `varchar(${maxLength ?? 255})`,
    text: pg ? 'text' : 'longtext',
    integer: 'bigint',
    number: pg ? 'double precision' : 'double',
    boolean: pg ? 'boolean' : 'tinyint(1)',
    datetime: pg ? 'timestamptz' : 'datetime(3)',
    date: 'date',
    json: pg ? 'jsonb' : 'json',
    enum: 'varchar(64)',
    email: 'varchar(320)',
    url: 'varchar(2048)',
    uuid: pg ? 'uuid' : 'char(36)',
    relation: pg ? 'uuid' : 'char(36)',
  };
  return types[type];
}

/** The tables Basalt's DDL would make, written out by hand. */
function createTables(dialect: Dialect): string[] {
  const pg = dialect === 'postgres';
  const q = (name: string) => (pg ? `"${name}"` : `\`${name}\``);
  const timestamp = columnType('datetime', dialect);
  const statements = [companies, authors, articles, comments].map((schema) => {
    const columns = [
      `${q('id')} ${columnType('uuid', dialect)} NOT NULL PRIMARY KEY`,
      `${q('created_at')} ${timestamp} NOT NULL DEFAULT ${pg ? 'now()' : 'CURRENT_TIMESTAMP(3)'}`,
      `${q('updated_at')} ${timestamp} NOT NULL DEFAULT ${pg ? 'now()' : 'CURRENT_TIMESTAMP(3)'}`,
      ...(schema.softDelete ? [`${q('deleted_at')} ${timestamp} NULL`] : []),
      ...schema.fields.map((f) => `${q(f.name)} ${columnType(f.type, dialect, f.maxLength)}${f.required ? ' NOT NULL' : ' NULL'}${f.target ? ` REFERENCES ${q(`c_${f.target}`)} (${q('id')})` : ''}`),
    ];
    return `CREATE TABLE ${q(schema.table)} (${columns.join(', ')})${pg ? '' : ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci'}`;
  });
  statements.push(pg ? `CREATE INDEX articles_search ON "c_articles" USING gin (${searchVectorSql(articles)})` : 'CREATE FULLTEXT INDEX articles_search ON `c_articles` (`title`, `body`)');
  return statements;
}

function insert(dialect: Dialect, schema: CollectionSchema, row: Row): { sql: string; params: unknown[] } {
  const pg = dialect === 'postgres';
  const names = Object.keys(row);
  const types = new Map<string, FieldType>(schema.fields.map((f) => [f.name, f.type]));
  const params = names.map((name) => {
    const value = row[name];
    if (value === null) return null;
    const type = ['created_at', 'updated_at', 'deleted_at'].includes(name) ? 'datetime' : types.get(name);
    if (type === 'json') return JSON.stringify(value);
    if (type === 'datetime' && !pg) return String(value).replace('T', ' ').replace('Z', '');
    return value;
  });
  const q = (name: string) => (pg ? `"${name}"` : `\`${name}\``);
  const placeholders = names.map((_, i) => (pg ? `$${i + 1}` : '?'));
  return { sql: `INSERT INTO ${q(schema.table)} (${names.map(q).join(', ')}) VALUES (${placeholders.join(', ')})`, params };
}

/** What the API should say for an article row of the data above. */
function expectedArticle(row: Row): Row {
  const ms = (value: unknown) => (value === null ? null : `${String(value).slice(0, 23)}Z`);
  return { ...row, published_at: ms(row.published_at), created_at: ms(row.created_at), deleted_at: undefined };
}

const live = articleRows.filter((row) => row.deleted_at === null);
const liveAuthors = new Set(authorRows.filter((a) => a.deleted_at === null).map((a) => a.id));
const authorOf = (row: Row) => authorRows.find((a) => a.id === row.author && liveAuthors.has(a.id));
const companyOf = (id: unknown) => companyRows.find((c) => c.id === id);

/**
 * Compiles list, count, aggregate and expansion queries and runs them on a
 * real database holding the data above, checking the answers against the
 * same data filtered in JavaScript.
 */
export function databaseSuite(name: string, dialect: Dialect, open: () => Promise<ScratchDatabase>, options: { randomRequests?: number } = {}): void {
  const randomRequests = options.randomRequests ?? 300;
  describe(`compiled queries on ${name}`, () => {
    let db: ScratchDatabase;

    before(async () => {
      db = await open();
      for (const sql of createTables(dialect)) await db.query({ sql, params: [] });
      const data: [CollectionSchema, Row[]][] = [
        [companies, companyRows],
        [authors, authorRows],
        [articles, articleRows],
        [comments, commentRows],
      ];
      for (const [schema, rows] of data) for (const row of rows) await db.query(insert(dialect, schema, row));
    });

    after(async () => {
      await db?.close();
    });

    async function list(raw: RawListQuery, collection: CollectionSchema = articles, trash = false): Promise<{ query: ListQuery; rows: Row[] }> {
      const query = parseListQuery(collection, raw, schemas, { trash });
      return { query, rows: await db.query(compileList(query, collection, schemas, dialect)) };
    }

    async function ids(raw: RawListQuery, collection: CollectionSchema = articles, trash = false): Promise<unknown[]> {
      return (await list({ limit: '500', ...raw }, collection, trash)).rows.map((row) => row.id);
    }

    const idsOf = (rows: Row[]) => rows.map((row) => row.id);

    it('maps rows to API records: numbers, booleans, ISO datetimes, parsed JSON', async () => {
      const { rows } = await list({ filter: JSON.stringify({ id: { $in: [uuid(101), uuid(103)] } }) });
      const records = rows.map((row) => mapRow(row, articles, dialect));
      for (const [index, record] of records.entries()) {
        const source = articleRows.find((row) => row.id === record.id)!;
        const { updated_at, ...rest } = record;
        assert.match(String(updated_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        const expected = expectedArticle(source);
        delete expected.deleted_at;
        assert.deepEqual(rest, expected, `record ${index}`);
      }
      const people = (await list({ fields: 'name,birthday,active', sort: 'name' }, authors)).rows.map((row) => mapRow(row, authors, dialect));
      assert.deepEqual(people, [
        { id: uuid(10), name: 'Ada', birthday: '1990-02-28', active: true },
        { id: uuid(11), name: 'Bob', birthday: '2001-12-31', active: false },
        { id: uuid(13), name: 'Dee', birthday: '1985-07-04', active: true },
      ]);
    });

    it('filters with every operator as JavaScript would', async () => {
      const cases: [object, (row: Row) => boolean][] = [
        [{ status: 'published', views: { $gt: 10 } }, (r) => r.status === 'published' && Number(r.views) > 10],
        [{ views: { $gte: 10, $lte: 25 } }, (r) => Number(r.views) >= 10 && Number(r.views) <= 25],
        [{ views: { $ne: 10 } }, (r) => r.views !== 10],
        [{ views: { $in: [0, 107] } }, (r) => r.views === 0 || r.views === 107],
        [{ status: { $nin: ['draft', 'archived'] } }, (r) => r.status === 'published'],
        [{ title: { $like: 'Article 1%' } }, (r) => String(r.title).startsWith('Article 1')],
        [{ body: { $ilike: '%RUST%' } }, (r) => /rust/i.test(String(r.body ?? ''))],
        [{ external: { $like: '0190a0b0%' } }, (r) => r.external !== null],
        [{ published_at: { $null: true } }, (r) => r.published_at === null],
        [{ rating: { $null: false, $lt: 3 } }, (r) => r.rating !== null && Number(r.rating) < 3],
        [{ $or: [{ featured: true }, { rating: { $gte: 5 } }] }, (r) => r.featured === true || Number(r.rating) >= 5],
        [{ $not: { status: 'draft' } }, (r) => r.status !== 'draft'],
        [{ title: { $not: { $like: '%0' } } }, (r) => !String(r.title).endsWith('0')],
        [{ published_at: { $gte: '2024-01-10T00:00:00.123+00:00' } }, (r) => r.published_at !== null && String(r.published_at) >= '2024-01-10T00:00:00.123'],
        [{ created_at: { $lt: '2024-05-01T10:00:00.002Z' } }, (r) => String(r.created_at) < '2024-05-01T10:00:00.002'],
        [{ meta: { a: 1 } }, (r) => JSON.stringify(r.meta) === '{"a":1}'],
        [{ meta: { $ne: { b: [1, 2], a: 1 } } }, (r) => r.meta !== null && JSON.stringify(r.meta) !== '{"a":1,"b":[1,2]}'],
        [{ meta: 'text' }, (r) => r.meta === 'text'],
        [{ featured: false, author: { $null: true } }, (r) => r.featured === false && r.author === null],
        [{ author: uuid(11).toUpperCase() }, (r) => r.author === uuid(11)],
        [{ id: { $in: [uuid(100), uuid(105), uuid(106)] } }, (r) => [uuid(100), uuid(106)].includes(String(r.id))],
        [{ 'author.name': { $in: ['Ada', 'Cy'] } }, (r) => authorOf(r)?.name === 'Ada'],
        [{ 'author.active': false }, (r) => authorOf(r)?.active === false],
        [{ 'author.birthday': { $lt: '2000-01-01' } }, (r) => String(authorOf(r)?.birthday ?? '9') < '2000-01-01'],
        [{ 'author.company.name': 'Acme' }, (r) => companyOf(authorOf(r)?.company)?.name === 'Acme'],
        [{ 'author.company.parent.name': { $ilike: 'acme' } }, (r) => companyOf(companyOf(authorOf(r)?.company)?.parent)?.name === 'Acme'],
      ];
      for (const [filter, predicate] of cases) {
        assert.deepEqual(await ids({ filter: JSON.stringify(filter) }), idsOf(live.filter(predicate)), JSON.stringify(filter));
      }
    });

    it('keeps soft-deleted records out of lists, counts and relation paths, and shows only them in the trash', async () => {
      assert.deepEqual(await ids({}), idsOf(live));
      assert.deepEqual(await ids({}, articles, true), [uuid(105), uuid(117)]);
      assert.deepEqual(await ids({ filter: '{"author.name": "Cy"}' }), []);
      const [count] = await db.query(compileCount(parseListQuery(articles, { filter: '{"featured": false}' }, schemas), articles, schemas, dialect));
      assert.equal(Number(count.count), live.filter((r) => r.featured === false).length);
      assert.deepEqual(await ids({ sort: '-deleted_at,title' }, articles, true), [uuid(105), uuid(117)]);
    });

    it('ANDs the permission layer’s row filter', async () => {
      const query = parseListQuery(articles, { filter: '{"views": {"$gt": 5}}', limit: '500' }, schemas);
      const where = parseFilter({ 'author.name': 'Ada' }, articles, schemas, { param: 'permission' });
      const rows = await db.query(compileList(query, articles, schemas, dialect, { where }));
      assert.deepEqual(idsOf(rows), idsOf(live.filter((r) => Number(r.views) > 5 && authorOf(r)?.name === 'Ada')));
    });

    it('sorts and pages with offset', async () => {
      const expected = [...live].sort((a, b) => Number(b.views) - Number(a.views) || String(a.title).localeCompare(String(b.title)));
      assert.deepEqual(await ids({ sort: '-views,title' }), idsOf(expected));
      const { rows, query } = await list({ sort: '-views,title', limit: '5', offset: '5' });
      assert.equal(rows.length, query.limit + 1);
      assert.deepEqual(idsOf(rows), idsOf(expected.slice(5, 11)));
      const byRating = await ids({ sort: 'rating', fields: 'rating' });
      assert.deepEqual(byRating.slice(-live.filter((r) => r.rating === null).length), idsOf(live.filter((r) => r.rating === null)), 'NULLs last when ascending');
    });

    it('walks every page with a cursor, each record exactly once, even while records are added', async () => {
      for (const sort of ['-created_at', 'views,title', '-views', 'featured,-created_at', '']) {
        const seen: unknown[] = [];
        let cursor: string | undefined;
        let inserted = false;
        for (let page = 0; page < 50; page++) {
          const { query, rows } = await list({ sort, limit: '4', ...(cursor ? { cursor } : {}) });
          seen.push(...idsOf(rows.slice(0, query.limit)));
          if (rows.length <= query.limit) break;
          cursor = encodeCursor(rows[query.limit - 1], query);
          if (!inserted) {
            inserted = true;
            // One new record before the cursor's position and one after it (in creation order).
            for (const [n, views] of [[300, 1000], [301, -5]]) {
              await db.query(insert(dialect, articles, { ...articleRows[0], id: uuid(n), title: `Late ${n}`, views, created_at: microIso(CREATED + 50, 0), deleted_at: null }));
            }
          }
        }
        assert.equal(new Set(seen).size, seen.length, `sort ${sort}: no record twice`);
        for (const row of live) assert.ok(seen.includes(row.id), `sort ${sort}: ${String(row.id)} was missed`);
        await db.query({ sql: `DELETE FROM ${dialect === 'postgres' ? '"c_articles"' : '`c_articles`'} WHERE id IN (${dialect === 'postgres' ? '$1, $2' : '?, ?'})`, params: [uuid(300), uuid(301)] });
      }
    });

    it('searches the full text of string and text fields', async () => {
      assert.deepEqual(await ids({ search: 'rust' }), idsOf(live.filter((r) => /\brust\b/i.test(String(r.body)))));
      assert.deepEqual(await ids({ search: 'memory', filter: '{"status": "draft"}' }), idsOf(live.filter((r) => /memory/.test(String(r.body)) && r.status === 'draft')));
      assert.deepEqual(await ids({ search: 'nothing-like-this' }), []);
    });

    it('aggregates per group', async () => {
      const query = parseListQuery(articles, { aggregate: 'count,sum:views,avg:views,min:published_at,max:rating,min:title', group_by: 'status', sort: '-count,status' }, schemas);
      const rows = (await db.query(compileAggregate(query, articles, schemas, dialect))).map(aggregateRowMapper(query, articles, dialect));
      const expected = ['archived', 'draft', 'published'].map((status) => {
        const group = live.filter((r) => r.status === status);
        const views = group.map((r) => Number(r.views));
        const dates = group.map((r) => r.published_at).filter((d): d is string => d !== null).sort();
        const ratings = group.map((r) => r.rating).filter((v): v is number => v !== null);
        return {
          status,
          count: group.length,
          sum_views: views.reduce((a, b) => a + b, 0),
          avg_views: views.reduce((a, b) => a + b, 0) / views.length,
          min_published_at: dates.length ? `${dates[0].slice(0, 23)}Z` : null,
          max_rating: ratings.length ? Math.max(...ratings) : null,
          min_title: group.map((r) => String(r.title)).sort()[0],
        };
      });
      expected.sort((a, b) => b.count - a.count || a.status.localeCompare(b.status));
      assert.equal(rows.length, 3);
      for (const [i, row] of rows.entries()) {
        assert.ok(Math.abs(Number(row.avg_views) - expected[i].avg_views) < 1e-9);
        assert.deepEqual({ ...row, avg_views: 0 }, { ...expected[i], avg_views: 0 });
      }
      const [total] = (await db.query(compileAggregate(parseListQuery(articles, { aggregate: 'count,sum:rating', filter: '{"views": {"$gt": 1000}}' }, schemas), articles, schemas, dialect))).map(
        aggregateRowMapper(parseListQuery(articles, { aggregate: 'count,sum:rating' }, schemas), articles, dialect),
      );
      assert.deepEqual(total, { count: 0, sum_rating: null });
    });

    it('expands forward relations one query per level, skipping soft-deleted targets', async () => {
      const { query, rows } = await list({ fields: 'title,author.name,author.company.name', filter: '{"id": {"$in": ["' + uuid(100) + '", "' + uuid(102) + '", "' + uuid(103) + '", "' + uuid(104) + '"]}}' });
      const [author] = query.projection.expand;
      const authorIds = rows.map((row) => row.author).filter((id): id is string => typeof id === 'string');
      const fetchedAuthors = await db.query(compileExpandFetch(authors, authorIds, dialect, author.projection));
      assert.deepEqual(
        fetchedAuthors.map((row) => [row.id, row.name]).sort(),
        [
          [uuid(10), 'Ada'],
          [uuid(13), 'Dee'],
        ],
        'Cy (article 2) is in the trash',
      );
      const companyIds = fetchedAuthors.map((row) => String(row.company));
      const fetchedCompanies = await db.query(compileExpandFetch(companies, companyIds, dialect, author.projection.expand[0].projection));
      assert.deepEqual(fetchedCompanies.map((row) => row.name).sort(), ['Acme', 'Acme Sub']);
    });

    it('leaves out of expansions the related records a row filter hides, at every level', async () => {
      const ids = [uuid(10), uuid(11), uuid(13)];
      const where = parseFilter({ $or: [{ active: false }, { 'company.name': 'Acme' }] }, authors, schemas, { param: 'permission' });
      const fetched = await db.query(compileExpandFetch(authors, ids, dialect, { fields: ['name'], expand: [] }, { where, schemas }));
      assert.deepEqual(fetched.map((row) => row.name).sort(), ['Ada', 'Bob'], 'Dee works for Acme Sub');
      const few = parseFilter({ likes: { $gte: 3 } }, comments, schemas, { param: 'permission' });
      const children = await db.query(compileReverseExpandFetch(comments, 'article', [uuid(100), uuid(101), uuid(102)], dialect, { fields: ['body'], expand: [] }, { where: few, schemas }));
      assert.deepEqual(children.map((row) => row.body), ['First 3', 'First 4', 'Second a']);
      // A share of 1 per parent (1000 parents): the filter applies before the cap, so each parent's first readable child is the one kept.
      const parents = [uuid(100), uuid(101), ...Array.from({ length: 998 }, (_, i) => uuid(20_000 + i))];
      const capped = await db.query(compileReverseExpandFetch(comments, 'article', parents, dialect, { fields: ['body'], expand: [] }, { where: few, schemas }));
      assert.deepEqual(capped.map((row) => row.body), ['First 3', 'First 4', 'Second a']);
    });

    it('narrows a relation path to the related records a row filter allows', async () => {
      const hidden = parseFilter({ name: { $ne: 'Ada' } }, authors, schemas, { param: 'permission' });
      const query = parseListQuery(articles, { filter: '{"author.name": "Ada"}', limit: '500' }, schemas);
      const narrowed = { ...query, filter: { ...(query.filter as Extract<FilterNode, { kind: 'relation' }>), node: { kind: 'and' as const, nodes: [(query.filter as Extract<FilterNode, { kind: 'relation' }>).node, hidden] } } };
      assert.deepEqual(idsOf(await db.query(compileList(narrowed, articles, schemas, dialect))), []);
      const [count] = await db.query(compileCount(narrowed, articles, schemas, dialect));
      assert.equal(Number(count.count), 0);
    });

    it('expands reverse relations for all parents at once, capping each parent fairly', async () => {
      const query = parseListQuery(articles, { fields: 'title,comments_via_article.body,comments_via_article.likes' }, schemas);
      const [expansion] = query.projection.expand;
      const compiled = compileReverseExpandFetch(comments, expansion.field, [uuid(100), uuid(101), uuid(102)], dialect, expansion.projection);
      const rows = (await db.query(compiled)).map((row) => mapRow(row, comments, dialect));
      assert.deepEqual(
        rows.map((row) => [row.article, row.body, row.likes]),
        [
          ...Array.from({ length: 5 }, (_, i) => [uuid(100), `First ${i}`, i]),
          [uuid(101), 'Second a', 3],
          [uuid(101), 'Second b', 0],
        ],
      );
      // 400 parents leave each a share of 2: the article with 5 comments gets 2 and one more that says so.
      const many = [uuid(100), uuid(101), ...Array.from({ length: 398 }, (_, i) => uuid(10_000 + i))];
      const capped = compileReverseExpandFetch(comments, 'article', many, dialect, expansion.projection);
      assert.equal(capped.perParentLimit, 2);
      const cappedRows = await db.query(capped);
      assert.deepEqual(cappedRows.map((row) => row.id), [uuid(500), uuid(501), uuid(502), uuid(510), uuid(511)]);
    });

    it('evaluates random filters in memory exactly as the database does', { skip: dialect !== 'postgres' && 'the evaluator follows PostgreSQL (MariaDB compares text case-insensitively)' }, async () => {
      // Rows as stored (microsecond datetimes), not as the API rounds them.
      const stored = async (collection: CollectionSchema) => (await list({ limit: '500' }, collection)).rows;
      const tables = new Map<string, Row[]>([
        ['articles', await stored(articles)],
        ['authors', await stored(authors)],
        ['companies', await stored(companies)],
      ]);
      const relation: RelationResolver = (node, value) => {
        const target = modelOf(schemas.get(node.target)!).fields;
        const matches = (row: Row) => evaluateFilter(node.node, row, target, relation) === true;
        const rows = tables.get(node.target)!;
        if (value !== null) return rows.some((row) => row.id === value && matches(row));
        return rows.some(matches) ? null : false;
      };
      const random = new SeededRandom(7);
      const fields = modelOf(articles).fields;
      let checked = 0;
      for (let i = 0; checked < 400 && i < 5_000; i++) {
        const filter = randomFilter(random, articles);
        let query: ListQuery;
        try {
          query = parseListQuery(articles, { filter: JSON.stringify(filter), limit: '500', fields: 'id' }, schemas);
        } catch {
          continue;
        }
        const expected = idsOf(await db.query(compileList(query, articles, schemas, dialect)));
        const actual = idsOf(tables.get('articles')!.filter((row) => evaluateFilter(query.filter!, row, fields, relation) === true));
        assert.deepEqual(actual, expected, JSON.stringify(filter));
        checked++;
      }
      assert.equal(checked, 400);
    });

    it(`runs ${randomRequests} random valid requests without a database error`, async () => {
      const random = new SeededRandom(99);
      let ran = 0;
      for (let i = 0; ran < randomRequests && i < 5_000; i++) {
        const raw = randomListRequest(random, articles);
        let query: ListQuery;
        try {
          query = parseListQuery(articles, raw, schemas);
        } catch {
          continue;
        }
        const statements = query.aggregate ? [compileAggregate(query, articles, schemas, dialect)] : [compileList(query, articles, schemas, dialect), compileCount(query, articles, schemas, dialect)];
        for (const statement of statements) {
          await db.query(statement).catch((error: Error) => {
            throw new Error(`request ${JSON.stringify(raw)}\n${statement.sql}\n${JSON.stringify(statement.params)}\n${error.message}`);
          });
        }
        ran++;
      }
      assert.equal(ran, randomRequests);
    });
  });
}
