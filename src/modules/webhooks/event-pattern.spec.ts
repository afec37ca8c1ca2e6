import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventPatternProblem, matchesEventPattern } from './event-pattern';

const created = { type: 'records.create', collection: 'articles' } as const;

test('patterns match by kind, action and collection, * and no collection matching any', () => {
  assert.equal(matchesEventPattern('records.create:articles', created), true);
  assert.equal(matchesEventPattern('records.*:*', created), true);
  assert.equal(matchesEventPattern('records.*', created), true);
  assert.equal(matchesEventPattern('records.create:*', created), true);
  assert.equal(matchesEventPattern('records.update:articles', created), false);
  assert.equal(matchesEventPattern('records.create:authors', created), false);
  assert.equal(matchesEventPattern('schema.*', created), false);
  assert.equal(matchesEventPattern('schema.*', { type: 'schema.update', collection: 'articles' }), true);
  assert.equal(matchesEventPattern('schema.delete:articles', { type: 'schema.update', collection: 'articles' }), false);
});

test('invalid patterns are named', () => {
  for (const ok of ['records.create:articles', 'records.*:*', 'schema.*', 'records.restore', 'schema.delete:a_b']) assert.equal(eventPatternProblem(ok), undefined, ok);
  for (const bad of ['records', 'records.create:', 'records.explode', 'schema.restore', 'users.*', 'records.*:Articles', '*.*', 'records.create:articles:x']) {
    assert.match(eventPatternProblem(bad) ?? '', /./, bad);
  }
});
