import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { assertProblem, assertSameIds, createCollection, problemMentions, qs, recordsOf, type ListBody, type Records, type Rec } from '../support/records';

/**
 * One seeded collection of 40 posts with every kind of field, queried with
 * every list parameter; each expectation is computed here from the seed.
 */
describe('records: list queries (filter, sort, fields, paging, cursor, count, search, aggregate)', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let posts: Records;
  let feed: Records;
  const people: Rec[] = [];
  /** The seed, with the created record of each: `i` is the generator's index. */
  const rows: (Rec & { i: number })[] = [];

  const WORDS = ['amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'heron', 'iris', 'juniper'];
  const STATUSES = ['draft', 'published', 'archived'] as const;
  const DAY = 24 * 3600 * 1000;
  const START = Date.UTC(2024, 0, 1);

  function post(i: number) {
    return {
      title: `${WORDS[i % 10]}${String(i).padStart(2, '0')}`,
      body: i % 7 === 0 ? `Notes on quantum physics, part ${i}` : i % 7 === 3 ? `The Quantum leap number ${i}` : `Plain notes number ${i}`,
      views: ((i * 7) % 13) * 10,
      rating: i % 5 === 4 ? null : (i % 10) / 2,
      status: STATUSES[i % 3],
      featured: i % 4 === 0,
      published_at: new Date(START + i * 1.5 * DAY + 123).toISOString(),
      day: new Date(START + i * DAY).toISOString().slice(0, 10),
      meta: { i },
    };
  }

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, { name: 'companies', fields: [{ name: 'name', type: 'string', required: true }] });
    await createCollection(admin, {
      name: 'people',
      fields: [
        { name: 'name', type: 'string', required: true },
        { name: 'company', type: 'relation', target: 'companies', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, {
      name: 'posts',
      fields: [
        { name: 'title', type: 'string', required: true, unique: true },
        { name: 'body', type: 'text' },
        { name: 'views', type: 'integer', required: true },
        { name: 'rating', type: 'number' },
        { name: 'status', type: 'enum', values: [...STATUSES], required: true },
        { name: 'featured', type: 'boolean', required: true },
        { name: 'published_at', type: 'datetime' },
        { name: 'day', type: 'date' },
        { name: 'meta', type: 'json' },
        { name: 'author', type: 'relation', target: 'people', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, {
      name: 'feed',
      fields: [
        { name: 'label', type: 'string', required: true },
        { name: 'score', type: 'integer', required: true },
      ],
    });
    const [acme, globex, initech] = await recordsOf(admin, 'companies').addMany([{ name: 'acme' }, { name: 'globex' }, { name: 'initech' }]);
    people.push(
      ...(await recordsOf(admin, 'people').addMany([
        { name: 'Ada', company: acme.id },
        { name: 'Grace', company: acme.id },
        { name: 'Linus', company: globex.id },
        { name: 'Barbara', company: initech.id },
        { name: 'Edsger' },
      ])),
    );
    posts = recordsOf(admin, 'posts');
    feed = recordsOf(admin, 'feed');
    // i % 6 === 5: no author.
    const seed = Array.from({ length: 40 }, (_, i) => ({ ...post(i), author: i % 6 === 5 ? null : people[i % 6].id }));
    const created = await posts.addMany(seed);
    created.forEach((record, i) => rows.push({ ...record, i }));
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  const idsWhere = (predicate: (row: Rec & { i: number }) => boolean) => rows.filter(predicate).map((r) => r.id);
  const personIndex = (row: Rec) => people.findIndex((p) => p.id === row.author);

  async function expectFilter(filter: unknown, predicate: (row: Rec & { i: number }) => boolean): Promise<void> {
    // Titles are unique and read better than ids in a failure's diff.
    const expected = rows.filter(predicate).map((r) => r.title as string).sort();
    const body = await posts.ok({ filter, limit: 500 });
    assert.deepEqual(body.data.map((r) => r.title as string).sort(), expected, `filter ${JSON.stringify(filter)}`);
  }

  test('the seed reads back whole, and the default page is 20 records', async () => {
    assert.equal(rows.length, 40);
    const all = await posts.ok({ limit: 500 });
    assert.equal(all.data.length, 40);
    assert.equal(all.meta.limit, 500);
    const byId = new Map(all.data.map((r) => [r.id, r]));
    for (const row of rows) {
      const { i: _i, ...record } = row;
      assert.deepEqual(byId.get(row.id), record);
    }
    const page = await posts.ok();
    assert.equal(page.data.length, 20);
    assert.equal(page.meta.limit, 20);
  });

  test('comparison operators, and a bare value meaning $eq', async () => {
    await expectFilter({ status: 'published' }, (r) => r.status === 'published');
    await expectFilter({ status: { $eq: 'draft' } }, (r) => r.status === 'draft');
    await expectFilter({ status: { $ne: 'draft' } }, (r) => r.status !== 'draft');
    await expectFilter({ views: 60 }, (r) => r.views === 60);
    await expectFilter({ views: { $gt: 80 } }, (r) => r.views > 80);
    await expectFilter({ views: { $gte: 80 } }, (r) => r.views >= 80);
    await expectFilter({ views: { $lt: 30 } }, (r) => r.views < 30);
    await expectFilter({ views: { $lte: 30 } }, (r) => r.views <= 30);
    await expectFilter({ views: { $gte: 20, $lt: 60 } }, (r) => r.views >= 20 && r.views < 60);
    await expectFilter({ rating: { $gt: 2.5 } }, (r) => r.rating !== null && r.rating > 2.5);
    await expectFilter({ featured: true }, (r) => r.featured);
    await expectFilter({ featured: { $eq: false } }, (r) => !r.featured);
    await expectFilter({ title: 'heron17' }, (r) => r.title === 'heron17');
    await expectFilter({ title: 'no-such-title' }, () => false);
  });

  test('$in, $nin and $null', async () => {
    await expectFilter({ status: { $in: ['draft', 'archived'] } }, (r) => r.status !== 'published');
    await expectFilter({ status: { $nin: ['draft', 'archived'] } }, (r) => r.status === 'published');
    await expectFilter({ views: { $in: [0, 10, 120] } }, (r) => [0, 10, 120].includes(r.views));
    await expectFilter({ views: { $nin: [0, 10, 120] } }, (r) => ![0, 10, 120].includes(r.views));
    await expectFilter({ title: { $in: ['amber00', 'basil11', 'nope'] } }, (r) => ['amber00', 'basil11'].includes(r.title));
    await expectFilter({ id: { $in: [rows[3].id, rows[30].id] } }, (r) => r.i === 3 || r.i === 30);
    await expectFilter({ rating: { $null: true } }, (r) => r.rating === null);
    await expectFilter({ rating: { $null: false } }, (r) => r.rating !== null);
    await expectFilter({ author: { $null: true } }, (r) => r.author === null);
  });

  test('$like and $ilike', async () => {
    await expectFilter({ title: { $like: 'amber%' } }, (r) => r.title.startsWith('amber'));
    await expectFilter({ title: { $like: '%5' } }, (r) => r.title.endsWith('5'));
    await expectFilter({ title: { $like: '%er%' } }, (r) => r.title.includes('er'));
    await expectFilter({ title: { $like: 'iri_08' } }, (r) => r.title === 'iris08');
    await expectFilter({ body: { $ilike: '%QUANTUM%' } }, (r) => r.body.toLowerCase().includes('quantum'));
    await expectFilter({ title: { $ilike: 'AMBER%' } }, (r) => r.title.startsWith('amber'));
  });

  test('$like is case-sensitive on every database, $ilike is not', async () => {
    await expectFilter({ body: { $like: '%Quantum%' } }, (r) => r.body.includes('Quantum'));
    await expectFilter({ title: { $like: 'AMBER%' } }, () => false);
    await expectFilter({ body: { $ilike: '%quantum%' } }, (r) => /quantum/i.test(r.body));
  });

  test('$and, $or, $not, nested, and several keys meaning and', async () => {
    await expectFilter({ status: 'published', featured: true }, (r) => r.status === 'published' && r.featured);
    await expectFilter({ $and: [{ featured: true }, { views: { $gte: 50 } }] }, (r) => r.featured && r.views >= 50);
    await expectFilter({ $or: [{ status: 'draft' }, { views: { $gte: 100 } }] }, (r) => r.status === 'draft' || r.views >= 100);
    await expectFilter({ $not: { status: 'archived' } }, (r) => r.status !== 'archived');
    await expectFilter(
      { $and: [{ $or: [{ featured: true }, { status: 'archived' }] }, { $not: { $or: [{ views: { $lt: 30 } }, { status: { $in: ['draft'] } }] } }] },
      (r) => (r.featured || r.status === 'archived') && !(r.views < 30 || r.status === 'draft'),
    );
    await expectFilter({ $or: [{ title: 'amber00' }, { $and: [{ status: 'published' }, { $not: { featured: false } }] }] }, (r) => r.title === 'amber00' || (r.status === 'published' && r.featured));
    await expectFilter({ $and: [{ views: { $gte: 0 } }] }, () => true);
    await expectFilter({ $not: { $not: { featured: true } } }, (r) => r.featured);
  });

  test('datetimes, dates, relations by id, ids', async () => {
    const from = '2024-01-20T00:00:00Z';
    const to = '2024-02-10T00:00:00Z';
    const inRange = (r: Rec) => Date.parse(r.published_at) >= Date.parse(from) && Date.parse(r.published_at) < Date.parse(to);
    await expectFilter({ published_at: { $gte: from, $lt: to } }, inRange);
    await expectFilter({ published_at: { $gte: '2024-01-20T02:00:00+02:00', $lt: '2024-02-10T01:00:00+01:00' } }, inRange);
    await expectFilter({ published_at: rows[6].published_at }, (r) => r.i === 6);
    await expectFilter({ day: { $lte: '2024-01-15' } }, (r) => r.day <= '2024-01-15');
    await expectFilter({ day: '2024-02-09' }, (r) => r.day === '2024-02-09');
    await expectFilter({ author: people[2].id }, (r) => r.author === people[2].id);
    await expectFilter({ author: { $in: [people[0].id, people[4].id] } }, (r) => r.author === people[0].id || r.author === people[4].id);
    await expectFilter({ id: rows[12].id }, (r) => r.i === 12);
    await expectFilter({ id: { $ne: rows[12].id } }, (r) => r.i !== 12);
  });

  test('dotted relation paths filter on the related records', async () => {
    await expectFilter({ 'author.name': { $eq: 'Ada' } }, (r) => personIndex(r) === 0);
    await expectFilter({ 'author.name': 'Linus' }, (r) => personIndex(r) === 2);
    await expectFilter({ 'author.name': { $in: ['Grace', 'Edsger'] } }, (r) => [1, 4].includes(personIndex(r)));
    await expectFilter({ 'author.company.name': 'acme' }, (r) => [0, 1].includes(personIndex(r)));
    await expectFilter({ $or: [{ 'author.name': 'Barbara' }, { status: 'archived' }] }, (r) => personIndex(r) === 3 || r.status === 'archived');
    await expectFilter({ 'author.name': 'Ada', featured: true }, (r) => personIndex(r) === 0 && r.featured);
  });

  test('sort: several keys, descending with -, ties broken consistently', async () => {
    const sorted = [...rows].sort((a, b) => b.views - a.views || (a.title < b.title ? -1 : 1));
    assert.deepEqual(await posts.ids({ sort: '-views,title', limit: 500 }), sorted.map((r) => r.id));
    const byTitle = [...rows].sort((a, b) => (a.title < b.title ? -1 : 1));
    assert.deepEqual(await posts.ids({ sort: 'title', limit: 500 }), byTitle.map((r) => r.id));
    assert.deepEqual(await posts.ids({ sort: '-title', limit: 500 }), [...byTitle].reverse().map((r) => r.id));
    const byDate = [...rows].sort((a, b) => Date.parse(b.published_at) - Date.parse(a.published_at));
    assert.deepEqual(await posts.ids({ sort: '-published_at', limit: 500 }), byDate.map((r) => r.id));
    const ascendingIds = rows.map((r) => r.id).sort();
    assert.deepEqual(await posts.ids({ sort: 'id', limit: 500 }), ascendingIds);
    assert.deepEqual(await posts.ids({ sort: '-created_at,-id', limit: 500 }), [...rows].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : -1)).map((r) => r.id));
    // Ties on views: the same query twice gives the same order.
    const first = await posts.ids({ sort: 'views', limit: 500 });
    assert.deepEqual(await posts.ids({ sort: 'views', limit: 500 }), first);
    const views = (await posts.ok({ sort: 'views', limit: 500 })).data.map((r) => r.views);
    assert.deepEqual(views, [...views].sort((a, b) => a - b));
    const filtered = (await posts.ok({ filter: { status: 'draft' }, sort: '-views,title', limit: 500 })).data;
    assert.deepEqual(filtered.map((r) => r.id), sorted.filter((r) => r.status === 'draft').map((r) => r.id));
  });

  test('fields: only the keys asked for', async () => {
    const body = await posts.ok({ fields: 'id,title', sort: 'title', limit: 500 });
    assert.equal(body.data.length, 40);
    for (const record of body.data) assert.deepEqual(Object.keys(record).sort(), ['id', 'title']);
    assert.deepEqual(body.data.map((r) => r.title), rows.map((r) => r.title).sort());
    const other = await posts.ok({ fields: 'views,meta,day', filter: { title: 'cedar02' } });
    assert.deepEqual(other.data, [{ views: rows[2].views, meta: { i: 2 }, day: rows[2].day }]);
    const withAuthor = await posts.ok({ fields: 'title,author.name', filter: { title: { $in: ['amber00', 'fjord05'] } }, sort: 'title' });
    assert.deepEqual(withAuthor.data, [
      { title: 'amber00', author: { name: 'Ada' } },
      { title: 'fjord05', author: null },
    ]);
  });

  test('limit and offset: exact slices of the sorted list', async () => {
    const byTitle = rows.map((r) => r.title).sort();
    const page = await posts.ok({ sort: 'title', limit: 5, offset: 10 });
    assert.deepEqual(page.data.map((r) => r.title), byTitle.slice(10, 15));
    assert.equal(page.meta.limit, 5);
    assert.equal(page.meta.offset, 10);
    assert.deepEqual((await posts.ok({ sort: 'title', limit: 7, offset: 35 })).data.map((r) => r.title), byTitle.slice(35));
    assert.deepEqual((await posts.ok({ sort: 'title', offset: 40 })).data, []);
    assert.deepEqual((await posts.ok({ sort: 'title', limit: 1 })).data.map((r) => r.title), [byTitle[0]]);
    assert.equal((await posts.ok({ limit: 500 })).data.length, 40);
    for (const limit of ['0', '501', '-1', 'ten', '2.5']) {
      const response = await posts.list({ limit });
      assertProblem(response, 400, 'validation-failed', `limit=${limit}`);
      assert.ok(problemMentions(response, 'limit'), `names limit: ${response.text}`);
    }
    for (const offset of ['-1', 'x', '1.5']) {
      const response = await posts.list({ offset });
      assertProblem(response, 400, 'validation-failed', `offset=${offset}`);
      assert.ok(problemMentions(response, 'offset'), `names offset: ${response.text}`);
    }
  });

  test('count=true answers meta.total: every match, not just the page', async () => {
    const all = await posts.ok({ count: 'true', limit: 3 });
    assert.equal(all.meta.total, 40);
    assert.equal(all.data.length, 3);
    const published = await posts.ok({ count: 'true', filter: { status: 'published' }, limit: 2 });
    assert.equal(published.meta.total, rows.filter((r) => r.status === 'published').length);
    const none = await posts.ok({ count: 'true', filter: { views: { $gt: 1000 } } });
    assert.equal(none.meta.total, 0);
    assert.deepEqual(none.data, []);
    const searched = await posts.ok({ count: 'true', search: 'quantum', limit: 1 });
    assert.equal(searched.meta.total, rows.filter((r) => /quantum/i.test(r.body)).length);
  });

  test('search: whole words over string and text fields, case-insensitive, combinable with filters', async () => {
    const quantum = idsWhere((r) => /\bquantum\b/i.test(r.body));
    assert.ok(quantum.length >= 10);
    assertSameIds(await posts.ids({ search: 'quantum', limit: 500 }), quantum, 'search quantum');
    assertSameIds(await posts.ids({ search: 'QUANTUM', limit: 500 }), quantum, 'search QUANTUM');
    assertSameIds(await posts.ids({ search: 'physics', limit: 500 }), idsWhere((r) => r.body.includes('physics')), 'search physics');
    assertSameIds(await posts.ids({ search: 'heron17', limit: 500 }), idsWhere((r) => r.title === 'heron17'), 'title is searched too');
    assertSameIds(await posts.ids({ search: 'zyzzyva', limit: 500 }), [], 'no match');
    assertSameIds(await posts.ids({ search: 'quantum', filter: { status: 'published' }, limit: 500 }), idsWhere((r) => /quantum/i.test(r.body) && r.status === 'published'));
    const sorted = await posts.ok({ search: 'quantum', sort: 'title', fields: 'title', limit: 3 });
    assert.deepEqual(sorted.data, rows.filter((r) => /quantum/i.test(r.body)).map((r) => ({ title: r.title })).sort((a, b) => (a.title < b.title ? -1 : 1)).slice(0, 3));
  });

  test('cursor paging: the first page, the last page, and refusals', async () => {
    const drafts = rows.filter((r) => r.status === 'draft').sort((a, b) => (a.title < b.title ? -1 : 1));
    assert.equal(drafts.length, 14);
    const first = await posts.ok({ filter: { status: 'draft' }, sort: 'title', limit: 10 });
    assert.deepEqual(first.data.map((r) => r.id), drafts.slice(0, 10).map((r) => r.id));
    assert.equal(typeof first.meta.nextCursor, 'string');
    const second = await posts.ok({ filter: { status: 'draft' }, sort: 'title', limit: 10, cursor: first.meta.nextCursor });
    assert.deepEqual(second.data.map((r) => r.id), drafts.slice(10).map((r) => r.id));
    assert.equal(second.meta.nextCursor, undefined, 'no nextCursor on the last page');
    const exact = await posts.ok({ filter: { status: 'draft' }, sort: 'title', limit: 14 });
    assert.equal(exact.data.length, 14);
    assert.equal(exact.meta.nextCursor, undefined, 'a page that holds the rest is the last page');
    const half = await posts.ok({ filter: { status: 'draft' }, sort: 'title', limit: 7 });
    const rest = await posts.ok({ filter: { status: 'draft' }, sort: 'title', limit: 7, cursor: half.meta.nextCursor });
    assert.equal(rest.data.length, 7);
    assert.equal(rest.meta.nextCursor, undefined, 'exactly full last page: no nextCursor');

    const cursor = first.meta.nextCursor;
    assertProblem(await posts.list({ filter: { status: 'draft' }, sort: 'title', limit: 10, cursor, offset: 10 }), 400, 'validation-failed', 'cursor with offset');
    assertProblem(await posts.list({ filter: { status: 'draft' }, sort: 'title', limit: 10, cursor, offset: 0 }), 400, 'validation-failed', 'cursor with offset 0');
    for (const cursor of ['garbage', 'eyJ4IjoxfQ', '%%%', 'a'.repeat(5000)]) assertProblem(await posts.list({ sort: 'title', cursor }), 400, undefined, `cursor ${cursor.slice(0, 20)}`);
  });

  test('cursor paging returns every row exactly once while rows are inserted between pages', async () => {
    const seeded = await feed.addMany(Array.from({ length: 45 }, (_, i) => ({ label: `seed-${i}`, score: i % 6 })));
    const seen: Rec[] = [];
    const above: string[] = [];
    const below: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: ListBody = await feed.ok({ sort: '-score', limit: 7, cursor });
      pages++;
      assert.ok(page.data.length <= 7);
      seen.push(...page.data);
      cursor = page.meta.nextCursor;
      if (page.data.length > 0 && cursor) {
        const last = page.data[page.data.length - 1].score as number;
        // One row sorts before the cursor (it must never show up), one after it (it must show up once).
        const [high, low] = await feed.addMany([
          { label: `above-${pages}`, score: last + 100 },
          { label: `below-${pages}`, score: last - 1 },
        ]);
        above.push(high.id);
        below.push(low.id);
      }
      assert.ok(pages < 40, 'the walk ends');
    } while (cursor);
    const ids = seen.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    for (const record of seeded) assert.ok(ids.includes(record.id), `seeded ${record.label} seen`);
    for (const id of below) assert.ok(ids.includes(id), 'a row inserted after the cursor position is seen');
    for (const id of above) assert.ok(!ids.includes(id), 'a row inserted before the cursor position is not seen');
    assert.equal(ids.length, seeded.length + below.length);
    const scores = seen.map((r) => r.score as number);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'pages continue in sort order');

    // Default order, and the same with a filter: still every live row exactly once.
    const everything = new Set((await feed.all()).map((r) => r.id));
    const walked: string[] = [];
    cursor = undefined;
    let extra = 0;
    do {
      const page: ListBody = await feed.ok({ limit: 9, cursor });
      walked.push(...page.data.map((r) => r.id));
      cursor = page.meta.nextCursor;
      if (cursor) await feed.add({ label: `extra-${extra++}`, score: 1 });
    } while (cursor);
    assert.equal(new Set(walked).size, walked.length, 'no row twice in the default order');
    for (const id of everything) assert.ok(walked.includes(id), 'every row that existed before the walk is seen');
  });

  test('aggregate with group_by: one object per group', async () => {
    const body = await posts.ok<Record<string, any>>({ aggregate: 'count,sum:views,avg:views,min:views,max:views', group_by: 'status' });
    assert.equal(body.data.length, 3);
    const byStatus = new Map(body.data.map((g) => [g.status, g]));
    assert.deepEqual([...byStatus.keys()].sort(), ['archived', 'draft', 'published']);
    for (const status of STATUSES) {
      const group = rows.filter((r) => r.status === status).map((r) => r.views as number);
      const actual = byStatus.get(status)!;
      assert.deepEqual(Object.keys(actual).sort(), ['avg_views', 'count', 'max_views', 'min_views', 'status', 'sum_views']);
      for (const key of ['count', 'sum_views', 'avg_views', 'min_views', 'max_views']) assert.equal(typeof actual[key], 'number', `${status} ${key} is a JSON number: ${JSON.stringify(actual)}`);
      const sum = group.reduce((a, b) => a + b, 0);
      assert.equal(actual.count, group.length);
      assert.equal(actual.sum_views, sum);
      assert.ok(Math.abs(actual.avg_views - sum / group.length) < 1e-6, `avg ${actual.avg_views} vs ${sum / group.length}`);
      assert.equal(actual.min_views, Math.min(...group));
      assert.equal(actual.max_views, Math.max(...group));
    }
  });

  test('aggregate: with a filter, without groups, over nullable and two group fields', async () => {
    const featured = rows.filter((r) => r.featured);
    const whole = await posts.ok<Record<string, any>>({ aggregate: 'count,sum:views', filter: { featured: true } });
    assert.equal(whole.data.length, 1);
    assert.equal(Number(whole.data[0].count), featured.length);
    assert.equal(Number(whole.data[0].sum_views), featured.reduce((a, r) => a + r.views, 0));

    const ratings = await posts.ok<Record<string, any>>({ aggregate: 'count,avg:rating,max:rating', group_by: 'featured' });
    assert.equal(ratings.data.length, 2);
    for (const flag of [true, false]) {
      const group = ratings.data.find((g) => g.featured === flag);
      assert.ok(group, `group featured=${flag} in ${JSON.stringify(ratings.data)}`);
      const members = rows.filter((r) => r.featured === flag);
      const rated = members.filter((r) => r.rating !== null).map((r) => r.rating as number);
      assert.equal(Number(group.count), members.length);
      assert.ok(Math.abs(Number(group.avg_rating) - rated.reduce((a, b) => a + b, 0) / rated.length) < 1e-6, 'avg ignores nulls');
      assert.equal(Number(group.max_rating), Math.max(...rated));
    }

    const pairs = await posts.ok<Record<string, any>>({ aggregate: 'count', group_by: 'status,featured' });
    const expected = new Map<string, number>();
    for (const r of rows) expected.set(`${r.status}/${r.featured}`, (expected.get(`${r.status}/${r.featured}`) ?? 0) + 1);
    assert.equal(pairs.data.length, expected.size);
    for (const group of pairs.data) assert.equal(Number(group.count), expected.get(`${group.status}/${group.featured}`), JSON.stringify(group));

    const filtered = await posts.ok<Record<string, any>>({ aggregate: 'count,min:views', group_by: 'status', filter: { views: { $gte: 60 } } });
    for (const group of filtered.data) {
      const members = rows.filter((r) => r.status === group.status && r.views >= 60);
      assert.equal(Number(group.count), members.length);
      assert.equal(Number(group.min_views), Math.min(...members.map((r) => r.views)));
    }
  });

  test('unknown fields in filter, sort, fields, aggregate and group_by are 400 naming them', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ filter: { no_such_field: 1 } }, 'no_such_field'],
      [{ filter: { $or: [{ status: 'draft' }, { not_a_field: { $gt: 1 } }] } }, 'not_a_field'],
      [{ filter: { 'author.no_such_field': 'x' } }, 'no_such_field'],
      [{ filter: { 'title.name': 'x' } }, 'title'],
      [{ sort: 'title,-no_such_field' }, 'no_such_field'],
      [{ fields: 'id,no_such_field' }, 'no_such_field'],
      [{ fields: 'author.no_such_field' }, 'no_such_field'],
      [{ aggregate: 'sum:no_such_field' }, 'no_such_field'],
      [{ aggregate: 'count', group_by: 'no_such_field' }, 'no_such_field'],
    ];
    for (const [params, name] of cases) {
      const response = await posts.list(params);
      assertProblem(response, 400, 'validation-failed', qs(params));
      assert.ok(problemMentions(response, name), `${qs(params)} names ${name}: ${response.text}`);
    }
  });

  test('malformed or ill-typed filters, unknown operators and unknown parameters are 400', async () => {
    const filters: unknown[] = [
      '{"status": "draft"',
      'not json',
      '[1,2]',
      { status: { $regex: '.*' } },
      { status: { eq: 'draft' } },
      { views: { $gt: 'ten' } },
      { views: { $in: 5 } },
      { views: { $in: ['a'] } },
      { featured: 'yes' },
      { published_at: { $gt: 'not a date' } },
      { day: { $lt: '2024-13-45' } },
      { author: 'not-a-uuid' },
      { id: 'not-a-uuid' },
      { rating: { $null: 'yes' } },
      { $and: { status: 'draft' } },
      { $or: 'x' },
      { $not: [] },
      { $nope: [] },
      { views: { $like: '1%' } },
    ];
    for (const filter of filters) assertProblem(await posts.list({ filter }), 400, undefined, `filter ${JSON.stringify(filter)}`);
    for (const params of [{ colour: 'red' }, { page: '2' }, { sort: 'title', sortBy: 'views' }, { aggregate: 'sum:title' }, { aggregate: 'median:views' }, { count: 'maybe' }]) {
      assertProblem(await posts.list(params), 400, undefined, qs(params));
    }
  });

  test('lists answer an ETag; If-None-Match gives 304 until the result changes', async () => {
    const params = { filter: { label: { $like: 'etag-%' } }, sort: 'label' };
    await feed.add({ label: 'etag-1', score: 1 });
    const first = await feed.list(params);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag');
    assert.ok(etag, 'an ETag on the list');
    const cached = await feed.list(params, { 'if-none-match': etag });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    await feed.add({ label: 'etag-2', score: 2 });
    const changed = await feed.list(params, { 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.deepEqual(changed.body.data.map((r) => r.label), ['etag-1', 'etag-2']);
  });
});
