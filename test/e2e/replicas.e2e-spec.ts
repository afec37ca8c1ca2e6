import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { startStandby, standbyUnavailable, type PgStandby } from '../support/pg-replica';
import { assertInvalid, assertProblem, createCollection, recordsOf, sleep, type Records } from '../support/records';

const SKIP =
  TEST_DIALECT !== 'postgres'
    ? `read replicas are PostgreSQL streaming replicas; ${TEST_DIALECT === 'embedded' ? 'the embedded database has none' : 'MySQL/MariaDB replicas are not supported'} (DATABASE_REPLICA_URLS is refused there, see the config tests)`
    : standbyUnavailable();

/** Wide enough that a paused replica still serves while the test reads from it on a busy machine. */
const MAX_LAG_MS = 12_000;

interface ReplicaStatus {
  name: string;
  up: boolean;
  lagMs: number | null;
  serving: boolean;
  error?: string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('read replicas: records reads on a PostgreSQL streaming standby', { skip: SKIP }, () => {
  let env: TestEnvironment;
  let standby: PgStandby;
  let basalt: BasaltProcess;
  let database: string;
  /** The administrator: the writer of most records below. */
  let writer: Records;
  /** An API key of the same administrator: another session, which did not write them. */
  let other: Records;
  let otherApi: Client;
  let adminToken: string;
  let apiKey: string;

  const replicaStatus = async (url = basalt.url): Promise<{ status: number; replica: ReplicaStatus }> => {
    const response = await fetch(`${url}/health/ready`);
    const body = (await response.json()) as { details: { replicas?: { replicas: ReplicaStatus[] } } };
    return { status: response.status, replica: body.details.replicas!.replicas[0] };
  };
  const ids = async (records: Records, headers?: Record<string, string>) => {
    const response = await records.list({ limit: 100 }, headers);
    assert.equal(response.status, 200, response.text);
    return response.body.data.map((r) => r.id);
  };
  const serving = () => until('the replica to serve reads', async () => ((await replicaStatus()).replica.serving ? true : undefined));
  /** Serving and just probed: the whole lag allowance is ahead before it stops serving. */
  const current = () =>
    until('the replica to be caught up', async () => {
      const { replica } = await replicaStatus();
      return replica.serving && replica.lagMs! < 1000 ? true : undefined;
    });

  before(async () => {
    env = await createTestEnvironment();
    database = new URL(env.database.url!).pathname.slice(1);
    standby = await startStandby();
    basalt = await startBasalt({ env: { ...env.env, DATABASE_REPLICA_URLS: standby.url(database), BASALT_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS) } });
    adminToken = (await make.admin(client(basalt.url))).accessToken;
    const admin = client(basalt.url, adminToken);
    await createCollection(admin, { name: 'notes', fields: [{ name: 'text', type: 'string' }] });
    writer = recordsOf(admin, 'notes');
    const key = await admin.post('/api/v1/api-keys', { name: 'reader', scopes: [{ collection: 'notes', actions: ['read', 'create'] }] });
    assert.equal(key.status, 201, key.text);
    apiKey = key.body.key as string;
    otherApi = client(basalt.url);
    const asKey = { 'x-api-key': key.body.key as string };
    const keyed = recordsOf(otherApi, 'notes');
    other = {
      ...keyed,
      create: (body, headers) => keyed.create(body, { ...asKey, ...headers }),
      get: (id, headers) => keyed.get(id, { ...asKey, ...headers }),
      list: (params, headers) => keyed.list(params, { ...asKey, ...headers }),
    } as Records;
  });

  after(async () => {
    await basalt?.stop();
    await standby?.destroy();
    await env?.cleanup();
  });

  test('readiness reports the replica; its connections come from Basalt', async () => {
    await serving();
    const { status, replica } = await replicaStatus();
    assert.equal(status, 200);
    assert.equal(replica.name, `127.0.0.1:${standby.port}/${database}`);
    assert.equal(replica.up, true);
    assert.ok(replica.lagMs !== null && replica.lagMs <= MAX_LAG_MS, `lag ${replica.lagMs}`);
    await other.list({ limit: 1 });
    const sessions = await standby.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'basalt-replica' AND datname = $1`, [database]);
    assert.ok(sessions[0].n >= 1, 'Basalt holds connections to the standby');
  });

  test('with replay paused, others read the replica and miss a new record; its writer and strong reads see it; resumed, everyone does', async () => {
    const first = await writer.add({ text: 'before the pause' });
    await until('the replica to have the first record', async () => ((await ids(other)).includes(first.id) ? true : undefined));
    await current();
    await standby.query('SELECT pg_wal_replay_pause()');
    try {
      // Writes go to the primary: the standby is read-only and not even replaying.
      const created = await writer.add({ text: 'while paused' });

      assert.deepEqual(await ids(other), [first.id], 'another session reads the paused replica: list');
      assertProblem(await other.get(created.id), 404, undefined, 'another session reads the paused replica: get');
      const counted = await other.list({ count: 'true', limit: 1 });
      assert.equal(counted.body.meta.total, 1, 'count on the replica');

      assert.deepEqual((await ids(writer)).sort(), [first.id, created.id].sort(), 'the writer reads its own write');
      assert.equal((await writer.get(created.id)).status, 200);
      assert.deepEqual((await ids(other, { 'x-basalt-consistency': 'strong' })).sort(), [first.id, created.id].sort(), 'a strong read goes to the primary');
      assert.equal((await other.get(created.id, { 'X-Basalt-Consistency': 'Strong' })).status, 200);
      assert.deepEqual(await ids(other, { 'x-basalt-consistency': 'eventual' }), [first.id], 'eventual is the default');
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
    const all = await until('the resumed replica to catch up', async () => {
      const seen = await ids(other);
      return seen.length === 2 ? seen : undefined;
    });
    assert.equal(all.length, 2);
  });

  test('once the replica has replayed past a write, the writer reads it again; another session\'s write is theirs alone', async () => {
    await serving();
    // Every write of the administrator is older than what the replica holds once it has all the records.
    await until('the replica to hold every record', async () => ((await ids(other)).length === (await ids(writer, { 'x-basalt-consistency': 'strong' })).length ? true : undefined));
    await sleep(1500);
    await current();
    await standby.query('SELECT pg_wal_replay_pause()');
    try {
      const theirs = await other.create({ text: 'by the key' });
      assert.equal(theirs.status, 201, theirs.text);
      assert.ok(!(await ids(writer)).includes(theirs.body.id), 'the administrator reads the paused replica now');
      assert.ok((await ids(other)).includes(theirs.body.id), 'the key reads its own write');

      // Paused, the replica falls behind more than BASALT_REPLICA_MAX_LAG_MS: reads leave it, readiness stays up.
      const started = Date.now();
      await until('reads to leave the lagging replica', async () => ((await ids(writer)).includes(theirs.body.id) ? true : undefined), MAX_LAG_MS * 4);
      assert.ok(Date.now() - started >= 1000, 'not before the replica fell behind');
      const { status, replica } = await replicaStatus();
      assert.equal(status, 200, 'a lagging replica does not fail readiness');
      assert.equal(replica.up, true);
      assert.equal(replica.serving, false);
      assert.ok(replica.lagMs! > MAX_LAG_MS, `lag ${replica.lagMs}`);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
    await serving();
  });

  test('metrics: pool gauges per pool, replica up and lag', async () => {
    const text = await (await fetch(`${basalt.url}/metrics`)).text();
    const name = `127.0.0.1:${standby.port}/${database}`;
    assert.match(text, /basalt_db_pool_connections\{pool="primary",state="idle"\} \d+/);
    assert.ok(text.includes(`basalt_db_pool_connections{pool="${name}",state="in_use"}`), 'the replica pool has gauges');
    assert.ok(text.includes(`basalt_db_replica_up{replica="${name}"} 1`), 'replica up');
    const lag = /basalt_db_replica_lag_seconds\{replica="[^"]+"\} ([\d.e-]+)/.exec(text);
    assert.ok(lag && Number(lag[1]) >= 0 && Number(lag[1]) <= MAX_LAG_MS / 1000, `lag sample in ${text.slice(0, 200)}`);
  });

  test('a bad consistency header is refused and named', async () => {
    const response = await other.list({}, { 'x-basalt-consistency': 'linearizable' });
    assertInvalid(response, ['X-Basalt-Consistency']);
  });

  test('with the read cache on, a miss is filled from the primary, so a paused replica never reaches the cache', async () => {
    const cachedNode = await startBasalt({ env: { ...env.env, DATABASE_REPLICA_URLS: standby.url(database), BASALT_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS), BASALT_CACHE: 'true' } });
    try {
      const cachedWriter = recordsOf(client(cachedNode.url, adminToken), 'notes');
      const cachedOther = recordsOf(client(cachedNode.url), 'notes');
      const asKey = { 'x-api-key': apiKey };
      await until('the replica to serve and be caught up', async () => {
        const { replica } = await replicaStatus(cachedNode.url);
        return replica.serving && replica.lagMs! < 1000 ? true : undefined;
      });
      await standby.query('SELECT pg_wal_replay_pause()');
      try {
        const created = await cachedWriter.add({ text: 'cached while paused' });
        const miss = await cachedOther.list({ limit: 100 }, asKey);
        assert.equal(miss.headers.get('x-cache'), 'miss');
        assert.ok(miss.body.data.some((r: { id: string }) => r.id === created.id), 'the miss read the primary, not the paused replica');
        const hit = await cachedWriter.list({ limit: 100 });
        assert.equal(hit.headers.get('x-cache'), 'hit', 'the key reads with its administrator owner’s access: one key space');
        assert.ok(hit.body.data.some((r: { id: string }) => r.id === created.id), 'the writer finds its write in the cache');
      } finally {
        await standby.query('SELECT pg_wal_replay_resume()');
      }
    } finally {
      await cachedNode.stop();
    }
  });

  test('with the replica stopped, reads fall back to the primary and readiness stays up; it serves again once back', async () => {
    const expected = (await ids(writer, { 'x-basalt-consistency': 'strong' })).sort();
    await standby.stop();
    try {
      for (let i = 0; i < 5; i++) assert.deepEqual((await ids(other)).sort(), expected, 'reads answer from the primary');
      const down = await until('readiness to report the replica down', async () => {
        const state = await replicaStatus();
        return state.replica.up ? undefined : state;
      });
      assert.equal(down.status, 200, 'a down replica does not fail readiness');
      assert.equal(down.replica.serving, false);
      assert.ok(down.replica.error, 'the reason is reported');
      const text = await (await fetch(`${basalt.url}/metrics`)).text();
      assert.ok(text.includes(`basalt_db_replica_up{replica="127.0.0.1:${standby.port}/${database}"} 0`));
      const created = await writer.add({ text: 'replica down' });
      assert.ok((await ids(other)).includes(created.id));
    } finally {
      await standby.start();
    }
    await serving();
    assert.equal((await ids(other)).length, expected.length + 1);
  });
});

describe('read consistency header without replicas (every database)', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let notes: Records;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    const admin = client(basalt.url, (await make.admin(client(basalt.url))).accessToken);
    await createCollection(admin, { name: 'notes', fields: [{ name: 'text', type: 'string' }] });
    notes = recordsOf(admin, 'notes');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('strong and eventual read the one database; anything else is a 400 naming the header; readiness lists no replicas', async () => {
    const created = await notes.add({ text: 'x' });
    for (const value of ['strong', 'eventual', 'STRONG']) {
      const listed = await notes.list({}, { 'x-basalt-consistency': value });
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.body.data.map((r) => r.id), [created.id]);
      assert.equal((await notes.get(created.id, { 'x-basalt-consistency': value })).status, 200);
    }
    assertInvalid(await notes.list({}, { 'x-basalt-consistency': 'bounded' }), ['X-Basalt-Consistency']);
    assertInvalid(await notes.get(created.id, { 'x-basalt-consistency': '' }), ['X-Basalt-Consistency']);
    const ready = (await (await fetch(`${basalt.url}/health/ready`)).json()) as { details: Record<string, unknown> };
    assert.equal(ready.details.replicas, undefined);
  });
});
