import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { ISO_MS, MISSING_ID, UUID_V7, assertInvalid, assertProblem, createCollection, errorFields, recordsOf, type Records, type Rec } from '../support/records';

describe('records: create, read, update, delete, validation', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let admin: Client;
  let authors: Records;
  let articles: Records;
  let categories: Records;
  let posts: Records;
  let comments: Records;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, {
      name: 'authors',
      fields: [
        { name: 'name', type: 'string', required: true, maxLength: 100 },
        { name: 'email', type: 'email', unique: true },
      ],
    });
    await createCollection(admin, {
      name: 'articles',
      fields: [
        { name: 'title', type: 'string', required: true, minLength: 3, maxLength: 200 },
        { name: 'body', type: 'text' },
        { name: 'views', type: 'integer', min: 0, default: 0 },
        { name: 'rating', type: 'number', min: 0, max: 5 },
        { name: 'featured', type: 'boolean', default: false },
        { name: 'published_at', type: 'datetime' },
        { name: 'day', type: 'date' },
        { name: 'meta', type: 'json' },
        { name: 'status', type: 'enum', values: ['draft', 'published'], default: 'draft', required: true },
        { name: 'homepage', type: 'url' },
        { name: 'ref', type: 'uuid' },
        { name: 'slug', type: 'string', pattern: '[a-z0-9-]+', unique: true },
        { name: 'author', type: 'relation', target: 'authors', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, { name: 'categories', fields: [{ name: 'name', type: 'string', required: true }] });
    await createCollection(admin, {
      name: 'posts',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'category', type: 'relation', target: 'categories', onDelete: 'restrict' },
      ],
    });
    await createCollection(admin, {
      name: 'comments',
      fields: [
        { name: 'body', type: 'string', required: true },
        { name: 'post', type: 'relation', target: 'posts', onDelete: 'cascade', required: true },
      ],
    });
    authors = recordsOf(admin, 'authors');
    articles = recordsOf(admin, 'articles');
    categories = recordsOf(admin, 'categories');
    posts = recordsOf(admin, 'posts');
    comments = recordsOf(admin, 'comments');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  let slugs = 0;
  const slug = () => `slug-${++slugs}`;

  test('without a permission only administrators: anonymous callers and plain users get 403 (list, create) or 404 (a record); a bad token 401', async () => {
    const someone = await authors.add({ name: 'Someone' });
    const user = await make.user(api);
    const path = '/api/v1/collections/authors/records';
    const calls: [string, string, number, unknown?][] = [
      ['GET', path, 403],
      ['POST', path, 403, { name: 'Nope' }],
      ['POST', path, 403, [{ name: 'Nope' }]],
      ['GET', `${path}/${someone.id}`, 404],
      ['PATCH', `${path}/${someone.id}`, 404, { name: 'Changed' }],
      ['DELETE', `${path}/${someone.id}`, 404],
    ];
    for (const [method, url, status, body] of calls) {
      assertProblem(await api.request(method, url, { body }), status, undefined, `anonymous ${method} ${url}`);
      assertProblem(await api.request(method, url, { body, token: user.accessToken }), status, undefined, `user ${method} ${url}`);
      assertProblem(await api.request(method, url, { body, token: 'not-a-token' }), 401, 'unauthorized', `bad token ${method} ${url}`);
    }
    const still = await authors.get(someone.id);
    assert.equal(still.status, 200);
    assert.deepEqual(still.body, someone, 'nothing changed');
    assert.equal((await authors.ok({ filter: { name: 'Nope' } })).data.length, 0, 'nothing created');
  });

  test('create answers 201 with the record: a UUIDv7 id, millisecond UTC timestamps, every type as sent', async () => {
    const ada = await authors.add({ name: 'Ada', email: 'ada@example.com' });
    const sent = {
      title: 'Every type at once',
      body: 'A longer text\nwith a newline, "quotes" and ünïcödé 🪨',
      views: 42,
      rating: 4.5,
      featured: true,
      published_at: '2024-03-01T12:34:56.789Z',
      day: '2024-02-29',
      meta: { tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } },
      status: 'published',
      homepage: 'https://example.com/path?q=1',
      ref: '0f8fad5b-d9cb-469f-a165-70867728950e',
      slug: 'every-type',
      author: ada.id,
    };
    const startedAt = Date.now();
    const response = await articles.create(sent);
    const finishedAt = Date.now();
    assert.equal(response.status, 201, response.text);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const record: Rec = response.body;
    assert.match(record.id, UUID_V7);
    assert.match(record.created_at, ISO_MS);
    assert.match(record.updated_at, ISO_MS);
    for (const at of [record.created_at, record.updated_at]) {
      const ms = Date.parse(at);
      assert.ok(ms >= startedAt - 5_000 && ms <= finishedAt + 5_000, `${at} is about now`);
    }
    assert.deepEqual(Object.keys(record).sort(), [...Object.keys(sent), 'id', 'created_at', 'updated_at'].sort());
    for (const [key, value] of Object.entries(sent)) assert.deepEqual(record[key], value, key);
    assert.equal(typeof record.views, 'number');
    assert.equal(typeof record.rating, 'number');
    assert.equal(record.featured, true);

    const read = await articles.get(record.id);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.body, record, 'GET returns what create returned');
  });

  test('values round-trip exactly: edge numbers, any JSON value, offsets normalised to UTC', async () => {
    const created = await articles.addMany([
      { title: 'big numbers', views: Number.MAX_SAFE_INTEGER, rating: 0, meta: [1, 'two', null, { three: [3] }] },
      { title: 'json string', views: 0, rating: 5, meta: 'just a string' },
      { title: 'json number', meta: -12.25 },
      { title: 'json boolean', meta: false },
      { title: 'offset time', published_at: '2024-03-01T14:34:56.789+02:00', featured: false },
    ]);
    assert.equal(created[0].views, Number.MAX_SAFE_INTEGER);
    assert.equal(created[0].rating, 0);
    assert.deepEqual(created[0].meta, [1, 'two', null, { three: [3] }]);
    assert.equal(created[1].meta, 'just a string');
    assert.equal(created[1].rating, 5);
    assert.equal(created[2].meta, -12.25);
    assert.equal(created[3].meta, false);
    assert.equal(created[4].featured, false);
    assert.match(created[4].published_at, /Z$/, 'datetimes come back in UTC');
    assert.equal(Date.parse(created[4].published_at), Date.parse('2024-03-01T12:34:56.789Z'));
    for (const record of created) assert.deepEqual((await articles.get(record.id)).body, record, `${record.title} reads back the same`);
  });

  test('fields left out get their default, or null', async () => {
    const record = await articles.add({ title: 'Only a title' });
    assert.deepEqual(
      { ...record, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        created_at: undefined,
        updated_at: undefined,
        title: 'Only a title',
        body: null,
        views: 0,
        rating: null,
        featured: false,
        published_at: null,
        day: null,
        meta: null,
        status: 'draft',
        homepage: null,
        ref: null,
        slug: null,
        author: null,
      },
    );
  });

  test('ids are UUIDv7 and sort in creation order', async () => {
    const one = [];
    for (let i = 0; i < 5; i++) one.push((await authors.add({ name: `sequential ${i}` })).id);
    const many = (await authors.addMany(Array.from({ length: 30 }, (_, i) => ({ name: `bulk ${i}` })))).map((r) => r.id);
    const later = (await authors.add({ name: 'after the bulk' })).id;
    const all = [...one, ...many, later];
    for (const id of all) assert.match(id, UUID_V7);
    assert.equal(new Set(all).size, all.length, 'all distinct');
    assert.deepEqual([...all].sort(), all, 'sorting the ids gives the creation order');
  });

  test('an array creates every item, in order; one bad item refuses the whole array naming [i].field', async () => {
    const before = (await articles.all()).length;
    const created = await articles.addMany([{ title: 'first of three' }, { title: 'second of three', views: 2 }, { title: 'third of three', status: 'published' }]);
    assert.deepEqual(created.map((r) => r.title), ['first of three', 'second of three', 'third of three']);
    assert.deepEqual(created.map((r) => r.views), [0, 2, 0]);
    for (const record of created) assert.equal((await articles.get(record.id)).status, 200);

    const bad = await articles.create([{ title: 'would be fine' }, { title: 'no' }, { title: 'also fine' }]);
    assertInvalid(bad, ['[1].title']);
    assert.ok(!bad.body.errors.some((e: { field: string }) => e.field.startsWith('[0]') || e.field.startsWith('[2]')), 'only the bad item is named');

    const duplicate = await articles.create([{ title: 'dup a', slug: 'same-in-array' }, { title: 'dup b', slug: 'same-in-array' }]);
    assertProblem(duplicate, 409, 'unique-violation');
    assert.match(duplicate.body.errors[0].field, /slug$/);

    const dangling = await articles.create([{ title: 'fine' }, { title: 'dangling', author: MISSING_ID }]);
    assertProblem(dangling, 400, 'validation-failed');
    assert.ok(dangling.body.errors.some((e: { field: string }) => e.field.endsWith('author')), dangling.text);

    assert.equal((await articles.all()).length, before + 3, 'no item of a refused array is stored');
    for (const title of ['would be fine', 'also fine', 'dup a', 'fine']) assert.equal((await articles.ok({ filter: { title } })).data.length, 0, `${title} not stored`);
  });

  test('an array with several bad items: 400 naming every bad field of every bad item, and nothing stored', async () => {
    const before = (await articles.all()).length;
    const several = await articles.create([{ title: 'ok one', views: -5, status: 'gone' }, { title: 'ok two' }, { title: 'ok three', colour: 'red' }]);
    assert.deepEqual(errorFields(several).sort(), ['[0].status', '[0].views', '[2].colour'], 'every bad field of every bad item, and nothing else');
    assert.equal((await articles.all()).length, before);
  });

  test('GET answers an ETag and honours If-None-Match; unknown ids and collections are 404', async () => {
    const record = await articles.add({ title: 'etag me' });
    const first = await articles.get(record.id);
    const etag = first.headers.get('etag');
    assert.ok(etag, 'an ETag header');
    assert.equal((await articles.get(record.id)).headers.get('etag'), etag, 'stable while the record does not change');
    const cached = await articles.get(record.id, { 'if-none-match': etag });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    assert.equal((await articles.get(record.id, { 'if-none-match': '"something-else"' })).status, 200);

    assertProblem(await articles.get(MISSING_ID), 404, 'not-found');
    assertProblem(await articles.get('not-a-uuid'), 404, 'not-found');
    assertProblem(await articles.get('12345'), 404, 'not-found');
    assertProblem(await admin.get(`/api/v1/collections/nothing_here/records/${record.id}`), 404, 'not-found');
    assertProblem(await admin.get('/api/v1/collections/nothing_here/records'), 404, 'not-found');
    assertProblem(await admin.post('/api/v1/collections/nothing_here/records', { title: 'x' }), 404, 'not-found');
  });

  test('PATCH changes only the fields sent, moves updated_at forward and changes the ETag', async () => {
    const record = await articles.add({ title: 'to be patched', body: 'body', views: 1, slug: slug() });
    const etag = (await articles.get(record.id)).headers.get('etag')!;
    const patched = await articles.patch(record.id, { views: 2, body: null });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual({ ...patched.body, updated_at: undefined }, { ...record, views: 2, body: null, updated_at: undefined });
    assert.match(patched.body.updated_at, ISO_MS);
    assert.ok(Date.parse(patched.body.updated_at) > Date.parse(record.updated_at), `${patched.body.updated_at} after ${record.updated_at}`);
    assert.equal(patched.body.created_at, record.created_at);
    const read = await articles.get(record.id);
    assert.deepEqual(read.body, patched.body);
    assert.notEqual(read.headers.get('etag'), etag, 'a new ETag');
    assert.equal((await articles.get(record.id, { 'if-none-match': etag })).status, 200, 'the old ETag no longer matches');
  });

  test('PATCH with If-Match: the current ETag applies, a stale one is 412 and changes nothing', async () => {
    const record = await articles.add({ title: 'conditional', views: 10 });
    const etag = (await articles.get(record.id)).headers.get('etag')!;
    const applied = await articles.patch(record.id, { views: 11 }, { 'if-match': etag });
    assert.equal(applied.status, 200, applied.text);
    const stale = await articles.patch(record.id, { views: 99 }, { 'if-match': etag });
    assertProblem(stale, 412, 'precondition-failed');
    assert.equal((await articles.get(record.id)).body.views, 11);
    const fresh = (await articles.get(record.id)).headers.get('etag')!;
    assert.equal((await articles.patch(record.id, { views: 12 }, { 'if-match': fresh })).status, 200);
  });

  test('PATCH refuses unknown fields, an empty body, bad values and unknown ids', async () => {
    const record = await articles.add({ title: 'patch refusals', views: 3 });
    assertInvalid(await articles.patch(record.id, { colour: 'red' }), ['colour']);
    assertProblem(await articles.patch(record.id, {}), 400, 'validation-failed');
    assertInvalid(await articles.patch(record.id, { views: -1 }), ['views']);
    assertInvalid(await articles.patch(record.id, { title: null }), ['title']);
    assertInvalid(await articles.patch(record.id, { status: 'unknown' }), ['status']);
    assertInvalid(await articles.patch(record.id, { views: 4, day: 'tomorrow' }), ['day']);
    assertProblem(await articles.patch(record.id, [{ views: 4 }]), 400);
    assert.deepEqual((await articles.get(record.id)).body, record, 'nothing changed');
    assertProblem(await articles.patch(MISSING_ID, { views: 1 }), 404, 'not-found');
    assertProblem(await articles.patch('not-a-uuid', { views: 1 }), 404, 'not-found');
  });

  test('DELETE answers 204, then the record is gone; If-Match works the same as for PATCH', async () => {
    const record = await articles.add({ title: 'to be deleted' });
    const etag = (await articles.get(record.id)).headers.get('etag')!;
    assert.equal((await articles.patch(record.id, { views: 5 })).status, 200);
    assertProblem(await articles.delete(record.id, { 'if-match': etag }), 412, 'precondition-failed');
    assert.equal((await articles.get(record.id)).status, 200, 'a refused delete leaves the record');
    const current = (await articles.get(record.id)).headers.get('etag')!;
    const deleted = await articles.delete(record.id, { 'if-match': current });
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal(deleted.text, '');
    assertProblem(await articles.get(record.id), 404, 'not-found');
    assertProblem(await articles.delete(record.id), 404, 'not-found');
    assertProblem(await articles.patch(record.id, { views: 1 }), 404, 'not-found');
    assert.equal((await articles.ok({ filter: { id: record.id } })).data.length, 0);

    const plain = await articles.add({ title: 'deleted without If-Match' });
    assert.equal((await articles.delete(plain.id)).status, 204);
    assertProblem(await articles.get(plain.id), 404);
  });

  test('validation names each bad field: type, required, range, length, pattern, formats, enum, unknown', async () => {
    const before = (await articles.all()).length;
    const title = 'a valid title';
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['title']],
      [{ body: 'no title' }, ['title']],
      [{ title: null }, ['title']],
      [{ title: 42 }, ['title']],
      [{ title: 'ab' }, ['title']],
      [{ title: 'x'.repeat(201) }, ['title']],
      [{ title, views: 'ten' }, ['views']],
      [{ title, views: 1.5 }, ['views']],
      [{ title, views: -1 }, ['views']],
      [{ title, views: true }, ['views']],
      [{ title, rating: 5.01 }, ['rating']],
      [{ title, rating: -0.5 }, ['rating']],
      [{ title, rating: '4' }, ['rating']],
      [{ title, featured: 'yes' }, ['featured']],
      [{ title, featured: 1 }, ['featured']],
      [{ title, published_at: 'yesterday' }, ['published_at']],
      [{ title, published_at: '2024-02-30T10:00:00Z' }, ['published_at']],
      [{ title, published_at: 1709294096789 }, ['published_at']],
      [{ title, day: '2024-02-30' }, ['day']],
      [{ title, day: '2023-02-29' }, ['day']],
      [{ title, day: '2024/03/01' }, ['day']],
      [{ title, status: 'deleted' }, ['status']],
      [{ title, status: 'Draft' }, ['status']],
      [{ title, status: null }, ['status']],
      [{ title, homepage: 'not a url' }, ['homepage']],
      [{ title, ref: 'not-a-uuid' }, ['ref']],
      [{ title, ref: 12 }, ['ref']],
      [{ title, slug: 'Not Valid' }, ['slug']],
      [{ title, slug: 'almost-valid!' }, ['slug']],
      [{ title, author: 'not-a-uuid' }, ['author']],
      [{ title, author: 7 }, ['author']],
      [{ title, colour: 'red' }, ['colour']],
      [{ title: 'ab', views: -1, status: 'nope', colour: 'red', homepage: 'nope' }, ['title', 'views', 'status', 'colour', 'homepage']],
    ];
    for (const [body, fields] of cases) assertInvalid(await articles.create(body), fields, JSON.stringify(body).slice(0, 80));
    assertInvalid(await authors.create({ name: 'Bad email', email: 'not-an-email' }), ['email']);
    assertInvalid(await authors.create({ name: 'n'.repeat(101) }), ['name']);
    for (const body of ['a string', 42, null, true]) assertProblem(await articles.create(body), 400, undefined, `body ${JSON.stringify(body)}`);
    assert.equal((await articles.all()).length, before, 'nothing was stored');
  });

  test('a unique clash is 409 unique-violation naming the field, on create and on update', async () => {
    await authors.add({ name: 'Grace', email: 'grace@example.com' });
    const clash = await authors.create({ name: 'Another Grace', email: 'grace@example.com' });
    assertProblem(clash, 409, 'unique-violation');
    assert.equal(clash.body.errors[0].field, 'email');

    const first = await articles.add({ title: 'unique one', slug: 'taken-slug' });
    const second = await articles.add({ title: 'unique two', slug: 'free-slug' });
    const onCreate = await articles.create({ title: 'unique three', slug: 'taken-slug' });
    assertProblem(onCreate, 409, 'unique-violation');
    assert.equal(onCreate.body.errors[0].field, 'slug');
    const onUpdate = await articles.patch(second.id, { slug: 'taken-slug' });
    assertProblem(onUpdate, 409, 'unique-violation');
    assert.equal(onUpdate.body.errors[0].field, 'slug');
    assert.equal((await articles.get(second.id)).body.slug, 'free-slug');
    assert.equal((await articles.ok({ filter: { slug: 'taken-slug' } })).data.length, 1);
    // Unique fields may be null any number of times.
    await articles.addMany([{ title: 'no slug a' }, { title: 'no slug b' }]);
    assert.equal((await articles.patch(first.id, { slug: 'taken-slug' })).status, 200, 'keeping its own value is no clash');
  });

  test('a relation to a missing record is 400 naming the relation field', async () => {
    const onCreate = await articles.create({ title: 'dangling relation', author: MISSING_ID });
    assertInvalid(onCreate, ['author']);
    const record = await articles.add({ title: 'will dangle' });
    assertInvalid(await articles.patch(record.id, { author: MISSING_ID }), ['author']);
    assert.equal((await articles.get(record.id)).body.author, null);
    assertInvalid(await comments.create({ body: 'orphan', post: MISSING_ID }), ['post']);
    assertInvalid(await comments.create({ body: 'no post at all' }), ['post']);
  });

  test('onDelete: restrict refuses with 409, cascade removes the children, set-null clears the relation', async () => {
    const category = await categories.add({ name: 'kept' });
    const post = await posts.add({ title: 'in kept', category: category.id });
    const [c1, c2] = await comments.addMany([
      { body: 'first', post: post.id },
      { body: 'second', post: post.id },
    ]);
    const other = await posts.add({ title: 'other post' });
    const c3 = await comments.add({ body: 'on the other post', post: other.id });

    assertProblem(await categories.delete(category.id), 409);
    assert.equal((await categories.get(category.id)).status, 200, 'restrict kept the category');
    assert.equal((await posts.get(post.id)).body.category, category.id);

    assert.equal((await posts.delete(post.id)).status, 204);
    assertProblem(await comments.get(c1.id), 404);
    assertProblem(await comments.get(c2.id), 404);
    assert.equal((await comments.get(c3.id)).status, 200, 'only the deleted post’s comments cascade');
    assert.equal((await categories.delete(category.id)).status, 204, 'nothing points to it any more');

    const author = await authors.add({ name: 'Leaving' });
    const [a1, a2] = await articles.addMany([
      { title: 'by leaving one', author: author.id },
      { title: 'by leaving two', author: author.id },
    ]);
    assert.equal((await authors.delete(author.id)).status, 204);
    for (const article of [a1, a2]) {
      const read = await articles.get(article.id);
      assert.equal(read.status, 200);
      assert.equal(read.body.author, null);
      assert.equal(read.body.title, article.title);
    }
  });
});
