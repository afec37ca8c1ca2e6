import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { encodeCursor } from './cursor';
import type { ListQuery } from './list-query';
import { parseListQuery, type RawListQuery } from './parse-list-query';
import { articles, assertInvalid, authors, comments, companies, counters, schemaOf, schemas } from './spec-fixtures';

function parse(raw: RawListQuery, collection: CollectionSchema = articles, trash = false): ListQuery {
  return parseListQuery(collection, raw, schemas, { trash });
}

const ID = '0190a0b0-1111-7000-8000-00000000000a';

describe('parseListQuery: defaults and parameters', () => {
  it('has defaults for everything', () => {
    assert.deepEqual(parse({}), {
      collection: 'articles',
      trash: false,
      filter: undefined,
      search: undefined,
      limit: 20,
      offset: 0,
      sort: [],
      projection: { expand: [] },
      cursor: undefined,
      count: false,
    });
  });

  it('refuses unknown parameters, naming them', () => {
    assertInvalid(() => parse({ page: '2' }), 'page', /not a list parameter/);
    assertInvalid(() => parse(JSON.parse('{"__proto__": "x"}') as RawListQuery), '__proto__', /not a list parameter/);
    assertInvalid(() => parse({ trash: 'true' }), 'trash', /not a list parameter/);
  });

  it('refuses repeated parameters and treats empty ones as absent', () => {
    assertInvalid(() => parse({ sort: ['title', 'views'] }), 'sort', /once/);
    assert.equal(parse({ sort: '', limit: '', search: '   ', filter: undefined }).limit, 20);
  });

  it('reads limit and offset as bounded integers', () => {
    assert.equal(parse({ limit: '500' }).limit, 500);
    assert.equal(parse({ offset: '1000000' }).offset, 1_000_000);
    for (const bad of ['0', '501', '-1', '1.5', '1e2', ' 5', 'ten', '99999999999999999']) assertInvalid(() => parse({ limit: bad }), 'limit', /from 1 to 500/);
    for (const bad of ['-1', 'x', '9007199254740993']) assertInvalid(() => parse({ offset: bad }), 'offset', /at least 0/);
  });

  it('reads count as true or false', () => {
    assert.equal(parse({ count: 'true' }).count, true);
    assert.equal(parse({ count: 'false' }).count, false);
    assertInvalid(() => parse({ count: 'yes' }), 'count', /true or false/);
  });

  it('reads the filter', () => {
    assert.deepEqual(parse({ filter: '{"views": {"$gt": 10}}' }).filter, { kind: 'compare', field: 'views', op: 'gt', value: 10 });
    assertInvalid(() => parse({ filter: '{"views": {"$gt": "ten"}}' }), 'filter.views');
  });
});

describe('parseListQuery: search', () => {
  it('keeps trimmed text', () => {
    assert.equal(parse({ search: '  "exact phrase" -not ' }).search, '"exact phrase" -not');
  });

  it('refuses collections without string or text fields, and bad text', () => {
    assertInvalid(() => parse({ search: 'x' }, counters), 'search', /no string or text fields/);
    assertInvalid(() => parse({ search: 'x'.repeat(257) }), 'search', /at most 256/);
    assertInvalid(() => parse({ search: 'a\u0000' }), 'search', /NUL/);
  });
});

describe('parseListQuery: sort', () => {
  it('reads directions, system fields included', () => {
    assert.deepEqual(parse({ sort: '-published_at, title,created_at' }).sort, [
      { field: 'published_at', descending: true },
      { field: 'title', descending: false },
      { field: 'created_at', descending: false },
    ]);
  });

  it('refuses unknown, json, related, repeated and too many keys', () => {
    assertInvalid(() => parse({ sort: 'nope' }), 'sort', /"nope" is not a field/);
    assertInvalid(() => parse({ sort: 'meta' }), 'sort', /json/);
    assertInvalid(() => parse({ sort: 'author.name' }), 'sort', /related record/);
    assertInvalid(() => parse({ sort: 'title,-title' }), 'sort', /twice/);
    assertInvalid(() => parse({ sort: 'title,,views' }), 'sort', /empty entry/);
    assertInvalid(() => parse({ sort: '--title' }), 'sort', /"-title" is not a field/);
    assertInvalid(() => parse({ sort: 'id,title,views,rating,status,published_at,created_at,updated_at,featured' }), 'sort', /more than 8/);
    assertInvalid(() => parse({ sort: 'deleted_at' }), 'sort', /not a field/);
    assert.deepEqual(parse({ sort: '-deleted_at' }, articles, true).sort, [{ field: 'deleted_at', descending: true }]);
  });
});

describe('parseListQuery: fields and expand', () => {
  it('projects top-level fields', () => {
    assert.deepEqual(parse({ fields: 'id,title, views,title' }).projection, { fields: ['id', 'title', 'views'], expand: [] });
  });

  it('expands forward relations, nested', () => {
    assert.deepEqual(parse({ expand: 'author.company,author' }).projection, {
      expand: [
        {
          name: 'author',
          kind: 'forward',
          collection: 'authors',
          field: 'author',
          projection: { expand: [{ name: 'company', kind: 'forward', collection: 'companies', field: 'company', projection: { expand: [] } }] },
        },
      ],
    });
  });

  it('expands reverse relations named <collection>_via_<field>', () => {
    assert.deepEqual(parse({ expand: 'comments_via_article' }).projection.expand, [
      { name: 'comments_via_article', kind: 'reverse', collection: 'comments', field: 'article', projection: { expand: [] } },
    ]);
    assert.deepEqual(parseListQuery(authors, { expand: 'articles_via_author.comments_via_article' }, schemas).projection.expand[0].projection.expand[0].name, 'comments_via_article');
  });

  it('reads a dotted field as an expansion narrowed to that field', () => {
    assert.deepEqual(parse({ fields: 'id,title,author.name,author.company.name', expand: 'comments_via_article' }).projection, {
      fields: ['id', 'title'],
      expand: [
        { name: 'comments_via_article', kind: 'reverse', collection: 'comments', field: 'article', projection: { expand: [] } },
        {
          name: 'author',
          kind: 'forward',
          collection: 'authors',
          field: 'author',
          projection: { fields: ['name'], expand: [{ name: 'company', kind: 'forward', collection: 'companies', field: 'company', projection: { fields: ['name'], expand: [] } }] },
        },
      ],
    });
    assert.deepEqual(parse({ fields: 'comments_via_article.likes' }).projection.expand[0].projection.fields, ['likes']);
    assert.deepEqual(parse({ fields: 'title,comments_via_article' }).projection, {
      fields: ['title'],
      expand: [{ name: 'comments_via_article', kind: 'reverse', collection: 'comments', field: 'article', projection: { expand: [] } }],
    });
  });

  it('refuses unknown fields and non-relations, naming them', () => {
    assertInvalid(() => parse({ fields: 'id,nope' }), 'fields', /"nope" is not a field of "articles"/);
    assertInvalid(() => parse({ fields: 'author.nope' }), 'fields', /"nope" is not a field of "authors"/);
    assertInvalid(() => parse({ fields: 'title.x' }), 'fields', /"title" is not a relation/);
    assertInvalid(() => parse({ expand: 'title' }), 'expand', /"title" is not a relation/);
    assertInvalid(() => parse({ expand: 'ghosts' }), 'expand', /"ghosts" is not a relation of "articles"/);
    assertInvalid(() => parse({ expand: 'comments_via_body' }), 'expand', /not a relation/);
    assertInvalid(() => parse({ expand: 'authors_via_company' }), 'expand', /not a relation/);
    assertInvalid(() => parse({ expand: 'author,' }), 'expand', /empty entry/);
    assertInvalid(() => parse({ fields: 'deleted_at' }), 'fields', /not a field/);
    assert.deepEqual(parse({ fields: 'id,deleted_at' }, articles, true).projection.fields, ['id', 'deleted_at']);
  });

  it('limits expansion to 3 levels', () => {
    assert.equal(parseListQuery(comments, { expand: 'article.author.company' }, schemas).projection.expand.length, 1);
    assertInvalid(() => parseListQuery(comments, { expand: 'article.author.company.parent' }, schemas), 'expand', /deeper than 3/);
    assertInvalid(() => parseListQuery(comments, { fields: 'article.author.company.parent.name' }, schemas), 'fields', /deeper than 3/);
    assertInvalid(() => parseListQuery(companies, { fields: 'parent.parent.parent.companies_via_parent' }, schemas), 'fields', /deeper than 3/);
  });

  it('finds reverse relations whose collection name contains _via_', () => {
    const odd = schemaOf({ name: 'x_via_y', fields: [{ name: 'z', type: 'relation', target: 'articles' }] });
    const lookup = new Map([...['articles', 'authors', 'companies', 'comments'].map((n) => [n, schemas.get(n)!] as const), ['x_via_y', odd]]);
    assert.deepEqual(parseListQuery(articles, { expand: 'x_via_y_via_z' }, lookup).projection.expand[0], {
      name: 'x_via_y_via_z',
      kind: 'reverse',
      collection: 'x_via_y',
      field: 'z',
      projection: { expand: [] },
    });
  });
});

describe('parseListQuery: cursor', () => {
  const row = { id: ID, views: '12', title: "It's", created_at: '2024-05-01T10:00:00.123456Z' };

  it('decodes what encodeCursor made, for the same sort', () => {
    const first = parse({ sort: '-views,title' });
    const next = parse({ sort: '-views,title', cursor: encodeCursor(row, first) });
    assert.deepEqual(next.cursor, [12, "It's", ID]);
    assert.deepEqual(parse({ cursor: encodeCursor(row, parse({})) }).cursor, [ID]);
    assert.deepEqual(parse({ sort: 'created_at', cursor: encodeCursor(row, parse({ sort: 'created_at' })) }).cursor, ['2024-05-01T10:00:00.123456Z', ID]);
  });

  it('refuses a cursor together with offset', () => {
    assertInvalid(() => parse({ cursor: encodeCursor(row, parse({})), offset: '0' }), 'cursor', /offset/);
  });

  it('refuses a cursor over an optional sort field, saying why', () => {
    assertInvalid(() => parse({ sort: 'published_at', cursor: 'x' }), 'cursor', /"published_at": it is optional.*keyset/);
  });

  it('refuses a cursor made for another sort or collection', () => {
    assertInvalid(() => parse({ sort: 'title', cursor: encodeCursor(row, parse({ sort: '-views' })) }), 'cursor', /another sort order/);
    assertInvalid(() => parseListQuery(comments, { cursor: encodeCursor(row, parse({})) }, schemas), 'cursor', /another collection/);
  });

  it('refuses malformed and tampered cursors', () => {
    const sort = { sort: '-views' };
    const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
    const bad = [
      'not base64!',
      Buffer.from('{"c":').toString('base64url'),
      forge([1, 2]),
      forge({ c: 'articles', s: '-views', k: [1] }),
      forge({ c: 'articles', s: '-views', k: [1.5, ID] }),
      forge({ c: 'articles', s: '-views', k: ['1; DROP TABLE c_articles', ID] }),
      forge({ c: 'articles', s: '-views', k: [1, 'x'] }),
      forge({ c: 'articles', s: '-views', k: [1, ID], extra: true }),
      forge({ c: 'articles', s: '-views', k: [{ $gt: 1 }, ID] }),
      'A'.repeat(5_000),
    ];
    for (const cursor of bad) assertInvalid(() => parse({ ...sort, cursor }), 'cursor');
    assertInvalid(() => parse({ sort: 'created_at', cursor: forge({ c: 'articles', s: 'created_at', k: ['2024-05-01 10:00:00', ID] }) }), 'cursor', /created_at/);
    assertInvalid(() => parse({ sort: 'title', cursor: forge({ c: 'articles', s: 'title', k: ['a\u0000', ID] }) }), 'cursor');
  });
});

describe('parseListQuery: trash', () => {
  it('lists the trash of soft-deleting collections only', () => {
    assert.equal(parse({}, articles, true).trash, true);
    assertInvalid(() => parse({}, comments, true), 'trash', /does not keep deleted records/);
  });
});

describe('parseListQuery: aggregate', () => {
  it('reads functions, groups and their sort', () => {
    const query = parse({ aggregate: 'count,sum:views,avg:rating,min:published_at,max:title', group_by: 'status,featured', sort: '-count,status', filter: '{"views": {"$gt": 0}}', limit: '5' });
    assert.deepEqual(query.aggregate, {
      columns: [
        { fn: 'count', alias: 'count' },
        { fn: 'sum', field: 'views', alias: 'sum_views' },
        { fn: 'avg', field: 'rating', alias: 'avg_rating' },
        { fn: 'min', field: 'published_at', alias: 'min_published_at' },
        { fn: 'max', field: 'title', alias: 'max_title' },
      ],
      groupBy: ['status', 'featured'],
      sort: [
        { column: 'count', descending: true },
        { column: 'status', descending: false },
      ],
    });
    assert.equal(query.limit, 5);
    assert.equal(query.filter?.kind, 'compare');
  });

  it('checks which functions apply to which fields', () => {
    assertInvalid(() => parse({ aggregate: 'sum:title' }), 'aggregate', /sum does not apply to string/);
    assertInvalid(() => parse({ aggregate: 'avg:published_at' }), 'aggregate', /avg does not apply to datetime/);
    assertInvalid(() => parse({ aggregate: 'min:meta' }), 'aggregate', /min does not apply to json/);
    assertInvalid(() => parse({ aggregate: 'max:featured' }), 'aggregate', /boolean/);
    assertInvalid(() => parse({ aggregate: 'sum:nope' }), 'aggregate', /"nope" is not a field/);
    assertInvalid(() => parse({ aggregate: 'median:views' }), 'aggregate', /not an aggregate/);
    assertInvalid(() => parse({ aggregate: 'sum' }), 'aggregate', /not an aggregate/);
    assertInvalid(() => parse({ aggregate: 'sum:views:x' }), 'aggregate', /not an aggregate/);
    assertInvalid(() => parse({ aggregate: 'count:views' }), 'aggregate', /takes no field/);
    assertInvalid(() => parse({ aggregate: 'count,count' }), 'aggregate', /twice/);
    assertInvalid(() => parse({ aggregate: '__proto__:views' }), 'aggregate', /not an aggregate/);
    assertInvalid(() => parse({ aggregate: 'constructor:views' }), 'aggregate', /not an aggregate/);
  });

  it('checks group_by and sort', () => {
    assertInvalid(() => parse({ aggregate: 'count', group_by: 'meta' }), 'group_by', /json/);
    assertInvalid(() => parse({ aggregate: 'count', group_by: 'nope' }), 'group_by', /not a field/);
    assertInvalid(() => parse({ aggregate: 'count', group_by: 'status,status' }), 'group_by', /twice/);
    assertInvalid(() => parse({ aggregate: 'count', group_by: 'status', sort: 'views' }), 'sort', /neither a group_by field nor an aggregate column/);
    assertInvalid(() => parse({ group_by: 'status' }), 'group_by', /together with aggregate/);
    const clash = schemaOf({ name: 'clash', fields: [{ name: 'sum_n', type: 'integer' }, { name: 'n', type: 'integer' }] });
    assertInvalid(() => parseListQuery(clash, { aggregate: 'sum:n', group_by: 'sum_n' }, schemas), 'group_by', /also the name of an aggregate column/);
  });

  it('refuses record-only parameters next to aggregate', () => {
    for (const name of ['fields', 'expand', 'cursor', 'count']) assertInvalid(() => parse({ aggregate: 'count', [name]: 'title' }), name, /cannot be combined with aggregate/);
  });
});
