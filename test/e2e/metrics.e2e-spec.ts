import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestEnvironment, DIST, freePort, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { createCollection, recordsOf } from '../support/records';

const run = promisify(execFile);

/** One sample's value from the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Runs the Nagios check command; answers its exit code and output. */
async function nagios(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [join(DIST, 'src', 'cli', 'check.js'), ...args], { env: { NODE_PATH: process.env.BASALT_TEST_DIST } });
    return { code: 0, out: stdout.trim() };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, out: failed.stdout.trim() };
  }
}

describe('metrics: Prometheus text at /metrics', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    admin = client(basalt.url, (await make.admin(client(basalt.url))).accessToken);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('requests are timed by route template, never by raw URL; pool, queues, outbox and the process are there', async () => {
    await createCollection(admin, { name: 'gauges', fields: [{ name: 'v', type: 'integer' }] });
    const gauges = recordsOf(admin, 'gauges');
    const record = await gauges.add({ v: 1 });
    for (let i = 0; i < 3; i++) assert.equal((await gauges.get(record.id)).status, 200);
    assert.equal((await admin.get('/api/v1/nothing-here')).status, 404);

    const response = await fetch(`${basalt.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const route = '/api/v1/collections/:name/records/:id';
    assert.equal(sample(text, 'basalt_http_request_duration_seconds_count', { method: 'GET', route, status: '200' }), 3);
    assert.ok(!text.includes(record.id), 'no raw URL (or record id) in any label');
    assert.equal(sample(text, 'basalt_http_request_duration_seconds_count', { route: 'unmatched', status: '404' }), 1);
    assert.ok(sample(text, 'basalt_http_requests_in_flight')! >= 0);
    assert.notEqual(sample(text, 'basalt_db_pool_connections', { state: 'idle' }), undefined);
    assert.ok(sample(text, 'basalt_db_query_duration_seconds_count', { kind: 'read' })! >= 3, 'record reads timed');
    assert.ok(sample(text, 'basalt_db_query_duration_seconds_count', { kind: 'typeorm' })! >= 1, "statements on Basalt's own tables timed");
    // A create is one statement on PostgreSQL, a transaction on MariaDB (its event goes in separately).
    const writes = (sample(text, 'basalt_db_query_duration_seconds_count', { kind: 'write' }) ?? 0) + (sample(text, 'basalt_db_query_duration_seconds_count', { kind: 'transaction' }) ?? 0);
    assert.ok(writes >= 1, 'record writes timed');
    for (const queue of ['system', 'mail', 'events']) assert.notEqual(sample(text, 'basalt_queue_jobs', { queue, state: 'waiting' }), undefined, queue);
    assert.equal(typeof sample(text, 'basalt_outbox_pending_events'), 'number');
    assert.equal(sample(text, 'basalt_realtime_subscribers'), 0);
    assert.equal(typeof sample(text, 'basalt_outbox_lag_seconds'), 'number');
    for (const name of ['basalt_process_cpu_seconds_total', 'basalt_nodejs_eventloop_lag_seconds', 'basalt_nodejs_heap_size_used_bytes', 'basalt_nodejs_active_handles_total']) {
      assert.equal(typeof sample(text, name), 'number', name);
    }
    // The readiness check's job round trip ran on this node: its duration was observed.
    await fetch(`${basalt.url}/health/ready`);
    const after = await (await fetch(`${basalt.url}/metrics`)).text();
    assert.ok(sample(after, 'basalt_job_duration_seconds_count', { queue: 'system' })! >= 1, 'system jobs timed');
  });

  test('the Nagios check: OK for a ready node, CRITICAL for one that does not answer, UNKNOWN for bad usage', async () => {
    const ok = await nagios('ready', '--url', basalt.url, '--critical', '60000', '--warning', '30000');
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /^BASALT OK - ready \(.*database.*\) in \d+\.\d{3} s \| time=\d+\.\d{3}s;30;60;0$/);
    const live = await nagios('live', '--url', basalt.url);
    assert.equal(live.code, 0, live.out);
    const down = await nagios('ready', '--url', `http://127.0.0.1:${await freePort()}`);
    assert.equal(down.code, 2, down.out);
    assert.match(down.out, /^BASALT CRITICAL - ready: no answer \(ECONNREFUSED\)/);
    const bad = await nagios('sideways');
    assert.equal(bad.code, 3, bad.out);
    assert.match(bad.out, /^BASALT UNKNOWN - usage:/);
    assert.equal((await nagios('ready', '--warning', '5', '--critical', '1')).code, 3, 'warning above critical');
  });
});

describe('metrics: only the token or the allowed addresses may scrape', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  const token = 'scrape-token-0123456789';

  before(async () => {
    // No address is allowed: only the token opens it.
    env = await createTestEnvironment({ BASALT_METRICS_ALLOW: '', BASALT_METRICS_TOKEN: token });
    basalt = await startBasalt({ env: env.env });
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('without the token: a 403 problem; with it: the metrics', async () => {
    const refused = await client(basalt.url).get('/metrics');
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.match(refused.body.detail, /BASALT_METRICS_TOKEN/);
    assert.equal((await client(basalt.url).get('/metrics', { token: `${token}x` })).status, 403);
    const allowed = await client(basalt.url).get('/metrics', { token });
    assert.equal(allowed.status, 200);
    assert.match(allowed.text, /^# HELP basalt_/m);
  });

  test('a bad allow-list stops Basalt at start, naming the variable', async () => {
    await assert.rejects(startBasalt({ env: { ...env.env, BASALT_METRICS_ALLOW: '10.0.0.0/40' } }), /BASALT_METRICS_ALLOW.*10\.0\.0\.0\/40/s);
  });
});
