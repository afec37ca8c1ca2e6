import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { EmbeddedDatabase, embeddedPgDriver } from 'src/infra/database/pglite-pool';

describe('embedded database under concurrency', () => {
  let dir: string;
  let dataSource: DataSource;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-embedded-'));
    dataSource = await new DataSource({ type: 'postgres', database: 'postgres', driver: embeddedPgDriver(new EmbeddedDatabase({ dataDir: dir })) } as never).initialize();
    await dataSource.query('CREATE TABLE notes (id serial PRIMARY KEY, n int NOT NULL, body jsonb)');
  });

  after(async () => {
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('200 concurrent transactions, a third rolling back, leave exactly the committed rows', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        dataSource
          .transaction(async (manager) => {
            await manager.query('INSERT INTO notes (n, body) VALUES ($1, $2)', [n, { n }]);
            await new Promise((r) => setTimeout(r, 1));
            await manager.query('UPDATE notes SET body = $1 WHERE n = $2', [{ n, touched: true }, n]);
            if (n % 3 === 0) throw new Error('roll back');
          })
          .then(() => 'committed', () => 'rolled back'),
      ),
    );
    const committed = outcomes.map((o, n) => (o === 'committed' ? n : -1)).filter((n) => n >= 0);
    assert.equal(committed.length, 133);
    const rows: { n: number; body: { touched: boolean } }[] = await dataSource.query('SELECT n, body FROM notes ORDER BY n');
    assert.deepEqual(rows.map((r) => r.n), committed);
    assert.ok(rows.every((r) => r.body.touched === true));
  });

  test('statements outside a transaction wait for it instead of seeing or joining it', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('INSERT INTO notes (n) VALUES (-1)');
    const outside = dataSource.query('SELECT count(*)::int AS c FROM notes WHERE n = -1');
    await new Promise((r) => setTimeout(r, 50));
    await runner.rollbackTransaction();
    await runner.release();
    assert.deepEqual(await outside, [{ c: 0 }]);
  });

  test('types come back as on PostgreSQL', async () => {
    const [row] = await dataSource.query(`SELECT true AS flag, now() AS at, 9007199254740993::int8 AS big, 1.5::numeric AS num, '{"a":[1]}'::jsonb AS doc, DATE '2026-01-02' AS day`);
    assert.equal(row.flag, true);
    assert.ok(row.at instanceof Date);
    assert.equal(row.big, '9007199254740993');
    assert.equal(row.num, '1.5');
    assert.deepEqual(row.doc, { a: [1] });
    assert.equal(row.day, '2026-01-02');
  });
});
