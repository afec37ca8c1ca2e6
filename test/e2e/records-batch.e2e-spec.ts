import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { ISO_MS, MISSING_ID, UUID_V7, assertInvalid, assertProblem, createCollection, errorFields, recordsOf, type Records, type Rec } from '../support/records';

type Operation = { action: string; collection?: string; id?: string; data?: unknown } | Record<string, unknown>;

describe('records: batches of operations in one transaction', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let admin: Client;
  let accounts: Records;
  let entries: Records;

  const batch = (operations: Operation[] | unknown, token?: string): Promise<ApiResponse> => (token === undefined ? admin : api).post('/api/v1/batch', { operations }, token ? { token } : undefined);

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, {
      name: 'accounts',
      fields: [
        { name: 'name', type: 'string', required: true, unique: true },
        { name: 'balance', type: 'integer', min: 0, default: 0 },
      ],
    });
    await createCollection(admin, {
      name: 'entries',
      fields: [
        { name: 'account', type: 'relation', target: 'accounts', onDelete: 'restrict', required: true },
        { name: 'amount', type: 'integer', required: true },
        { name: 'memo', type: 'string', maxLength: 20 },
      ],
    });
    accounts = recordsOf(admin, 'accounts');
    entries = recordsOf(admin, 'entries');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  /** Everything both collections hold, to show a refused batch changed nothing. */
  async function snapshot(): Promise<{ accounts: Rec[]; entries: Rec[] }> {
    return { accounts: await accounts.all(), entries: await entries.all() };
  }

  function assertFieldNamed(response: ApiResponse, field: string): void {
    assert.ok(errorFields(response).includes(field), `errors name ${field}: ${response.text}`);
  }

  test('creates, updates and deletes across collections in one request', async () => {
    const [x, y] = await accounts.addMany([
      { name: 'x', balance: 10 },
      { name: 'y', balance: 1 },
    ]);
    const response = await batch([
      { action: 'create', collection: 'accounts', data: { name: 'z', balance: 3 } },
      { action: 'update', collection: 'accounts', id: x.id, data: { balance: 20 } },
      { action: 'delete', collection: 'accounts', id: y.id },
      { action: 'create', collection: 'entries', data: { account: x.id, amount: 5, memo: 'first' } },
    ]);
    assert.equal(response.status, 200, response.text);
    const results = response.body.results;
    assert.deepEqual(results.map((r: { status: number }) => r.status), [201, 200, 204, 201]);
    const z: Rec = results[0].record;
    assert.match(z.id, UUID_V7);
    assert.match(z.created_at, ISO_MS);
    assert.equal(z.name, 'z');
    assert.equal(z.balance, 3);
    assert.equal(results[1].record.id, x.id);
    assert.equal(results[1].record.balance, 20);
    assert.equal(results[1].record.name, 'x');
    assert.ok(Date.parse(results[1].record.updated_at) > Date.parse(x.updated_at));
    assert.equal(results[3].record.account, x.id);
    assert.equal(results[3].record.amount, 5);

    assert.deepEqual((await accounts.get(z.id)).body, z);
    assert.deepEqual((await accounts.get(x.id)).body, results[1].record);
    assertProblem(await accounts.get(y.id), 404);
    assert.deepEqual((await entries.get(results[3].record.id)).body, results[3].record);
  });

  test('one failing operation refuses the whole batch, naming operations[i].data.field, and nothing is applied', async () => {
    const [keep, doomed] = await accounts.addMany([
      { name: 'keep', balance: 50 },
      { name: 'doomed', balance: 0 },
    ]);
    const before = await snapshot();
    const response = await batch([
      { action: 'create', collection: 'accounts', data: { name: 'never' } },
      { action: 'update', collection: 'accounts', id: keep.id, data: { balance: 99 } },
      { action: 'create', collection: 'entries', data: { account: keep.id, amount: 1, memo: 'this memo is far too long' } },
      { action: 'delete', collection: 'accounts', id: doomed.id },
    ]);
    assertInvalid(response, ['operations[2].data.memo']);
    assert.ok(!errorFields(response).some((f) => !f.startsWith('operations[2].')), `only operation 2 is named: ${response.text}`);
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual((await accounts.ok({ filter: { name: 'never' } })).data, []);
    assert.equal((await accounts.get(keep.id)).body.balance, 50);
    assert.equal((await accounts.get(doomed.id)).status, 200);
  });

  test('validation errors in several operations: every bad field is named, nothing else', async () => {
    const [acc] = await accounts.addMany([{ name: 'several' }]);
    const before = await snapshot();
    const response = await batch([
      { action: 'create', collection: 'accounts', data: { balance: -1 } },
      { action: 'update', collection: 'accounts', id: acc.id, data: { colour: 'red' } },
      { action: 'create', collection: 'entries', data: { account: acc.id, amount: 'lots' } },
    ]);
    assertProblem(response, 400, 'validation-failed');
    assert.deepEqual(errorFields(response).sort(), ['operations[0].data.balance', 'operations[0].data.name', 'operations[1].data.colour', 'operations[2].data.amount']);
    assert.deepEqual(await snapshot(), before);
  });

  test('a unique clash is 409 naming operations[i].data.field; nothing is applied', async () => {
    await accounts.add({ name: 'taken' });
    const before = await snapshot();
    const inBatch = await batch([
      { action: 'create', collection: 'accounts', data: { name: 'twin' } },
      { action: 'create', collection: 'accounts', data: { name: 'twin' } },
    ]);
    assertProblem(inBatch, 409, 'unique-violation');
    assert.equal(inBatch.body.errors[0].field, 'operations[1].data.name');
    const withExisting = await batch([
      { action: 'create', collection: 'accounts', data: { name: 'fresh' } },
      { action: 'create', collection: 'accounts', data: { name: 'taken' } },
    ]);
    assertProblem(withExisting, 409, 'unique-violation');
    assert.equal(withExisting.body.errors[0].field, 'operations[1].data.name');
    assert.deepEqual(await snapshot(), before);
  });

  test('a relation to a missing record is 400 naming it; a restricted delete is 409; an unknown id is 404: nothing applied', async () => {
    const [owner] = await accounts.addMany([{ name: 'owner', balance: 5 }]);
    await entries.add({ account: owner.id, amount: 1 });
    const before = await snapshot();

    const dangling = await batch([
      { action: 'update', collection: 'accounts', id: owner.id, data: { balance: 6 } },
      { action: 'create', collection: 'entries', data: { account: MISSING_ID, amount: 2 } },
    ]);
    assertInvalid(dangling, ['operations[1].data.account']);

    const restricted = await batch([
      { action: 'create', collection: 'accounts', data: { name: 'meanwhile' } },
      { action: 'delete', collection: 'accounts', id: owner.id },
    ]);
    assertProblem(restricted, 409);

    const unknown = await batch([
      { action: 'update', collection: 'accounts', id: owner.id, data: { balance: 7 } },
      { action: 'update', collection: 'accounts', id: MISSING_ID, data: { balance: 1 } },
    ]);
    assertProblem(unknown, 404, 'not-found');

    const unknownDelete = await batch([
      { action: 'create', collection: 'accounts', data: { name: 'meanwhile too' } },
      { action: 'delete', collection: 'entries', id: MISSING_ID },
    ]);
    assertProblem(unknownDelete, 404, 'not-found');
    assert.deepEqual(await snapshot(), before);
  });

  test('operations see the effects of earlier ones in the same batch', async () => {
    const [acc] = await accounts.addMany([{ name: 'sequenced', balance: 1 }]);
    const twice = await batch([
      { action: 'update', collection: 'accounts', id: acc.id, data: { balance: 2 } },
      { action: 'update', collection: 'accounts', id: acc.id, data: { balance: 3 } },
    ]);
    assert.equal(twice.status, 200, twice.text);
    assert.deepEqual(twice.body.results.map((r: { record: Rec }) => r.record.balance), [2, 3]);
    assert.equal((await accounts.get(acc.id)).body.balance, 3);

    const before = await snapshot();
    const deleteThenUpdate = await batch([
      { action: 'delete', collection: 'accounts', id: acc.id },
      { action: 'update', collection: 'accounts', id: acc.id, data: { balance: 4 } },
    ]);
    assertProblem(deleteThenUpdate, 404);
    assert.deepEqual(await snapshot(), before, 'the delete was rolled back');

    const freeThenReuse = await batch([
      { action: 'update', collection: 'accounts', id: acc.id, data: { name: 'renamed' } },
      { action: 'create', collection: 'accounts', data: { name: 'sequenced' } },
    ]);
    assert.equal(freeThenReuse.status, 200, `a name freed earlier in the batch can be taken later: ${freeThenReuse.text}`);
  });

  test('malformed operations are 400 naming operations[i].<key>', async () => {
    const [acc] = await accounts.addMany([{ name: 'malformed target' }]);
    const before = await snapshot();
    const cases: [Operation, string][] = [
      [{ action: 'upsert', collection: 'accounts', data: { name: 'u' } }, 'operations[0].action'],
      [{ collection: 'accounts', data: { name: 'u' } }, 'operations[0].action'],
      [{ action: 'create', data: { name: 'u' } }, 'operations[0].collection'],
      [{ action: 'update', collection: 'accounts', data: { balance: 1 } }, 'operations[0].id'],
      [{ action: 'delete', collection: 'accounts' }, 'operations[0].id'],
      [{ action: 'create', collection: 'accounts' }, 'operations[0].data'],
      [{ action: 'update', collection: 'accounts', id: acc.id }, 'operations[0].data'],
      [{ action: 'create', collection: 'accounts', data: 'not an object' }, 'operations[0].data'],
    ];
    for (const [operation, field] of cases) {
      const response = await batch([operation]);
      assertProblem(response, 400, 'validation-failed', JSON.stringify(operation));
      assertFieldNamed(response, field);
    }
    const second = await batch([{ action: 'create', collection: 'accounts', data: { name: 'ok' } }, { action: 'frobnicate', collection: 'accounts' }]);
    assertProblem(second, 400, 'validation-failed');
    assertFieldNamed(second, 'operations[1].action');
    const emptyUpdate = await batch([{ action: 'update', collection: 'accounts', id: acc.id, data: {} }]);
    assertProblem(emptyUpdate, 400, 'validation-failed');

    const ghost = await batch([{ action: 'create', collection: 'ghosts', data: { name: 'boo' } }]);
    assert.ok(ghost.status === 400 || ghost.status === 404, `unknown collection: ${ghost.status} ${ghost.text}`);
    assertProblem(ghost, ghost.status);
    for (const body of [{ operations: 'all of them' }, { operations: [1, 2] }, {}, { operations: [], extra: true }, []]) {
      assertProblem(await admin.post('/api/v1/batch', body), 400, undefined, JSON.stringify(body));
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('only administrators run batches', async () => {
    const before = await snapshot();
    const user = await make.user(api);
    const operations = [{ action: 'create', collection: 'accounts', data: { name: 'intruder' } }];
    assertProblem(await api.post('/api/v1/batch', { operations }), 401, 'unauthorized');
    assertProblem(await batch(operations, user.accessToken), 403, 'forbidden');
    assert.deepEqual(await snapshot(), before);
  });

  test('a large batch applies every operation', async () => {
    const before = await snapshot();
    const operations = Array.from({ length: 200 }, (_, i) => ({ action: 'create', collection: 'accounts', data: { name: `bulk-${i}`, balance: i } }));
    const response = await batch(operations);
    assert.equal(response.status, 200, response.text.slice(0, 500));
    assert.equal(response.body.results.length, 200);
    assert.ok(response.body.results.every((r: { status: number }) => r.status === 201));
    const names = response.body.results.map((r: { record: Rec }) => r.record.name);
    assert.deepEqual(names, operations.map((o) => o.data.name), 'results in operation order');
    assert.equal((await accounts.all()).length, before.accounts.length + 200);
  });
});
