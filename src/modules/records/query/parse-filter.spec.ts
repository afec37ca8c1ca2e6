import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import type { FilterNode } from './list-query';
import { parseFilter, parseFilterParam } from './parse-filter';
import { articles, assertInvalid, comments, schemaOf, schemas } from './spec-fixtures';

const UUID = '0190a0b0-1111-7000-8000-00000000000a';

function parse(filter: unknown, collection: CollectionSchema = articles, trash = false): FilterNode {
  return parseFilter(filter, collection, schemas, { trash });
}

function text(filter: string): FilterNode | undefined {
  return parseFilterParam(filter, articles, schemas);
}

describe('parseFilter: operators', () => {
  it('reads a bare value as $eq', () => {
    assert.deepEqual(parse({ status: 'published' }), { kind: 'compare', field: 'status', op: 'eq', value: 'published' });
  });

  it('maps every comparison operator', () => {
    for (const [op, name] of [['$eq', 'eq'], ['$ne', 'ne'], ['$gt', 'gt'], ['$gte', 'gte'], ['$lt', 'lt'], ['$lte', 'lte']] as const) {
      assert.deepEqual(parse({ views: { [op]: 10 } }), { kind: 'compare', field: 'views', op: name, value: 10 });
    }
  });

  it('reads $like and $ilike on text-like fields, uuids included', () => {
    assert.deepEqual(parse({ title: { $like: 'Hello%' } }), { kind: 'compare', field: 'title', op: 'like', value: 'Hello%' });
    assert.deepEqual(parse({ body: { $ilike: '%x_' } }), { kind: 'compare', field: 'body', op: 'ilike', value: '%x_' });
    assert.deepEqual(parse({ author: { $like: '0190%' } }), { kind: 'compare', field: 'author', op: 'like', value: '0190%' });
    assert.deepEqual(parse({ status: { $like: 'pub%' } }), { kind: 'compare', field: 'status', op: 'like', value: 'pub%' });
  });

  it('reads $in and $nin as lists of checked values', () => {
    assert.deepEqual(parse({ views: { $in: [1, 2, 3] } }), { kind: 'in', field: 'views', negated: false, values: [1, 2, 3] });
    assert.deepEqual(parse({ status: { $nin: ['draft'] } }), { kind: 'in', field: 'status', negated: true, values: ['draft'] });
    assert.deepEqual(parse({ external: { $in: [UUID.toUpperCase()] } }), { kind: 'in', field: 'external', negated: false, values: [UUID] });
  });

  it('reads $null true and false', () => {
    assert.deepEqual(parse({ published_at: { $null: true } }), { kind: 'null', field: 'published_at', isNull: true });
    assert.deepEqual(parse({ published_at: { $null: false } }), { kind: 'null', field: 'published_at', isNull: false });
  });

  it('ANDs several fields and several operators on one field', () => {
    assert.deepEqual(parse({ views: { $gte: 1, $lt: 5 }, featured: true }), {
      kind: 'and',
      nodes: [
        { kind: 'and', nodes: [{ kind: 'compare', field: 'views', op: 'gte', value: 1 }, { kind: 'compare', field: 'views', op: 'lt', value: 5 }] },
        { kind: 'compare', field: 'featured', op: 'eq', value: true },
      ],
    });
  });

  it('reads $and, $or and $not', () => {
    assert.deepEqual(parse({ $or: [{ status: 'draft' }, { $and: [{ views: 1 }, { featured: false }] }], $not: { title: 'x' } }), {
      kind: 'and',
      nodes: [
        {
          kind: 'or',
          nodes: [
            { kind: 'compare', field: 'status', op: 'eq', value: 'draft' },
            { kind: 'and', nodes: [{ kind: 'compare', field: 'views', op: 'eq', value: 1 }, { kind: 'compare', field: 'featured', op: 'eq', value: false }] },
          ],
        },
        { kind: 'not', node: { kind: 'compare', field: 'title', op: 'eq', value: 'x' } },
      ],
    });
    assert.deepEqual(parse({ $and: [{ views: 1 }] }), { kind: 'compare', field: 'views', op: 'eq', value: 1 });
  });

  it('reads $not inside a field’s operators', () => {
    assert.deepEqual(parse({ title: { $not: { $like: 'a%' } } }), { kind: 'not', node: { kind: 'compare', field: 'title', op: 'like', value: 'a%' } });
  });

  it('follows relation paths, several levels deep', () => {
    assert.deepEqual(parse({ 'author.name': 'Ada' }), { kind: 'relation', field: 'author', target: 'authors', node: { kind: 'compare', field: 'name', op: 'eq', value: 'Ada' } });
    assert.deepEqual(parse({ 'article.author.company.name': { $ilike: 'ac%' } }, comments), {
      kind: 'relation',
      field: 'article',
      target: 'articles',
      node: { kind: 'relation', field: 'author', target: 'authors', node: { kind: 'relation', field: 'company', target: 'companies', node: { kind: 'compare', field: 'name', op: 'ilike', value: 'ac%' } } },
    });
  });

  it('allows system fields, and deleted_at only in the trash', () => {
    assert.deepEqual(parse({ id: UUID }), { kind: 'compare', field: 'id', op: 'eq', value: UUID });
    assert.equal((parse({ created_at: { $gt: '2024-01-01' } }) as { value: Date }).value.toISOString(), '2024-01-01T00:00:00.000Z');
    assertInvalid(() => parse({ deleted_at: { $null: false } }), 'filter.deleted_at', /not a field of "articles"/);
    assert.equal(parse({ deleted_at: { $lt: '2024-01-01T00:00:00Z' } }, articles, true).kind, 'compare');
    assertInvalid(() => parse({ 'author.deleted_at': { $null: true } }, articles, true), 'filter.author.deleted_at');
  });

  it('treats {} as no filter, and reads JSON text', () => {
    assert.equal(text('{}'), undefined);
    assert.deepEqual(text('{"views": {"$gt": 10}}'), { kind: 'compare', field: 'views', op: 'gt', value: 10 });
  });
});

describe('parseFilter: values are checked and coerced against the field type', () => {
  it('integer: safe integers only', () => {
    assert.equal((parse({ views: -42 }) as { value: number }).value, -42);
    assertInvalid(() => parse({ views: 1.5 }), 'filter.views', /integer/);
    assertInvalid(() => parse({ views: 2 ** 53 }), 'filter.views', /integer/);
    assertInvalid(() => parse({ views: '10' }), 'filter.views', /integer/);
    assertInvalid(() => text('{"views": 123456789012345678901234567890}'), 'filter.views', /integer/);
  });

  it('number: finite numbers only', () => {
    assert.equal((parse({ rating: 4.5 }) as { value: number }).value, 4.5);
    assertInvalid(() => text('{"rating": 1e999}'), 'filter.rating', /finite/);
    assertInvalid(() => parse({ rating: 'NaN' }), 'filter.rating', /finite/);
  });

  it('boolean: true or false', () => {
    assert.equal((parse({ featured: false }) as { value: boolean }).value, false);
    assertInvalid(() => parse({ featured: 'true' }), 'filter.featured', /true or false/);
    assertInvalid(() => parse({ featured: 1 }), 'filter.featured', /true or false/);
  });

  it('datetime: ISO 8601 to a Date, UTC when no offset is given', () => {
    const value = (filter: unknown) => (parse({ published_at: filter }) as { value: Date }).value.toISOString();
    assert.equal(value('2024-05-01T12:30:00Z'), '2024-05-01T12:30:00.000Z');
    assert.equal(value('2024-05-01T12:30:00.123456+02:00'), '2024-05-01T10:30:00.123Z');
    assert.equal(value('2024-05-01T12:30'), '2024-05-01T12:30:00.000Z');
    assert.equal(value('2024-05-01'), '2024-05-01T00:00:00.000Z');
    assert.equal(value('0050-01-01T00:00:00Z'), '0050-01-01T00:00:00.000Z');
    for (const bad of ['2024-02-30T00:00:00Z', '2024-05-01T24:00:00Z', '2024-05-01 12:00:00', 'yesterday', '2024-05-01T12:00:00+25:00', '0000-01-01', 20240501]) {
      assertInvalid(() => parse({ published_at: bad }), 'filter.published_at', /ISO 8601/);
    }
  });

  it('date: YYYY-MM-DD that exists', () => {
    assert.equal((parse({ 'author.birthday': '2024-02-29' }) as { node: { value: string } }).node.value, '2024-02-29');
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-01', '2024-01-01T00:00:00Z']) assertInvalid(() => parse({ 'author.birthday': bad }), 'filter.author.birthday', /YYYY-MM-DD/);
  });

  it('uuid and relation: UUIDs, lower-cased', () => {
    assert.equal((parse({ author: UUID.toUpperCase() }) as { value: string }).value, UUID);
    assertInvalid(() => parse({ external: 'not-a-uuid' }), 'filter.external', /UUID/);
    assertInvalid(() => parse({ author: `${UUID}'; DROP TABLE x; --` }), 'filter.author', /UUID/);
  });

  it('enum: one of its values', () => {
    assertInvalid(() => parse({ status: 'deleted' }), 'filter.status', /"draft", "published", "archived"/);
    assertInvalid(() => parse({ status: { $in: ['draft', 'nope'] } }), 'filter.status', /one of/);
  });

  it('strings: text without NUL characters or lone surrogates', () => {
    assert.equal((parse({ title: "O'Brien; -- \u00e9\u{1F600}" }) as { value: string }).value, "O'Brien; -- \u00e9\u{1F600}");
    assertInvalid(() => parse({ title: 'a\u0000b' }), 'filter.title', /NUL/);
    assertInvalid(() => parse({ title: 'a\ud800b' }), 'filter.title', /valid text/);
    assertInvalid(() => parse({ title: 12 }), 'filter.title', /string/);
    assertInvalid(() => parse({ title: 'x'.repeat(10_001) }), 'filter.title', /at most/);
  });

  it('json: $eq and $ne compare JSON values; nothing else applies', () => {
    assert.deepEqual(parse({ meta: { a: [1, 2] } }), { kind: 'compare', field: 'meta', op: 'eq', value: '{"a":[1,2]}' });
    assert.deepEqual(parse({ meta: { $ne: 'x' } }), { kind: 'compare', field: 'meta', op: 'ne', value: '"x"' });
    assert.deepEqual(parse({ meta: [1] }), { kind: 'compare', field: 'meta', op: 'eq', value: '[1]' });
    assert.deepEqual(parse({ meta: { $null: true } }), { kind: 'null', field: 'meta', isNull: true });
    assertInvalid(() => parse({ meta: { $gt: 1 } }), 'filter.meta', /\$gt does not apply to json/);
    assertInvalid(() => parse({ meta: { $in: [1] } }), 'filter.meta', /\$in does not apply to json/);
    assertInvalid(() => parse({ meta: { $like: 'a' } }), 'filter.meta', /\$like applies to text fields/);
    assertInvalid(() => parse({ meta: { a: ['\u0000'] } }), 'filter.meta', /NUL/);
    assertInvalid(() => parse({ meta: { ['\ud800']: 1 } }), 'filter.meta', /valid text/);
    assertInvalid(() => text(`{"meta": ${'['.repeat(40)}${']'.repeat(40)}}`), 'filter.meta', /deeper than 32/);
    assertInvalid(() => text('{"meta": {"$eq": 1e999}}'), 'filter.meta', /finite/);
  });

  it('null is not a value: $null says it', () => {
    assertInvalid(() => parse({ title: null }), 'filter.title', /\$null/);
    assertInvalid(() => parse({ title: { $ne: null } }), 'filter.title', /\$null/);
    assertInvalid(() => parse({ title: { $null: 'yes' } }), 'filter.title', /true or false/);
  });
});

describe('parseFilter: operator rules and errors name the field', () => {
  it('refuses ordering operators on booleans and $like on numbers', () => {
    assertInvalid(() => parse({ featured: { $gt: false } }), 'filter.featured', /\$gt does not apply to boolean/);
    assertInvalid(() => parse({ views: { $like: '1%' } }), 'filter.views', /\$like applies to text fields, not to integer/);
    assertInvalid(() => parse({ published_at: { $ilike: '2024%' } }), 'filter.published_at', /\$ilike/);
  });

  it('refuses LIKE patterns ending in a lone escape character', () => {
    assertInvalid(() => parse({ title: { $like: 'a\\' } }), 'filter.title', /lone \\/);
    assertInvalid(() => parse({ title: { $ilike: '\\' } }), 'filter.title', /lone/);
    assertInvalid(() => parse({ title: { $ilike: 'a\\\\\\' } }), 'filter.title', /lone/);
    assert.equal((parse({ title: { $like: 'a\\\\' } }) as { value: string }).value, 'a\\\\');
    assert.equal((parse({ title: { $like: '100\\%' } }) as { value: string }).value, '100\\%');
  });

  it('checks $in lists', () => {
    assertInvalid(() => parse({ views: { $in: [] } }), 'filter.views', /1 to 500/);
    assertInvalid(() => parse({ views: { $in: 3 } }), 'filter.views', /1 to 500/);
    assertInvalid(() => parse({ views: { $nin: Array.from({ length: 501 }, (_, i) => i) } }), 'filter.views', /1 to 500/);
    assert.equal((parse({ views: { $in: Array.from({ length: 500 }, (_, i) => i) } }) as { values: readonly unknown[] }).values.length, 500);
    assertInvalid(() => parse({ views: [1, 2] }), 'filter.views', /\$in or \$nin/);
  });

  it('names unknown fields, also behind relations', () => {
    assertInvalid(() => parse({ nope: 1 }), 'filter.nope', /"nope" is not a field of "articles"/);
    assertInvalid(() => parse({ 'author.nope': 1 }), 'filter.author.nope', /"nope" is not a field of "authors"/);
    assertInvalid(() => parse({ 'author.company.x': 1 }), 'filter.author.company.x', /not a field of "companies"/);
    assertInvalid(() => parse({ 'title.length': 1 }), 'filter.title.length', /not a relation/);
    assertInvalid(() => parse({ $or: [{ views: 1 }, { ghost: 2 }] }), 'filter.ghost');
    assertInvalid(() => parse({ 'author..name': 1 }), 'filter.author..name', /"" is not a field/);
  });

  it('refuses prototype keys as fields and operators', () => {
    assertInvalid(() => text('{"__proto__": {"$eq": 1}}'), 'filter.__proto__', /not a field/);
    assertInvalid(() => parse({ constructor: 1 }), 'filter.constructor', /not a field/);
    assertInvalid(() => parse({ toString: 1 }), 'filter.toString', /not a field/);
    assertInvalid(() => text('{"views": {"__proto__": 1}}'), 'filter.views', /a value or an object of operators/);
    assertInvalid(() => parse({ views: { $constructor: 1 } }), 'filter.views', /\$constructor is not an operator/);
    assertInvalid(() => parse({ views: { $hasOwnProperty: 1 } }), 'filter.views', /is not an operator/);
  });

  it('names unknown operators', () => {
    assertInvalid(() => parse({ views: { $regex: 'x' } }), 'filter.views', /\$regex is not an operator/);
    assertInvalid(() => parse({ $xor: [] }), 'filter.$xor', /not a logical operator/);
    assertInvalid(() => parse({ views: { $gt: 1, lt: 2 } }), 'filter.views', /a value or an object of operators/);
  });

  it('checks the shape of logical operators', () => {
    assertInvalid(() => parse({ $or: [] }), 'filter.$or', /non-empty array/);
    assertInvalid(() => parse({ $and: { views: 1 } }), 'filter.$and', /non-empty array/);
    assertInvalid(() => parse({ $or: [1] }), 'filter.$or', /object of conditions/);
    assertInvalid(() => parse({ $or: [{}] }), 'filter.$or', /at least one condition/);
    assertInvalid(() => parse({ $not: 'x' }), 'filter.$not', /object of conditions/);
    assertInvalid(() => parse({ title: { $not: 'x' } }), 'filter.title', /\$not must hold an object of operators/);
  });

  it('reports malformed JSON and non-objects', () => {
    assertInvalid(() => text('{"views": '), 'filter', /not valid JSON/);
    assertInvalid(() => text("{'views': 1}"), 'filter', /not valid JSON/);
    assertInvalid(() => text('[{"views": 1}]'), 'filter', /object of conditions/);
    assertInvalid(() => text('"views"'), 'filter', /object of conditions/);
    assertInvalid(() => text('null'), 'filter', /object of conditions/);
    assertInvalid(() => text(`{"title": "${'x'.repeat(20_000)}"}`), 'filter', /at most 20000 characters/);
  });

  it('bounds nesting depth, relation depth and the number of conditions', () => {
    let deep: unknown = { views: 1 };
    for (let i = 0; i < 8; i++) deep = { $and: [deep] };
    assertInvalid(() => parse(deep), 'filter', /deeper than 8/);
    let notDeep: unknown = { views: 1 };
    for (let i = 0; i < 7; i++) notDeep = { $not: notDeep };
    assert.equal(parse(notDeep).kind, 'not');
    let deepOps: unknown = { $eq: 1 };
    for (let i = 0; i < 8; i++) deepOps = { $not: deepOps };
    assertInvalid(() => parse({ views: deepOps }), 'filter', /deeper than 8/);
    assertInvalid(() => parse({ 'author.company.parent.parent.name': 'x' }), 'filter.author.company.parent.parent.name', /more than 3 relations/);
    assert.equal(parse({ 'author.company.parent.name': 'x' }).kind, 'relation');
    assertInvalid(() => parse({ $or: Array.from({ length: 101 }, (_, i) => ({ views: i })) }), 'filter', /more than 100 conditions/);
    assert.equal(parse({ $or: Array.from({ length: 100 }, (_, i) => ({ views: i })) }).kind, 'or');
    assertInvalid(() => text(`${'['.repeat(9_000)}${']'.repeat(9_000)}`), 'filter', /object of conditions/);
    assertInvalid(() => text(`${'{"$not":'.repeat(2_000)}{}${'}'.repeat(2_000)}`), 'filter', /deeper than 8/);
  });

  it('names the parameter it was given, for filters that do not come from the query string', () => {
    assertInvalid(() => parseFilter({ views: 'x' }, articles, schemas, { param: 'rules[0].filter' }), 'rules[0].filter.views', /integer/);
  });

  it('reports a relation whose target collection is missing', () => {
    const orphan = schemaOf({ name: 'orphans', fields: [{ name: 'ghost', type: 'relation', target: 'ghosts' }] });
    assertInvalid(() => parse({ 'ghost.name': 'x' }, orphan), 'filter.ghost.name', /missing collection "ghosts"/);
  });
});
