import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { compileList } from './compile-list';
import { encodeCursor } from './cursor';
import { parseListQuery } from './parse-list-query';
import { databaseSuite, type ScratchDatabase } from './spec-database-suite';
import { articles, schemas } from './spec-fixtures';

const ADMIN_URL = 'mysql://root@127.0.0.1:3306/mysql';

/** A scratch database over a connection set up as Basalt's TypeORM MySQL options set it up. */
async function openScratch(): Promise<ScratchDatabase & { connection: mysql.Connection }> {
  const name = `basalt_query_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection(ADMIN_URL);
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const connection = await mysql.createConnection({ uri: ADMIN_URL, database: name, charset: 'utf8mb4_unicode_ci', timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true, dateStrings: false });
  return {
    connection,
    // TypeORM's query path: mysql2 query(), values escaped into the text by the driver.
    async query(statement) {
      const [rows] = await connection.query(statement.sql, statement.params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    async close() {
      await connection.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

databaseSuite('MariaDB', 'mysql', openScratch);

describe('compiled queries on mysql: server-side prepared statements', () => {
  it('run through execute() as well, LIMIT placeholders included', async () => {
    const db = await openScratch();
    try {
      await db.connection.query('CREATE TABLE c_articles (id char(36) NOT NULL PRIMARY KEY, created_at datetime(3) NOT NULL, updated_at datetime(3) NOT NULL, deleted_at datetime(3) NULL, title varchar(200) NOT NULL, body longtext, status varchar(64) NOT NULL, views bigint NOT NULL, rating double, published_at datetime(3), meta json, featured tinyint(1) NOT NULL, external char(36), author char(36), FULLTEXT INDEX articles_search (title, body)) ENGINE=InnoDB');
      await db.connection.query("INSERT INTO c_articles VALUES ('0190a0b0-0000-7000-8000-000000000001', '2024-05-01 10:00:00.001', '2024-05-01 10:00:00.001', NULL, 'Rust', 'rust notes', 'draft', 3, NULL, NULL, '{\"a\": 1}', 1, NULL, NULL), ('0190a0b0-0000-7000-8000-000000000002', '2024-05-01 10:00:00.002', '2024-05-01 10:00:00.002', NULL, 'More rust', NULL, 'draft', 3, 1.5, NULL, '[]', 0, NULL, NULL)");
      const raw = { search: 'rust', sort: '-views,-created_at', filter: '{"status": {"$in": ["draft", "published"]}, "meta": {"$ne": {"b": 1}}}', limit: '1' };
      const first = parseListQuery(articles, raw, schemas);
      const [page] = await db.connection.execute(compileList(first, articles, schemas, 'mysql').sql, compileList(first, articles, schemas, 'mysql').params as never[]);
      const rows = page as Record<string, unknown>[];
      assert.deepEqual(rows.map((row) => row.title), ['More rust', 'Rust']);
      const next = parseListQuery(articles, { ...raw, cursor: encodeCursor(rows[0], first) }, schemas);
      const compiled = compileList(next, articles, schemas, 'mysql');
      const [rest] = await db.connection.execute(compiled.sql, compiled.params as never[]);
      assert.deepEqual((rest as Record<string, unknown>[]).map((row) => row.title), ['Rust']);
    } finally {
      await db.close();
    }
  });
});
