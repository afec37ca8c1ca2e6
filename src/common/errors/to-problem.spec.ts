import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ValidationFailedError } from './domain.error';
import { toProblem } from './to-problem';

test('domain errors keep their code, status and field errors', () => {
  const { problem, unexpected } = toProblem(new ValidationFailedError([{ field: 'email', message: 'must be an email' }]));
  assert.equal(unexpected, false);
  assert.equal(problem.status, 400);
  assert.equal(problem.type, 'urn:basalt:problem:validation-failed');
  assert.deepEqual(problem.errors, [{ field: 'email', message: 'must be an email' }]);
});

test('Nest HTTP exceptions map by status', () => {
  assert.equal(toProblem(new NotFoundException('Cannot GET /x')).problem.type, 'urn:basalt:problem:not-found');
  assert.equal(toProblem(new BadRequestException(['a', 'b'])).problem.detail, 'a; b');
});

test('fastify body errors are client errors', () => {
  const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
  assert.equal(toProblem(tooLarge).problem.status, 413);
  const media = Object.assign(new Error("Unsupported Media Type: text/csv"), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
  assert.equal(toProblem(media).problem.type, 'urn:basalt:problem:unsupported-media-type');
  const json = Object.assign(new SyntaxError('Unexpected token } in JSON'), { statusCode: 400 });
  assert.match(toProblem(json).problem.detail!, /not valid JSON/);
});

test('anything else is a 500 that reveals nothing', () => {
  const { problem, unexpected } = toProblem(new Error('password=hunter2 leaked in a stack'));
  assert.equal(problem.status, 500);
  assert.equal(unexpected, true);
  assert.doesNotMatch(JSON.stringify(problem), /hunter2/);
});

test('a statement the database cancelled at its time limit is a 503 query-timeout, on every database', () => {
  const postgres = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
  const mariadb = Object.assign(new Error('Query execution was interrupted (max_statement_time exceeded)'), { code: 'ER_STATEMENT_TIMEOUT', errno: 1969 });
  const mysql = Object.assign(new Error('Query execution was interrupted, maximum statement execution time exceeded'), { code: 'ER_QUERY_TIMEOUT', errno: 3024 });
  for (const error of [postgres, mariadb, mysql]) {
    const { problem, unexpected } = toProblem(error);
    assert.equal(problem.status, 503, error.message);
    assert.equal(problem.type, 'urn:basalt:problem:query-timeout');
    assert.equal(unexpected, false);
  }
  const cancelled = Object.assign(new Error('canceling statement due to user request'), { code: '57014' });
  assert.equal(toProblem(cancelled).problem.status, 500, 'a cancel by someone else is not a time limit');
});
