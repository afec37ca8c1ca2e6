import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { TEST_DIALECT } from '../support/databases';
import { client, type Client } from '../support/http';
import { assertInvalid, assertProblem, createCollection } from '../support/records';
import { SmtpSink } from '../support/smtp-sink';
import { SseStream } from '../support/sse';
import { WebhookReceiver, eventually, type ReceivedHook } from '../support/webhook-receiver';

const SECRET = 'alert-signing-secret-0123456789';
const ONCALL = 'oncall@example.com';
const DEFAULT_METRICS = ['disk_used_ratio', 'heap_used_ratio', 'http_error_rate', 'http_p99_ms', 'nodes_not_ready', 'outbox_lag_seconds', 'queue_backlog'];

function signedBy(secret: string, hook: ReceivedHook): boolean {
  const parts = Object.fromEntries(String(hook.headers['x-basalt-signature'] ?? '').split(',').map((p) => p.split('=', 2)));
  return parts.v1 === createHmac('sha256', secret).update(`${parts.t}.${hook.raw}`).digest('hex');
}

describe('alerts: rules over cluster metrics, fired and resolved once, notified by webhook and email, with history', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let adminToken: string;
  let receiver: WebhookReceiver;
  let smtp: SmtpSink;

  const rule = (overrides: Record<string, unknown> = {}) => ({ name: `rule ${Math.random()}`, metric: 'queue_backlog', operator: '>', threshold: 10, forSeconds: 60, ...overrides });
  const ruleCount = async () => (await admin.get('/api/v1/alerts/rules')).body.data.length;

  before(async () => {
    receiver = await WebhookReceiver.start();
    receiver.reply = (hook) => (hook.path.startsWith('/fail') ? { status: 500, body: 'down' } : { status: 200, body: 'ok' });
    smtp = await SmtpSink.start();
    env = await createTestEnvironment({
      BASALT_ALERT_EVALUATION_MS: '500',
      BASALT_ALERT_SNAPSHOT_MS: '200',
      BASALT_ALERT_RATE_WINDOW_SECONDS: '2',
      BASALT_ALERT_WEBHOOK_SECRET: SECRET,
      BASALT_OUTBOUND_ALLOWLIST: '127.0.0.1',
      BASALT_SMTP_URL: smtp.url,
      BASALT_WEBHOOK_TIMEOUT_MS: '3000',
    });
    basalt = await startBasalt({ env: env.env });
    adminToken = (await make.admin(client(basalt.url))).accessToken;
    admin = client(basalt.url, adminToken);
  });

  after(async () => {
    await basalt?.stop();
    await receiver?.close();
    await smtp?.stop();
    await env?.cleanup();
  });

  test('default rules ship enabled, and only administrators see or change rules', async () => {
    const response = await admin.get('/api/v1/alerts/rules');
    assert.equal(response.status, 200, response.text);
    const defaults = response.body.data;
    assert.deepEqual(defaults.map((r: { metric: string }) => r.metric).sort(), DEFAULT_METRICS);
    assert.ok(defaults.every((r: { enabled: boolean; state: string }) => r.enabled && ['inactive', 'pending', 'firing'].includes(r.state)));
    const errorRate = defaults.find((r: { metric: string }) => r.metric === 'http_error_rate');
    assert.deepEqual({ operator: errorRate.operator, threshold: errorRate.threshold, forSeconds: errorRate.forSeconds }, { operator: '>', threshold: 0.05, forSeconds: 120 });

    const user = client(basalt.url, (await make.user(client(basalt.url))).accessToken);
    assertProblem(await user.get('/api/v1/alerts/rules'), 403);
    assertProblem(await user.post('/api/v1/alerts/rules', rule()), 403);
    assertProblem(await user.get('/api/v1/alerts/events'), 403);
    assertProblem(await client(basalt.url).get('/api/v1/alerts/rules'), 401);
  });

  test('bad rules are refused with a problem naming the field, and nothing is created', async () => {
    const before = await ruleCount();
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ metric: 'cpu_magic' })), ['metric']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ operator: '!=' })), ['operator']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ threshold: 'lots' })), ['threshold']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ metric: 'http_error_rate', threshold: 5 })), ['threshold']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ forSeconds: -1 })), ['forSeconds']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ forSeconds: 1.5 })), ['forSeconds']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ queue: 'nope' })), ['queue']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ metric: 'http_p99_ms', queue: 'mail' })), ['queue']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ severity: 'apocalyptic' })), ['severity']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ webhooks: ['ftp://example.com/x'] })), ['webhooks.0']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ webhooks: ['https://example.com/ok', 'http://169.254.169.254/latest'] })), ['webhooks.1']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', rule({ emails: ['not-an-address'] })), ['emails']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', { ...rule(), surprise: true }), ['surprise']);
    assertInvalid(await admin.post('/api/v1/alerts/rules', { metric: 'queue_backlog', operator: '>' }), ['name', 'threshold', 'forSeconds']);
    assert.equal(await ruleCount(), before);
  });

  test('create, read, change and delete a rule', async () => {
    const created = await admin.post('/api/v1/alerts/rules', rule({ name: 'Mail backlog', queue: 'mail', emails: [ONCALL], severity: 'critical' }));
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(
      { ...created.body, id: undefined, createdAt: undefined, updatedAt: undefined },
      { id: undefined, name: 'Mail backlog', metric: 'queue_backlog', queue: 'mail', operator: '>', threshold: 10, forSeconds: 60, resolveSeconds: 120, severity: 'critical', enabled: true, webhooks: [], emails: [ONCALL], state: 'inactive', stateSince: null, lastValue: null, evaluatedAt: null, createdAt: undefined, updatedAt: undefined },
    );
    const id = created.body.id;
    assertProblem(await admin.post('/api/v1/alerts/rules', rule({ name: 'Mail backlog' })), 409, 'conflict');

    // The evaluator reaches it: the mail queue's backlog is a number (0 here).
    const evaluated = await eventually(async () => {
      const r = (await admin.get(`/api/v1/alerts/rules/${id}`)).body;
      return r.evaluatedAt ? r : undefined;
    }, 15_000, 'the rule evaluated');
    assert.equal(evaluated.lastValue, 0);
    assert.equal(evaluated.state, 'inactive');

    const changed = await admin.request('PATCH', `/api/v1/alerts/rules/${id}`, { body: { threshold: 50, enabled: false } });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.threshold, 50);
    assert.equal(changed.body.enabled, false);
    assertInvalid(await admin.request('PATCH', `/api/v1/alerts/rules/${id}`, { body: { metric: 'disk_used_ratio' } }), ['threshold']);
    assertInvalid(await admin.request('PATCH', `/api/v1/alerts/rules/${id}`, { body: { operator: '=' } }), ['operator']);
    assert.equal((await admin.get(`/api/v1/alerts/rules/${id}`)).body.threshold, 50, 'a refused change changes nothing');

    assert.equal((await admin.request('DELETE', `/api/v1/alerts/rules/${id}`)).status, 204);
    assertProblem(await admin.get(`/api/v1/alerts/rules/${id}`), 404, 'not-found');
    assertProblem(await admin.request('DELETE', `/api/v1/alerts/rules/${id}`), 404, 'not-found');
    assertProblem(await admin.get('/api/v1/alerts/rules/not-a-uuid'), 400);
    assertInvalid(await admin.get('/api/v1/alerts/events?kind=exploded'), ['kind']);
  });

  test('a real condition fires once and resolves once, by signed webhook and email; a failing target is recorded and changes nothing', async () => {
    await createCollection(admin, { name: 'notes', fields: [{ name: 'text', type: 'string' }] });
    const created = await admin.post('/api/v1/alerts/rules', {
      name: 'Somebody is listening',
      metric: 'realtime_subscribers',
      operator: '>=',
      threshold: 1,
      forSeconds: 1,
      resolveSeconds: 2,
      severity: 'info',
      webhooks: [receiver.url('/alerts'), receiver.url('/fail')],
      emails: [ONCALL],
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    const firedHooks = () => receiver.on('/alerts').filter((h) => h.body.rule.id === id && h.body.type === 'alert.fired');
    const resolvedHooks = () => receiver.on('/alerts').filter((h) => h.body.rule.id === id && h.body.type === 'alert.resolved');

    const opened = await SseStream.open(`${basalt.url}/api/v1/realtime?collections=notes`, { token: adminToken });
    assert.equal(opened.status, 200, JSON.stringify(opened.problem));
    const stream = opened.stream!;
    try {
      const [fired] = await eventually(() => firedHooks().length > 0 && firedHooks(), 20_000, 'the fired webhook');
      assert.equal(fired.headers['x-basalt-event'], 'alert.fired');
      assert.ok(signedBy(SECRET, fired), 'signed with BASALT_ALERT_WEBHOOK_SECRET');
      assert.deepEqual(fired.body.rule, { id, name: 'Somebody is listening', metric: 'realtime_subscribers', queue: null, operator: '>=', threshold: 1, forSeconds: 1, severity: 'info' });
      assert.equal(fired.body.value, 1);
      assert.equal(fired.headers['x-basalt-delivery'], fired.body.id);

      const state = (await admin.get(`/api/v1/alerts/rules/${id}`)).body;
      assert.equal(state.state, 'firing');
      assert.equal(state.lastValue, 1);
      const metrics = await fetch(`${basalt.url}/metrics`).then((r) => r.text());
      assert.match(metrics, /basalt_alerts_firing\{rule="Somebody is listening",severity="info"\} 1/);

      const mail = await eventually(() => smtp.to(ONCALL).find((m) => m.subject === '[INFO] Alert firing: Somebody is listening'), 20_000, 'the fired email');
      assert.match(mail.text, /realtime_subscribers >= 1 holds \(value now 1\)/);
    } finally {
      stream.close();
    }

    const [resolved] = await eventually(() => resolvedHooks().length > 0 && resolvedHooks(), 20_000, 'the resolved webhook');
    assert.equal(resolved.body.value, 0);
    assert.ok(signedBy(SECRET, resolved));
    await eventually(() => smtp.to(ONCALL).find((m) => m.subject === '[RESOLVED] Somebody is listening'), 20_000, 'the resolved email');

    // Several more evaluations pass: nothing more is sent.
    const evaluatedAt = (await admin.get(`/api/v1/alerts/rules/${id}`)).body.evaluatedAt;
    await eventually(async () => {
      const r = (await admin.get(`/api/v1/alerts/rules/${id}`)).body;
      return Date.parse(r.evaluatedAt) >= Date.parse(evaluatedAt) + 2000 && r;
    }, 20_000, 'more evaluations');
    assert.equal(firedHooks().length, 1, 'fired once');
    assert.equal(resolvedHooks().length, 1, 'resolved once');
    assert.equal(receiver.on('/fail').filter((h) => h.body.rule.id === id).length, 2, 'the failing target was tried once per transition');
    assert.equal(smtp.to(ONCALL).filter((m) => m.subject.endsWith('Somebody is listening')).length, 2);
    assert.equal((await admin.get(`/api/v1/alerts/rules/${id}`)).body.state, 'inactive');

    const history = await admin.get(`/api/v1/alerts/events?rule=${id}`);
    assert.equal(history.status, 200, history.text);
    assert.equal(history.body.meta.total, 2);
    const [resolvedEvent, firedEvent] = history.body.data;
    assert.deepEqual([resolvedEvent.kind, firedEvent.kind], ['resolved', 'fired'], 'newest first');
    assert.deepEqual({ value: firedEvent.value, threshold: firedEvent.threshold, operator: firedEvent.operator, ruleName: firedEvent.ruleName }, { value: 1, threshold: 1, operator: '>=', ruleName: 'Somebody is listening' });
    assert.equal(firedEvent.id, firedHooks()[0].body.id);
    const byTarget = Object.fromEntries(firedEvent.notifications.map((n: { target: string }) => [n.target, n]));
    assert.deepEqual(byTarget[receiver.url('/alerts')], { channel: 'webhook', target: receiver.url('/alerts'), ok: true, status: 200 });
    assert.deepEqual(byTarget[receiver.url('/fail')], { channel: 'webhook', target: receiver.url('/fail'), ok: false, status: 500, error: 'HTTP 500' });
    assert.deepEqual(byTarget[ONCALL], { channel: 'email', target: ONCALL, ok: true });

    const page = await admin.get(`/api/v1/alerts/events?rule=${id}&kind=fired&limit=1`);
    assert.deepEqual(page.body.meta, { limit: 1, offset: 0, total: 1 });
    assert.equal(page.body.data[0].id, firedEvent.id);
  });

  test('rules see the cluster: figures are summed over every live API node', { skip: TEST_DIALECT === 'embedded' && 'the embedded database belongs to one process' }, async () => {
    const nodeB = await startBasalt({ env: env.env });
    const streams: SseStream[] = [];
    try {
      const watch = async (body: Record<string, unknown>) => {
        const created = await admin.post('/api/v1/alerts/rules', { operator: '>', threshold: 1e9, forSeconds: 60, ...body });
        assert.equal(created.status, 201, created.text);
        return created.body.id as string;
      };
      const live = await watch({ name: 'live nodes', metric: 'nodes_live', operator: '<', threshold: 1 });
      const rate = await watch({ name: 'request rate', metric: 'http_requests_per_second' });
      const p99 = await watch({ name: 'p99', metric: 'http_p99_ms' });
      const errors = await watch({ name: 'errors', metric: 'http_error_rate', threshold: 0.5 });
      const listeners = await watch({ name: 'listeners', metric: 'realtime_subscribers', operator: '>=', threshold: 2, forSeconds: 0 });
      const valueOf = async (id: string) => (await admin.get(`/api/v1/alerts/rules/${id}`)).body.lastValue;

      for (const node of [basalt, nodeB]) {
        const opened = await SseStream.open(`${node.url}/api/v1/realtime?collections=notes`, { token: adminToken });
        assert.equal(opened.status, 200, JSON.stringify(opened.problem));
        streams.push(opened.stream!);
      }
      await eventually(async () => (await valueOf(live)) === 2, 20_000, 'both nodes live');
      // Two streams, one per node: only the cluster-wide sum reaches the threshold.
      await eventually(async () => (await admin.get(`/api/v1/alerts/rules/${listeners}`)).body.state === 'firing', 20_000, 'the listeners rule firing');

      // Traffic on both nodes, all answered below 500: a rate and a p99, no error share.
      const nodeBAdmin = client(nodeB.url, adminToken);
      const traffic = async () => {
        for (let i = 0; i < 20; i++) await Promise.all([admin.get('/api/v1/alerts/rules'), nodeBAdmin.get('/api/v1/alerts/events')]);
      };
      await traffic();
      await eventually(async () => (await valueOf(rate)) > 0 && (await valueOf(p99)) > 0, 20_000, 'a request rate and a p99');
      await traffic();
      assert.equal(await valueOf(errors), 0);
      const p99ms = await valueOf(p99);
      assert.ok(p99ms > 0 && p99ms <= 10_000, `p99 ${p99ms} ms within the histogram's range`);
    } finally {
      for (const stream of streams) stream.close();
      await nodeB.stop();
    }
    // The stopped node's snapshot goes away: one node left.
    await eventually(async () => (await admin.get('/api/v1/alerts/rules')).body.data.find((r: { name: string }) => r.name === 'live nodes').lastValue === 1, 20_000, 'one node left');
  });
});
