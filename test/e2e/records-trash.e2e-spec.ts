import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { MISSING_ID, assertProblem, assertSameIds, createCollection, qs, recordsOf, type ListBody, type Records, type Rec } from '../support/records';

describe('records: soft delete, the trash, restore and purge', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let admin: Client;
  let notes: Records;
  let pins: Records;
  let plain: Records;

  const trashPath = (collection: string, rest = '') => `/api/v1/collections/${collection}/trash${rest}`;
  const trash = async (params: Record<string, unknown> = {}): Promise<ListBody> => {
    const response = await admin.get<ListBody>(trashPath('notes') + qs(params));
    assert.equal(response.status, 200, response.text);
    assert.ok(Array.isArray(response.body.data));
    return response.body;
  };
  const restore = (id: string, collection = 'notes') => admin.post(trashPath(collection, `/${id}/restore`));
  const purge = (id: string, collection = 'notes') => admin.request('DELETE', trashPath(collection, `/${id}`));

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, {
      name: 'notes',
      softDelete: true,
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'tag', type: 'enum', values: ['red', 'blue'], default: 'red', required: true },
        { name: 'rank', type: 'integer' },
      ],
    });
    await createCollection(admin, {
      name: 'pins',
      softDelete: true,
      fields: [
        { name: 'label', type: 'string', required: true },
        { name: 'note', type: 'relation', target: 'notes', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, { name: 'plain', fields: [{ name: 'n', type: 'integer' }] });
    notes = recordsOf(admin, 'notes');
    pins = recordsOf(admin, 'pins');
    plain = recordsOf(admin, 'plain');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  /** The fields a record keeps through trash and restore (updated_at may move). */
  const stable = (record: Rec) => ({ id: record.id, title: record.title, tag: record.tag, rank: record.rank, created_at: record.created_at });

  test('DELETE moves a record to the trash: hidden from get, list, count, update and delete', async () => {
    const [keep, gone] = await notes.addMany([
      { title: 'keep me', rank: 1 },
      { title: 'trash me', tag: 'blue', rank: 2 },
    ]);
    const deleted = await notes.delete(gone.id);
    assert.equal(deleted.status, 204, deleted.text);
    assertProblem(await notes.get(gone.id), 404, 'not-found');
    assertSameIds(await notes.ids({ limit: 500 }), [keep.id]);
    assert.deepEqual((await notes.ok({ filter: { id: gone.id } })).data, []);
    assert.deepEqual((await notes.ok({ filter: { title: 'trash me' } })).data, []);
    assert.equal((await notes.ok({ count: 'true' })).meta.total, 1);
    assertProblem(await notes.patch(gone.id, { rank: 3 }), 404);
    assertProblem(await notes.delete(gone.id), 404);
    const bin = await trash();
    assert.deepEqual(bin.data.map((r) => r.id), [gone.id]);
    assert.deepEqual(stable(bin.data[0]), stable(gone));
    // Clean up for the tests below.
    assert.equal((await purge(gone.id)).status, 204);
    assert.equal((await notes.delete(keep.id)).status, 204);
    assert.equal((await purge(keep.id)).status, 204);
  });

  test('the trash takes the same list parameters', async () => {
    const created = await notes.addMany(Array.from({ length: 12 }, (_, i) => ({ title: `t${String(i).padStart(2, '0')}`, tag: i % 2 ? 'blue' : 'red', rank: i })));
    const live = await notes.add({ title: 'still alive', tag: 'blue', rank: 100 });
    for (const record of created) assert.equal((await notes.delete(record.id)).status, 204);

    const all = await trash({ limit: 500 });
    assertSameIds(all.data.map((r) => r.id), created.map((r) => r.id));
    const blue = await trash({ filter: { tag: 'blue' }, sort: '-rank', count: 'true', limit: 4 });
    assert.equal(blue.meta.total, 6);
    assert.deepEqual(blue.data.map((r) => r.rank), [11, 9, 7, 5]);
    const page = await trash({ sort: 'title', limit: 3, offset: 3, fields: 'id,title' });
    assert.deepEqual(page.data, created.slice(3, 6).map((r) => ({ id: r.id, title: r.title })));
    const cursorWalk: string[] = [];
    let cursor: string | undefined;
    do {
      const body = await trash({ sort: 'title', limit: 5, cursor });
      cursorWalk.push(...body.data.map((r) => r.id));
      cursor = body.meta.nextCursor;
    } while (cursor);
    assert.deepEqual(cursorWalk, created.map((r) => r.id));
    assertProblem(await admin.get(trashPath('notes') + qs({ filter: { no_such_field: 1 } })), 400);
    assertProblem(await admin.get(trashPath('notes') + qs({ colour: 'red' })), 400);
    assert.ok(!all.data.some((r) => r.id === live.id), 'live records are not in the trash');

    for (const record of created) assert.equal((await purge(record.id)).status, 204);
    assert.equal((await notes.delete(live.id)).status, 204);
    assert.equal((await purge(live.id)).status, 204);
    assert.deepEqual((await trash()).data, []);
  });

  test('restore brings a record back with its values', async () => {
    const note = await notes.add({ title: 'come back', tag: 'blue', rank: 7 });
    assert.equal((await notes.delete(note.id)).status, 204);
    const restored = await restore(note.id);
    assert.equal(restored.status, 200, restored.text);
    assert.deepEqual(stable(restored.body), stable(note));
    const read = await notes.get(note.id);
    assert.equal(read.status, 200);
    assert.deepEqual(stable(read.body), stable(note));
    assert.ok(!('deleted_at' in read.body) || read.body.deleted_at === null, 'a live record is not marked deleted');
    assertSameIds(await notes.ids({ filter: { title: 'come back' } }), [note.id]);
    assert.deepEqual((await trash()).data, [], 'no longer in the trash');
    assertProblem(await restore(note.id), 404, undefined, 'restoring a live record');
    assertProblem(await restore(MISSING_ID), 404, undefined, 'restoring an unknown id');
    assertProblem(await restore('not-a-uuid'), 404, undefined, 'restoring a malformed id');
    assert.equal((await notes.patch(note.id, { rank: 8 })).status, 200, 'a restored record can be changed');
  });

  test('purge deletes for good: restore is then 404, and relations react as to a delete', async () => {
    const note = await notes.add({ title: 'purge me' });
    const pin = await pins.add({ label: 'points at purge me', note: note.id });
    assertProblem(await purge(note.id), 404, undefined, 'purging a live record');
    assert.equal((await notes.delete(note.id)).status, 204);
    const purged = await purge(note.id);
    assert.equal(purged.status, 204, purged.text);
    assert.equal(purged.text, '');
    assertProblem(await restore(note.id), 404);
    assertProblem(await purge(note.id), 404);
    assertProblem(await notes.get(note.id), 404);
    assert.ok(!(await trash({ limit: 500 })).data.some((r) => r.id === note.id));
    assert.equal((await pins.get(pin.id)).body.note, null, 'set-null applied when the record was purged');
  });

  test('trashed records are hidden from expansions, forward and reverse', async () => {
    const [n1, n2] = await notes.addMany([{ title: 'n1' }, { title: 'n2' }]);
    const [p1, p2] = await pins.addMany([
      { label: 'p1', note: n1.id },
      { label: 'p2', note: n1.id },
      { label: 'p3', note: n2.id },
    ]);
    assert.equal((await notes.delete(n2.id)).status, 204);
    assert.equal((await pins.delete(p2.id)).status, 204);

    const mine = { label: { $in: ['p1', 'p2', 'p3'] } };
    const forward = Object.fromEntries((await pins.ok({ expand: 'note', sort: 'label', filter: mine })).data.map((r) => [r.label, r]));
    assert.deepEqual(Object.keys(forward), ['p1', 'p3']);
    assert.deepEqual(stable(forward.p1.note), stable(n1));
    assert.equal(forward.p3.note, null, 'a trashed target expands to null');

    const reverse = Object.fromEntries((await notes.ok({ expand: 'pins_via_note', filter: { title: { $in: ['n1', 'n2'] } } })).data.map((r) => [r.title, r]));
    assert.deepEqual(Object.keys(reverse), ['n1']);
    assert.deepEqual(reverse.n1.pins_via_note.map((r: Rec) => r.id), [p1.id], 'a trashed pin is not in the reverse expansion');

    assert.equal((await restore(n2.id)).status, 200);
    assert.equal((await restore(p2.id, 'pins')).status, 200);
    const back = Object.fromEntries((await pins.ok({ expand: 'note', sort: 'label', filter: mine })).data.map((r) => [r.label, r]));
    assert.deepEqual(stable(back.p3.note), stable(n2));
    const both = (await notes.ok({ expand: 'pins_via_note', filter: { title: 'n1' } })).data[0];
    assert.deepEqual(both.pins_via_note.map((r: Rec) => r.id).sort(), [p1.id, p2.id].sort());
  });

  test('without softDelete a delete is final and there is no trash', async () => {
    const record = await plain.add({ n: 1 });
    assert.equal((await plain.delete(record.id)).status, 204);
    assertProblem(await plain.get(record.id), 404);
    const list = await admin.get(trashPath('plain'));
    assert.ok(list.status === 404 || list.status === 400, `no trash for plain: ${list.status} ${list.text}`);
    assertProblem(list, list.status);
    const back = await restore(record.id, 'plain');
    assert.ok(back.status === 404 || back.status === 400, `${back.status} ${back.text}`);
    assertProblem(await admin.get(trashPath('nothing_here')), 404);
  });

  test('only administrators see and manage the trash', async () => {
    const note = await notes.add({ title: 'guarded' });
    assert.equal((await notes.delete(note.id)).status, 204);
    const user = await make.user(api);
    const calls: [string, string][] = [
      ['GET', trashPath('notes')],
      ['POST', trashPath('notes', `/${note.id}/restore`)],
      ['DELETE', trashPath('notes', `/${note.id}`)],
    ];
    for (const [method, path] of calls) {
      assertProblem(await api.request(method, path), 401, 'unauthorized', `anonymous ${method} ${path}`);
      assertProblem(await api.request(method, path, { token: user.accessToken }), 403, 'forbidden', `user ${method} ${path}`);
    }
    assert.ok((await trash()).data.some((r) => r.id === note.id), 'still in the trash');
  });
});
