import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelOf } from './collection-model';
import { evaluateFilter, type RelationNode, type RelationResolver, type Truth } from './evaluate-filter';
import { parseFilter } from './parse-filter';
import { articles, schemas } from './spec-fixtures';

const ADA = '0190a0b0-0000-7000-8000-00000000000a';
const fields = modelOf(articles).fields;
const noRelations: RelationResolver = () => {
  throw new Error('no relation expected');
};

const article = {
  id: '0190a0b0-0000-7000-8000-000000000100',
  created_at: '2024-05-01T10:00:00.000001Z',
  title: 'Rust 100% safe_ish',
  body: null,
  status: 'published',
  views: 10,
  rating: 2.5,
  published_at: '2024-01-10T00:00:00.123Z',
  meta: { a: 1, b: [1, 'x'] },
  featured: false,
  external: '0190A0B0-2222-7000-8000-00000000000B',
  author: ADA,
};

function truth(filter: object, record: Record<string, unknown> = article, relation: RelationResolver = noRelations): Truth {
  return evaluateFilter(parseFilter(filter, articles, schemas, { param: 'filter' }), record, fields, relation);
}

describe('evaluateFilter', () => {
  it('compares numbers, booleans, enums and text', () => {
    assert.equal(truth({ views: 10 }), true);
    assert.equal(truth({ views: { $ne: 10 } }), false);
    assert.equal(truth({ views: { $gt: 9, $lte: 10 } }), true);
    assert.equal(truth({ views: { $gte: 11 } }), false);
    assert.equal(truth({ rating: { $lt: 2.5 } }), false);
    assert.equal(truth({ rating: { $lte: 2.5 } }), true);
    assert.equal(truth({ views: { $gt: 9 } }, { ...article, views: '10' }), true, 'bigints as text');
    assert.equal(truth({ featured: false }), true);
    assert.equal(truth({ featured: true }, { ...article, featured: 1 }), true, "MariaDB's tinyint");
    assert.equal(truth({ status: 'published' }), true);
    assert.equal(truth({ status: { $gt: 'draft' } }), true);
    assert.equal(truth({ title: { $gt: 'rust' } }), false, 'by code point: upper case first');
    assert.equal(truth({ title: { $lt: '\u{1F600}' } }, { ...article, title: '\uffff' }), true, 'code points, not UTF-16 units');
  });

  it('compares datetimes to the microsecond and dates as days', () => {
    assert.equal(truth({ created_at: { $gt: '2024-05-01T10:00:00Z' } }), true, 'one microsecond later');
    assert.equal(truth({ created_at: { $lte: '2024-05-01T12:00:00+02:00' } }), false);
    assert.equal(truth({ published_at: '2024-01-10T00:00:00.123Z' }), true);
    assert.equal(truth({ published_at: { $gte: '2024-01-10T01:00:00.123+01:00' } }), true);
    assert.equal(truth({ published_at: { $lt: '2024-01-10' } }), false);
    assert.equal(truth({ published_at: { $gt: '2024-01-10' } }, { ...article, published_at: new Date('2024-01-10T00:00:00.001Z') }), true, 'a Date');
  });

  it('matches uuids and relations in lower case', () => {
    assert.equal(truth({ external: '0190a0b0-2222-7000-8000-00000000000b' }), true);
    assert.equal(truth({ external: { $like: '0190a0b0-2222%' } }), true);
    assert.equal(truth({ author: ADA.toUpperCase() }), true);
  });

  it('gives NULL to comparisons with a missing value, and lets NOT keep it unknown', () => {
    assert.equal(truth({ body: 'x' }), null);
    assert.equal(truth({ body: { $ne: 'x' } }), null);
    assert.equal(truth({ body: { $in: ['x'] } }), null);
    assert.equal(truth({ body: { $nin: ['x'] } }), null);
    assert.equal(truth({ body: { $like: '%' } }), null);
    assert.equal(truth({ $not: { body: 'x' } }), null);
    assert.equal(truth({ body: { $null: true } }), true);
    assert.equal(truth({ body: { $null: false } }), false);
    assert.equal(truth({ rating: { $null: true } }, { ...article, rating: undefined }), true, 'an absent field is NULL');
    assert.equal(truth({ $or: [{ body: 'x' }, { views: 10 }] }), true);
    assert.equal(truth({ $or: [{ body: 'x' }, { views: 11 }] }), null);
    assert.equal(truth({ $and: [{ body: 'x' }, { views: 11 }] }), false);
    assert.equal(truth({ $and: [{ body: 'x' }, { views: 10 }] }), null);
    assert.equal(truth({ $not: { $or: [{ body: 'x' }, { views: 11 }] } }), null);
  });

  it('tests membership', () => {
    assert.equal(truth({ views: { $in: [1, 10] } }), true);
    assert.equal(truth({ views: { $nin: [1, 10] } }), false);
    assert.equal(truth({ status: { $nin: ['draft'] } }), true);
    assert.equal(truth({ external: { $in: ['0190a0b0-2222-7000-8000-00000000000b'] } }), true);
  });

  it('applies LIKE wildcards and escapes as PostgreSQL does', () => {
    assert.equal(truth({ title: { $like: 'Rust%' } }), true);
    assert.equal(truth({ title: { $like: 'rust%' } }), false, 'LIKE is case-sensitive');
    assert.equal(truth({ title: { $ilike: 'rUST%' } }), true);
    assert.equal(truth({ title: { $like: 'Rust 100\\% safe\\_ish' } }), true, 'escaped wildcards are literal');
    assert.equal(truth({ title: { $like: 'Rust 100\\% safe\\_is' } }), false, 'the whole text must match');
    assert.equal(truth({ title: { $like: 'Rust 1_0% safe_ish' } }), true);
    assert.equal(truth({ title: { $like: 'Rust 1_% safe_ish' } }), true, '% matches nothing too');
    assert.equal(truth({ title: { $like: '\\Rust%' } }), true, 'an escaped ordinary character is itself');
    assert.equal(truth({ title: { $like: '_' } }, { ...article, title: '\u{1F600}' }), true, '_ is one character, even outside the BMP');
    assert.equal(truth({ title: { $like: 'a.c' } }, { ...article, title: 'abc' }), false, 'regular expression characters are literal');
    assert.equal(truth({ title: { $like: '%(x|y)+[z]%' } }, { ...article, title: 'w(x|y)+[z]' }), true);
    assert.equal(truth({ title: { $like: '%' } }, { ...article, title: 'line\nbreak' }), true);
    assert.equal(truth({ title: { $ilike: 'i%' } }, { ...article, title: 'İstanbul' }), true, 'simple case folding, one code point at a time');
  });

  it('compares JSON as jsonb does', () => {
    assert.equal(truth({ meta: { b: [1, 'x'], a: 1 } }), true, 'keys in any order');
    assert.equal(truth({ meta: { a: 1.0, b: [1, 'x'] } }), true);
    assert.equal(truth({ meta: { a: 1, b: ['x', 1] } }), false, 'arrays in order');
    assert.equal(truth({ meta: { a: 1 } }), false);
    assert.equal(truth({ meta: { $ne: { a: 1 } } }), true);
    assert.equal(truth({ meta: 'text' }, { ...article, meta: 'text' }), true);
    assert.equal(truth({ meta: { $ne: 'text' } }, { ...article, meta: null }), null);
  });

  it('asks the resolver for relation paths, with the lower-case id or null', () => {
    const asked: [string, string | null][] = [];
    const relation = (answer: Truth) => (node: RelationNode, value: string | null) => {
      asked.push([node.target, value]);
      return answer;
    };
    assert.equal(truth({ 'author.name': 'Ada' }, { ...article, author: ADA.toUpperCase() }, relation(true)), true);
    assert.equal(truth({ $not: { 'author.name': 'Ada' } }, { ...article, author: null }, relation(null)), null);
    assert.equal(truth({ $not: { 'author.name': 'Ada' } }, article, relation(false)), true);
    assert.deepEqual(asked, [
      ['authors', ADA],
      ['authors', null],
      ['authors', ADA],
    ]);
  });
});
