import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MailSenderService, PermanentMailError } from './mail-sender.service';
import { createMailTransport, type MailTransport, type OutgoingMail } from './mail-transport';

const job = { to: 'ada@example.com', template: 'verify-email' as const, data: { name: 'Ada', link: 'https://app.example/verify-email?token=SECRET-TOKEN-123', expiresInSeconds: 60 } };

test('the log transport logs recipient and subject, never the body or its link', async () => {
  const lines: string[] = [];
  const transport = createMailTransport({ mail: { from: 'Basalt <no-reply@localhost>' } }, { log: (...args: unknown[]) => void lines.push(JSON.stringify(args)) });
  assert.equal(transport.kind, 'log');
  await new MailSenderService(transport).deliver(job);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /ada@example\.com/);
  assert.match(lines[0], /Confirm your email address/);
  assert.doesNotMatch(lines[0], /SECRET-TOKEN-123|token=/);
});

test('an SMTP URL gives the SMTP transport', () => {
  const transport = createMailTransport({ mail: { smtpUrl: 'smtp://127.0.0.1:2525', from: 'a@b.example' } });
  assert.equal(transport.kind, 'smtp');
  transport.close();
});

test('the sender renders the template and hands it to the transport', async () => {
  const sent: OutgoingMail[] = [];
  const transport: MailTransport = { kind: 'log', send: async (mail) => void sent.push(mail), close: () => undefined };
  await new MailSenderService(transport).deliver(job);
  assert.equal(sent[0].to, 'ada@example.com');
  assert.equal(sent[0].subject, 'Confirm your email address');
  assert.ok(sent[0].text.includes(job.data.link));
});

test('unknown templates and 5xx refusals are permanent; other failures are retried', async () => {
  const failing = (error: Error): MailTransport => ({ kind: 'smtp', send: async () => Promise.reject(error), close: () => undefined });
  const ok: MailTransport = { kind: 'log', send: async () => undefined, close: () => undefined };
  await assert.rejects(new MailSenderService(ok).deliver({ ...job, template: 'nope' as never }), PermanentMailError);
  await assert.rejects(new MailSenderService(failing(Object.assign(new Error('550 no such user'), { responseCode: 550 }))).deliver(job), PermanentMailError);
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  await assert.rejects(new MailSenderService(failing(refused)).deliver(job), (error) => error === refused);
  const busy = Object.assign(new Error('421 try later'), { responseCode: 421 });
  await assert.rejects(new MailSenderService(failing(busy)).deliver(job), (error) => error === busy);
});
