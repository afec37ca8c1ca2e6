import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { relatedCollections, requestKey, visibilityOf, type KeyContext, type ReadRequest } from './cache-key';

const list: ReadRequest = { kind: 'list', collection: 'notes', query: { sort: '-created_at', limit: '10' } };
const context = (visibility: KeyContext['visibility']): KeyContext => ({ visibility, rules: 'r1', schemaVersion: 4 });
const ownRows = [{ rowFilter: { owner: '$user.id' } }];
const openRows = [{ rowFilter: { published: true } }, { rowFilter: null }];

describe('read cache keys', () => {
  test('two users whose row filter names $user.id never share a key', () => {
    const a = visibilityOf(['user'], 'user-a', ownRows)!;
    const b = visibilityOf(['user'], 'user-b', ownRows)!;
    assert.notEqual(requestKey(list, context(a)), requestKey(list, context(b)));
  });

  test('the same roles under rules that do not depend on the user share a key', () => {
    const a = visibilityOf(['user', 'editor'], 'user-a', openRows)!;
    const b = visibilityOf(['editor', 'user'], 'user-b', openRows)!;
    assert.equal(requestKey(list, context(a)), requestKey(list, context(b)));
  });

  test('different role sets, administrators and anonymous callers each have their own keys', () => {
    const keys = new Set([
      requestKey(list, context({ admin: true })),
      requestKey(list, context(visibilityOf(['user'], 'u', openRows)!)),
      requestKey(list, context(visibilityOf(['user', 'editor'], 'u', openRows)!)),
      requestKey(list, context(visibilityOf(['public'], null, openRows)!)),
    ]);
    assert.equal(keys.size, 4);
  });

  test('$user.id nested anywhere in a filter makes the visibility personal', () => {
    const nested = [{ rowFilter: { or: [{ published: true }, { team: { members: { contains: ['$user.id'] } } }] } }];
    assert.equal((visibilityOf(['user'], 'u1', nested) as { userId: string | null }).userId, 'u1');
    assert.equal((visibilityOf(['user'], 'u1', openRows) as { userId: string | null }).userId, null);
  });

  test('a row filter naming $now is not cached', () => {
    assert.equal(visibilityOf(['user'], 'u', [...openRows, { rowFilter: { publish_at: { lte: '$now' } } }]), undefined);
  });

  test('permission rules and the schema version are part of the key', () => {
    const admin = { admin: true } as const;
    const base = requestKey(list, context(admin));
    assert.notEqual(requestKey(list, { visibility: admin, rules: 'r2', schemaVersion: 4 }), base);
    assert.notEqual(requestKey(list, { visibility: admin, rules: 'r1', schemaVersion: 5 }), base);
  });

  test('parameter order does not matter; values, kind, collection and id do', () => {
    const admin = context({ admin: true });
    assert.equal(requestKey({ ...list, query: { limit: '10', sort: '-created_at' } }, admin), requestKey(list, admin));
    assert.equal(requestKey({ ...list, query: { ...list.query, count: undefined } }, admin), requestKey(list, admin));
    assert.notEqual(requestKey({ ...list, query: { sort: '-created_at', limit: '11' } }, admin), requestKey(list, admin));
    assert.notEqual(requestKey({ ...list, query: { a: ['1', '2'] } }, admin), requestKey({ ...list, query: { a: ['2', '1'] } }, admin));
    assert.notEqual(requestKey({ ...list, kind: 'trash' }, admin), requestKey(list, admin));
    assert.notEqual(requestKey({ ...list, collection: 'other' }, admin), requestKey(list, admin));
    assert.notEqual(requestKey({ kind: 'get', collection: 'notes', id: 'a', query: {} }, admin), requestKey({ kind: 'get', collection: 'notes', id: 'b', query: {} }, admin));
  });
});

describe('related collections', () => {
  const schemas = [
    { name: 'posts', fields: [{ type: 'relation', target: 'authors' }, { type: 'string' }] },
    { name: 'comments', fields: [{ type: 'relation', target: 'posts' }] },
    { name: 'authors', fields: [] },
    { name: 'tags', fields: [{ type: 'string' }] },
  ];

  test('follows relations both ways, transitively', () => {
    assert.deepEqual(relatedCollections('authors', schemas), ['authors', 'comments', 'posts']);
    assert.deepEqual(relatedCollections('comments', schemas), ['authors', 'comments', 'posts']);
  });

  test('a collection without relations depends on itself only', () => {
    assert.deepEqual(relatedCollections('tags', schemas), ['tags']);
  });
});
