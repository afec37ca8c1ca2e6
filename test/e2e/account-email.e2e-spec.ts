import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { assertProblem, sleep } from '../support/records';
import { SmtpSink, tokenFrom, type ReceivedMail } from '../support/smtp-sink';

const APP_URL = 'https://app.basalt.test';
const FROM = 'no-reply@basalt.test';
const VERIFY = /^Confirm your email address$/;
const RESET = /^Reset your password$/;
const CHANGED = /^Your password was changed$/;
const INVALID_TOKEN = 'invalid-account-token';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('account email: verification and password reset over a real SMTP server', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let smtp: SmtpSink;
  /** Every token a mail carried, to look for in the logs at the end. */
  const tokensSeen: string[] = [];
  const token = (mail: ReceivedMail) => {
    const value = tokenFrom(mail);
    tokensSeen.push(value);
    return value;
  };

  before(async () => {
    smtp = await SmtpSink.start();
    env = await createTestEnvironment({
      BASALT_SMTP_URL: smtp.url,
      BASALT_MAIL_FROM: `Basalt Tests <${FROM}>`,
      BASALT_APP_URL: APP_URL,
      // Every line Basalt can write, so the secret check below sees them all.
      LOG_LEVEL: 'debug',
      // This file tests the flows; email-request-limits.e2e-spec.ts tests their limits.
      BASALT_EMAIL_REQUEST_MAX_PER_EMAIL: '100',
      BASALT_EMAIL_REQUEST_MAX_PER_IP: '1000',
    });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await smtp?.stop();
    await env?.cleanup();
  });

  test('registration sends a verification link; the link confirms the address once', async () => {
    const user = await make.user(api, { name: 'Ada' });
    assert.equal((user.user as unknown as { emailVerified: boolean }).emailVerified, false);

    const mail = await smtp.waitFor(user.user.email, VERIFY);
    assert.equal(mail.from, FROM);
    assert.deepEqual(mail.to, [user.user.email]);
    assert.match(mail.raw, /^From: Basalt Tests <no-reply@basalt\.test>/m);
    assert.match(mail.raw, /multipart\/alternative/);
    assert.match(mail.text, /^Hello Ada,/);
    assert.match(mail.text, /expires in 48 hours/);
    const secret = token(mail);
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
    assert.ok(mail.text.includes(`${APP_URL}/verify-email?token=${secret}`), mail.text);
    assert.ok(mail.html.includes(`href="${APP_URL}/verify-email?token=${secret}"`), mail.html);

    const verified = await api.post('/api/v1/auth/verify-email', { token: secret });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.id, user.user.id);
    assert.equal(verified.body.emailVerified, true);
    const me = await api.get('/api/v1/auth/me', { token: user.accessToken });
    assert.equal(me.body.emailVerified, true);

    const reused = await api.post('/api/v1/auth/verify-email', { token: secret });
    assertProblem(reused, 400, INVALID_TOKEN);
    const wrong = await api.post('/api/v1/auth/verify-email', { token: 'x'.repeat(43) });
    assertProblem(wrong, 400, INVALID_TOKEN);
    assert.equal(reused.body.detail, wrong.body.detail, 'a used token and a wrong one get the same answer');

    const again = await api.post('/api/v1/auth/verify-email/request', {}, { token: user.accessToken });
    assertProblem(again, 409, 'email-already-verified');
  });

  test('asking for a new verification link needs a sign-in and ends the older link', async () => {
    assertProblem(await api.post('/api/v1/auth/verify-email/request', {}), 401);
    const user = await make.user(api);
    const first = token(await smtp.waitFor(user.user.email, VERIFY));

    const requested = await api.post('/api/v1/auth/verify-email/request', {}, { token: user.accessToken });
    assert.equal(requested.status, 202, requested.text);
    const second = token(await smtp.waitFor(user.user.email, VERIFY, { count: 2 }));
    assert.notEqual(second, first);

    assertProblem(await api.post('/api/v1/auth/verify-email', { token: first }), 400, INVALID_TOKEN);
    const ok = await api.post('/api/v1/auth/verify-email', { token: second });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.emailVerified, true);
  });

  test('password reset end to end: the old password and every old session stop working, the new password works', async () => {
    const user = await make.user(api);
    const otherDevice = await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password });
    assert.equal(otherDevice.status, 200, otherDevice.text);

    const requested = await api.post('/api/v1/auth/password-reset/request', { email: user.user.email.toUpperCase() });
    assert.equal(requested.status, 202, requested.text);
    const mail = await smtp.waitFor(user.user.email, RESET);
    assert.match(mail.text, /expires in 1 hour/);
    const secret = token(mail);
    assert.ok(mail.text.includes(`${APP_URL}/reset-password?token=${secret}`), mail.text);

    // A password the policy refuses is a 400 naming the field, and leaves the link working.
    const weak = await api.post('/api/v1/auth/password-reset', { token: secret, newPassword: 'password123' });
    assertProblem(weak, 400, 'validation-failed');
    assert.deepEqual(weak.body.errors.map((e: { field: string }) => e.field), ['newPassword']);
    const short = await api.post('/api/v1/auth/password-reset', { token: secret, newPassword: 'short' });
    assertProblem(short, 400, 'validation-failed');
    const sameAsEmail = await api.post('/api/v1/auth/password-reset', { token: secret, newPassword: user.user.email });
    assertProblem(sameAsEmail, 400, 'validation-failed');

    const newPassword = 'a-brand-new-long-password';
    const reset = await api.post('/api/v1/auth/password-reset', { token: secret, newPassword });
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.body.id, user.user.id);
    assert.equal(reset.body.emailVerified, true, 'the link reached the mailbox: the address is confirmed too');
    assert.doesNotMatch(reset.text, /password/i);

    assert.equal((await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password })).status, 401, 'old password');
    const login = await api.post('/api/v1/auth/login', { email: user.user.email, password: newPassword });
    assert.equal(login.status, 200, login.text);

    for (const old of [user.refreshToken, otherDevice.body.refreshToken]) {
      assertProblem(await api.post('/api/v1/auth/refresh', { refreshToken: old }), 401, 'invalid-refresh-token');
    }
    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).status, 401, 'old access tokens are refused too');
    assert.equal((await api.get('/api/v1/auth/me', { token: login.body.accessToken })).status, 200);

    const changed = await smtp.waitFor(user.user.email, CHANGED);
    assert.match(changed.text, /every device was signed out/);

    const reused = await api.post('/api/v1/auth/password-reset', { token: secret, newPassword: 'yet-another-long-password' });
    assertProblem(reused, 400, INVALID_TOKEN);
    const wrong = await api.post('/api/v1/auth/password-reset', { token: 'not-a-real-token', newPassword: 'yet-another-long-password' });
    assertProblem(wrong, 400, INVALID_TOKEN);
    assert.equal(reused.body.detail, wrong.body.detail);
    assert.equal((await api.post('/api/v1/auth/login', { email: user.user.email, password: newPassword })).status, 200);
  });

  test('a new reset request ends the older link; two concurrent uses of one link: exactly one wins', async () => {
    const user = await make.user(api);
    await api.post('/api/v1/auth/password-reset/request', { email: user.user.email });
    const first = token(await smtp.waitFor(user.user.email, RESET));
    await api.post('/api/v1/auth/password-reset/request', { email: user.user.email });
    const second = token(await smtp.waitFor(user.user.email, RESET, { count: 2 }));
    assertProblem(await api.post('/api/v1/auth/password-reset', { token: first, newPassword: 'first-link-password' }), 400, INVALID_TOKEN);

    const race = await Promise.all(
      ['racing-password-one', 'racing-password-two', 'racing-password-three'].map((newPassword) => api.post('/api/v1/auth/password-reset', { token: second, newPassword })),
    );
    assert.deepEqual(race.map((r) => r.status).sort(), [200, 400, 400], race.map((r) => r.text).join('\n'));
    const winner = ['racing-password-one', 'racing-password-two', 'racing-password-three'][race.findIndex((r) => r.status === 200)];
    assert.equal((await api.post('/api/v1/auth/login', { email: user.user.email, password: winner })).status, 200);
  });

  test('an unknown email gets the same 202, in similar time, and no mail is sent', async (t) => {
    const user = await make.user(api);
    const ghost = make.email('ghost');
    const known: number[] = [];
    const unknown: number[] = [];
    let knownBody = '';
    let unknownBody = '';
    for (let i = 0; i < 8; i++) {
      for (const [email, times] of [
        [user.user.email, known],
        [ghost, unknown],
      ] as const) {
        const started = performance.now();
        const response = await api.post('/api/v1/auth/password-reset/request', { email });
        times.push(performance.now() - started);
        assert.equal(response.status, 202, response.text);
        if (email === ghost) unknownBody = response.text;
        else knownBody = response.text;
      }
    }
    assert.equal(unknownBody, knownBody, 'the same body');
    // Both answer after the same single lookup; the known account's token and mail are made after answering.
    const gap = Math.abs(median(known) - median(unknown));
    t.diagnostic(`median answer: ${median(known).toFixed(1)} ms for a registered email, ${median(unknown).toFixed(1)} ms for an unknown one`);
    assert.ok(gap < 100, `median ${median(known).toFixed(1)} ms (registered) vs ${median(unknown).toFixed(1)} ms (unknown)`);

    await smtp.waitFor(user.user.email, RESET, { count: 8 });
    await sleep(1000);
    assert.equal(smtp.to(ghost).length, 0, 'no mail to an address without an account');
    // Invalid input is still a 400, for registered and unknown addresses alike.
    assertProblem(await api.post('/api/v1/auth/password-reset/request', { email: 'not-an-email' }), 400, 'validation-failed');
  });

  test('a mail queued while the SMTP server is down arrives after retries once it is back', async () => {
    const user = await make.user(api);
    await smtp.waitFor(user.user.email, VERIFY);
    await smtp.stop();
    try {
      const requested = await api.post('/api/v1/auth/password-reset/request', { email: user.user.email });
      assert.equal(requested.status, 202);
      // The first delivery attempt fails (connection refused) and Bull schedules a retry.
      const deadline = Date.now() + 20_000;
      while (!/mail job password-reset\.[\w-]+ \(password-reset\) attempt 1\/10 failed: .*will retry/.test(basalt.output())) {
        assert.ok(Date.now() < deadline, `no failed attempt logged:\n${basalt.output().slice(-3000)}`);
        await sleep(100);
      }
    } finally {
      await smtp.resume();
    }
    const mail = await smtp.waitFor(user.user.email, RESET, { timeoutMs: 30_000 });
    const reset = await api.post('/api/v1/auth/password-reset', { token: token(mail), newPassword: 'after-the-outage-password' });
    assert.equal(reset.status, 200, reset.text);
  });

  test('failed sign-ins that lock an account email its owner, once; an unknown email gets nothing', async () => {
    const user = await make.user(api, { name: 'Grace' });
    const ghost = make.email('ghost-lock');
    for (const email of [user.user.email, ghost]) {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await api.post('/api/v1/auth/login', { email, password: `wrong-password-${i}` })).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429], email);
    }
    const mail = await smtp.waitFor(user.user.email, /^Your account was locked after failed sign-ins$/);
    assert.match(mail.text, /^Hello Grace,/);
    assert.match(mail.text, /sign-in is blocked until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    await sleep(1000);
    assert.equal(smtp.to(user.user.email).filter((m) => /locked/.test(m.subject)).length, 1, 'one mail per lock');
    assert.equal(smtp.to(ghost).length, 0);
  });

  test("no token or link ever reaches Basalt's logs", () => {
    const output = basalt.output();
    for (const mail of smtp.messages) if (/[?&]token=/.test(mail.text)) tokensSeen.push(tokenFrom(mail));
    assert.ok(new Set(tokensSeen).size >= 15, `checked ${new Set(tokensSeen).size} tokens`);
    assert.ok(output.length > 1000, 'the process did log (debug level)');
    for (const secret of tokensSeen) assert.ok(!output.includes(secret), `a token is in the logs:\n${output}`);
    assert.doesNotMatch(output, /token=|reset-password\?|verify-email\?/);
  });
});

describe('account email: expired links', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let smtp: SmtpSink;

  before(async () => {
    smtp = await SmtpSink.start();
    env = await createTestEnvironment({ BASALT_SMTP_URL: smtp.url, BASALT_EMAIL_VERIFICATION_TTL: '1', BASALT_PASSWORD_RESET_TTL: '1' });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await smtp?.stop();
    await env?.cleanup();
  });

  test('an expired verification or reset link gets the same 400 as a wrong one', async () => {
    const user = await make.user(api);
    const verifyMail = await smtp.waitFor(user.user.email, VERIFY);
    assert.match(verifyMail.text, /expires in 1 second/);
    await api.post('/api/v1/auth/password-reset/request', { email: user.user.email });
    const resetMail = await smtp.waitFor(user.user.email, RESET);
    await sleep(1500);

    const verify = await api.post('/api/v1/auth/verify-email', { token: tokenFrom(verifyMail) });
    assertProblem(verify, 400, INVALID_TOKEN);
    const reset = await api.post('/api/v1/auth/password-reset', { token: tokenFrom(resetMail), newPassword: 'too-late-for-this-one' });
    assertProblem(reset, 400, INVALID_TOKEN);
    const wrong = await api.post('/api/v1/auth/password-reset', { token: 'A'.repeat(43), newPassword: 'too-late-for-this-one' });
    assert.equal(reset.body.detail, wrong.body.detail);
    assert.equal(verify.body.detail, wrong.body.detail);

    assert.equal((await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password })).status, 200, 'the password did not change');
    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).body.emailVerified, false);
  });
});

describe('account email without an SMTP server (log transport)', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;

  before(async () => {
    env = await createTestEnvironment({ LOG_LEVEL: 'info' });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('mails are logged with recipient and subject only', async () => {
    const user = await make.user(api);
    await api.post('/api/v1/auth/password-reset/request', { email: user.user.email });
    const deadline = Date.now() + 20_000;
    const logged = () => basalt.output().split('\n').filter((line) => line.includes(`mail to ${user.user.email}`));
    while (logged().length < 2) {
      assert.ok(Date.now() < deadline, `no mail logged:\n${basalt.output().slice(-3000)}`);
      await sleep(100);
    }
    const lines = logged().map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => l.subject).sort(), ['Confirm your email address', 'Reset your password']);
    assert.ok(lines.every((l) => l.level === 30 && l.mailTo === user.user.email));
    assert.doesNotMatch(basalt.output(), /token=|reset-password\?|verify-email\?/);
  });
});
