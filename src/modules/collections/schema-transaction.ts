import type { DataSource, QueryRunner } from 'typeorm';
import { placeholder } from 'src/infra/database/dialect';
import { appendEvent } from 'src/modules/outbox/outbox-sql';
import type { CollectionDefinition } from './collection-schema';
import type { Dialect } from './sql-identifiers';

const LOCK_KEY = 80_457_121;
const LOCK_NAME = 'basalt_schema';

/**
 * Runs one schema change: serialised across every node (an advisory lock on
 * PostgreSQL, GET_LOCK on MySQL) and inside a transaction, so on PostgreSQL
 * and the embedded database the DDL, the registry row and the schema event
 * commit together or not at all.
 */
export async function inSchemaTransaction<T>(dataSource: DataSource, dialect: Dialect, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (dialect === 'mysql') {
      const [row] = await runner.query('SELECT GET_LOCK(?, 30) AS locked', [LOCK_NAME]);
      if (Number(row.locked) !== 1) throw new Error('another schema change holds the lock for more than 30 s');
    }
    await runner.startTransaction();
    try {
      if (dialect === 'postgres') {
        // DDL on a large table (an index, a column with a default) may take longer than a request's statement timeout.
        await runner.query('SET LOCAL statement_timeout = 0');
        await runner.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      }
      const result = await work(runner);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      if (dialect === 'mysql') await runner.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Appends the schema event (its version is the schema's next, gap-free under
 * the lock) and the matching outbox event, which carries the collection's
 * definition after the change (null once dropped).
 */
export async function recordSchemaEvent(
  runner: QueryRunner,
  dialect: Dialect,
  event: { collection: string; action: 'create' | 'update' | 'delete'; changes: unknown; actorId: string | null; definition: CollectionDefinition | null },
): Promise<number> {
  const [row] = await runner.query('SELECT max(version) AS version FROM schema_events');
  const version = Number(row?.version ?? 0) + 1;
  const p = (n: number) => placeholder(dialect, n);
  await runner.query(`INSERT INTO schema_events (version, collection, action, changes, actor_id, created_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)})`, [
    version,
    event.collection,
    event.action,
    JSON.stringify(event.changes),
    event.actorId,
    new Date(),
  ]);
  const outbox = appendEvent(dialect, {
    type: `schema.${event.action}`,
    collection: event.collection,
    recordId: null,
    actorId: event.actorId,
    data: event.definition === null ? null : { ...event.definition, version },
  });
  await runner.query(outbox.sql, outbox.params);
  return version;
}
