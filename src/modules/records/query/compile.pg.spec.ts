import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { compileList } from './compile-list';
import { parseListQuery } from './parse-list-query';
import { databaseSuite, type ScratchDatabase } from './spec-database-suite';
import { articles, schemas } from './spec-fixtures';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A scratch database; compiled statements run as named prepared statements under their shape key, as the hot path will. */
async function openScratch(): Promise<ScratchDatabase & { client: pg.Client }> {
  const name = `basalt_query_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    client,
    async query(statement) {
      const name = 'shapeKey' in statement ? statement.shapeKey : undefined;
      return (await client.query({ name, text: statement.sql, values: statement.params })).rows as Record<string, unknown>[];
    },
    async close() {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

databaseSuite('PostgreSQL', 'postgres', openScratch);

describe('compiled queries on postgres: plans', () => {
  it('searches through the GIN index built on searchVectorSql', async () => {
    const db = await openScratch();
    try {
      await db.client.query('CREATE TABLE c_articles (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz, title varchar(200) NOT NULL, body text, status varchar(64) NOT NULL, views bigint NOT NULL, rating double precision, published_at timestamptz, meta jsonb, featured boolean NOT NULL, external uuid, author uuid)');
      await db.client.query(`CREATE INDEX articles_search ON c_articles USING gin (${(await import('./search-vector')).searchVectorSql(articles)})`);
      await db.client.query('SET enable_seqscan = off');
      const compiled = compileList(parseListQuery(articles, { search: 'rust', fields: 'title' }, schemas), articles, schemas, 'postgres');
      const plan = (await db.client.query({ text: `EXPLAIN ${compiled.sql}`, values: compiled.params })).rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n');
      assert.match(plan, /articles_search/);
    } finally {
      await db.close();
    }
  });
});
