import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeHealth, NagiosStatus, unknown } from './nagios-check';

const thresholds = { warningMs: 500, criticalMs: 2000 };
const ready = { status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } }, error: {}, details: {} };

describe('Nagios check', () => {
  test('ready and fast is OK, with perfdata', () => {
    const r = judgeHealth('ready', { httpStatus: 200, body: ready, elapsedMs: 12 }, thresholds);
    assert.equal(r.status, NagiosStatus.Ok);
    assert.equal(r.line, 'BASALT OK - ready (database, redis up) in 0.012 s | time=0.012s;0.5;2;0');
  });

  test('slow is WARNING, then CRITICAL', () => {
    assert.equal(judgeHealth('ready', { httpStatus: 200, body: ready, elapsedMs: 700 }, thresholds).status, NagiosStatus.Warning);
    assert.equal(judgeHealth('ready', { httpStatus: 200, body: ready, elapsedMs: 2500 }, thresholds).status, NagiosStatus.Critical);
  });

  test('a 503 names what is down', () => {
    const body = { status: 'error', info: {}, error: { redis: { status: 'down', message: 'connect ECONNREFUSED' } }, details: {} };
    const r = judgeHealth('ready', { httpStatus: 503, body, elapsedMs: 30 }, thresholds);
    assert.equal(r.status, NagiosStatus.Critical);
    assert.match(r.line, /^BASALT CRITICAL - ready: HTTP 503, down: redis \(connect ECONNREFUSED\) \| time=/);
  });

  test('no answer is CRITICAL; bad usage is UNKNOWN', () => {
    const r = judgeHealth('live', { elapsedMs: 5, error: 'ECONNREFUSED' }, thresholds);
    assert.equal(r.status, NagiosStatus.Critical);
    assert.match(r.line, /live: no answer \(ECONNREFUSED\)/);
    assert.deepEqual(unknown('usage: …'), { status: NagiosStatus.Unknown, line: 'BASALT UNKNOWN - usage: …' });
  });
});
