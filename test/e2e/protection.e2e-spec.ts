import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { assertInvalid, assertProblem, createCollection, qs, recordsOf, sleep, type Records } from '../support/records';
import { SseStream } from '../support/sse';

// Long enough that a busy CI machine never hits them by accident (seeding 300 records is one request and one statement).
const REQUEST_TIMEOUT_MS = 6000;
const STATEMENT_TIMEOUT_MS = 2000;
/** A statement waiting on a lock another session holds is slow for as long as the test wants; PGlite has one session and no statement timeout. */
const NEEDS_SECOND_SESSION = TEST_DIALECT === 'embedded' ? 'the embedded database is one session: nothing can hold a lock against Basalt, and PGlite ignores statement_timeout' : false;

const NOTES = {
  name: 'notes',
  fields: [
    { name: 'title', type: 'string', required: true },
    { name: 'body', type: 'text' },
    { name: 'rank', type: 'integer' },
  ],
};
const OTHERS = { name: 'others', fields: [{ name: 'title', type: 'string', required: true }] };

function notes(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({ title: `note ${i}`, rank: i, body: `granite basalt obsidian pumice ${i} `.repeat(8) }));
}

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET over node:http, so the body arrives exactly as sent (fetch would inflate it). */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<RawAnswer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Holds an exclusive lock on a collection's table from a session of the test's own, so Basalt's reads of it wait. */
async function lockTable(env: TestEnvironment, table: string): Promise<() => Promise<void>> {
  if (TEST_DIALECT === 'postgres') {
    const session = new pg.Client({ connectionString: env.database.url });
    await session.connect();
    await session.query('BEGIN');
    await session.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
    return async () => {
      await session.query('ROLLBACK');
      await session.end();
    };
  }
  const session = await mysql.createConnection(env.database.url!);
  await session.query(`LOCK TABLES \`${table}\` WRITE`);
  return async () => {
    await session.query('UNLOCK TABLES');
    await session.end();
  };
}

async function metric(base: string, name: string): Promise<number> {
  const response = await client(base).get('/metrics');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  const line = (response.text as string).split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('protection: request deadline, statement timeout, query limits, compression', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let adminToken: string;
  let admin: Client;
  let notesApi: Records;

  before(async () => {
    env = await createTestEnvironment({
      BASALT_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      BASALT_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '3',
      BASALT_HEAVY_CONCURRENCY: '10',
      BASALT_REALTIME_HEARTBEAT_SECONDS: '1',
    });
    basalt = await startBasalt({ env: env.env });
    adminToken = (await make.admin(client(basalt.url))).accessToken;
    admin = client(basalt.url, adminToken);
    await createCollection(admin, NOTES);
    await createCollection(admin, OTHERS);
    notesApi = recordsOf(admin, 'notes');
    await notesApi.addMany(notes(300));
    await recordsOf(admin, 'others').add({ title: 'one' });
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('a request still unanswered at the deadline gets a 503 request-timeout naming the limit, and writes nothing', async () => {
    const before = (await notesApi.ok({ count: 'true', limit: 1 })).meta.total;
    assert.equal(before, 300);
    // The client sends its headers and part of the body, then nothing: the deadline counts from the first byte.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(basalt.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
        const [head, body] = text.split('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(head ?? '');
        if (body !== undefined && length && Buffer.byteLength(body) >= Number(length[1])) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write(
        `POST /api/v1/collections/notes/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title": "trick`,
      );
    });
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 503/, head);
    assert.match(head, /content-type: application\/problem\+json/i);
    const problem = JSON.parse(body);
    assert.equal(problem.type, 'urn:basalt:problem:request-timeout');
    assert.match(problem.detail, new RegExp(`${REQUEST_TIMEOUT_MS} ms`));
    assert.equal(typeof problem.requestId, 'string');
    assert.equal((await notesApi.ok({ count: 'true', limit: 1 })).meta.total, before, 'the cut request created nothing');
    assert.equal((await notesApi.ok({ filter: { title: 'trick' } })).data.length, 0);
    assert.ok((await metric(basalt.url, 'basalt_request_timeouts_total')) >= 1);
  });

  test('an event stream outlives the request deadline', async () => {
    const opened = await SseStream.open(`${basalt.url}/api/v1/realtime?collections=others`, { token: adminToken });
    assert.equal(opened.status, 200, JSON.stringify(opened.problem));
    const stream = opened.stream!;
    try {
      await sleep(REQUEST_TIMEOUT_MS + 1000);
      assert.equal(stream.ended, false, 'the stream is still open past the deadline');
      await recordsOf(admin, 'others').add({ title: 'after the deadline' });
      await stream.waitFor((events) => events.some((e) => e.event === 'records.create'), 10_000, 'the create event');
    } finally {
      stream.close();
    }
  });

  test('a query past the statement timeout is a 503 query-timeout, and its pool connection is free again', { skip: NEEDS_SECOND_SESSION }, async () => {
    const unlock = await lockTable(env, 'c_notes');
    try {
      // As many as the pool holds: were the timed-out connections kept, nothing else could run afterwards.
      const answers = await Promise.all([1, 2, 3].map(() => notesApi.list<never>({ filter: { rank: { $gte: 0 } } })));
      for (const answer of answers) {
        assertProblem(answer, 503, 'query-timeout', 'a read that waits on the lock');
        assert.match((answer as ApiResponse).body.detail, /statement timeout/);
      }
      const other = await recordsOf(admin, 'others').ok();
      assert.equal(other.data.length >= 1, true, 'the pool serves other reads while the lock is still held');
    } finally {
      await unlock();
    }
    assert.equal((await notesApi.ok({ limit: 5 })).data.length, 5, 'the table reads normally once the lock is gone');
  });

  test('query limits: each bound is a 400 naming its parameter; within the bounds the same request is answered', async () => {
    assertInvalid(await notesApi.list({ limit: 501 }), ['limit']);
    assert.equal((await notesApi.ok({ limit: 500 })).data.length, 300);
    assertInvalid(await notesApi.list({ sort: Array.from({ length: 9 }, () => 'rank').join(',') }), ['sort']);
    assertInvalid(await notesApi.list({ fields: Array.from({ length: 101 }, () => 'title').join(',') }), ['fields']);
    assertInvalid(await notesApi.list({ filter: { rank: { $in: Array.from({ length: 501 }, (_, i) => i) } } }), ['filter.rank']);
    assertInvalid(await notesApi.list({ filter: { $or: Array.from({ length: 101 }, (_, i) => ({ rank: i })) } }), ['filter']);
    let nested: Record<string, unknown> = { rank: 1 };
    for (let i = 0; i < 9; i++) nested = { $not: nested };
    assertInvalid(await notesApi.list({ filter: nested }), ['filter']);
    assertInvalid(await notesApi.list({ search: 'granite '.repeat(40) }), ['search']);
    assert.equal((await notesApi.ok({ filter: { $or: Array.from({ length: 100 }, (_, i) => ({ rank: i })) }, limit: 500 })).data.length, 100);
  });

  test('a large list is compressed as the client accepts and inflates to the very same JSON; small answers and streams are not', async () => {
    const path = `/api/v1/collections/notes/records${qs({ limit: 300, sort: 'rank' })}`;
    const auth = { authorization: `Bearer ${adminToken}` };
    const plain = await rawGet(basalt.url, path, { ...auth, 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    const gzip = await rawGet(basalt.url, path, { ...auth, 'accept-encoding': 'gzip' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.match(String(gzip.headers.vary), /accept-encoding/i);
    assert.deepEqual(JSON.parse(gunzipSync(gzip.body).toString('utf8')), JSON.parse(plain.body.toString('utf8')));
    assert.ok(gzip.body.length * 5 < plain.body.length, `gzip: ${gzip.body.length} of ${plain.body.length} bytes`);
    const br = await rawGet(basalt.url, path, { ...auth, 'accept-encoding': 'br;q=1, gzip;q=0.5' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.body).toString('utf8')), JSON.parse(plain.body.toString('utf8')));

    const one = (await notesApi.ok({ limit: 1 })).data[0];
    const small = await rawGet(basalt.url, `/api/v1/collections/notes/records/${one.id}${qs({ fields: 'title' })}`, { ...auth, 'accept-encoding': 'gzip' });
    assert.equal(small.status, 200);
    assert.ok(small.body.length < 1024);
    assert.equal(small.headers['content-encoding'], undefined, 'under 1 KiB stays as it is');
    assert.equal(JSON.parse(small.body.toString('utf8')).title, one.title);

    const stream = await new Promise<{ status?: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: basalt.port, path: '/api/v1/realtime?collections=notes', headers: { ...auth, accept: 'text/event-stream', 'accept-encoding': 'gzip, br' } }, (res) => {
        resolve({ status: res.statusCode, headers: res.headers });
        res.destroy();
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    assert.equal(stream.headers['content-encoding'], undefined, 'an event stream is never compressed');
  });
});

describe('protection: the cap on heavy requests', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let adminToken: string;
  let admin: Client;

  before(async () => {
    env = await createTestEnvironment({ BASALT_HEAVY_CONCURRENCY: '1', BASALT_HEAVY_QUEUE_MS: '0', BASALT_STATEMENT_TIMEOUT_MS: '30000', BASALT_COMPRESSION: 'false' });
    basalt = await startBasalt({ env: env.env });
    adminToken = (await make.admin(client(basalt.url))).accessToken;
    admin = client(basalt.url, adminToken);
    await createCollection(admin, NOTES);
    await createCollection(admin, OTHERS);
    await recordsOf(admin, 'notes').addMany(notes(200));
    await recordsOf(admin, 'others').add({ title: 'one' });
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('while a slow heavy request holds the only slot, another heavy one gets 503 overloaded with Retry-After; light requests pass', { skip: NEEDS_SECOND_SESSION }, async () => {
    const rejectedBefore = await metric(basalt.url, 'basalt_heavy_requests_rejected_total');
    const unlock = await lockTable(env, 'c_notes');
    let slow: ReturnType<Records['list']> | undefined;
    try {
      slow = recordsOf(admin, 'notes').list({ count: 'true', limit: 1 });
      await until('the slow request holds the heavy slot', async () => (await metric(basalt.url, 'basalt_heavy_requests_in_flight')) === 1);
      const others = recordsOf(admin, 'others');
      const heavy: Promise<ApiResponse>[] = [others.list({ count: 'true' }), others.list({ limit: 200 }), others.list({ search: 'one' }), admin.get('/api/v1/users/me/export')];
      for (const pending of heavy) {
        const answer = await pending;
        assertProblem(answer, 503, 'overloaded');
        assert.equal(answer.headers.get('retry-after'), '1');
        assert.match(answer.body.detail, /1 slots for heavy requests/);
      }
      assert.equal((await others.ok()).data.length, 1, 'a light list passes');
      assert.equal((await admin.get('/api/v1/auth/me')).status, 200, 'so does any other light request');
      assert.equal(await metric(basalt.url, 'basalt_heavy_requests_rejected_total'), rejectedBefore + 4);
    } finally {
      await unlock();
    }
    const answer = await slow!;
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.meta.total, 200);
    await until('the slot is free again', async () => (await metric(basalt.url, 'basalt_heavy_requests_in_flight')) === 0);
    assert.equal((await recordsOf(admin, 'others').list({ count: 'true' })).status, 200, 'heavy requests are served again');
  });

  test('a burst of heavy requests is served one at a time: the rest are refused at once with 503 overloaded, never with a 500', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => recordsOf(admin, 'notes').list({ search: 'granite', count: 'true', limit: 200 })));
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    assert.equal(served.length + refused.length, answers.length, answers.map((a) => a.status).join(','));
    assert.ok(served.length >= 1, 'at least one is served');
    // PGlite runs each statement on the event loop's own thread, so requests reach the gate one after another there.
    if (TEST_DIALECT !== 'embedded') assert.ok(refused.length >= 1, 'with one slot, twelve at once cannot all be served');
    for (const answer of refused) {
      assertProblem(answer, 503, 'overloaded');
      assert.equal(answer.headers.get('retry-after'), '1');
    }
    for (const answer of served) assert.equal(answer.body.meta.total, 200);
  });

  test('with BASALT_COMPRESSION=false nothing is compressed', async () => {
    const answer = await rawGet(basalt.url, `/api/v1/collections/notes/records${qs({ limit: 100 })}`, { authorization: `Bearer ${adminToken}`, 'accept-encoding': 'gzip' });
    assert.equal(answer.status, 200);
    assert.ok(answer.body.length > 1024);
    assert.equal(answer.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(answer.body.toString('utf8')).data.length, 100);
  });
});
