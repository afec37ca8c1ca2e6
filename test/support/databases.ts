import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** Which database the suite runs against: BASALT_TEST_DB=postgres|mysql|embedded. */
export type TestDialect = 'postgres' | 'mysql' | 'embedded';

export const TEST_DIALECT = (process.env.BASALT_TEST_DB ?? 'postgres') as TestDialect;

const POSTGRES_ADMIN_URL = process.env.BASALT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_ADMIN_URL = process.env.BASALT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql';

export interface TestDatabase {
  /** DATABASE_URL for Basalt; undefined means the embedded database. */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file; Basalt migrates it at start. */
export async function createTestDatabase(dialect: TestDialect = TEST_DIALECT): Promise<TestDatabase> {
  const name = `basalt_t_${randomBytes(6).toString('hex')}`;
  if (dialect === 'postgres') {
    await withPostgres((client) => client.query(`CREATE DATABASE ${name}`));
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => withPostgres((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
  }
  if (dialect === 'mysql') {
    await withMysql((connection) => connection.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
    const url = new URL(MYSQL_ADMIN_URL);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => withMysql((connection) => connection.query(`DROP DATABASE IF EXISTS ${name}`)).then(() => undefined) };
  }
  return { url: undefined, drop: async () => undefined };
}

async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function withMysql<T>(work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(MYSQL_ADMIN_URL);
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}
