import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, postFrom, type Answer, type Client } from '../support/http';
import { SmtpSink } from '../support/smtp-sink';

const PER_EMAIL = 3;
const PER_IP = 6;
const WINDOW_SECONDS = 120;
const RESET = /^Reset your password$/;
const VERIFY = /^Confirm your email address$/;

function assertLimited(answer: Answer, context: string): void {
  assert.equal(answer.status, 429, `${context}: expected 429, got ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.type, 'urn:basalt:problem:too-many-email-requests', context);
  const seconds = Number(answer.retryAfter);
  assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= WINDOW_SECONDS, `${context}: Retry-After ${answer.retryAfter}`);
}

/** What a client can compare between two answers, the changing number of seconds taken out. */
function shape(answer: Answer) {
  const body = answer.body as Record<string, unknown>;
  return { status: answer.status, retryAfter: answer.retryAfter !== undefined, type: body.type, title: body.title, detail: String(body.detail).replace(/\d+/g, 'N'), keys: Object.keys(body).sort() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('limits on the requests that send email (password reset, verification)', () => {
  let smtp: SmtpSink;
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;

  before(async () => {
    smtp = await SmtpSink.start();
    env = await createTestEnvironment({
      BASALT_SMTP_URL: smtp.url,
      BASALT_EMAIL_REQUEST_MAX_PER_EMAIL: String(PER_EMAIL),
      BASALT_EMAIL_REQUEST_MAX_PER_IP: String(PER_IP),
      BASALT_EMAIL_REQUEST_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
    await smtp?.stop();
  });

  const reset = (from: string, email: string) => postFrom(basalt.url, from, '/api/v1/auth/password-reset/request', { email });

  test('password reset, per email: the same 202s then the same 429 for a registered and an unknown email; no mail past the limit', async () => {
    const user = await make.user(api);
    const ghost = make.email('ghost');
    // Each request from its own address, so only the per-email count can be what answers 429.
    const known: Answer[] = [];
    const unknown: Answer[] = [];
    for (let i = 0; i <= PER_EMAIL; i++) {
      known.push(await reset(`127.0.1.${i + 1}`, i % 2 ? user.user.email.toUpperCase() : user.user.email));
      unknown.push(await reset(`127.0.2.${i + 1}`, ghost));
    }
    for (let i = 0; i < PER_EMAIL; i++) {
      assert.equal(known[i].status, 202, JSON.stringify(known[i].body));
      assert.deepEqual(unknown[i].body, known[i].body);
    }
    assertLimited(known[PER_EMAIL], 'registered email');
    assertLimited(unknown[PER_EMAIL], 'unknown email');
    assert.deepEqual(shape(unknown[PER_EMAIL]), shape(known[PER_EMAIL]), 'nothing tells the two apart');

    await smtp.waitFor(user.user.email, RESET, { count: PER_EMAIL });
    await sleep(500);
    assert.equal(smtp.to(user.user.email).filter((mail) => RESET.test(mail.subject)).length, PER_EMAIL, 'no mail for the refused request');
    // Another email is not concerned.
    assert.equal((await reset('127.0.1.50', make.email('other'))).status, 202);
  });

  test('password reset, per client address: past the limit every email is refused from it; other addresses still pass', async () => {
    const from = '127.0.3.1';
    for (let i = 0; i < PER_IP; i++) assert.equal((await reset(from, make.email(`ip${i}`))).status, 202);
    assertLimited(await reset(from, make.email('fresh')), 'a fresh email from a blocked address');
    assert.equal((await reset('127.0.3.2', make.email('elsewhere'))).status, 202);
  });

  test('bad input is a 400 that counts nothing', async () => {
    const from = '127.0.4.1';
    for (let i = 0; i < PER_IP + 2; i++) assert.equal((await reset(from, 'not-an-email')).status, 400);
    assert.equal((await reset(from, make.email('valid'))).status, 202);
  });

  test('verification email: per account, 429 with Retry-After past the limit; resets are counted apart', async () => {
    const user = await make.user(api);
    const verify = (from: string) => postFrom(basalt.url, from, '/api/v1/auth/verify-email/request', {}, { authorization: `Bearer ${user.accessToken}` });
    for (let i = 0; i < PER_EMAIL; i++) assert.equal((await verify(`127.0.5.${i + 1}`)).status, 202);
    assertLimited(await verify('127.0.5.9'), 'verification');
    // Registration sent one; then one per accepted request.
    await smtp.waitFor(user.user.email, VERIFY, { count: PER_EMAIL + 1 });
    assert.equal((await reset('127.0.5.10', user.user.email)).status, 202, 'the reset count is its own');
  });
});
