import type { DataSource } from 'typeorm';
import type { DatabaseKind } from 'src/config/app-config';

const LOCK_NAME = 'basalt_migrations';
const LOCK_KEY = 80_457_120; // any constant: PostgreSQL advisory locks are keyed by integer

/**
 * Runs pending migrations under a database-wide lock, so nodes starting
 * together never race to apply the same migration. The embedded database
 * belongs to one process and has one session, so it takes no lock.
 */
export async function runMigrations(dataSource: DataSource, kind: DatabaseKind): Promise<string[]> {
  // MySQL cannot roll DDL back, so a transaction there would only pretend.
  const transaction = kind === 'mysql' ? 'none' : 'each';
  if (kind === 'embedded') return names(await dataSource.runMigrations({ transaction }));
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (kind === 'mysql') await runner.query('SELECT GET_LOCK(?, 120)', [LOCK_NAME]);
    else await runner.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      return names(await dataSource.runMigrations({ transaction }));
    } finally {
      if (kind === 'mysql') await runner.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
      else await runner.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

const names = (migrations: { name: string }[]) => migrations.map((m) => m.name);
