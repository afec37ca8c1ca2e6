import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Bull from 'bull';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { assertProblem, sleep } from '../support/records';

// The embedded database lives inside one process, so there the API node processes jobs itself;
// on PostgreSQL and MariaDB two API nodes run with processing off and a worker process does it all.
const SPLIT = TEST_DIALECT !== 'embedded';

async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const result = await check();
    if (result) return result;
    await sleep(100);
  }
  assert.fail(`${what} did not happen within ${timeoutMs} ms`);
}

/** Runs statements on the test database, outside Basalt (PostgreSQL and MariaDB only). */
async function sql(env: TestEnvironment, statements: { postgres: string; mysql: string; params: unknown[] }[]): Promise<unknown[][]> {
  const results: unknown[][] = [];
  if (TEST_DIALECT === 'postgres') {
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    try {
      for (const s of statements) results.push((await db.query(s.postgres, s.params)).rows);
    } finally {
      await db.end();
    }
  } else {
    const db = await mysql.createConnection(env.database.url!);
    try {
      for (const s of statements) results.push((await db.query(s.mysql, s.params))[0] as unknown[]);
    } finally {
      await db.end();
    }
  }
  return results;
}

describe('jobs: queue registry, job admin, scheduled jobs, processing split', () => {
  let env: TestEnvironment;
  let nodeA: BasaltProcess;
  let nodeB: BasaltProcess | undefined;
  let worker: BasaltProcess | undefined;
  let api: Client;
  let admin: string;
  let maintenance: Bull.Queue;

  before(async () => {
    // Alert evaluation hourly like the other schedules, so the schedule counts below hold still.
    env = await createTestEnvironment({ BASALT_ALERT_EVALUATION_MS: '3600000' });
    const apiEnv = SPLIT ? { ...env.env, BASALT_QUEUE_PROCESSING: 'false' } : env.env;
    nodeA = await startBasalt({ env: apiEnv });
    if (SPLIT) {
      [nodeB, worker] = await Promise.all([startBasalt({ env: apiEnv }), startBasalt({ entry: 'worker', env: env.env })]);
    }
    api = client(nodeA.url);
    admin = (await make.admin(api)).accessToken;
    maintenance = new Bull('maintenance', env.env.REDIS_URL!, { prefix: `${env.env.BASALT_REDIS_PREFIX}:bull` });
  });

  after(async () => {
    await maintenance?.close();
    await Promise.all([nodeA?.stop(), nodeB?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  /** A job the maintenance processor refuses (it knows only the scheduled jobs), so it fails. */
  async function failingJob(attempts = 1): Promise<string> {
    const job = await maintenance.add(`bogus-${randomBytes(3).toString('hex')}`, { marker: 'x' }, { attempts });
    await eventually(async () => (await job.getState()) === 'failed', 20_000, 'the job failing');
    return String(job.id);
  }

  test('only administrators: anonymous 401, users 403', async () => {
    const user = await make.user(api);
    assert.equal((await api.get('/api/v1/jobs')).status, 401);
    for (const path of ['/api/v1/jobs', '/api/v1/jobs/schedules', '/api/v1/jobs/mail/jobs?state=failed']) {
      assertProblem(await api.get(path, { token: user.accessToken }), 403, 'forbidden', path);
    }
    assertProblem(await api.request('DELETE', '/api/v1/jobs/mail/jobs/1', { token: user.accessToken }), 403, 'forbidden');
  });

  test('GET /jobs lists every queue Basalt registers, with counts in every state', async () => {
    const response = await api.get('/api/v1/jobs', { token: admin });
    assert.equal(response.status, 200, response.text);
    const names = response.body.data.map((q: { name: string }) => q.name).sort();
    assert.deepEqual(names, ['events', 'mail', 'maintenance', 'system', 'webhooks']);
    for (const queue of response.body.data) {
      assert.deepEqual(Object.keys(queue.counts).sort(), ['active', 'completed', 'delayed', 'failed', 'paused', 'waiting']);
      assert.equal(queue.paused, false);
    }
    // The three schedules wait as delayed jobs: one each, however many processes added them.
    const maintenanceCounts = response.body.data.find((q: { name: string }) => q.name === 'maintenance').counts;
    assert.equal(maintenanceCounts.delayed, 3, JSON.stringify(maintenanceCounts));
  });

  test('scheduled jobs are registered once across every node, with stable keys', async () => {
    const repeatables = await maintenance.getRepeatableJobs();
    assert.deepEqual(repeatables.map((r) => r.key).sort(), ['alert-evaluate:alert-evaluate::3600000', 'auth-cleanup:auth-cleanup::3600000', 'outbox-prune:outbox-prune::3600000']);
    const response = await api.get('/api/v1/jobs/schedules', { token: admin });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.data.map((s: { job: string }) => s.job).sort(), ['alert-evaluate', 'auth-cleanup', 'outbox-prune']);
    for (const schedule of response.body.data) {
      assert.equal(schedule.every, 3600000);
      assert.ok(Date.parse(schedule.nextRunAt) > Date.now() - 1000, schedule.nextRunAt);
      assert.ok(schedule.description.length > 10);
    }
    if (SPLIT) {
      // A node restarting adds them again: still one each.
      await nodeB!.stop();
      nodeB = await startBasalt({ env: { ...env.env, BASALT_QUEUE_PROCESSING: 'false' } });
      assert.equal((await maintenance.getRepeatableJobs()).length, 3);
      assert.equal(await maintenance.getDelayedCount(), 3);
    }
  });

  test(`a scheduled job run now is processed ${SPLIT ? 'by the worker while both API nodes have processing off' : 'by the API node'}`, async () => {
    const run = await (nodeB ? client(nodeB.url) : api).post('/api/v1/jobs/schedules/outbox-prune/run', undefined, { token: admin });
    assert.equal(run.status, 202, run.text);
    assert.equal(run.body.queue, 'maintenance');
    const done = await eventually(async () => {
      const job = await api.get(`/api/v1/jobs/maintenance/jobs/${encodeURIComponent(run.body.id)}`, { token: admin });
      return job.body.state === 'completed' && job.body;
    }, 20_000, 'the outbox-prune job completing');
    assert.equal(typeof done.returnValue?.events, 'number', JSON.stringify(done));
    assert.equal(done.attemptsMade, 0, 'it succeeded the first time');
    assertProblem(await api.post('/api/v1/jobs/schedules/nope/run', undefined, { token: admin }), 404, 'not-found');
  });

  test('auth cleanup deletes expired account tokens and sessions that ended over a day ago, and nothing else', { skip: !SPLIT && 'needs SQL access to the database from outside' }, async () => {
    const user = await make.user(api);
    const hour = 3600 * 1000;
    const at = (offset: number) => new Date(Date.now() + offset);
    const ids = { expiredToken: randomUUID(), liveToken: randomUUID(), oldSession: randomUUID(), oldRevoked: randomUUID(), recentRevoked: randomUUID() };
    const token = (id: string, expires: Date) => ({
      postgres: 'INSERT INTO account_tokens (id, user_id, purpose, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, now())',
      mysql: 'INSERT INTO account_tokens (id, user_id, purpose, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, NOW())',
      params: [id, user.user.id, 'password-reset', randomBytes(32).toString('hex'), expires],
    });
    const session = (id: string, expires: Date, revoked: Date | null) => ({
      postgres: 'INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at, revoked_at) VALUES ($1, $2, $3, now(), now(), $4, $5)',
      mysql: 'INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at, revoked_at) VALUES (?, ?, ?, NOW(), NOW(), ?, ?)',
      params: [id, user.user.id, randomBytes(32).toString('hex'), expires, revoked],
    });
    await sql(env, [
      token(ids.expiredToken, at(-hour)),
      token(ids.liveToken, at(hour)),
      session(ids.oldSession, at(-25 * hour), null),
      session(ids.oldRevoked, at(24 * hour), at(-25 * hour)),
      session(ids.recentRevoked, at(24 * hour), at(-hour)),
    ]);
    const run = await api.post('/api/v1/jobs/schedules/auth-cleanup/run', undefined, { token: admin });
    assert.equal(run.status, 202, run.text);
    const done = await eventually(async () => {
      const job = await api.get(`/api/v1/jobs/maintenance/jobs/${encodeURIComponent(run.body.id)}`, { token: admin });
      return job.body.state === 'completed' && job.body;
    }, 20_000, 'the auth-cleanup job completing');
    assert.ok(done.returnValue.accountTokens >= 1 && done.returnValue.sessions >= 2, JSON.stringify(done.returnValue));
    const [tokens, sessions] = await sql(env, [
      { postgres: 'SELECT id FROM account_tokens WHERE user_id = $1', mysql: 'SELECT id FROM account_tokens WHERE user_id = ?', params: [user.user.id] },
      { postgres: 'SELECT id FROM sessions WHERE user_id = $1', mysql: 'SELECT id FROM sessions WHERE user_id = ?', params: [user.user.id] },
    ]);
    const tokensLeft = (tokens as { id: string }[]).map((r) => r.id);
    assert.ok(tokensLeft.includes(ids.liveToken) && !tokensLeft.includes(ids.expiredToken), JSON.stringify(tokensLeft));
    const left = (sessions as { id: string }[]).map((r) => r.id);
    assert.ok(left.includes(ids.recentRevoked), 'a session revoked an hour ago stays (its access tokens may still be out there)');
    assert.ok(!left.includes(ids.oldSession) && !left.includes(ids.oldRevoked));
    assert.equal(left.length, 2, 'the registration session and the recently revoked one');
    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).status, 200, 'the live session still works');
  });

  test('a failed job: listed by state with pagination, its details, retried, removed', async () => {
    const first = await failingJob();
    const second = await failingJob(2);

    const page = await api.get('/api/v1/jobs/maintenance/jobs?state=failed&limit=1', { token: admin });
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.meta.total, 2);
    assert.equal(page.body.data.length, 1);
    assert.equal(page.body.data[0].id, second, 'newest first');
    const next = await api.get('/api/v1/jobs/maintenance/jobs?state=failed&limit=1&offset=1', { token: admin });
    assert.equal(next.body.data[0].id, first);
    assert.equal(next.body.data[0].state, 'failed');

    const detail = await api.get(`/api/v1/jobs/maintenance/jobs/${second}`, { token: admin });
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.body.queue, 'maintenance');
    assert.deepEqual(detail.body.data, { marker: 'x' });
    assert.equal(detail.body.attempts, 2);
    assert.equal(detail.body.attemptsMade, 2);
    assert.match(detail.body.failedReason, /unknown maintenance job/);
    assert.equal(detail.body.stacktrace.length, 2, 'one trace per attempt');
    assert.ok(detail.body.processedAt && detail.body.finishedAt && detail.body.createdAt);

    const retried = await api.post(`/api/v1/jobs/maintenance/jobs/${first}/retry`, undefined, { token: admin });
    assert.equal(retried.status, 200, retried.text);
    // It runs again (and fails again: the job itself is bad).
    await eventually(async () => {
      const job = await api.get(`/api/v1/jobs/maintenance/jobs/${first}`, { token: admin });
      return job.body.state === 'failed' && job.body.stacktrace.length === 2;
    }, 20_000, 'the retried job running again');

    assert.equal((await api.request('DELETE', `/api/v1/jobs/maintenance/jobs/${first}`, { token: admin })).status, 204);
    assertProblem(await api.get(`/api/v1/jobs/maintenance/jobs/${first}`, { token: admin }), 404, 'not-found');
    const total = await api.get('/api/v1/jobs/maintenance/jobs?state=failed', { token: admin });
    assert.deepEqual(total.body.data.map((j: { id: string }) => j.id), [second]);
  });

  test('retrying or removing a job that did not fail is a 409 and changes nothing', async () => {
    const run = await api.post('/api/v1/jobs/schedules/outbox-prune/run', undefined, { token: admin });
    const path = `/api/v1/jobs/maintenance/jobs/${encodeURIComponent(run.body.id)}`;
    await eventually(async () => (await api.get(path, { token: admin })).body.state === 'completed', 20_000, 'the job completing');
    assertProblem(await api.post(`${path}/retry`, undefined, { token: admin }), 409, 'conflict');
    assertProblem(await api.request('DELETE', path, { token: admin }), 409, 'conflict');
    assert.equal((await api.get(path, { token: admin })).body.state, 'completed');
  });

  test('unknown queue, job or state: problems naming what is wrong', async () => {
    const queue = await api.get('/api/v1/jobs/nope/jobs?state=failed', { token: admin });
    assertProblem(queue, 404, 'not-found');
    assert.match(queue.body.detail, /nope.*mail/);
    assertProblem(await api.get('/api/v1/jobs/mail/jobs/123456', { token: admin }), 404, 'not-found');
    assertProblem(await api.post('/api/v1/jobs/mail/jobs/123456/retry', undefined, { token: admin }), 404, 'not-found');
    assertProblem(await api.request('DELETE', '/api/v1/jobs/nope/jobs/1', { token: admin }), 404, 'not-found');
    for (const query of ['state=broken', '', 'state=failed&limit=0', 'state=failed&offset=-1', 'state=failed&extra=1']) {
      const response = await api.get(`/api/v1/jobs/mail/jobs?${query}`, { token: admin });
      assertProblem(response, 400, 'validation-failed', query);
    }
    const named = await api.get('/api/v1/jobs/mail/jobs?state=broken', { token: admin });
    assert.ok(named.body.errors.some((e: { field: string }) => e.field === 'state'), named.text);
  });
});
