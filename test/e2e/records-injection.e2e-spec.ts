import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { assertClientError, assertProblem, assertSameIds, createCollection, qs, recordsOf, type Records, type Rec } from '../support/records';

/**
 * SQL injection through every door a list or write request has: values are
 * data (stored and matched verbatim), names and paths are checked against
 * the schema (anything else is a clean 4xx), and nothing ever changes.
 */
describe('records: SQL injection attempts are data or clean 4xx, and change nothing', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let admin: Client;
  let articles: Records;
  let people: Records;
  let seeded: Rec[] = [];
  let author: Rec;

  const NASTY_VALUES = [
    "x' OR 1=1 --",
    "robert'; DROP TABLE c_articles; --",
    "Robert'); DROP TABLE c_articles;--",
    '"; DELETE FROM users; --',
    "\\'; SELECT 1; --",
    '\\',
    "''''",
    '`c_articles`',
    '$1 $2 ? ?? :name @var %s',
    '100% _under_ score',
    'Ünïcödé 🪨 中文 עברית',
    ' leading and trailing spaces ',
    'tab\tnew\nline\rreturn',
    "') OR ('1'='1",
    '/* comment */ SELECT',
  ];

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, { name: 'people', fields: [{ name: 'name', type: 'string', required: true }] });
    await createCollection(admin, {
      name: 'articles',
      fields: [
        { name: 'title', type: 'string', required: true, maxLength: 200 },
        { name: 'body', type: 'text' },
        { name: 'views', type: 'integer' },
        { name: 'status', type: 'enum', values: ['draft', 'published'] },
        { name: 'meta', type: 'json' },
        { name: 'author', type: 'relation', target: 'people', onDelete: 'set-null' },
      ],
    });
    articles = recordsOf(admin, 'articles');
    people = recordsOf(admin, 'people');
    author = await people.add({ name: "O'Brien" });
    seeded = await articles.addMany([
      { title: 'plain one', body: 'nothing to see', views: 1, status: 'draft', author: author.id },
      { title: 'plain two', body: 'nothing here either', views: 2, status: 'published' },
      ...NASTY_VALUES.map((value, i) => ({ title: value, body: value, views: 100 + i, status: 'draft', meta: { [value]: value, list: [value] } })),
    ]);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  /** Every seeded record exactly as created, both collections still there, users still work. */
  async function assertIntact(): Promise<void> {
    const all = await articles.all();
    assert.deepEqual(all, [...seeded].sort((a, b) => (a.id < b.id ? -1 : 1)), 'articles unchanged');
    assert.deepEqual((await people.all()).map((p) => p.name), ["O'Brien"]);
    const collections = await admin.get('/api/v1/collections');
    assert.deepEqual(collections.body.data.map((c: { name: string }) => c.name).sort(), ['articles', 'people']);
    assert.equal((await admin.get('/api/v1/users')).status, 200);
    assert.equal((await make.admin(api)).user.role, 'admin');
  }

  test('values are stored and returned verbatim, and found by exact match', async () => {
    for (const [i, value] of NASTY_VALUES.entries()) {
      const record = seeded[i + 2];
      assert.equal(record.title, value, 'create returns it verbatim');
      const read = await articles.get(record.id);
      assert.equal(read.status, 200);
      assert.equal(read.body.title, value);
      assert.equal(read.body.body, value);
      assert.deepEqual(read.body.meta, { [value]: value, list: [value] });
      assertSameIds(await articles.ids({ filter: { title: value } }), [record.id], `filter $eq ${JSON.stringify(value)}`);
      assertSameIds(await articles.ids({ filter: { title: { $in: [value, 'no such title'] } } }), [record.id], `filter $in ${JSON.stringify(value)}`);
    }
    const patched = await articles.create({ title: 'to patch' });
    assert.equal(patched.status, 201);
    const changed = await articles.patch(patched.body.id, { title: "'; UPDATE c_articles SET title = 'pwned'; --" });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.title, "'; UPDATE c_articles SET title = 'pwned'; --");
    assert.equal((await articles.delete(patched.body.id)).status, 204);
    await assertIntact();
  });

  test('NUL characters and lone surrogates are refused cleanly or stored verbatim, never a 5xx', async () => {
    for (const value of ['nul \u0000 inside', '\u0000', 'lone \ud800 surrogate']) {
      for (const body of [{ title: value }, { title: 'json', meta: { text: value } }, { title: 'json key', meta: { [value]: 1 } }]) {
        const response = await articles.create(body);
        assert.ok(response.status === 201 || response.status === 400, `${JSON.stringify(body)}: ${response.status} ${response.text.slice(0, 300)}`);
        if (response.status === 400) assertProblem(response, 400);
        else assert.equal((await articles.delete(response.body.id)).status, 204);
      }
      const filtered = await articles.list({ filter: { title: value } });
      assert.ok(filtered.status === 200 || filtered.status === 400, `filter ${JSON.stringify(value)}: ${filtered.status} ${filtered.text.slice(0, 300)}`);
      if (filtered.status === 200) assert.deepEqual(filtered.body.data, []);
      else assertProblem(filtered, 400);
    }
    await assertIntact();
  });

  test('filter values: strings are data matched literally; values of the wrong type are 400', async () => {
    const endsWithDrop = seeded.filter((r) => r.title.endsWith("'; DROP TABLE c_articles; --")).map((r) => r.id);
    assert.equal(endsWithDrop.length, 1);
    assertSameIds(await articles.ids({ filter: { title: { $like: "%'; DROP TABLE c_articles; --" } } }), endsWithDrop);
    assertSameIds(await articles.ids({ filter: { title: { $eq: "x' OR 1=1 --" } } }), [seeded[2].id]);
    assertSameIds(await articles.ids({ filter: { title: "' OR '1'='1" } }), []);
    assertSameIds(await articles.ids({ filter: { title: { $ne: "x' OR 1=1 --" }, views: { $lt: 100 } } }), [seeded[0].id, seeded[1].id]);
    assertSameIds(await articles.ids({ filter: { body: { $ilike: "%' OR '1'='1%" } } }), []);
    assertSameIds(await articles.ids({ filter: { title: { $like: "%' OR 1=1 --" } } }), [seeded[2].id]);
    assertSameIds(await articles.ids({ filter: { title: { $like: '%"; DELETE FROM users; --' } } }), [seeded[5].id]);
    assertSameIds(await articles.ids({ filter: { 'author.name': "O'Brien" } }), [seeded[0].id]);
    assertSameIds(await articles.ids({ filter: { 'author.name': "O' OR 1=1 --" } }), []);
    assertSameIds(await articles.ids({ search: "x' OR 1=1 --", filter: { views: { $lt: 100 } } }), []);

    const wrongTypes: unknown[] = [
      { views: '1 OR 1=1' },
      { views: { $gt: '0; DROP TABLE c_articles' } },
      { views: { $in: ['1) OR (1=1'] } },
      { id: "x' OR '1'='1" },
      { author: "x' OR 1=1 --" },
      { created_at: { $gt: "2024-01-01' OR '1'='1" } },
    ];
    for (const filter of wrongTypes) assertProblem(await articles.list({ filter }), 400, undefined, JSON.stringify(filter));
    const enumValue = await articles.list({ filter: { status: "draft' OR '1'='1" } });
    if (enumValue.status === 200) assert.deepEqual(enumValue.body.data, []);
    else assertProblem(enumValue, 400);
    await assertIntact();
  });

  const NASTY_NAMES = [
    'title = title OR 1=1 --',
    'title"; DROP TABLE c_articles; --',
    'title`; DROP TABLE c_articles; --',
    "title'; DROP TABLE c_articles; --",
    '(SELECT 1)',
    'title) OR (1=1',
    'c_articles.title',
    't.title',
    'title--',
    '1',
    '"title"',
    '`title`',
    'pg_sleep(1)',
    'title;DROP TABLE c_articles',
    "author.name'); DROP TABLE c_people; --",
    'TITLE',
    'title\u0000',
    'deleted_at',
    'author..name',
    '.title',
  ];

  test('field names in filter, sort, fields, expand, aggregate and group_by are checked: 400, nothing runs', async () => {
    for (const name of NASTY_NAMES) {
      const attempts: Record<string, unknown>[] = [
        { filter: { [name]: 'x' } },
        { filter: { $or: [{ title: 'plain one' }, { [name]: { $eq: 1 } }] } },
        { sort: name },
        { sort: `-${name}` },
        { sort: `title,${name}` },
        { fields: name },
        { fields: `id,${name}` },
        { expand: name },
        { aggregate: `sum:${name}` },
        { aggregate: `min:${name}` },
        { aggregate: 'count', group_by: name },
      ];
      for (const params of attempts) {
        const response = await articles.list(params);
        assertProblem(response, 400, undefined, qs(params));
      }
    }
    for (const sort of ['title DESC', 'title ASC; DROP TABLE c_articles', '--title', 'title COLLATE "C"']) {
      assertProblem(await articles.list({ sort }), 400, undefined, `sort=${sort}`);
    }
    for (const aggregate of ['count(*)', 'sum(views)', 'sum:views;DROP TABLE c_articles', 'count; DROP TABLE c_articles', 'sum:views:views']) {
      assertProblem(await articles.list({ aggregate }), 400, undefined, `aggregate=${aggregate}`);
    }
    const body = { title: 'names in a body', "title'); DROP TABLE c_articles; --": 'x' };
    assertProblem(await articles.create(body), 400, 'validation-failed');
    await assertIntact();
  });

  test('the collection name and id in the path: 404, nothing runs', async () => {
    const paths = [
      '/api/v1/collections/articles;DROP/records',
      '/api/v1/collections/articles%3BDROP%20TABLE%20c_articles/records',
      '/api/v1/collections/%22articles%22/records',
      '/api/v1/collections/articles%27%20OR%20%271%27%3D%271/records',
      '/api/v1/collections/%60articles%60/records',
      '/api/v1/collections/c_articles/records',
      '/api/v1/collections/ARTICLES/records',
      '/api/v1/collections/articles%00/records',
      '/api/v1/collections/articles%20/records',
      '/api/v1/collections/collections/records',
      '/api/v1/collections/users/records',
      `/api/v1/collections/articles/records/${encodeURIComponent("1' OR '1'='1")}`,
      `/api/v1/collections/articles/records/${encodeURIComponent(`${seeded[0].id}' OR '1'='1`)}`,
      `/api/v1/collections/articles/records/${encodeURIComponent(`${seeded[0].id};DROP TABLE c_articles`)}`,
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        const isItem = path.includes('/records/');
        if (!isItem && (method === 'PATCH' || method === 'DELETE')) continue;
        if (isItem && method === 'POST') continue;
        const response = await admin.request(method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : { title: 'injected' } });
        assertClientError(response, `${method} ${path}`);
        assert.ok(response.status === 404 || response.status === 400, `${method} ${path}: ${response.status}`);
      }
    }
    for (const collection of ["articles'; DROP TABLE c_articles; --", 'c_articles', '../users']) {
      assertClientError(await admin.get(`/api/v1/collections/${encodeURIComponent(collection)}/trash`), `trash of ${collection}`);
      const batch = await admin.post('/api/v1/batch', { operations: [{ action: 'create', collection, data: { title: 'x' } }] });
      assertClientError(batch, `batch into ${collection}`);
    }
    const batchId = await admin.post('/api/v1/batch', { operations: [{ action: 'delete', collection: 'articles', id: `${seeded[0].id}' OR '1'='1` }] });
    assertClientError(batchId, 'batch delete with an injected id');
    await assertIntact();
  });

  test('search text is data: operators of every full-text syntax are 200 or a clean 400', async () => {
    const searches = [
      "'); DROP TABLE c_articles; --",
      "' OR 1=1 --",
      '"',
      '"unterminated phrase',
      '*',
      '+-><()~*"@',
      '@@@',
      '\\',
      '%',
      '_',
      'a & b | !c',
      'a:* <-> b',
      '!!!',
      '()',
      'quantum)) OR ((1=1',
      'MATCH AGAINST',
      '-',
      '+',
      '~nothing',
      ' ',
      'x'.repeat(300),
    ];
    for (const search of searches) {
      const response: ApiResponse = await articles.list({ search });
      assert.ok(response.status === 200 || response.status === 400, `search=${JSON.stringify(search)}: ${response.status} ${response.text.slice(0, 300)}`);
      if (response.status === 200) assert.ok(Array.isArray(response.body.data));
      else assertProblem(response, 400);
    }
    await assertIntact();
  });
});
