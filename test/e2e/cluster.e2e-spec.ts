import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import autocannon from 'autocannon';
import { createTestEnvironment, freePort, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { createCollection, recordsOf, sleep } from '../support/records';

// HAProxy (Debian's package) in front of two API nodes and a worker, all on loopback.
const SKIP = TEST_DIALECT === 'embedded' ? 'the embedded database belongs to one process' : false;

/**
 * Active checks every 300 ms, two failures take a node out: a draining node
 * (503) leaves the rotation within about a second, well inside its drain
 * delay. A check may take 3 s: under this test's load on two cores readiness
 * (database, Redis, queue, disk) can be slow without anything being down.
 */
function haproxyConfig(frontPort: number, statsPort: number, nodes: number[]): string {
  return `global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch
  retry-on all-retryable-errors
  timeout check 3s
frontend front
  bind 127.0.0.1:${frontPort}
  default_backend api
frontend stats
  bind 127.0.0.1:${statsPort}
  http-request return status 200 content-type text/plain lf-string "%[nbsrv(api)]"
backend api
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  default-server inter 300ms fall 2 rise 2
${nodes.map((port, i) => `  server api${i + 1} 127.0.0.1:${port} check`).join('\n')}
`;
}

class Haproxy {
  private child?: ChildProcess;
  private output = '';

  constructor(
    readonly frontPort: number,
    private readonly statsPort: number,
    private readonly configFile: string,
  ) {}

  static async start(nodes: number[], dir: string): Promise<Haproxy> {
    const [frontPort, statsPort] = [await freePort(), await freePort()];
    const configFile = join(dir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig(frontPort, statsPort, nodes));
    const proxy = new Haproxy(frontPort, statsPort, configFile);
    proxy.child = spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.child.stdout!.on('data', (chunk) => (proxy.output += chunk));
    proxy.child.stderr!.on('data', (chunk) => (proxy.output += chunk));
    await proxy.waitForServers(nodes.length);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.frontPort}`;
  }

  /** How many servers HAProxy's checks see up. */
  async serversUp(): Promise<number> {
    try {
      return Number(await (await fetch(`http://127.0.0.1:${this.statsPort}/`)).text());
    } catch {
      return -1;
    }
  }

  async waitForServers(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.serversUp()) === count) return;
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`haproxy exited: ${this.output}`);
      await sleep(100);
    }
    throw new Error(`HAProxy did not see ${count} servers up within ${timeoutMs} ms (sees ${await this.serversUp()}): ${this.output}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** A sample's value in one node's /metrics. */
async function requestsServed(node: BasaltProcess, route: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('basalt_http_request_duration_seconds_count{') && line.includes(`route="${route}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('cluster: HAProxy in front of two API nodes and a worker', { skip: SKIP }, () => {
  let env: TestEnvironment;
  let dir: string;
  let api: BasaltProcess[] = [];
  let worker: BasaltProcess;
  let proxy: Haproxy;
  let lb: Client;
  let token: string;
  const nodeEnv = (port: number) => ({ ...env.env, PORT: String(port), BASALT_QUEUE_PROCESSING: 'false', BASALT_DRAIN_DELAY_MS: '4000', BASALT_RATE_LIMIT_ANONYMOUS: '8' });

  before(async () => {
    env = await createTestEnvironment();
    dir = mkdtempSync(join(tmpdir(), 'basalt-cluster-'));
    const ports = [await freePort(), await freePort()];
    api = await Promise.all(ports.map((port) => startBasalt({ env: nodeEnv(port) })));
    worker = await startBasalt({ entry: 'worker', env: { ...env.env } });
    proxy = await Haproxy.start(ports, dir);
    lb = client(proxy.url);
    token = (await make.admin(lb)).accessToken;
  });

  after(async () => {
    await proxy?.stop();
    await Promise.all([...api, worker].filter(Boolean).map((node) => node.stop()));
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a rolling restart under steady load: the draining node leaves the rotation, requests in flight finish, the load sees no error, traffic returns', async (t) => {
    const admin = client(proxy.url, token);
    await createCollection(admin, { name: 'pings', fields: [{ name: 'n', type: 'integer' }] });
    const record = await recordsOf(admin, 'pings').add({ n: 1 });
    const route = '/api/v1/collections/:name/records/:id';

    const load = autocannon({ url: `${proxy.url}/api/v1/collections/pings/records/${record.id}`, connections: 10, duration: 9, headers: { authorization: `Bearer ${token}` } });
    await sleep(2000);
    const [first, second] = api;
    const exitCode = first.stop('SIGTERM');
    await proxy.waitForServers(1, 5000);
    assert.equal(await exitCode, 0, `the drained node exits cleanly: ${first.output().slice(-2000)}`);
    api[0] = await startBasalt({ env: nodeEnv(first.port) });
    await proxy.waitForServers(2, 10_000);
    const result = await load;
    const before = await requestsServed(api[0], route);
    for (let i = 0; i < 10; i++) assert.equal((await admin.get(`/api/v1/collections/pings/records/${record.id}`)).status, 200);

    t.diagnostic(`rolling restart: ${result.requests.total} requests, ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
    assert.ok(result.requests.total > 200, `load ran: ${result.requests.total} requests`);
    assert.equal(result.errors, 0, 'no connection errors');
    assert.equal(result.timeouts, 0, 'no timeouts');
    assert.equal(result.non2xx, 0, `no non-2xx answers: ${JSON.stringify((result as { statusCodeStats?: unknown }).statusCodeStats)}`);
    assert.ok((await requestsServed(api[0], route)) > before, 'the restarted node serves traffic again');
    assert.ok((await requestsServed(second, route)) > 0);
  });

  test('a schema change made on one node is served by the other at once', async () => {
    const [a, b] = api.map((node) => client(node.url, token));
    await createCollection(a, { name: 'fresh', fields: [{ name: 'label', type: 'string', required: true }] });
    const created = await recordsOf(b, 'fresh').create({ label: 'on the other node' });
    assert.equal(created.status, 201, created.text);
    const patched = await a.request('PATCH', '/api/v1/collections/fresh', { body: { fields: [{ name: 'label', type: 'string', required: true }, { name: 'extra', type: 'integer' }] } });
    assert.equal(patched.status, 200, patched.text);
    const withExtra = await recordsOf(b, 'fresh').create({ label: 'x', extra: 3 });
    assert.equal(withExtra.status, 201, withExtra.text);
  });

  test('a session ended through one node is refused by the other at once', async () => {
    const user = await make.user(lb);
    const [a, b] = api.map((node) => client(node.url));
    assert.equal((await b.get('/api/v1/auth/me', { token: user.accessToken })).status, 200);
    assert.equal((await a.post('/api/v1/auth/logout', {}, { token: user.accessToken })).status, 204);
    assert.equal((await b.get('/api/v1/auth/me', { token: user.accessToken })).status, 401);
  });

  test('rate limits count across nodes behind the balancer', async () => {
    const anonymous = client(proxy.url);
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await anonymous.get('/api/v1/collections/pings/records')).status);
    assert.deepEqual(statuses.slice(0, 8).filter((s) => s === 429), [], 'eight requests fit the budget');
    assert.equal(statuses[8], 429, 'the ninth, whichever node it reaches, is over');
  });
});
