import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAIL_TEMPLATES, escapeHtml, formatDuration, isMailTemplate, renderMail } from './mail-templates';

test('every template renders a subject, a text body and an HTML body', () => {
  const data = { name: 'Ada', link: 'https://app.example/x?token=abc', expiresInSeconds: 3600, lockedUntil: '2026-01-02T03:04:05.000Z', changedAt: '2026-01-02T03:04:05.000Z', url: 'https://hooks.example/x', failures: 5, lastError: 'HTTP 500', kind: 'fired', rule: 'Errors', severity: 'critical', condition: 'http_error_rate > 0.05', value: 0.1, at: '2026-01-02T03:04:05.000Z', eventsUrl: 'https://app.example/api/v1/alerts/events' };
  for (const template of MAIL_TEMPLATES) {
    const mail = renderMail(template, data as never);
    assert.ok(mail.subject.length > 5, template);
    assert.match(mail.text, /^Hello Ada,/, template);
    assert.match(mail.html, /^<!doctype html>/, template);
    assert.doesNotMatch(mail.subject, /[\r\n]/, template);
  }
});

test('links appear as plain URLs in text and as escaped hrefs in HTML', () => {
  const link = 'https://app.example/reset-password?token=AbC_-123&x=1';
  const mail = renderMail('password-reset', { name: null, link, expiresInSeconds: 3600 });
  assert.equal(mail.subject, 'Reset your password');
  assert.ok(mail.text.includes(`\n${link}\n`));
  assert.match(mail.text, /^Hello,/);
  assert.match(mail.text, /expires in 1 hour/);
  assert.ok(mail.html.includes('href="https://app.example/reset-password?token=AbC_-123&amp;x=1"'));
});

test('data is escaped in HTML', () => {
  const mail = renderMail('verify-email', { name: '<script>alert(1)</script>', link: 'https://a.example/"><b>', expiresInSeconds: 172800 });
  assert.doesNotMatch(mail.html, /<script>|"><b>/);
  assert.match(mail.html, /&lt;script&gt;/);
  assert.match(mail.text, /expires in 48 hours/);
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});

test('account-locked and password-changed say when', () => {
  assert.match(renderMail('account-locked', { lockedUntil: '2026-01-02T03:04:05.000Z' }).text, /until 2026-01-02 03:04 UTC/);
  assert.match(renderMail('account-locked', {}).text, /for a while/);
  assert.match(renderMail('password-changed', { changedAt: '2026-01-02T03:04:05.000Z' }).text, /at 2026-01-02 03:04 UTC/);
});

test('webhook-disabled names the URL, the count and the last error', () => {
  const mail = renderMail('webhook-disabled', { url: 'https://hooks.example/<x>', failures: 5, lastError: 'HTTP 503' });
  assert.match(mail.text, /https:\/\/hooks\.example\/<x> failed 5 deliveries in a row.*HTTP 503/);
  assert.match(mail.html, /hooks\.example\/&lt;x&gt;/);
});

test('template names and durations', () => {
  assert.equal(isMailTemplate('verify-email'), true);
  assert.equal(isMailTemplate('nope'), false);
  assert.equal(isMailTemplate(undefined), false);
  assert.equal(formatDuration(1), '1 second');
  assert.equal(formatDuration(2), '2 seconds');
  assert.equal(formatDuration(90), '2 minutes');
  assert.equal(formatDuration(5400), '1.5 hours');
  assert.equal(formatDuration(7200), '2 hours');
});

test('alert mails say what fired or resolved, with the condition and the value', () => {
  const data = { kind: 'fired' as const, rule: 'High error rate', severity: 'critical', condition: 'http_error_rate > 0.05', value: 0.12, at: '2026-01-02T03:04:05.000Z', eventsUrl: 'https://basalt.example/api/v1/alerts/events' };
  const fired = renderMail('alert', data);
  assert.equal(fired.subject, '[CRITICAL] Alert firing: High error rate');
  assert.match(fired.text, /http_error_rate > 0\.05 holds \(value now 0\.12\)/);
  assert.match(fired.text, /2026-01-02 03:04 UTC/);
  const resolved = renderMail('alert', { ...data, kind: 'resolved', value: null });
  assert.equal(resolved.subject, '[RESOLVED] High error rate');
  assert.match(resolved.text, /no longer holds \(value now no data\)/);
});
