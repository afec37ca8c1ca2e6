import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase, EmbeddedPool } from 'src/infra/database/pglite-pool';
import { databaseSuite } from './spec-database-suite';

// The embedded default is PostgreSQL too (PGlite), reached through Basalt's own pg-compatible pool.
databaseSuite(
  'the embedded database (PGlite)',
  'postgres',
  async () => {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-query-'));
  const database = new EmbeddedDatabase({ dataDir: dir });
  const pool = new EmbeddedPool(database);
  return {
    async query(statement) {
      return (await pool.query(statement.sql, statement.params)).rows as Record<string, unknown>[];
    },
    async close() {
      await pool.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  },
  // PGlite runs in this process, one statement at a time: fewer random requests keep the file quick.
  { randomRequests: 100 },
);
