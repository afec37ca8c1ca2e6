import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { MISSING_ID, assertInvalid, assertProblem, createCollection, recordsOf, type Rec } from '../support/records';

// Two processes cannot share the embedded database, so the second node exists on PostgreSQL and MariaDB only.
const TWO_NODES = TEST_DIALECT !== 'embedded';

describe('roles: custom roles, several per user, OR-merged rules, write checks', () => {
  let env: TestEnvironment;
  let nodeA: BasaltProcess;
  let nodeB: BasaltProcess | undefined;
  let api: Client;
  let admin: Client;
  /** A plain user, and one that gets custom roles; `editorB` is the same account on the second node (or the first). */
  let plain: Client;
  let editor: Client;
  let editorB: Client;
  let plainId: string;
  let editorId: string;

  const permit = async (body: Record<string, unknown>): Promise<string> => {
    const response = await admin.post('/api/v1/permissions', body);
    assert.equal(response.status, 201, response.text);
    return response.body.id;
  };
  const setRoles = async (userId: string, roles: string[]) => {
    const response = await admin.request('PUT', `/api/v1/users/${userId}/roles`, { body: { roles } });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };
  const titles = (records: Rec[]) => records.map((r) => r.title as string).sort();

  before(async () => {
    env = await createTestEnvironment();
    nodeA = await startBasalt({ env: env.env });
    api = client(nodeA.url);
    admin = client(nodeA.url, (await make.admin(api)).accessToken);
    const p = await make.user(api);
    const e = await make.user(api);
    plain = client(nodeA.url, p.accessToken);
    editor = client(nodeA.url, e.accessToken);
    plainId = p.user.id;
    editorId = e.user.id;
    if (TWO_NODES) nodeB = await startBasalt({ env: env.env });
    editorB = client((nodeB ?? nodeA).url, e.accessToken);
    await createCollection(admin, {
      name: 'articles',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'status', type: 'enum', values: ['draft', 'published'], required: true },
        { name: 'secret', type: 'string' },
        { name: 'team', type: 'string' },
        { name: 'owner', type: 'uuid' },
      ],
    });
    const docs = recordsOf(admin, 'articles');
    await docs.add({ title: 'published one', status: 'published', secret: 's1', team: 'user' });
    await docs.add({ title: 'draft one', status: 'draft', secret: 's2', team: 'editor' });
    await docs.add({ title: 'draft two', status: 'draft', secret: 's3', team: 'reviewer' });
  });

  after(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await env?.cleanup();
  });

  test('roles are managed by administrators: names are checked, built-ins are fixed, duplicates are 409', async () => {
    assertInvalid(await admin.post('/api/v1/roles', { name: 'Editor' }), ['name']);
    assertInvalid(await admin.post('/api/v1/roles', { name: 'x' }), ['name']);
    assertInvalid(await admin.post('/api/v1/roles', { name: 'a'.repeat(33) }), ['name']);
    assertInvalid(await admin.post('/api/v1/roles', { name: 'public' }), ['name']);
    assertInvalid(await admin.post('/api/v1/roles', { name: 'admin' }), ['name']);
    assertProblem(await admin.post('/api/v1/roles', { name: 'ok-name', level: 3 }), 400);
    const created = await admin.post('/api/v1/roles', { name: 'editor', description: 'Edits drafts' });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual({ ...created.body, createdAt: typeof created.body.createdAt }, { name: 'editor', description: 'Edits drafts', builtIn: false, createdAt: 'string' });
    assertProblem(await admin.post('/api/v1/roles', { name: 'editor' }), 409, 'conflict');
    assert.equal((await admin.post('/api/v1/roles', { name: 'reviewer' })).status, 201);
    const listed = await admin.get('/api/v1/roles');
    assert.deepEqual(
      listed.body.data.map((r: { name: string; builtIn: boolean }) => [r.name, r.builtIn]),
      [['admin', true], ['user', true], ['public', true], ['editor', false], ['reviewer', false]],
    );
    const patched = await admin.request('PATCH', '/api/v1/roles/reviewer', { body: { description: 'Reviews' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.description, 'Reviews');
    assert.equal((await admin.get('/api/v1/roles/reviewer')).body.description, 'Reviews');
    assertProblem(await admin.get('/api/v1/roles/nope'), 404, 'not-found');
    assertProblem(await admin.request('PATCH', '/api/v1/roles/nope', { body: { description: 'x' } }), 404);
    assertProblem(await admin.request('PATCH', '/api/v1/roles/user', { body: { description: 'x' } }), 409);
    assertProblem(await admin.request('DELETE', '/api/v1/roles/public'), 409);
    assertProblem(await admin.request('DELETE', '/api/v1/roles/nope'), 404);
  });

  test('BFLA: a plain user and an anonymous caller cannot manage roles or assignments', async () => {
    for (const [who, c, status] of [['user', plain, 403], ['anonymous', api, 401]] as const) {
      assertProblem(await c.get('/api/v1/roles'), status, undefined, `${who} list`);
      assertProblem(await c.post('/api/v1/roles', { name: 'sneaky' }), status, undefined, `${who} create`);
      assertProblem(await c.request('DELETE', '/api/v1/roles/reviewer'), status, undefined, `${who} delete`);
      assertProblem(await c.get(`/api/v1/users/${plainId}/roles`), status, undefined, `${who} get assignment`);
      assertProblem(await c.request('PUT', `/api/v1/users/${plainId}/roles`, { body: { roles: ['editor'] } }), status, undefined, `${who} self-assign`);
      assertProblem(await c.request('PATCH', `/api/v1/permissions/${MISSING_ID}`, { body: { fields: null } }), status, undefined, `${who} patch permission`);
    }
    assert.ok(!(await admin.get('/api/v1/roles')).body.data.some((r: { name: string }) => r.name === 'sneaky'));
    assert.deepEqual((await admin.get(`/api/v1/users/${plainId}/roles`)).body, { userId: plainId, roles: [], effective: ['user'] });
  });

  test('assignments: unknown and built-in roles are 400s naming each, and change nothing', async () => {
    const refused = await admin.request('PUT', `/api/v1/users/${plainId}/roles`, { body: { roles: ['editor', 'nope', 'admin'] } });
    assertInvalid(refused, ['roles[1]', 'roles[2]']);
    assert.ok(!refused.body.errors.some((e: { field: string }) => e.field === 'roles[0]'));
    assertProblem(await admin.request('PUT', `/api/v1/users/${plainId}/roles`, { body: { roles: 'editor' } }), 400);
    assertProblem(await admin.request('PUT', `/api/v1/users/${plainId}/roles`, { body: {} }), 400);
    assertProblem(await admin.request('PUT', `/api/v1/users/${MISSING_ID}/roles`, { body: { roles: ['editor'] } }), 404);
    assertProblem(await admin.request('PUT', '/api/v1/users/not-a-uuid/roles', { body: { roles: [] } }), 400);
    assert.deepEqual((await admin.get(`/api/v1/users/${plainId}/roles`)).body.roles, []);
    assert.deepEqual((await plain.get('/api/v1/auth/me')).body.roles, ['user']);
  });

  test('a custom role grants what a plain user lacks; two roles OR-merge filters and fields; /auth/me shows them', async () => {
    await permit({ role: 'user', collection: 'articles', action: 'read', rowFilter: { status: 'published' }, fields: ['title', 'status'] });
    await permit({ role: 'editor', collection: 'articles', action: 'read', rowFilter: { status: 'draft', team: 'editor' }, fields: ['title', 'secret'] });
    await permit({ role: 'reviewer', collection: 'articles', action: 'read', rowFilter: { team: 'reviewer' } });
    const assigned = await setRoles(editorId, ['editor', 'editor']);
    assert.deepEqual(assigned, { userId: editorId, roles: ['editor'], effective: ['user', 'editor'] });
    assert.deepEqual((await editor.get('/api/v1/auth/me')).body.roles, ['user', 'editor']);

    const asPlain = await recordsOf(plain, 'articles').ok();
    assert.deepEqual(titles(asPlain.data), ['published one']);
    assert.deepEqual(Object.keys(asPlain.data[0]).sort(), ['created_at', 'id', 'status', 'title', 'updated_at']);
    const asEditor = await recordsOf(editor, 'articles').ok();
    assert.deepEqual(titles(asEditor.data), ['draft one', 'published one'], 'user OR editor filter');
    for (const record of asEditor.data) assert.deepEqual(Object.keys(record).sort(), ['created_at', 'id', 'secret', 'status', 'title', 'updated_at'], 'fields unioned');
    // A field only the editor role reads is filterable by the editor, not by the plain user.
    assert.equal((await recordsOf(editor, 'articles').list({ filter: { secret: 's2' } })).body.data.length, 1);
    assertInvalid(await recordsOf(plain, 'articles').list({ filter: { secret: 's2' } }), ['filter.secret']);

    // A third role with an unfiltered allow-all rule: every field of its records.
    await setRoles(editorId, ['editor', 'reviewer']);
    const three = await recordsOf(editor, 'articles').ok();
    assert.deepEqual(titles(three.data), ['draft one', 'draft two', 'published one']);
    assert.ok(three.data.every((r) => 'team' in r && 'owner' in r), 'the reviewer rule allows every field');
    await setRoles(editorId, ['editor']);
  });

  test('$user.roles: a filter on the caller’s roles', async () => {
    await createCollection(admin, { name: 'boards', fields: [{ name: 'name', type: 'string', required: true }, { name: 'team', type: 'string', required: true }] });
    const boards = recordsOf(admin, 'boards');
    for (const team of ['user', 'editor', 'reviewer']) await boards.add({ name: `${team} board`, team });
    await permit({ role: 'user', collection: 'boards', action: 'read', rowFilter: { team: { $in: '$user.roles' } } });
    assert.deepEqual((await recordsOf(plain, 'boards').ok()).data.map((r) => r.team), ['user']);
    assert.deepEqual((await recordsOf(editor, 'boards').ok()).data.map((r) => r.team).sort(), ['editor', 'user']);
    // As a value of $eq it is an array: refused when the permission is written.
    assertInvalid(await admin.post('/api/v1/permissions', { role: 'editor', collection: 'boards', action: 'read', rowFilter: { team: { $eq: '$user.roles' } } }), ['rowFilter.team']);
  });

  test('revoking a role takes effect at once, on the other node too; a role in use cannot be deleted', async () => {
    const drafts = async (c: Client) => titles((await recordsOf(c, 'articles').ok()).data).filter((t) => t.startsWith('draft'));
    assert.deepEqual(await drafts(editorB), ['draft one'], 'the second node applies the role');
    assertProblem(await admin.request('DELETE', '/api/v1/roles/editor'), 409, 'role-in-use');
    await setRoles(editorId, []);
    // The very next request, on each node: no Redis round trip is awaited by the test.
    assert.deepEqual(await drafts(editorB), [], 'the second node forgot the role at once');
    assert.deepEqual(await drafts(editor), []);
    assert.deepEqual((await client(nodeA.url).get('/api/v1/auth/me', { token: (await make.admin(api)).accessToken })).body.roles, ['admin']);
    await setRoles(editorId, ['editor']);
    assert.deepEqual(await drafts(editorB), ['draft one'], 'and learns it again at once');

    // The reviewer role still has a permission: 409 until it is withdrawn, then deletable.
    assertProblem(await admin.request('DELETE', '/api/v1/roles/reviewer'), 409, 'role-in-use');
    const rule = (await admin.get('/api/v1/permissions')).body.data.find((p: { role: string }) => p.role === 'reviewer');
    assert.equal((await admin.request('DELETE', `/api/v1/permissions/${rule.id}`)).status, 204);
    assert.equal((await admin.request('DELETE', '/api/v1/roles/reviewer')).status, 204);
    assertProblem(await admin.get('/api/v1/roles/reviewer'), 404);
    assertInvalid(await admin.post('/api/v1/permissions', { role: 'reviewer', collection: 'articles', action: 'read' }), ['role']);
  });

  test('PATCH /permissions/:id changes a rule at once, validated as a create', async () => {
    const id = (await admin.get('/api/v1/permissions')).body.data.find((p: { role: string; collection: string }) => p.role === 'user' && p.collection === 'articles').id;
    assertInvalid(await admin.request('PATCH', `/api/v1/permissions/${id}`, { body: { rowFilter: { nope: 1 } } }), ['rowFilter.nope']);
    assertInvalid(await admin.request('PATCH', `/api/v1/permissions/${id}`, { body: { fields: ['title', 'nope'] } }), ['fields[1]']);
    assertInvalid(await admin.request('PATCH', `/api/v1/permissions/${id}`, { body: { presets: { title: 'x' } } }), ['presets']);
    assertInvalid(await admin.request('PATCH', `/api/v1/permissions/${id}`, { body: { check: { status: 'draft' } } }), ['check']);
    assertProblem(await admin.request('PATCH', `/api/v1/permissions/${id}`, { body: { role: 'editor' } }), 400);
    assertProblem(await admin.request('PATCH', `/api/v1/permissions/${MISSING_ID}`, { body: { fields: null } }), 404);
    assert.deepEqual((await admin.get(`/api/v1/permissions/${id}`)).body.fields, ['title', 'status'], 'nothing changed');

    const patched = await admin.request('PATCH', `/api/v1/permissions/${id}`, { body: { rowFilter: { status: 'draft' }, fields: null } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual([patched.body.rowFilter, patched.body.fields], [{ status: 'draft' }, null]);
    const seen = (await recordsOf(plain, 'articles').ok()).data;
    assert.deepEqual(titles(seen), ['draft one', 'draft two']);
    assert.ok(seen.every((r) => 'secret' in r), 'fields null: every field');
    await admin.request('PATCH', `/api/v1/permissions/${id}`, { body: { rowFilter: { status: 'published' }, fields: ['title', 'status'] } });
  });

  test('GET /docs/openapi.json?role= shows what that role may do; who may ask for which role', async () => {
    const docs = (c: Client, role?: string) => c.get(`/docs/openapi.json${role === undefined ? '' : `?role=${encodeURIComponent(role)}`}`);
    const records = '/api/v1/collections/articles/records';
    const methods = (doc: any, path: string) => Object.keys(doc.paths[path] ?? {}).filter((k) => k !== 'parameters').sort();
    const props = (doc: any, schema: string) => Object.keys(doc.components.schemas[schema]?.properties ?? {}).sort();

    const full = (await docs(api)).body;
    assert.deepEqual(methods(full, records), ['get', 'post'], 'without ?role the whole document, as before');
    const pub = await docs(api, 'public');
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.body.paths[records], undefined, 'public has no rule on articles');
    assert.ok(pub.body.paths['/api/v1/auth/login'], 'static routes stay');

    const asUser = await docs(plain, 'user');
    assert.equal(asUser.status, 200, asUser.text);
    assert.deepEqual(methods(asUser.body, records), ['get']);
    assert.deepEqual(methods(asUser.body, `${records}/{id}`), ['get']);
    assert.deepEqual(props(asUser.body, 'ArticlesRecord'), ['created_at', 'id', 'status', 'title', 'updated_at']);
    assert.equal(asUser.body.components.schemas.ArticlesCreate, undefined);
    assert.deepEqual(methods(asUser.body, '/api/v1/collections/boards/records'), ['get']);

    const asEditor = await docs(editor, 'editor');
    assert.equal(asEditor.status, 200, asEditor.text);
    assert.deepEqual(props(asEditor.body, 'ArticlesRecord'), ['created_at', 'id', 'secret', 'title', 'updated_at'], 'the editor rule alone');
    assert.equal(asEditor.body.paths['/api/v1/collections/boards/records'], undefined);

    assert.equal((await docs(admin, 'editor')).status, 200, 'an administrator may see any role');
    assert.deepEqual(methods((await docs(admin, 'admin')).body, records), ['get', 'post']);
    assertProblem(await docs(plain, 'editor'), 403, 'forbidden', 'a role the user does not hold');
    assertProblem(await docs(plain, 'admin'), 403, 'forbidden');
    assertProblem(await docs(api, 'user'), 403, 'forbidden', 'anonymous asking for user');
    assertInvalid(await docs(admin, 'nope'), ['role']);
    assertInvalid(await docs(plain, 'Bad Name'), ['role']);
    assertProblem(await api.get('/docs/openapi.json?role=user', { token: 'not-a-token' }), 401, 'unauthorized');
  });

  test('the GDPR export lists the custom roles held', async () => {
    const exported = await editor.get('/api/v1/users/me/export');
    assert.equal(exported.status, 200, exported.text);
    assert.deepEqual(exported.body.roles.map((r: { role: string }) => r.role), ['editor']);
    assert.ok(!Number.isNaN(Date.parse(exported.body.roles[0].since)));
    assert.deepEqual((await plain.get('/api/v1/users/me/export')).body.roles, []);
  });

  describe('write checks', () => {
    let tasks: ReturnType<typeof recordsOf>;
    let mine: Rec;
    let mine2: Rec;

    before(async () => {
      await createCollection(admin, {
        name: 'tasks',
        fields: [
          { name: 'title', type: 'string', required: true },
          { name: 'owner', type: 'uuid', required: true },
          { name: 'points', type: 'integer' },
        ],
      });
      const own = { owner: { $eq: '$user.id' } };
      await permit({ role: 'user', collection: 'tasks', action: 'read', rowFilter: own });
      await permit({ role: 'user', collection: 'tasks', action: 'create', fields: ['title', 'owner', 'points'], check: { $and: [own, { points: { $lte: 10 } }] } });
      await permit({ role: 'user', collection: 'tasks', action: 'update', rowFilter: own, fields: ['title', 'owner', 'points'] });
      tasks = recordsOf(plain, 'tasks');
      mine = await tasks.add({ title: 'mine', owner: plainId, points: 1 });
      mine2 = await tasks.add({ title: 'mine too', owner: plainId, points: 2 });
    });

    const unchanged = async () => {
      const all = await recordsOf(admin, 'tasks').all();
      assert.deepEqual(
        all.map((r) => [r.title, r.owner, r.points]).sort(),
        [['mine', plainId, 1], ['mine too', plainId, 2]].sort(),
        'nothing was written',
      );
    };

    test('create: the record as written must match the check (single, array and batch), else 403 and nothing is stored', async () => {
      assertProblem(await tasks.create({ title: 'for someone else', owner: editorId }), 403, 'permission-check-failed', 'foreign owner');
      assertProblem(await tasks.create({ title: 'too big', owner: plainId, points: 11 }), 403, 'permission-check-failed', 'points');
      // SQL semantics: a null never matches a comparison, so an absent value fails "points <= 10".
      assertProblem(await tasks.create({ title: 'no points', owner: plainId }), 403, 'permission-check-failed', 'null points');
      const array = await tasks.create([{ title: 'ok', owner: plainId, points: 0 }, { title: 'bad', owner: editorId, points: 0 }]);
      assertProblem(array, 403, 'permission-check-failed', 'array');
      assert.deepEqual(array.body.errors.map((e: { field: string }) => e.field), ['[1]'], array.text);
      const batch = await plain.post('/api/v1/batch', { operations: [{ action: 'create', collection: 'tasks', data: { title: 'ok', owner: plainId, points: 0 } }, { action: 'create', collection: 'tasks', data: { title: 'bad', owner: MISSING_ID, points: 0 } }] });
      assertProblem(batch, 403, 'permission-check-failed', 'batch');
      assert.match(batch.body.detail, /operations\[1\]/);
      await unchanged();
    });

    test('update: without an explicit check a record cannot be moved out of the rule’s reach (single and batch)', async () => {
      assertProblem(await tasks.patch(mine.id, { owner: editorId }), 403, 'permission-check-failed');
      const batch = await plain.post('/api/v1/batch', {
        operations: [
          { action: 'update', collection: 'tasks', id: mine.id, data: { title: 'renamed' } },
          { action: 'update', collection: 'tasks', id: mine2.id, data: { owner: editorId } },
        ],
      });
      assertProblem(batch, 403, 'permission-check-failed', 'batch');
      assert.match(batch.body.detail, /operations\[1\]/);
      await unchanged();
      // Within the scope, updates pass.
      const renamed = await tasks.patch(mine.id, { title: 'mine', points: 5 });
      assert.equal(renamed.status, 200, renamed.text);
      await tasks.patch(mine.id, { points: 1 });
    });

    test('an explicit update check; a second role without a check lifts it (OR)', async () => {
      const rule = (await admin.get('/api/v1/permissions')).body.data.find((p: { collection: string; action: string }) => p.collection === 'tasks' && p.action === 'update');
      await admin.request('PATCH', `/api/v1/permissions/${rule.id}`, { body: { check: { $and: [{ owner: { $eq: '$user.id' } }, { points: { $lte: 3 } }] } } });
      assertProblem(await tasks.patch(mine.id, { points: 4 }), 403, 'permission-check-failed');
      await unchanged();
      assert.equal((await tasks.patch(mine.id, { points: 3 })).status, 200);
      await tasks.patch(mine.id, { points: 1 });

      const editorTasks = recordsOf(editor, 'tasks');
      const own = await editorTasks.add({ title: 'editor task', owner: editorId, points: 1 });
      assertProblem(await editorTasks.patch(own.id, { points: 9 }), 403, 'permission-check-failed', 'only the user rule');
      await permit({ role: 'editor', collection: 'tasks', action: 'update', rowFilter: { owner: { $eq: '$user.id' } }, check: null });
      await permit({ role: 'editor', collection: 'tasks', action: 'read' });
      const lifted = await editorTasks.patch(own.id, { points: 9 });
      assert.equal(lifted.status, 200, lifted.text);
      assert.equal(lifted.body.points, 9);
      assert.equal((await recordsOf(admin, 'tasks').get(own.id)).body.points, 9);
      await recordsOf(admin, 'tasks').delete(own.id);
    });

    test('presets of two roles that disagree make a create ambiguous: 409, nothing stored', async () => {
      await createCollection(admin, { name: 'notes2', fields: [{ name: 'title', type: 'string', required: true }, { name: 'kind', type: 'string' }] });
      await permit({ role: 'user', collection: 'notes2', action: 'create', presets: { kind: 'personal' } });
      await permit({ role: 'editor', collection: 'notes2', action: 'create', presets: { kind: 'editorial' } });
      assert.equal((await recordsOf(plain, 'notes2').create({ title: 'plain' })).status, 201);
      assertProblem(await recordsOf(editor, 'notes2').create({ title: 'editor' }), 409, 'preset-conflict');
      assert.deepEqual((await recordsOf(admin, 'notes2').all()).map((r) => [r.title, r.kind]), [['plain', 'personal']]);
      assertInvalid(await admin.post('/api/v1/permissions', { role: 'user', collection: 'notes2', action: 'read', check: { kind: 'x' } }), ['check']);
    });
  });
});
