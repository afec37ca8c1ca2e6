import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Bull from 'bull';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded Redis mode (REDIS_URL=embedded)', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let socket: string;
  const queues: Bull.Queue[] = [];
  const queue = (name: string) => {
    const q = new Bull(name, { redis: { path: socket }, prefix: `${env.env.BASALT_REDIS_PREFIX}:bull` });
    queues.push(q);
    return q;
  };

  before(async () => {
    env = await createTestEnvironment({ REDIS_URL: 'embedded' });
    basalt = await startBasalt({ env: env.env, waitForReady: true });
    socket = join(env.dataDir, 'redis', 'redis.sock');
  });

  after(async () => {
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    await basalt?.stop();
    await env?.cleanup();
  });

  test('Basalt starts its own redis-server, with its data in the data directory, and jobs run through it', async () => {
    assert.ok(existsSync(socket));
    const ready: any = await (await fetch(`${basalt.url}/health/ready`)).json();
    assert.equal(ready.details.queue.status, 'up');
    assert.equal(ready.details.queue.processing, true);
  });

  test("Bull's behaviours: add, retry with backoff, delay, progress, repeat", async () => {
    const q = queue('behaviours');
    const attemptsSeen: number[] = [];
    const progress: number[] = [];
    q.on('progress', (_job, value) => progress.push(value));
    q.process('flaky', async (job) => {
      attemptsSeen.push(job.attemptsMade);
      if (job.attemptsMade < 2) throw new Error('not yet');
      return 'done';
    });
    q.process('slow', async (job) => {
      await job.progress(50);
      await job.progress(100);
      return job.data.n * 2;
    });
    let repeats = 0;
    q.process('tick', async () => void repeats++);

    const flaky = await q.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });
    assert.equal(await flaky.finished(), 'done');
    assert.deepEqual(attemptsSeen, [0, 1, 2]);

    const slow = await q.add('slow', { n: 21 });
    assert.equal(await slow.finished(), 42);
    assert.deepEqual(progress, [50, 100]);

    const queuedAt = Date.now();
    const delayed = await q.add('slow', { n: 1 }, { delay: 400 });
    await delayed.finished();
    assert.ok(Date.now() - queuedAt >= 400);

    await q.add('tick', {}, { repeat: { every: 150 } });
    for (let i = 0; i < 60 && repeats < 3; i++) await sleep(100);
    assert.ok(repeats >= 3, `repeated ${repeats} times`);
    for (const job of await q.getRepeatableJobs()) await q.removeRepeatableByKey(job.key);
  });

  test('a queued job survives a restart, and the redis-server stops with Basalt', async () => {
    const q = queue('durable');
    const job = await q.add('later', { keep: 'me' });
    await q.close();
    const pid = Number(readFileSync(join(env.dataDir, 'redis', 'redis.pid'), 'utf8'));

    assert.equal(await basalt.stop(), 0);
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
    assert.equal(isAlive(pid), false, 'the embedded redis-server exited with Basalt');

    basalt = await startBasalt({ env: env.env, waitForReady: true });
    const reopened = queue('durable');
    const again = await reopened.getJob(job.id);
    assert.ok(again, 'the job is still there after the restart');
    assert.deepEqual(again.data, { keep: 'me' });
    assert.equal(await again.getState(), 'waiting');
  });
});

describe('worker-only process', () => {
  let env: TestEnvironment;
  let api: BasaltProcess;
  let worker: BasaltProcess | undefined;
  let queue: Bull.Queue;

  before(async () => {
    env = await createTestEnvironment({ BASALT_QUEUE_PROCESSING: 'false' });
    api = await startBasalt({ env: env.env, waitForReady: true });
    queue = new Bull('system', env.env.REDIS_URL!, { prefix: `${env.env.BASALT_REDIS_PREFIX}:bull` });
  });

  after(async () => {
    await queue?.close();
    await worker?.stop();
    await api?.stop();
    await env?.cleanup();
  });

  test('an API node with processing off runs no jobs; the worker runs them; both stop cleanly', async () => {
    const ready: any = await (await fetch(`${api.url}/health/ready`)).json();
    assert.equal(ready.details.queue.processing, false);

    const job = await queue.add('ping', {});
    await sleep(1000);
    assert.equal(await job.getState(), 'waiting', 'nobody processed it yet');

    worker = await startBasalt({ entry: 'worker', env: { ...env.env, BASALT_QUEUE_PROCESSING: undefined, LOG_LEVEL: 'info' } });
    const result = await Promise.race([job.finished(), sleep(30_000).then(() => 'timeout')]);
    assert.equal(typeof (result as { pong: number }).pong, 'number', `worker output:\n${worker.output()}`);
    // Processors start while the worker is still booting; its SIGTERM handler is installed once it has started.
    for (let i = 0; i < 300 && !worker.output().includes('worker started'); i++) await sleep(50);

    assert.equal(await worker.stop(), 0, worker.output());
    assert.equal(await api.stop(), 0, api.output());
  });
});
