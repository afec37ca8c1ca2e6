import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { assertInvalid, createCollection, recordsOf, sortedIds, type Rec, type Records } from '../support/records';

/**
 * Profiles and comments are readable only by their owner (a row filter);
 * posts by every user. User B must not see, through expansions, relation
 * paths, counts or aggregates, anything of user A's profile or comments.
 */
describe('access: expansions and relation paths into row-filtered collections', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let postsA: Records;
  let postsB: Records;
  let commentsA: Records;
  let commentsB: Records;
  let userB: Client;
  let alice: Rec;
  let bob: Rec;
  let p1: Rec;
  let p2: Rec;
  let p3: Rec;
  let a1: Rec;
  let a2: Rec;
  let b1: Rec;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    const a = await make.user(api);
    const b = await make.user(api);
    const userA = client(basalt.url, a.accessToken);
    userB = client(basalt.url, b.accessToken);
    await createCollection(admin, {
      name: 'profiles',
      fields: [
        { name: 'name', type: 'string', required: true },
        { name: 'bio', type: 'string' },
        { name: 'owner', type: 'uuid', required: true },
      ],
    });
    await createCollection(admin, {
      name: 'posts',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'author', type: 'relation', target: 'profiles', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, {
      name: 'comments',
      fields: [
        { name: 'body', type: 'string', required: true },
        { name: 'post', type: 'relation', target: 'posts', required: true, onDelete: 'cascade' },
        { name: 'owner', type: 'uuid', required: true },
      ],
    });
    await createCollection(admin, { name: 'vault', fields: [{ name: 'code', type: 'string', required: true }] });
    await createCollection(admin, { name: 'boxes', fields: [{ name: 'vault', type: 'relation', target: 'vault', onDelete: 'set-null' }] });
    const own = { owner: { $eq: '$user.id' } };
    for (const body of [
      { role: 'user', collection: 'profiles', action: 'read', rowFilter: own, fields: ['name', 'owner'] },
      { role: 'user', collection: 'posts', action: 'read' },
      { role: 'user', collection: 'comments', action: 'read', rowFilter: own },
      { role: 'user', collection: 'boxes', action: 'read' },
    ]) {
      const response = await admin.post('/api/v1/permissions', body);
      assert.equal(response.status, 201, response.text);
    }
    const profiles = recordsOf(admin, 'profiles');
    alice = await profiles.add({ name: 'Alice', bio: 'secret', owner: a.user.id });
    bob = await profiles.add({ name: 'Bob', bio: 'also secret', owner: b.user.id });
    const posts = recordsOf(admin, 'posts');
    p1 = await posts.add({ title: 'one', author: alice.id });
    p2 = await posts.add({ title: 'two', author: bob.id });
    p3 = await posts.add({ title: 'three' });
    const comments = recordsOf(admin, 'comments');
    a1 = await comments.add({ body: 'A on one', post: p1.id, owner: a.user.id });
    a2 = await comments.add({ body: 'A on two', post: p2.id, owner: a.user.id });
    b1 = await comments.add({ body: 'B on one', post: p1.id, owner: b.user.id });
    postsA = recordsOf(userA, 'posts');
    postsB = recordsOf(userB, 'posts');
    commentsA = recordsOf(userA, 'comments');
    commentsB = recordsOf(userB, 'comments');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  const byTitle = (data: Rec[]) => Object.fromEntries(data.map((post) => [post.title, post]));

  test('a forward expansion shows null for a related record the caller may not read, and only the allowed fields of the others', async () => {
    const asB = byTitle((await postsB.ok({ expand: 'author' })).data);
    assert.equal(asB.one.author, null, "Alice's profile, as if it did not exist");
    assert.deepEqual(asB.two.author, { id: bob.id, name: 'Bob', owner: bob.owner, created_at: bob.created_at, updated_at: bob.updated_at });
    assert.equal(asB.three.author, null);
    assert.equal(p3.author, null);
    const one = await postsB.get(`${p1.id}?expand=author`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.author, null);
    const asA = byTitle((await postsA.ok({ expand: 'author' })).data);
    assert.equal(asA.one.author.name, 'Alice');
    assert.equal(asA.two.author, null);
    assertInvalid(await postsB.list({ fields: 'title,author.bio' }), ['fields'], 'hidden fields of the related collection stay refused');
  });

  test('a reverse expansion lists only the readable children', async () => {
    const asB = byTitle((await postsB.ok({ expand: 'comments_via_post' })).data);
    assert.deepEqual(asB.one.comments_via_post.map((c: Rec) => c.id), [b1.id]);
    assert.deepEqual(asB.two.comments_via_post, []);
    const asA = byTitle((await postsA.ok({ expand: 'comments_via_post' })).data);
    assert.deepEqual(asA.one.comments_via_post.map((c: Rec) => c.id), [a1.id]);
    assert.deepEqual(asA.two.comments_via_post.map((c: Rec) => c.id), [a2.id]);
  });

  test('nested levels apply their own grants', async () => {
    const [mine] = (await commentsB.ok({ expand: 'post.author' })).data;
    assert.equal(mine.id, b1.id);
    assert.equal(mine.post.id, p1.id);
    assert.equal(mine.post.author, null, "Alice's profile is hidden from B");
    const asA = (await commentsA.ok({ expand: 'post.author', sort: 'body' })).data;
    assert.deepEqual(asA.map((c) => c.post.author?.name ?? null), ['Alice', null]);
  });

  test('a relation-path filter cannot probe hidden records', async () => {
    assert.deepEqual(await postsB.ids({ filter: { 'author.name': 'Alice' } }), []);
    assert.deepEqual(await postsA.ids({ filter: { 'author.name': 'Alice' } }), [p1.id]);
    assert.deepEqual(await postsB.ids({ filter: { 'author.name': 'Bob' } }), [p2.id]);
    // A hidden Alice and no Alice at all answer alike, negated too.
    assert.deepEqual(sortedIds((await postsB.ok({ filter: { $not: { 'author.name': 'Alice' } } })).data), sortedIds((await postsB.ok({ filter: { $not: { 'author.name': 'Zed' } } })).data));
    assert.deepEqual(await commentsB.ids({ filter: { 'post.author.name': 'Alice' } }), []);
    assert.deepEqual(await commentsA.ids({ filter: { 'post.author.name': 'Alice' } }), [a1.id]);
    assertInvalid(await postsB.list({ filter: { 'author.bio': 'secret' } }), ['filter.author.bio']);
  });

  test('counts and aggregates include only what the caller may read', async () => {
    assert.equal((await postsB.ok({ count: 'true', filter: { 'author.name': 'Alice' } })).meta.total, 0);
    assert.equal((await postsA.ok({ count: 'true', filter: { 'author.name': 'Alice' } })).meta.total, 1);
    assert.deepEqual((await postsB.ok<Record<string, unknown>>({ aggregate: 'count', filter: { 'author.owner': { $null: false } } })).data, [{ count: 1 }]);
    assert.equal((await commentsB.ok({ count: 'true' })).meta.total, 1);
    assert.deepEqual((await commentsB.ok<Record<string, unknown>>({ aggregate: 'count', group_by: 'post' })).data, [{ post: p1.id, count: 1 }]);
    assert.deepEqual((await commentsA.ok<Record<string, unknown>>({ aggregate: 'count' })).data, [{ count: 2 }]);
  });

  test('a collection the caller may not read at all is still refused', async () => {
    const boxes = recordsOf(userB, 'boxes');
    assertInvalid(await boxes.list({ expand: 'vault' }), ['expand']);
    assertInvalid(await boxes.list({ filter: { 'vault.code': 'x' } }), ['filter.vault']);
  });
});
