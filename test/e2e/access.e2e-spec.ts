import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { MISSING_ID, assertInvalid, assertProblem, createCollection, recordsOf, type Rec, type Records } from '../support/records';

describe('access: record permissions for non-administrators', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let admin: Client;
  let userA: Client;
  let userB: Client;
  let idA: string;
  let idB: string;
  let adminNotes: Records;
  let notesA: Records;
  let notesB: Records;

  const permit = async (body: Record<string, unknown>): Promise<string> => {
    const response = await admin.post('/api/v1/permissions', body);
    assert.equal(response.status, 201, response.text);
    return response.body.id;
  };

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    const a = await make.user(api);
    const b = await make.user(api);
    userA = client(basalt.url, a.accessToken);
    userB = client(basalt.url, b.accessToken);
    idA = a.user.id;
    idB = b.user.id;
    await createCollection(admin, {
      name: 'notes',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'secret', type: 'string' },
        { name: 'owner', type: 'uuid', required: true },
      ],
    });
    await createCollection(admin, { name: 'tags', fields: [{ name: 'label', type: 'string', required: true }] });
    await createCollection(admin, {
      name: 'pages',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'draft_notes', type: 'string' },
        { name: 'tag', type: 'relation', target: 'tags', onDelete: 'set-null' },
      ],
    });
    adminNotes = recordsOf(admin, 'notes');
    notesA = recordsOf(userA, 'notes');
    notesB = recordsOf(userB, 'notes');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('deny by default: 403 on list and create, 404 on get, update and delete of an existing record', async () => {
    const note = await adminNotes.add({ title: 'by admin', owner: MISSING_ID });
    assertProblem(await notesA.list(), 403, 'forbidden', 'list');
    assertProblem(await notesA.create({ title: 'x' }), 403, 'forbidden', 'create');
    assertProblem(await notesA.get(note.id), 404, 'not-found', 'get');
    assertProblem(await notesA.patch(note.id, { title: 'changed' }), 404, 'not-found', 'update');
    assertProblem(await notesA.delete(note.id), 404, 'not-found', 'delete');
    assertProblem(await userA.post('/api/v1/batch', { operations: [{ action: 'delete', collection: 'notes', id: note.id }] }), 404, 'not-found', 'batch delete');
    // Anonymous callers reach the records routes as role 'public', which has no permission either.
    assertProblem(await recordsOf(api, 'notes').list(), 403, 'forbidden', 'anonymous list');
    assertProblem(await recordsOf(api, 'notes').get(note.id), 404, 'not-found', 'anonymous get');
    // A presented but bad token is still a 401, not an anonymous call.
    assertProblem(await api.get('/api/v1/collections/notes/records', { token: 'not-a-token' }), 401, 'unauthorized');
    // The trash and batch stay closed to anonymous callers and the trash to users.
    assertProblem(await api.get('/api/v1/collections/notes/trash'), 401, 'unauthorized');
    assertProblem(await userA.get('/api/v1/collections/notes/trash'), 403, 'forbidden');
    assertProblem(await api.post('/api/v1/batch', { operations: [] }), 401, 'unauthorized');
    assert.equal((await adminNotes.get(note.id)).body.title, 'by admin', 'nothing changed');
  });

  test('permissions are validated against the collection and managed by administrators only', async () => {
    assertInvalid(await admin.post('/api/v1/permissions', { role: 'user', collection: 'nope', action: 'read' }), ['collection']);
    assertInvalid(await admin.post('/api/v1/permissions', { role: 'user', collection: 'notes', action: 'read', rowFilter: { nope: { $eq: '$user.id' } } }), ['rowFilter.nope']);
    assertInvalid(await admin.post('/api/v1/permissions', { role: 'user', collection: 'notes', action: 'read', rowFilter: { owner: { $gt: 'x' } } }), ['rowFilter.owner']);
    assertInvalid(await admin.post('/api/v1/permissions', { role: 'user', collection: 'notes', action: 'read', fields: ['title', 'nope'] }), ['fields[1]']);
    assertInvalid(await admin.post('/api/v1/permissions', { role: 'user', collection: 'notes', action: 'create', presets: { nope: 1 } }), ['presets.nope']);
    assertProblem(await admin.post('/api/v1/permissions', { role: 'admin', collection: 'notes', action: 'read' }), 400);
    assertProblem(await admin.post('/api/v1/permissions', { role: 'user', collection: 'notes', action: 'drop' }), 400);
    assertProblem(await userA.post('/api/v1/permissions', { role: 'user', collection: 'notes', action: 'read' }), 403, 'forbidden');
    assertProblem(await userA.get('/api/v1/permissions'), 403, 'forbidden');
    assertProblem(await api.get('/api/v1/permissions'), 401, 'unauthorized');
    assert.deepEqual((await admin.get('/api/v1/permissions')).body.data, [], 'nothing was stored');
  });

  describe('the owner pattern', () => {
    let a1: Rec;
    let a2: Rec;
    let b1: Rec;

    before(async () => {
      const own = { owner: { $eq: '$user.id' } };
      await permit({ role: 'user', collection: 'notes', action: 'read', rowFilter: own, fields: ['title', 'owner'] });
      await permit({ role: 'user', collection: 'notes', action: 'update', rowFilter: own, fields: ['title'] });
      await permit({ role: 'user', collection: 'notes', action: 'delete', rowFilter: own });
      await permit({ role: 'user', collection: 'notes', action: 'create', presets: { owner: '$user.id' }, fields: ['title', 'secret'] });
      const listed = await admin.get('/api/v1/permissions');
      assert.equal(listed.body.data.length, 4);
      assert.deepEqual(listed.body.data[0].rowFilter, own);
      const created = await notesA.create({ title: 'A one', secret: 's1' });
      assert.equal(created.status, 201, created.text);
      a1 = created.body;
      a2 = (await notesA.create({ title: 'A two' })).body;
      b1 = (await notesB.create({ title: 'B one', secret: 's3' })).body;
    });

    test('create applies the presets: the owner is the caller', async () => {
      assert.equal(a1.owner, idA);
      assert.equal(b1.owner, idB);
      assert.equal((await adminNotes.get(a1.id)).body.secret, 's1', 'the writable secret was stored');
      const many = await notesA.create([{ title: 'A three' }, { title: 'A four' }]);
      assert.equal(many.status, 201, many.text);
      assert.deepEqual(many.body.map((r: Rec) => r.owner), [idA, idA]);
      for (const r of many.body) assert.equal((await notesA.delete(r.id)).status, 204);
    });

    test('the readable allow-list hides a field, and it cannot be filtered, sorted or projected on', async () => {
      const got = await notesA.get(a1.id);
      assert.equal(got.status, 200, got.text);
      assert.equal(got.body.title, 'A one');
      assert.ok(!('secret' in got.body), 'secret is hidden');
      assert.ok(!('secret' in a1), 'the create answer hides it too');
      for (const r of (await notesA.ok()).data) assert.ok(!('secret' in r));
      assertInvalid(await notesA.list({ filter: { secret: 's1' } }), ['filter.secret']);
      assertInvalid(await notesA.list({ sort: 'secret' }), ['sort']);
      assertInvalid(await notesA.list({ fields: 'title,secret' }), ['fields']);
      assertInvalid(await notesA.get(`${a1.id}?fields=secret`), ['fields']);
      assertInvalid(await notesA.list({ search: 'one' }), ['search']);
      assertInvalid(await notesA.list({ aggregate: 'count', group_by: 'secret' }), ['group_by']);
      // Administrators still see everything.
      assert.equal((await adminNotes.get(a1.id)).body.secret, 's1');
      assert.equal((await adminNotes.get(b1.id)).body.owner, idB);
    });

    test('lists, counts and aggregates only return own records, whatever the filter', async () => {
      const mine = await notesA.ok({ count: 'true' });
      assert.deepEqual(mine.data.map((r) => r.id).sort(), [a1.id, a2.id].sort());
      assert.equal(mine.meta.total, 2);
      assert.deepEqual((await notesA.ok({ filter: { owner: idB } })).data, [], 'filtering on B does not reach B');
      assert.deepEqual((await notesA.ok({ filter: { $or: [{ owner: idB }, { title: 'B one' }] } })).data, []);
      const counted = await notesA.ok({ aggregate: 'count' });
      assert.equal(Number(counted.data[0].count), 2);
      assert.deepEqual((await notesB.ok()).data.map((r) => r.id), [b1.id]);
      assert.ok((await adminNotes.ok()).data.length >= 4, 'administrators see every note');
    });

    test('user B cannot read, change or delete A\'s notes by id (404) nor guess ids', async () => {
      assertProblem(await notesB.get(a1.id), 404, 'not-found', 'get');
      assertProblem(await notesB.get(`${a1.id}?fields=title`), 404, 'not-found', 'get with fields');
      assertProblem(await notesB.patch(a1.id, { title: 'hijacked' }), 404, 'not-found', 'update');
      assertProblem(await notesB.delete(a1.id), 404, 'not-found', 'delete');
      assertProblem(await notesB.delete(a1.id, { 'if-match': '*' }), 404, 'not-found', 'delete if-match');
      assertProblem(await notesB.get(MISSING_ID), 404, 'not-found', 'a missing id looks the same');
      assertProblem(await notesB.patch(MISSING_ID, { title: 'x' }), 404, 'not-found');
      assertProblem(await notesB.get('not-a-uuid'), 404, 'not-found');
      assertProblem(await notesB.patch('not-a-uuid', { title: 'x' }), 404, 'not-found');
      const still = (await adminNotes.get(a1.id)).body;
      assert.equal(still.title, 'A one');
    });

    test('batches are checked operation by operation: one foreign record refuses them all', async () => {
      const operations = [
        { action: 'update', collection: 'notes', id: b1.id, data: { title: 'B changed by B' } },
        { action: 'update', collection: 'notes', id: a1.id, data: { title: 'hijacked' } },
      ];
      assertProblem(await userB.post('/api/v1/batch', { operations }), 404, 'not-found');
      assertProblem(await userB.post('/api/v1/batch', { operations: [{ action: 'delete', collection: 'notes', id: a2.id }] }), 404, 'not-found');
      assertInvalid(await userB.post('/api/v1/batch', { operations: [{ action: 'create', collection: 'notes', data: { title: 'x', owner: idA } }] }), ['operations[0].data.owner']);
      assertProblem(await userB.post('/api/v1/batch', { operations: [{ action: 'create', collection: 'tags', data: { label: 'x' } }] }), 403, 'forbidden');
      assert.equal((await adminNotes.get(a1.id)).body.title, 'A one', 'nothing applied');
      assert.equal((await adminNotes.get(a2.id)).status, 200, 'nothing deleted');
      assert.equal((await adminNotes.get(b1.id)).body.title, 'B one', 'not even the allowed operation');
      const ok = await userB.post('/api/v1/batch', { operations: [operations[0], { action: 'create', collection: 'notes', data: { title: 'B two' } }] });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.results[1].record.owner, idB);
      assert.ok(!('secret' in ok.body.results[0].record));
      assert.equal((await adminNotes.get(b1.id)).body.title, 'B changed by B');
    });

    test('mass assignment of owner on create or update is a 400 naming owner', async () => {
      assertInvalid(await notesB.create({ title: 'mine?', owner: idA }), ['owner']);
      assertInvalid(await notesB.create([{ title: 'ok' }, { title: 'mine?', owner: idA }]), ['[1].owner']);
      assertInvalid(await notesA.patch(a1.id, { title: 'x', owner: idB }), ['owner']);
      assertInvalid(await notesA.patch(a1.id, { secret: 'x' }), ['secret']);
      assert.equal((await adminNotes.get(a1.id)).body.owner, idA);
      assert.equal((await adminNotes.ok({ filter: { title: 'mine?' } })).data.length, 0);
    });

    test('the owner updates and deletes own notes', async () => {
      const changed = await notesA.patch(a1.id, { title: 'A one, edited' });
      assert.equal(changed.status, 200, changed.text);
      assert.equal(changed.body.title, 'A one, edited');
      assert.ok(!('secret' in changed.body));
      assert.equal((await notesA.delete(a2.id)).status, 204);
      assertProblem(await notesA.get(a2.id), 404);
      assert.equal((await adminNotes.get(a2.id)).status, 404);
    });

    test('a withdrawn permission stops applying at once', async () => {
      const rules = (await admin.get('/api/v1/permissions')).body.data as { id: string; action: string }[];
      const del = rules.find((r) => r.action === 'delete')!;
      assert.equal((await admin.request('DELETE', `/api/v1/permissions/${del.id}`)).status, 204);
      assertProblem(await notesA.delete(a1.id), 404, 'not-found');
      assertProblem(await admin.request('DELETE', `/api/v1/permissions/${del.id}`), 404);
      await permit({ role: 'user', collection: 'notes', action: 'delete', rowFilter: { owner: { $eq: '$user.id' } } });
    });
  });

  test('public role: anonymous callers read what it allows; expanding an unreadable collection is refused', async () => {
    const tag = await recordsOf(admin, 'tags').add({ label: 'news' });
    const page = await recordsOf(admin, 'pages').add({ title: 'Hello', draft_notes: 'internal', tag: tag.id });
    await permit({ role: 'public', collection: 'pages', action: 'read', fields: ['title', 'tag'] });
    const anonymous = recordsOf(api, 'pages');
    const listed = await anonymous.ok();
    assert.deepEqual(listed.data.map((r) => r.id), [page.id]);
    assert.equal(listed.data[0].title, 'Hello');
    assert.ok(!('draft_notes' in listed.data[0]));
    const got = await anonymous.get(page.id);
    assert.equal(got.status, 200, got.text);
    assert.ok(!('draft_notes' in got.body));
    assertInvalid(await anonymous.list({ expand: 'tag' }), ['expand']);
    assertInvalid(await anonymous.list({ filter: { 'tag.label': 'news' } }), ['filter.tag']);
    assertProblem(await anonymous.create({ title: 'spam' }), 403, 'forbidden');
    assertProblem(await anonymous.patch(page.id, { title: 'defaced' }), 404, 'not-found');
    // Users have no rule on pages: role 'public' is for anonymous callers only.
    assertProblem(await recordsOf(userA, 'pages').list(), 403, 'forbidden');
    await permit({ role: 'public', collection: 'tags', action: 'read' });
    const expanded = await anonymous.ok({ expand: 'tag' });
    assert.equal(expanded.data[0].tag.label, 'news');
  });
});
