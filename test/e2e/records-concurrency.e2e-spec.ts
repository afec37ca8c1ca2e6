import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { UUID_V7, assertProblem, createCollection, errorFields, recordsOf, sleep, type Records } from '../support/records';

describe('records: concurrent writes, and schema changes while writing', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let items: Records;
  let events: Records;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, {
      name: 'items',
      fields: [
        { name: 'slug', type: 'string', unique: true },
        { name: 'counter', type: 'integer', default: 0 },
      ],
    });
    await createCollection(admin, {
      name: 'events',
      fields: [
        { name: 'label', type: 'string', required: true },
        { name: 'n', type: 'integer' },
        { name: 'note', type: 'string' },
      ],
    });
    items = recordsOf(admin, 'items');
    events = recordsOf(admin, 'events');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  const statuses = (responses: ApiResponse[]) => responses.map((r) => r.status).sort((a, b) => a - b);

  test('concurrent creates of one unique value: exactly one 201, the rest 409 naming the field', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => items.create({ slug: 'contested' })));
    assert.deepEqual(statuses(responses), [201, ...Array(11).fill(409)], responses.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join('\n'));
    for (const response of responses.filter((r) => r.status === 409)) {
      assertProblem(response, 409, 'unique-violation');
      assert.equal(response.body.errors[0].field, 'slug');
    }
    assert.equal((await items.ok({ filter: { slug: 'contested' } })).data.length, 1);
  });

  test('concurrent updates with the same If-Match: exactly one wins, the others get 412', async () => {
    const record = await items.add({ slug: 'guarded', counter: 0 });
    const etag = (await items.get(record.id)).headers.get('etag')!;
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => items.patch(record.id, { counter: i + 1 }, { 'if-match': etag })));
    assert.deepEqual(statuses(responses), [200, ...Array(9).fill(412)], responses.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join('\n'));
    const winner = responses.find((r) => r.status === 200)!;
    for (const loser of responses.filter((r) => r.status === 412)) assertProblem(loser, 412, 'precondition-failed');
    assert.equal((await items.get(record.id)).body.counter, winner.body.counter, 'the stored value is the winner’s');
  });

  test('concurrent deletes of one record: exactly one 204, the rest 404', async () => {
    const record = await items.add({ slug: 'deleted-by-many' });
    const responses = await Promise.all(Array.from({ length: 8 }, () => items.delete(record.id)));
    assert.deepEqual(statuses(responses), [204, ...Array(7).fill(404)], responses.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join('\n'));
    assertProblem(await items.get(record.id), 404);
  });

  test('concurrent bulk and single creates: every record stored once, ids distinct', async () => {
    const before = (await items.all()).length;
    const bulk = Array.from({ length: 8 }, (_, b) => items.create(Array.from({ length: 25 }, (_, i) => ({ slug: `bulk-${b}-${i}`, counter: i }))));
    const single = Array.from({ length: 20 }, (_, i) => items.create({ slug: `single-${i}` }));
    const responses = await Promise.all([...bulk, ...single]);
    for (const response of responses) assert.equal(response.status, 201, response.text.slice(0, 300));
    const ids = responses.flatMap((r) => (Array.isArray(r.body) ? r.body : [r.body])).map((r: { id: string }) => r.id);
    assert.equal(ids.length, 220);
    assert.equal(new Set(ids).size, 220);
    for (const id of ids) assert.match(id, UUID_V7);
    assert.equal((await items.all()).length, before + 220);
  });

  test('creates keep working while fields are added and renamed; every 201 is readable, none is a 500', async (t) => {
    const fields = [
      { name: 'label', type: 'string', required: true },
      { name: 'n', type: 'integer' },
    ];
    type Outcome = { i: number; withNote: boolean; afterRename: boolean; response: ApiResponse };
    const creates: Promise<Outcome>[] = [];
    let renameDone = false;
    let i = 0;
    const fire = () => {
      const n = i++;
      // Even ones also send `note`, the field being renamed: after the rename that is an unknown field.
      const withNote = n % 2 === 0;
      const afterRename = renameDone;
      const body = { label: `event-${n}`, n, ...(withNote ? { note: `note-${n}` } : {}) };
      creates.push(events.create(body).then((response) => ({ i: n, withNote, afterRename, response })));
    };
    /** Fires creates every few milliseconds until the schema change answers (at most `max`), so some run during its DDL. */
    const fireWhile = async (change: Promise<ApiResponse>, max: number): Promise<ApiResponse> => {
      let settled: ApiResponse | undefined;
      void change.then((response) => (settled = response));
      for (let k = 0; k < max && !settled; k++) {
        fire();
        await sleep(3);
      }
      return change;
    };

    for (let k = 0; k < 6; k++) fire();
    const addResponse = await fireWhile(
      admin.request('PATCH', '/api/v1/collections/events', { body: { fields: [...fields, { name: 'note', type: 'string' }, { name: 'priority', type: 'integer', default: 3 }] } }),
      18,
    );
    assert.equal(addResponse.status, 200, addResponse.text);
    for (let k = 0; k < 6; k++) fire();
    const renameResponse = await fireWhile(
      admin.request('PATCH', '/api/v1/collections/events', {
        body: { fields: [...fields, { name: 'remark', type: 'string', renamedFrom: 'note' }, { name: 'priority', type: 'integer', default: 3 }] },
      }),
      18,
    );
    renameDone = true;
    assert.equal(renameResponse.status, 200, renameResponse.text);
    assert.deepEqual(renameResponse.body.fields.map((f: { name: string }) => f.name), ['label', 'n', 'remark', 'priority']);
    // A few more once the rename has answered: these must see the new schema.
    for (let k = 0; k < 6; k++) fire();
    const results = await Promise.all(creates);
    assert.ok(results.length >= 30 && results.length <= 54, `${results.length} creates`);

    const report = results.map((r) => `${r.i}: ${r.response.status} ${r.response.text.slice(0, 160)}`).join('\n');
    for (const { response, withNote, afterRename } of results) {
      assert.ok(response.status < 500, `no 5xx:\n${report}`);
      if (withNote && afterRename) {
        assertProblem(response, 400, 'validation-failed', 'a create sent after the rename answered, with the old name');
        assert.deepEqual(errorFields(response), ['note']);
      } else if (withNote) {
        assert.ok(response.status === 201 || response.status === 400, `a create with note is 201 or 400:\n${report}`);
        if (response.status === 400) assert.deepEqual(errorFields(response), ['note'], `a refused create names note: ${response.text}`);
      } else {
        assert.equal(response.status, 201, `a create without the renamed field always succeeds:\n${report}`);
      }
    }
    const accepted = results.filter((r) => r.response.status === 201);
    t.diagnostic(`${accepted.length} of ${results.length} creates answered 201; ${results.filter((r) => r.withNote && r.response.status === 400).length} sent the old field name and got 400`);
    const stored = await events.all();
    assert.equal(stored.length, accepted.length, 'exactly the 201s are stored');
    for (const { i: n, withNote, response } of accepted) {
      const read = await events.get(response.body.id);
      assert.equal(read.status, 200, `event-${n} is readable`);
      const record = read.body;
      assert.equal(record.label, `event-${n}`);
      assert.equal(record.n, n);
      assert.equal(record.priority, 3, `event-${n} has the new field with its default`);
      assert.ok(!('note' in record), 'the old name is gone');
      assert.equal(record.remark, withNote ? `note-${n}` : null, `event-${n} kept its note under the new name`);
    }

    const after = await events.create({ label: 'after', remark: 'new name', priority: 9 });
    assert.equal(after.status, 201, after.text);
    assert.equal(after.body.remark, 'new name');
    assert.equal(after.body.priority, 9);
    assert.deepEqual(errorFields(await events.create({ label: 'old name', note: 'x' })), ['note']);
    assert.equal((await events.ok({ filter: { priority: 3 }, count: 'true' })).meta.total, accepted.length);
  });
});
