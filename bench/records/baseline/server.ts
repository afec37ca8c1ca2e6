import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { ARTICLE_COLUMNS, ARTICLE_FIELDS, AUTHOR_COLUMNS, HOST, PAGE_SIZE, type ReadyMessage, type Row } from '../shared';
import { BASELINE_DDL } from './schema';

/**
 * The bare baseline: Fastify (logger off, no Nest, no TypeORM, no auth, no
 * validation) with hand-written SQL on the same tables and the same answer
 * shapes as Basalt's records API.
 *
 *   --pg <url>        node-postgres pool of 10 (Basalt's default pool size) on Basalt's own database
 *   --pglite <dir>    its own PGlite in <dir> (it cannot open Basalt's while Basalt runs); creates the tables
 *
 * Statements are named, so PostgreSQL plans each once per connection, as Basalt's are.
 * Forked by run.ts; announces its port over IPC and exits when the parent goes away.
 */

interface Db {
  query(name: string, text: string, values: unknown[]): Promise<Row[]>;
  /** Seeding only: runs the statements in one transaction. */
  transaction(work: (query: (text: string, values: unknown[]) => Promise<Row[]>) => Promise<void>): Promise<void>;
  description: string;
}

const POOL_SIZE = 10;
const articleColumns = ARTICLE_COLUMNS.map((c) => `"${c}"`).join(', ');
const authorColumns = AUTHOR_COLUMNS.map((c) => `"${c}"`).join(', ');

const SQL = {
  list: `SELECT ${articleColumns} FROM "c_articles" WHERE "status" = $1 ORDER BY "published_at" DESC, "id" DESC LIMIT $2`,
  get: `SELECT ${articleColumns} FROM "c_articles" WHERE "id" = $1`,
  insert: `INSERT INTO "c_articles" ("id", ${ARTICLE_FIELDS.map((f) => `"${f}"`).join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${articleColumns}`,
  authorsByIds: `SELECT ${authorColumns} FROM "c_authors" WHERE "id" = ANY($1::uuid[])`,
};

const versionOf = (name: string): string => (createRequire(__filename)(`${name}/package.json`) as { version: string }).version;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function openPostgres(url: string): Promise<Db> {
  // bigint as a JSON number, as Basalt answers integer fields.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  return {
    description: `Fastify ${versionOf('fastify')} + pg ${versionOf('pg')} (pool ${POOL_SIZE}, named statements)`,
    query: async (name, text, values) => (await pool.query({ name, text, values })).rows as Row[],
    transaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await work(async (text, values) => (await client.query(text, values)).rows as Row[]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

async function openPglite(dataDir: string): Promise<Db> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir, parsers: { [types.INT8]: (value: string) => Number(value) } });
  await db.exec("SET TIME ZONE 'UTC'");
  const exists = await db.query(`SELECT to_regclass('public.c_articles') IS NOT NULL AS present`);
  if (!(exists.rows[0] as { present: boolean }).present) for (const statement of BASELINE_DDL) await db.exec(statement);
  return {
    description: 'Fastify + PGlite (its own embedded database, seeded with the same data shape)',
    // PGlite is one session and queues queries itself; it keeps no named statements.
    query: async (_name, text, values) => (await db.query(text, values)).rows as Row[],
    transaction: (work) => db.transaction(async (tx) => work(async (text, values) => (await tx.query(text, values)).rows as Row[])),
  };
}

function articleParams(id: string, body: Row): unknown[] {
  return [id, body.title, body.body ?? null, body.status ?? 'draft', body.views ?? 0, body.published_at ?? null, body.author ?? null];
}

/** Multi-row INSERT for seeding (not measured). */
async function insertMany(db: Db, table: string, columns: readonly string[], rows: unknown[][]): Promise<Row[]> {
  const inserted: Row[] = [];
  const perStatement = Math.floor(60_000 / columns.length);
  await db.transaction(async (query) => {
    for (let start = 0; start < rows.length; start += perStatement) {
      const slice = rows.slice(start, start + perStatement);
      const values = slice.map((row, r) => `(${row.map((_, c) => `$${r * row.length + c + 1}`).join(', ')})`).join(', ');
      const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${values} RETURNING ${table === 'c_articles' ? articleColumns : authorColumns}`;
      inserted.push(...(await query(sql, slice.flat())));
    }
  });
  return inserted;
}

async function main(): Promise<void> {
  const [flag, target] = process.argv.slice(2);
  if ((flag !== '--pg' && flag !== '--pglite') || !target) throw new Error('usage: server.ts --pg <url> | --pglite <dir>');
  const db = flag === '--pg' ? await openPostgres(target) : await openPglite(target);

  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });

  app.get<{ Querystring: { status?: string; limit?: string; expand?: string } }>('/articles', async (request) => {
    const limit = Math.min(Number(request.query.limit ?? PAGE_SIZE) || PAGE_SIZE, 500);
    const rows = await db.query('baseline_list', SQL.list, [request.query.status ?? 'published', limit]);
    if (request.query.expand === 'author') {
      // One batched query for the authors of the whole page, never one per row.
      const ids = [...new Set(rows.map((row) => row.author).filter((id): id is string => typeof id === 'string'))];
      const authors = ids.length > 0 ? await db.query('baseline_authors_by_ids', SQL.authorsByIds, [ids]) : [];
      const byId = new Map(authors.map((author) => [author.id, author]));
      for (const row of rows) if (row.author) row.author = byId.get(row.author) ?? null;
    }
    return { data: rows, meta: { limit, offset: 0 } };
  });

  app.get<{ Params: { id: string } }>('/articles/:id', async (request, reply) => {
    if (!UUID.test(request.params.id)) return reply.code(404).send({ status: 404 });
    const [row] = await db.query('baseline_get', SQL.get, [request.params.id.toLowerCase()]);
    return row ?? reply.code(404).send({ status: 404 });
  });

  app.post<{ Body: Row | Row[] }>('/articles', async (request, reply) => {
    reply.code(201);
    if (!Array.isArray(request.body)) return (await db.query('baseline_insert', SQL.insert, articleParams(uuidv7(), request.body)))[0];
    return insertMany(db, 'c_articles', ['id', ...ARTICLE_FIELDS], request.body.map((row) => articleParams(uuidv7(), row)));
  });

  // Seeding the embedded baseline only.
  app.post<{ Body: Row[] }>('/authors', async (request, reply) => {
    reply.code(201);
    return insertMany(db, 'c_authors', ['id', 'name', 'email'], request.body.map((row) => [uuidv7(), row.name, row.email ?? null]));
  });

  await app.listen({ port: 0, host: HOST });
  const message: ReadyMessage = { port: (app.server.address() as AddressInfo).port, description: db.description };
  process.send?.(message);
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
