import 'reflect-metadata';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import type * as AppConfigFile from 'src/config/app-config';
import type * as ConfigModuleFile from 'src/config/config.module';
import type * as DatabaseModuleFile from 'src/infra/database/database.module';
import type * as LoggingModuleFile from 'src/infra/logging/logging.module';
import type * as QueueModuleFile from 'src/infra/queue/queue.module';
import type * as RedisModuleFile from 'src/infra/queue/redis.module';
import type * as RedisConnectionFile from 'src/infra/queue/redis-connection';
import type * as SigningSecretFile from 'src/infra/secrets/signing-secret';
import type * as RecordsModuleFile from 'src/modules/records/records.module';
import type * as RecordVisibilityFile from 'src/modules/records/record-visibility';
import { DIST, createTestEnvironment, startBasalt, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client } from '../support/http';
import { createCollection, recordsOf, type Rec } from '../support/records';

/**
 * RecordVisibility against the real app's services: the data is made over
 * HTTP (and what GET answers each user noted), then the app is stopped (the
 * embedded database has one owner at a time) and the same database opened
 * in this process, where visibleTo must agree with those GETs.
 */
describe('RecordVisibility.visibleTo', () => {
  let env: TestEnvironment;
  let context: INestApplicationContext | undefined;
  let visibility: RecordVisibilityFile.RecordVisibility;
  let userA: AuthUser;
  let userB: AuthUser;
  let noteA: Rec;
  let noteB: Rec;
  const tasks: Record<string, Rec> = {};
  const seenByGet = new Map<string, boolean>();

  before(async () => {
    env = await createTestEnvironment();
    const basalt = await startBasalt({ env: env.env });
    try {
      const api = client(basalt.url);
      const admin = client(basalt.url, (await make.admin(api)).accessToken);
      const a = await make.user(api);
      const b = await make.user(api);
      userA = { id: a.user.id, role: 'user', sessionId: '' };
      userB = { id: b.user.id, role: 'user', sessionId: '' };
      await createCollection(admin, {
        name: 'notes',
        fields: [
          { name: 'title', type: 'string', required: true },
          { name: 'secret', type: 'string' },
          { name: 'owner', type: 'uuid', required: true },
        ],
      });
      await createCollection(admin, { name: 'projects', fields: [{ name: 'name', type: 'string', required: true }, { name: 'lead', type: 'uuid' }] });
      await createCollection(admin, { name: 'tasks', fields: [{ name: 'title', type: 'string', required: true }, { name: 'project', type: 'relation', target: 'projects', onDelete: 'set-null' }] });
      for (const body of [
        { role: 'user', collection: 'notes', action: 'read', rowFilter: { owner: '$user.id' }, fields: ['title', 'owner'] },
        // Users see the tasks of projects they lead, and the tasks of no project named "Secret" (a NOT over a relation path).
        { role: 'user', collection: 'tasks', action: 'read', rowFilter: { $or: [{ 'project.lead': '$user.id' }, { $not: { 'project.name': 'Secret' } }] } },
      ]) {
        const response = await admin.post('/api/v1/permissions', body);
        assert.equal(response.status, 201, response.text);
      }
      noteA = await recordsOf(admin, 'notes').add({ title: 'A', secret: 's', owner: a.user.id });
      noteB = await recordsOf(admin, 'notes').add({ title: 'B', owner: b.user.id });
      const projects = recordsOf(admin, 'projects');
      const led = await projects.add({ name: 'Secret', lead: a.user.id });
      const open = await projects.add({ name: 'Open' });
      const adminTasks = recordsOf(admin, 'tasks');
      tasks.secret = await adminTasks.add({ title: 'in the secret project', project: led.id });
      tasks.open = await adminTasks.add({ title: 'in the open project', project: open.id });
      tasks.none = await adminTasks.add({ title: 'in no project' });
      for (const [who, token] of [
        ['A', a.accessToken],
        ['B', b.accessToken],
      ]) {
        for (const [name, task] of Object.entries(tasks)) seenByGet.set(`${who}:${name}`, (await recordsOf(client(basalt.url, token), 'tasks').get(task.id)).status === 200);
      }
    } finally {
      await basalt.stop();
    }
    // The build, as e2e tests run it: entities need the decorator metadata tsc emits and tsx does not.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = <T>(file: string): T => require(join(DIST, 'src', file)) as T;
    const { ConfigModule } = load<typeof ConfigModuleFile>('config/config.module');
    const { DatabaseModule } = load<typeof DatabaseModuleFile>('infra/database/database.module');
    const { LoggingModule } = load<typeof LoggingModuleFile>('infra/logging/logging.module');
    const { RedisModule } = load<typeof RedisModuleFile>('infra/queue/redis.module');
    const { QueueModule } = load<typeof QueueModuleFile>('infra/queue/queue.module');
    const { RecordsModule } = load<typeof RecordsModuleFile>('modules/records/records.module');
    const { AppConfig } = load<typeof AppConfigFile>('config/app-config');
    const { RedisConnection } = load<typeof RedisConnectionFile>('infra/queue/redis-connection');
    const { resolveSigningSecret } = load<typeof SigningSecretFile>('infra/secrets/signing-secret');
    const { RecordVisibility } = load<typeof RecordVisibilityFile>('modules/records/record-visibility');
    const loaded = AppConfig.fromEnvironment({ ...env.env, BASALT_QUEUE_PROCESSING: 'false' });
    const config = loaded.withJwtSecret(resolveSigningSecret(loaded));
    // Configuration, the database, the queues (records write change events) and the records module: what webhooks or realtime import.
    const redis = new RedisConnection(env.env.REDIS_URL!, config.redis.prefix);
    const imports = [ConfigModule.forRoot(config), RedisModule.forRoot(redis), LoggingModule.forRoot(), DatabaseModule.forRoot(), QueueModule.forRoot({ processing: false }), RecordsModule];
    context = await NestFactory.createApplicationContext({ module: class VisibilityTestModule {}, imports }, { logger: false, abortOnError: false });
    visibility = context.get(RecordVisibility);
  });

  after(async () => {
    await context?.close();
    await env?.cleanup();
  });

  test('the row filter decides whether a record shows, the field allow-list what of it', async () => {
    const seen = await visibility.visibleTo(userA, 'notes', noteA);
    assert.deepEqual(seen, { id: noteA.id, created_at: noteA.created_at, updated_at: noteA.updated_at, title: 'A', owner: userA.id });
    assert.equal(await visibility.visibleTo(userB, 'notes', noteA), undefined);
    assert.equal((await visibility.visibleTo(userB, 'notes', noteB))?.title, 'B');
    assert.equal(await visibility.visibleTo(undefined, 'notes', noteA), undefined, 'anonymous callers have no read rule');
    assert.equal(await visibility.visibleTo(userA, 'nope', noteA), undefined);
  });

  test('administrators see everything, as a copy', async () => {
    const seen = await visibility.visibleTo({ id: userA.id, role: 'admin', sessionId: '' }, 'notes', noteA);
    assert.deepEqual(seen, noteA);
    assert.notEqual(seen, noteA);
  });

  test('a record that is gone from the database (a delete event) is judged as it was', async () => {
    const deleted = { ...noteA, id: '3b241101-e2bb-4255-8caf-4136c566a962' };
    assert.equal((await visibility.visibleTo(userA, 'notes', deleted))?.title, 'A');
    assert.equal(await visibility.visibleTo(userB, 'notes', deleted), undefined);
  });

  test('an API key sees only within its scopes', async () => {
    const keyed = (collection: string, actions: ('read' | 'create')[]): AuthUser => ({ ...userA, apiKey: { id: 'k', scopes: [{ collection, actions }] } });
    assert.equal((await visibility.visibleTo(keyed('*', ['read']), 'notes', noteA))?.title, 'A');
    assert.equal((await visibility.visibleTo(keyed('notes', ['read']), 'notes', noteA))?.title, 'A');
    assert.equal(await visibility.visibleTo(keyed('notes', ['create']), 'notes', noteA), undefined);
    assert.equal(await visibility.visibleTo(keyed('tasks', ['read']), 'notes', noteA), undefined);
    assert.equal(await visibility.visibleTo(keyed('*', ['read']), 'notes', noteB), undefined, 'and never beyond the user’s own rules');
  });

  test('relation paths in the rule agree with what GET answered, NULL logic included', async () => {
    for (const [who, user] of [
      ['A', userA],
      ['B', userB],
    ] as const) {
      for (const [name, task] of Object.entries(tasks)) {
        const visible = (await visibility.visibleTo(user, 'tasks', task)) !== undefined;
        assert.equal(visible, seenByGet.get(`${who}:${name}`), `${who} on the task ${name}`);
      }
    }
    // The task of no project is hidden from everyone: NOT (NULL IN (the "Secret" project)) is unknown.
    assert.equal(seenByGet.get('B:none'), false);
    assert.equal(seenByGet.get('A:secret'), true);
    assert.equal(seenByGet.get('B:secret'), false);
    assert.equal(seenByGet.get('B:open'), true);
  });
});
