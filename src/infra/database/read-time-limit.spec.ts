import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTimeLimitFor } from './read-time-limit';

test('MariaDB reads run under SET STATEMENT max_statement_time, in seconds', () => {
  const limit = readTimeLimitFor('10.11.19-MariaDB-0+deb12u1', 2500);
  assert.equal(limit('SELECT 1'), 'SET STATEMENT max_statement_time=2.5 FOR SELECT 1');
});

test('MySQL reads carry the MAX_EXECUTION_TIME hint, in milliseconds, right after SELECT', () => {
  const limit = readTimeLimitFor('8.0.36', 2500);
  assert.equal(limit('SELECT a FROM t WHERE b = ?'), 'SELECT /*+ MAX_EXECUTION_TIME(2500) */ a FROM t WHERE b = ?');
});
