import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Bull from 'bull';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from 'migrations/index';
import { AppConfig } from 'src/config/app-config';
import { validateEnvironment } from 'src/config/env.schema';
/* eslint-disable no-restricted-imports -- an integration test of the webhooks module's own sweeper needs the module's entities */
import { WebhookAttempt } from 'src/modules/webhooks/webhook-attempt.entity';
import { WebhookDelivery } from 'src/modules/webhooks/webhook-delivery.entity';
import { Webhook } from 'src/modules/webhooks/webhook.entity';
/* eslint-enable no-restricted-imports */
import { WebhookSweeper } from 'src/modules/webhooks/webhook-sweeper';
import { createTestDatabase, type TestDatabase } from '../support/databases';

const REDIS_URL = process.env.BASALT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The sweeper on real PostgreSQL and Redis: lost jobs come back once, live ones are left alone. */
describe('WebhookSweeper', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let queue: Bull.Queue;
  let sweeper: WebhookSweeper;
  const config = new AppConfig(validateEnvironment({ BASALT_WEBHOOK_MAX_ATTEMPTS: '3', BASALT_WEBHOOK_RETRY_BASE_MS: '100', BASALT_WEBHOOK_TIMEOUT_MS: '1000' }));
  let webhookId: string;

  before(async () => {
    database = await createTestDatabase('postgres');
    dataSource = await new DataSource({ type: 'postgres', url: database.url, entities: [Webhook, WebhookDelivery, WebhookAttempt], migrations: MIGRATIONS }).initialize();
    await dataSource.runMigrations();
    const userId = randomUUID();
    await dataSource.query(`INSERT INTO users (id, email, role) VALUES ($1, $2, 'admin')`, [userId, `${userId}@example.com`]);
    webhookId = randomUUID();
    await dataSource.getRepository(Webhook).insert({ id: webhookId, userId, url: 'http://example.com/', events: '["records.*:*"]', filter: null, active: true, secret: 's', consecutiveFailures: 0, disabledReason: null, createdAt: new Date(), updatedAt: new Date() });
    queue = new Bull('webhooks', REDIS_URL, { prefix: `t${randomBytes(5).toString('hex')}:bull` });
    sweeper = new WebhookSweeper(dataSource.getRepository(WebhookDelivery), queue as never, config);
  });

  after(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    await dataSource?.destroy();
    await database?.drop();
  });

  async function delivery(eventId: string, status: 'pending' | 'dead', updatedAt: Date): Promise<string> {
    const id = randomUUID();
    await dataSource.getRepository(WebhookDelivery).insert({ id, webhookId, eventId, eventType: 'records.create', status, attempts: 1, jobId: `delivery:${id}`, payload: '{}', createdAt: updatedAt, updatedAt });
    return id;
  }

  test('only stale pending deliveries without a live job are enqueued again, once', async () => {
    const old = new Date(Date.now() - 10 * 60_000);
    const lost = await delivery('1', 'pending', old);
    const queued = await delivery('2', 'pending', old);
    await queue.add('deliver', { deliveryId: queued }, { jobId: `delivery:${queued}`, delay: 60_000 });
    await delivery('3', 'dead', old);
    await delivery('4', 'pending', new Date());

    assert.equal(await sweeper.sweep(), 1);
    const job = await queue.getJob(`delivery:${lost}:sweep:1`);
    assert.ok(job, 'the lost delivery has a new job');
    assert.deepEqual(job.data, { deliveryId: lost });
    assert.equal(job.opts.attempts, 3);
    assert.equal((await dataSource.getRepository(WebhookDelivery).findOneBy({ id: lost }))!.jobId, `delivery:${lost}:sweep:1`);
    assert.equal(await sweeper.sweep(), 0, 'its new job is alive: not again');
    assert.equal((await queue.getJobs(['waiting', 'delayed'])).length, 2);
  });
});
