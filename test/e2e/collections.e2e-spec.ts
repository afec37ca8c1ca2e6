import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';

describe('collections: the run-time schema', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let api: Client;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  const authors = {
    name: 'authors',
    fields: [
      { name: 'name', type: 'string', required: true, maxLength: 100 },
      { name: 'email', type: 'email', unique: true },
    ],
  };

  test('create, read, list; every type and constraint is accepted', async () => {
    const created = await admin.post('/api/v1/collections', authors);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.name, 'authors');
    assert.equal(created.body.version, 1);
    const articles = await admin.post('/api/v1/collections', {
      name: 'articles',
      softDelete: true,
      fields: [
        { name: 'title', type: 'string', required: true, minLength: 3, maxLength: 200 },
        { name: 'body', type: 'text' },
        { name: 'views', type: 'integer', min: 0, default: 0 },
        { name: 'rating', type: 'number', min: 0, max: 5 },
        { name: 'featured', type: 'boolean', default: false },
        { name: 'published_at', type: 'datetime' },
        { name: 'day', type: 'date' },
        { name: 'meta', type: 'json' },
        { name: 'status', type: 'enum', values: ['draft', 'published'], default: 'draft', required: true },
        { name: 'homepage', type: 'url' },
        { name: 'ref', type: 'uuid' },
        { name: 'slug', type: 'string', pattern: '[a-z0-9-]+', unique: true },
        { name: 'author', type: 'relation', target: 'authors', onDelete: 'set-null' },
      ],
      indexes: [{ name: 'status_published', fields: ['status', 'published_at'] }],
    });
    assert.equal(articles.status, 201, articles.text);
    const list = await admin.get('/api/v1/collections');
    assert.deepEqual(list.body.data.map((c: { name: string }) => c.name), ['articles', 'authors']);
    const one = await admin.get('/api/v1/collections/articles');
    assert.equal(one.body.fields.length, 13);
    assert.equal(one.body.softDelete, true);
  });

  test('bad definitions get a 400 naming each problem, and nothing is created', async () => {
    const response = await admin.post('/api/v1/collections', {
      name: 'Bad-Name',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'x', type: 'nope' },
        { name: 'y', type: 'integer', maxLength: 3 },
        { name: 'r', type: 'relation', target: 'ghosts' },
        { name: 'e', type: 'enum' },
        { name: 'p', type: 'string', pattern: '(' },
        { name: 'd', type: 'integer', default: 'ten' },
      ],
    });
    assert.equal(response.status, 400, response.text);
    const fields = response.body.errors.map((e: { field: string }) => e.field);
    for (const expected of ['name', 'fields[0].name', 'fields[1].type', 'fields[2].maxLength', 'fields[3].target', 'fields[4].values', 'fields[5].pattern', 'fields[6].default']) {
      assert.ok(fields.includes(expected), `${expected} in ${fields.join(', ')}`);
    }
    for (const name of ['users', 'collections']) {
      const reserved = await admin.post('/api/v1/collections', { name, fields: [] });
      assert.equal(reserved.status, 400);
    }
    assert.equal((await admin.post('/api/v1/collections', authors)).status, 409);
  });

  test('only administrators manage collections', async () => {
    const user = await make.user(api);
    assert.equal((await api.get('/api/v1/collections', { token: user.accessToken })).status, 403);
    assert.equal((await api.post('/api/v1/collections', { name: 'mine', fields: [] }, { token: user.accessToken })).status, 403);
    assert.equal((await api.get('/api/v1/collections')).status, 401);
  });

  test('add, rename, alter and drop fields, add and drop indexes; each change is a schema event', async () => {
    const current = (await admin.get('/api/v1/collections/authors')).body;
    const changed = await admin.request('PATCH', '/api/v1/collections/authors', {
      body: {
        fields: [
          { name: 'full_name', type: 'string', required: true, maxLength: 150, renamedFrom: 'name' },
          { name: 'bio', type: 'text' },
        ],
        indexes: [{ name: 'by_name', fields: ['full_name'] }],
      },
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.version, current.version + 1);
    assert.deepEqual(changed.body.fields.map((f: { name: string }) => f.name), ['full_name', 'bio']);
    const history = await admin.get('/api/v1/collections/authors/history');
    assert.equal(history.status, 200);
    assert.deepEqual(history.body.data.map((e: { action: string }) => e.action), ['create', 'update']);
    const kinds = history.body.data[1].changes.map((c: { kind: string }) => c.kind).sort();
    assert.deepEqual(kinds, ['add-field', 'add-index', 'alter-field', 'drop-field', 'rename-field']);
  });

  test('a field type cannot change; a collection others point to cannot be dropped', async () => {
    const typeChange = await admin.request('PATCH', '/api/v1/collections/authors', { body: { fields: [{ name: 'full_name', type: 'integer' }, { name: 'bio', type: 'text' }] } });
    assert.equal(typeChange.status, 400);
    assert.match(typeChange.body.errors[0].message, /cannot change a field's type/);
    const drop = await admin.request('DELETE', '/api/v1/collections/authors');
    assert.equal(drop.status, 409);
    assert.match(drop.body.detail, /"articles"/);
  });

  test('drop a collection', async () => {
    assert.equal((await admin.post('/api/v1/collections', { name: 'scratch', fields: [{ name: 'n', type: 'integer' }] })).status, 201);
    assert.equal((await admin.request('DELETE', '/api/v1/collections/scratch')).status, 204);
    assert.equal((await admin.get('/api/v1/collections/scratch')).status, 404);
    assert.equal((await admin.post('/api/v1/collections', { name: 'scratch', fields: [] })).status, 201, 'the name is free again');
  });
});
