import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { MISSING_ID, createCollection, pool, recordsOf, seededRandom, type Random, type Records, type Rec } from '../support/records';

/**
 * Property: whatever a client sends to the list and write routes — valid or
 * not, well-typed or not, garbage — the answer is a 2xx or a 4xx problem,
 * never a 5xx. Queries come from a seeded generator, so a failure replays
 * with RECORDS_PROPERTY_SEED=<seed>.
 */
const SEED = Number(process.env.RECORDS_PROPERTY_SEED ?? 20261122);
const QUERIES = 300;
const WRITES = 120;
const MAX_URL = 7000;

describe(`records: random list queries and writes never answer 5xx (seed ${SEED})`, () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let things: Records;
  let owners: Records;
  let ownerRecords: Rec[] = [];
  let thingRecords: Rec[] = [];

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, {
      name: 'owners',
      fields: [
        { name: 'name', type: 'string', required: true },
        { name: 'boss', type: 'relation', target: 'owners', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, {
      name: 'things',
      fields: [
        { name: 'name', type: 'string', required: true, maxLength: 80 },
        { name: 'body', type: 'text' },
        { name: 'qty', type: 'integer', min: -1000, max: 1000 },
        { name: 'price', type: 'number' },
        { name: 'flag', type: 'boolean', default: false },
        { name: 'at', type: 'datetime' },
        { name: 'day', type: 'date' },
        { name: 'kind', type: 'enum', values: ['a', 'b', 'c'] },
        { name: 'info', type: 'json' },
        { name: 'ref', type: 'uuid' },
        { name: 'site', type: 'url' },
        { name: 'mail', type: 'email' },
        { name: 'code', type: 'string', pattern: '[A-Z]{3}', unique: true },
        { name: 'owner', type: 'relation', target: 'owners', onDelete: 'set-null' },
      ],
    });
    owners = recordsOf(admin, 'owners');
    things = recordsOf(admin, 'things');
    const [chief] = await owners.addMany([{ name: 'chief' }]);
    ownerRecords = [chief, ...(await owners.addMany(Array.from({ length: 7 }, (_, i) => ({ name: `owner ${i}`, boss: chief.id }))))];
    const random = seededRandom(SEED ^ 0x5eed);
    thingRecords = await things.addMany(
      Array.from({ length: 60 }, (_, i) => ({
        name: `thing ${i} ${random.pick(WORDS)}`,
        body: `${random.pick(WORDS)} ${random.pick(WORDS)} ${random.pick(WORDS)}`,
        qty: random.between(-50, 50),
        price: random.chance(0.2) ? null : Math.round(random.next() * 10000) / 100,
        flag: random.chance(0.5),
        at: new Date(Date.UTC(2024, 0, 1) + random.int(365 * 24 * 3600) * 1000).toISOString(),
        day: `2024-${String(random.between(1, 12)).padStart(2, '0')}-${String(random.between(1, 28)).padStart(2, '0')}`,
        kind: random.pick(['a', 'b', 'c', null]),
        info: random.pick([null, { n: i }, [i, 'x'], 'text', i, true]),
        ref: random.chance(0.5) ? null : '0f8fad5b-d9cb-469f-a165-70867728950e',
        site: random.chance(0.5) ? null : `https://example.com/${i}`,
        mail: random.chance(0.5) ? null : `m${i}@example.com`,
        code: i < 26 ? `A${String.fromCharCode(65 + i)}Z` : null,
        owner: random.chance(0.15) ? null : random.pick(ownerRecords).id,
      })),
    );
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  const WORDS = ['quantum', 'nebula', 'granite', 'basalt', 'river', 'lantern', 'orbit', 'meadow'];
  const THING_FIELDS = ['id', 'created_at', 'updated_at', 'name', 'body', 'qty', 'price', 'flag', 'at', 'day', 'kind', 'info', 'ref', 'site', 'mail', 'code', 'owner'];
  const THING_PATHS = ['owner.name', 'owner.boss', 'owner.id', 'owner.boss.name', 'owner.boss.boss.name', 'owner.boss.boss.boss.name', 'owner.boss.boss.boss.boss.name'];
  const OWNER_FIELDS = ['id', 'created_at', 'updated_at', 'name', 'boss', 'boss.name', 'boss.boss.name'];
  const BAD_NAMES = ['nope', 'Name', 'NAME', 'owner.nope', 'name.owner', '', '.', 'owner.', '.owner', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$and', 'a'.repeat(60), 'deleted_at', 'things_via_owner', 'owners_via_boss', 'name;--', "name'", '*', 'owner..name', 'créé', '0', '-', '--name', 'name asc'];
  const EXPANDS = { things: ['owner', 'owner.boss', 'owner.boss.boss', 'owner.boss.boss.boss', 'owner.boss.boss.boss.boss'], owners: ['boss', 'boss.boss', 'owners_via_boss', 'things_via_owner', 'things_via_nope', 'owners_via_name'] };
  const OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$like', '$ilike', '$null'];
  const BAD_OPERATORS = ['$regex', '$exists', 'eq', '$EQ', '$', '$in ', '$where', '$elemMatch', '$and', '$or', '$not', '$', '__proto__'];
  const AGGREGATE_FNS = ['count', 'sum', 'avg', 'min', 'max', 'median', 'COUNT', 'sum(', ''];

  function scalar(r: Random): unknown {
    switch (r.int(22)) {
      case 0: return r.between(-100, 100);
      case 1: return r.pick([0, -0, 1, -1, 2 ** 31, 2 ** 53, 2 ** 60, -(2 ** 63), 1e308, -1e308, 5e-324, 0.1, 1.5, 1e21]);
      case 2: return r.string(r.int(12));
      case 3: return r.pick(WORDS);
      case 4: return r.pick(['2024-01-01', '2024-02-30', '2024-13-01', '0000-01-01', '9999-12-31', '2024-1-1', '24-01-01']);
      case 5: return r.pick(['2024-01-01T00:00:00Z', '2024-06-01T12:30:00+02:00', '2024-06-01T12:30:00.123456789Z', '2024-06-01T25:00:00Z', '2024-06-01 12:00:00', '2024-06-01T12:00:00-18:00', '2024-06-01T12:00:00+19:00', 'T12:00']);
      case 6: return r.pick([MISSING_ID, thingRecords.length ? r.pick(thingRecords).id : MISSING_ID, r.pick(ownerRecords).id, 'not-a-uuid', '00000000-0000-0000-0000-000000000000', MISSING_ID.toUpperCase(), `{${MISSING_ID}}`]);
      case 7: return r.chance(0.5);
      case 8: return null;
      case 9: return r.pick(['%', '_', '%%', '\\', '\\%', "'", '"', '`', ';', '--', '/*', '*/', "' OR 1=1 --"]);
      case 10: return r.pick(['\u0000', 'a\u0000b', '\ud800', '\udfff', '\uffff', '🪨', 'ß', 'İ', 'ﬃ']);
      case 11: return 'x'.repeat(r.pick([255, 256, 9999, 10001, 12000]));
      case 12: return [];
      case 13: return Array.from({ length: r.int(4) }, () => (r.chance(0.8) ? r.pick([r.between(-5, 5), r.pick(WORDS), r.pick(['a', 'b', 'c'])]) : scalar(r)));
      case 14: return Array.from({ length: r.pick([501, 600]) }, (_, i) => i);
      case 15: return {};
      case 16: return { a: scalar(r) };
      case 17: return r.pick(['a', 'b', 'c', 'd', 'A']);
      case 18: return r.pick(['true', 'false', 'null', '1', '1e3', 'NaN', 'Infinity']);
      case 19: return r.pick(['https://example.com/1', 'ftp://x', 'm1@example.com', 'not an email']);
      case 20: return r.pick(['AAZ', 'ABZ', 'abz', 'ZZZZ']);
      default: return r.between(0, 1000) / 10;
    }
  }

  function fieldName(r: Random, collection: 'things' | 'owners'): string {
    if (r.chance(0.08)) return r.pick(BAD_NAMES);
    if (collection === 'owners') return r.pick(OWNER_FIELDS);
    return r.chance(0.2) ? r.pick(THING_PATHS) : r.pick(THING_FIELDS);
  }

  /** Sets an own, enumerable key even when it is `__proto__`, so JSON.stringify sends it. */
  function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }

  /** Mostly a value of the field's own type (so many filters are valid), sometimes anything. */
  function typedValue(r: Random, field: string): unknown {
    if (r.chance(0.3)) return scalar(r);
    switch (field.split('.').pop()) {
      case 'qty':
        return r.between(-60, 60);
      case 'price':
        return r.between(0, 10000) / 100;
      case 'flag':
        return r.chance(0.5);
      case 'at':
      case 'created_at':
      case 'updated_at':
        return new Date(Date.UTC(2024, 0, 1) + r.int(500 * 24 * 3600) * 1000).toISOString();
      case 'day':
        return `2024-${String(r.between(1, 12)).padStart(2, '0')}-${String(r.between(1, 28)).padStart(2, '0')}`;
      case 'kind':
        return r.pick(['a', 'b', 'c']);
      case 'id':
      case 'owner':
      case 'boss':
      case 'ref':
        return r.pick([...thingRecords.slice(0, 5), ...ownerRecords]).id;
      case 'info':
        return r.pick([{ n: 1 }, [1, 'x'], 'text', 3, true]);
      default:
        return r.chance(0.5) ? r.pick(WORDS) : `thing ${r.int(60)}`;
    }
  }

  function condition(r: Random, collection: 'things' | 'owners', field: string): unknown {
    if (r.chance(0.3)) return typedValue(r, field);
    const ops: Record<string, unknown> = {};
    for (let i = 0, n = 1 + r.int(r.chance(0.1) ? 4 : 2); i < n; i++) {
      const op = r.chance(0.08) ? r.pick(BAD_OPERATORS) : r.pick(OPERATORS);
      if (op === '$in' || op === '$nin') setKey(ops, op, r.chance(0.85) ? Array.from({ length: r.int(5) }, () => typedValue(r, field)) : scalar(r));
      else if (op === '$null') setKey(ops, op, r.chance(0.85) ? r.chance(0.5) : scalar(r));
      else if (op === '$like' || op === '$ilike') setKey(ops, op, r.chance(0.8) ? `${r.pick(['%', '', '_'])}${r.pick(WORDS).slice(0, r.between(1, 4))}${r.pick(['%', '', '_%'])}` : scalar(r));
      else if (op === '$not') setKey(ops, op, filterNode(r, collection, 3));
      else setKey(ops, op, typedValue(r, field));
    }
    return ops;
  }

  function filterNode(r: Random, collection: 'things' | 'owners', depth: number): unknown {
    if (depth > 3 || r.chance(0.45)) {
      const node: Record<string, unknown> = {};
      for (let i = 0, n = 1 + r.int(3); i < n; i++) {
        const field = fieldName(r, collection);
        setKey(node, field, condition(r, collection, field));
      }
      return node;
    }
    const kind = r.pick(['$and', '$or', '$not', '$and', '$or']);
    if (kind === '$not') return { $not: r.chance(0.9) ? filterNode(r, collection, depth + 1) : [filterNode(r, collection, depth + 1)] };
    const children = Array.from({ length: r.int(4) }, () => filterNode(r, collection, depth + 1));
    return { [kind]: r.chance(0.9) ? children : children[0] ?? {} };
  }

  const GARBAGE_FILTERS = ['{', '}', 'null', '[]', '""', '1', 'true', '{"name":', '%', '{"name":{"$eq":"x"}}}', '{"__proto__":{"name":"x"}}', '{"constructor":{"prototype":{}}}', `${'{"$not":'.repeat(60)}{"qty":1}${'}'.repeat(60)}`, `{"$and":[${Array.from({ length: 150 }, (_, i) => `{"qty":${i}}`).join(',')}]}`, '{"name":"\\ud800"}', "{'name':'x'}", '{"name":1,"name":2}', '\u0000'];

  function list(r: Random, entries: () => string): string {
    return Array.from({ length: r.int(5) }, entries).join(r.chance(0.95) ? ',' : r.pick([';', ' ', ',,', ', ']));
  }

  function randomQuery(r: Random): { collection: 'things' | 'owners'; query: string } {
    const collection = r.chance(0.8) ? 'things' : 'owners';
    const params: [string, string][] = [];
    const maybe = (p: number, name: string, value: () => string) => {
      if (r.chance(p)) params.push([name, value()]);
    };
    maybe(0.6, 'filter', () => (r.chance(0.88) ? JSON.stringify(filterNode(r, collection, 0)) : r.pick(GARBAGE_FILTERS)));
    maybe(0.35, 'sort', () => list(r, () => `${r.chance(0.4) ? '-' : ''}${fieldName(r, collection)}`));
    maybe(0.25, 'fields', () => list(r, () => fieldName(r, collection)));
    maybe(0.25, 'expand', () => list(r, () => (r.chance(0.8) ? r.pick(EXPANDS[collection]) : r.pick([...BAD_NAMES, ...EXPANDS.owners, ...EXPANDS.things]))));
    maybe(0.35, 'limit', () => (r.chance(0.5) ? String(r.between(-2, 520)) : r.pick(['0', '1', '20', '500', '501', '-1', 'abc', '1.5', '', '99999999999999999999', '1e3', ' 5', '0x10', 'null', '[1]'])));
    maybe(0.2, 'offset', () => (r.chance(0.5) ? String(r.between(-2, 80)) : r.pick(['0', '-1', 'x', '1.5', '', '9007199254740993', '1e2'])));
    maybe(0.15, 'cursor', () =>
      r.pick([r.string(r.int(40), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+/'), Buffer.from(JSON.stringify(r.pick([[1, 'x'], ['2024-01-01T00:00:00Z', MISSING_ID], {}, null, 'x', [[]]]))).toString('base64url'), '', 'x'.repeat(5000)]),
    );
    maybe(0.15, 'count', () => r.pick(['true', 'false', '1', '0', 'yes', '']));
    maybe(0.15, 'search', () => (r.chance(0.6) ? r.pick(WORDS) : r.pick(['"', "'", '*', '+-', '()', 'a & b', '!x', ':*', '\\', '%', '', ' ', 'x'.repeat(300), '\u0000', 'quantum nebula', '@@', '~x'])));
    maybe(0.12, 'aggregate', () => list(r, () => { const fn = r.pick(AGGREGATE_FNS); return fn === 'count' && r.chance(0.6) ? 'count' : `${fn}:${fieldName(r, collection)}`; }));
    maybe(0.1, 'group_by', () => list(r, () => fieldName(r, collection)));
    maybe(0.05, r.pick(['colour', 'page', 'filter[name]', 'sort_by', '__proto__', 'constructor', '']), () => r.string(3));
    if (r.chance(0.06) && params.length) params.push([params[0][0], params[0][1]]); // a repeated parameter
    let query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    if (r.chance(0.04)) query += r.pick(['&filter=%E0%A4%A', '&sort=%', '&&', '&=x', '&limit', '&filter', '&%zz=1']);
    return { collection, query: query ? `?${query}` : '' };
  }

  function problemIssue(response: ApiResponse): string | undefined {
    if (!/^application\/problem\+json/.test(response.headers.get('content-type') ?? '')) return `content-type ${response.headers.get('content-type')}`;
    if (response.body?.status !== response.status) return `problem status ${response.body?.status}`;
    if (!/^urn:basalt:problem:[a-z-]+$/.test(String(response.body?.type))) return `problem type ${response.body?.type}`;
    return undefined;
  }

  test(`${QUERIES} random list queries: each is 200 with data and meta, or a 4xx problem`, async (t) => {
    const r = seededRandom(SEED);
    const cursors: string[] = [];
    const queries = Array.from({ length: QUERIES }, () => {
      for (;;) {
        const q = randomQuery(r);
        if (q.query.length < MAX_URL) return q;
      }
    });
    const failures: string[] = [];
    let okCount = 0;
    // One at a time, so a seed replays exactly (real cursors are picked up as they come).
    await pool(queries, 1, async ({ collection, query }, n) => {
      let url = `/api/v1/collections/${collection}/records${query}`;
      if (cursors.length && n % 7 === 3) url += `${query ? '&' : '?'}cursor=${encodeURIComponent(cursors[n % cursors.length])}`;
      const response = await admin.get(url);
      const tag = `#${n} GET ${url.length > 600 ? `${url.slice(0, 600)}…` : url} → ${response.status}`;
      if (response.status >= 500 || response.status < 200 || (response.status >= 300 && response.status < 400)) {
        failures.push(`${tag}: ${response.text.slice(0, 400)}`);
        return;
      }
      if (response.status >= 400) {
        const issue = problemIssue(response);
        if (issue) failures.push(`${tag}: not a problem (${issue}): ${response.text.slice(0, 200)}`);
        return;
      }
      okCount++;
      const body = response.body;
      if (!Array.isArray(body?.data) || typeof body?.meta?.limit !== 'number') {
        failures.push(`${tag}: 200 without data[] and meta.limit: ${response.text.slice(0, 300)}`);
        return;
      }
      if (!/[?&]aggregate=/.test(url) && body.data.length > body.meta.limit) failures.push(`${tag}: ${body.data.length} rows over limit ${body.meta.limit}`);
      if (body.meta.nextCursor !== undefined) {
        if (typeof body.meta.nextCursor !== 'string') failures.push(`${tag}: nextCursor ${JSON.stringify(body.meta.nextCursor)}`);
        else cursors.push(body.meta.nextCursor);
      }
    });
    t.diagnostic(`seed ${SEED}: ${okCount} of ${QUERIES} queries answered 200, ${cursors.length} with a nextCursor`);
    assert.deepEqual(failures.slice(0, 15), [], `${failures.length} of ${QUERIES} queries failed (seed ${SEED})`);
    // The generator must not only produce refusals: a good share are valid queries.
    assert.ok(okCount >= QUERIES * 0.1, `only ${okCount} of ${QUERIES} queries answered 200 (seed ${SEED})`);
    assert.ok(QUERIES - okCount >= QUERIES * 0.1, `only ${QUERIES - okCount} of ${QUERIES} queries were refused (seed ${SEED})`);
    assert.equal((await admin.get('/health/live')).status, 200);
  });

  function randomBody(r: Random, mode: 'create' | 'update'): Record<string, unknown> {
    const body: Record<string, unknown> = mode === 'create' && r.chance(0.7) ? { name: `random ${r.string(6)}` } : {};
    for (let i = 0, n = r.int(5); i < n; i++) {
      const field = r.chance(0.1) ? r.pick(BAD_NAMES) : r.pick(THING_FIELDS);
      setKey(body, field, r.chance(0.6) ? typedValue(r, field) : scalar(r));
    }
    return body;
  }

  test(`${WRITES} random writes: each is a 2xx or a 4xx problem, and every accepted record reads back as answered`, async () => {
    const r = seededRandom(SEED + 1);
    const ownersBefore = await owners.all();
    const failures: string[] = [];
    const accepted: Rec[] = [];
    const live = thingRecords.map((t) => t.id);
    for (let n = 0; n < WRITES; n++) {
      const kind = r.pick(['create', 'create', 'bulk', 'update', 'update', 'delete', 'raw']);
      let response: ApiResponse;
      let description: string;
      if (kind === 'create') {
        const body = randomBody(r, 'create');
        description = `POST ${JSON.stringify(body).slice(0, 300)}`;
        response = await things.create(body);
      } else if (kind === 'bulk') {
        const body = Array.from({ length: r.int(4) }, () => (r.chance(0.9) ? randomBody(r, 'create') : scalar(r)));
        description = `POST [${body.length}] ${JSON.stringify(body).slice(0, 300)}`;
        response = await things.create(body);
      } else if (kind === 'update') {
        const id = r.chance(0.85) ? r.pick(live) : String(scalar(r));
        const body = randomBody(r, 'update');
        const headers: Record<string, string> | undefined = r.chance(0.15) ? { 'if-match': r.pick(['"0"', '*', 'garbage', '"zzzzzzzzzzzzzzzzzz"', 'W/"1"']) } : undefined;
        description = `PATCH ${id} ${JSON.stringify(body).slice(0, 300)} ${JSON.stringify(headers ?? {})}`;
        response = await things.patch(encodeURIComponent(id), body, headers);
      } else if (kind === 'delete') {
        const id = r.chance(0.5) && live.length > 30 ? r.pick(live) : String(scalar(r));
        description = `DELETE ${id}`;
        response = await things.delete(encodeURIComponent(id));
        if (response.status === 204 && live.includes(id)) live.splice(live.indexOf(id), 1);
      } else {
        const raw = r.pick(['{', '[', '{"name": "x",}', 'null', '"x"', '{"name": "\\ud800"}', '{"__proto__": {"name": "x"}}', '{"name": "a", "name": "b"}', '[null]', '[[]]', '']);
        description = `POST raw ${raw}`;
        response = await admin.request('POST', things.path, { raw, headers: { 'content-type': 'application/json' } });
      }
      const tag = `#${n} ${description.length > 400 ? `${description.slice(0, 400)}…` : description} → ${response.status}`;
      if (response.status >= 500 || response.status < 200 || (response.status >= 300 && response.status < 400)) {
        failures.push(`${tag}: ${response.text.slice(0, 300)}`);
        continue;
      }
      if (response.status >= 400) {
        const issue = problemIssue(response);
        if (issue) failures.push(`${tag}: not a problem (${issue})`);
        continue;
      }
      if (response.status === 204) continue;
      const records: Rec[] = Array.isArray(response.body) ? response.body : [response.body];
      for (const record of records) {
        if (typeof record?.id !== 'string') failures.push(`${tag}: no id in ${JSON.stringify(record).slice(0, 200)}`);
        else {
          accepted.push(record);
          if (kind !== 'update') live.push(record.id);
        }
      }
    }
    assert.deepEqual(failures.slice(0, 15), [], `${failures.length} of ${WRITES} writes failed (seed ${SEED})`);
    // The last answer for each id is what a read must give (later deletes aside).
    const latest = new Map(accepted.map((record) => [record.id, record]));
    for (const [id, record] of latest) {
      const read = await things.get(id);
      if (read.status === 404 && !live.includes(id)) continue;
      assert.equal(read.status, 200, `${id}: ${read.text}`);
      assert.deepEqual(read.body, record, `record ${id} reads back as answered`);
    }
    assert.deepEqual(await owners.all(), ownersBefore, 'other collections untouched');
    assert.equal((await admin.get('/health/live')).status, 200);
  });
});
