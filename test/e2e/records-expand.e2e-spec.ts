import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { assertProblem, byId, createCollection, problemMentions, recordsOf, type Records, type Rec } from '../support/records';

describe('records: expanding relations (forward, nested, reverse) and relation paths in fields', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let companies: Records;
  let authors: Records;
  let articles: Records;
  let comments: Records;
  let acme: Rec, globex: Rec;
  let ada: Rec, grace: Rec, linus: Rec;
  let a1: Rec, a2: Rec, a3: Rec, a4: Rec;
  let c1: Rec, c2: Rec, c3: Rec, c4: Rec;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, { name: 'companies', fields: [{ name: 'name', type: 'string', required: true }] });
    await createCollection(admin, {
      name: 'authors',
      fields: [
        { name: 'name', type: 'string', required: true },
        { name: 'company', type: 'relation', target: 'companies', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, {
      name: 'articles',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'author', type: 'relation', target: 'authors', onDelete: 'set-null' },
        { name: 'editor', type: 'relation', target: 'authors', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, {
      name: 'comments',
      fields: [
        { name: 'body', type: 'string', required: true },
        { name: 'article', type: 'relation', target: 'articles', onDelete: 'cascade' },
        { name: 'author', type: 'relation', target: 'authors', onDelete: 'set-null' },
      ],
    });
    companies = recordsOf(admin, 'companies');
    authors = recordsOf(admin, 'authors');
    articles = recordsOf(admin, 'articles');
    comments = recordsOf(admin, 'comments');
    [acme, globex] = await companies.addMany([{ name: 'acme' }, { name: 'globex' }]);
    [ada, grace, linus] = await authors.addMany([{ name: 'Ada', company: acme.id }, { name: 'Grace', company: globex.id }, { name: 'Linus' }]);
    [a1, a2, a3, a4] = await articles.addMany([
      { title: 'a1', author: ada.id, editor: grace.id },
      { title: 'a2', author: grace.id },
      { title: 'a3' },
      { title: 'a4', author: linus.id, editor: ada.id },
    ]);
    [c1, c2, c3, c4] = await comments.addMany([
      { body: 'c1', article: a1.id, author: ada.id },
      { body: 'c2', article: a1.id, author: linus.id },
      { body: 'c3', article: a2.id, author: ada.id },
      { body: 'c4', article: a1.id },
    ]);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  /** Articles by title, with these list parameters. */
  async function articlesBy(params: Record<string, unknown>): Promise<Record<string, Rec>> {
    const body = await articles.ok({ sort: 'title', ...params });
    assert.deepEqual(body.data.map((r) => r.title), ['a1', 'a2', 'a3', 'a4']);
    return Object.fromEntries(body.data.map((r) => [r.title, r]));
  }

  test('without expand a relation is the target id', async () => {
    const byTitle = await articlesBy({});
    assert.equal(byTitle.a1.author, ada.id);
    assert.equal(byTitle.a1.editor, grace.id);
    assert.deepEqual(byTitle.a3, a3);
  });

  test('expand=author replaces the id with the related record; other relations stay ids', async () => {
    const byTitle = await articlesBy({ expand: 'author' });
    assert.deepEqual(byTitle.a1.author, ada);
    assert.deepEqual(byTitle.a2.author, grace);
    assert.equal(byTitle.a3.author, null);
    assert.deepEqual(byTitle.a4.author, linus);
    assert.equal(byTitle.a1.editor, grace.id);
    assert.equal(byTitle.a1.author.company, acme.id, 'the expanded record’s own relations stay ids');
    assert.deepEqual({ ...byTitle.a1, author: ada.id }, a1, 'nothing else changes');
  });

  test('several expansions at once, and two relations to the same collection', async () => {
    const byTitle = await articlesBy({ expand: 'author,editor' });
    assert.deepEqual(byTitle.a1.author, ada);
    assert.deepEqual(byTitle.a1.editor, grace);
    assert.equal(byTitle.a2.editor, null);
    assert.deepEqual(byTitle.a4.editor, ada);
  });

  test('nested expand=author.company', async () => {
    const byTitle = await articlesBy({ expand: 'author.company' });
    assert.deepEqual(byTitle.a1.author, { ...ada, company: acme });
    assert.deepEqual(byTitle.a2.author, { ...grace, company: globex });
    assert.deepEqual(byTitle.a4.author, { ...linus, company: null });
    assert.equal(byTitle.a3.author, null);
    assert.equal(byTitle.a1.editor, grace.id);
    const both = await articlesBy({ expand: 'author.company,editor' });
    assert.deepEqual(both.a1.editor, grace);
    assert.deepEqual(both.a1.author.company, acme);
  });

  test('reverse expand=comments_via_article: the records whose relation points here', async () => {
    const byTitle = await articlesBy({ expand: 'comments_via_article' });
    const sorted = (value: unknown) => {
      assert.ok(Array.isArray(value), `an array, got ${JSON.stringify(value)}`);
      return [...(value as Rec[])].sort(byId);
    };
    assert.deepEqual(sorted(byTitle.a1.comments_via_article), [c1, c2, c4].sort(byId));
    assert.deepEqual(sorted(byTitle.a2.comments_via_article), [c3]);
    assert.deepEqual(byTitle.a3.comments_via_article, []);
    assert.deepEqual(byTitle.a4.comments_via_article, []);
    assert.equal(byTitle.a1.author, ada.id, 'forward relations stay ids');

    const people = Object.fromEntries((await authors.ok({ expand: 'articles_via_author,articles_via_editor,comments_via_author', sort: 'name' })).data.map((r) => [r.name, r]));
    assert.deepEqual(people.Ada.articles_via_author, [a1]);
    assert.deepEqual(people.Ada.articles_via_editor, [a4]);
    assert.deepEqual([...people.Ada.comments_via_author].sort(byId), [c1, c3].sort(byId));
    assert.deepEqual(people.Grace.articles_via_author, [a2]);
    assert.deepEqual(people.Grace.comments_via_author, []);
    assert.deepEqual(people.Linus.articles_via_editor, []);
    assert.deepEqual(people.Linus.comments_via_author, [c2]);
  });

  test('forward and reverse together, with filters and paging', async () => {
    const body = await articles.ok({ expand: 'author.company,comments_via_article', filter: { 'author.company.name': 'acme' } });
    assert.equal(body.data.length, 1);
    const [only] = body.data;
    assert.equal(only.id, a1.id);
    assert.deepEqual(only.author, { ...ada, company: acme });
    assert.deepEqual([...only.comments_via_article].sort(byId), [c1, c2, c4].sort(byId));
    const page = await articles.ok({ expand: 'author', sort: 'title', limit: 2, offset: 1 });
    assert.deepEqual(page.data.map((r) => r.title), ['a2', 'a3']);
    assert.deepEqual(page.data[0].author, grace);
    const fromComments = await comments.ok({ expand: 'article.author', filter: { body: 'c2' } });
    assert.deepEqual(fromComments.data[0].article, { ...a1, author: ada });
  });

  test('fields with relation paths expand only what is named', async () => {
    const names = await articles.ok({ fields: 'title,author.name', sort: 'title' });
    assert.deepEqual(names.data, [
      { title: 'a1', author: { name: 'Ada' } },
      { title: 'a2', author: { name: 'Grace' } },
      { title: 'a3', author: null },
      { title: 'a4', author: { name: 'Linus' } },
    ]);
    const deep = await articles.ok({ fields: 'title,author.company.name', sort: 'title', filter: { title: { $in: ['a1', 'a4'] } } });
    assert.deepEqual(deep.data, [
      { title: 'a1', author: { company: { name: 'acme' } } },
      { title: 'a4', author: { company: null } },
    ]);
    const mixed = await articles.ok({ fields: 'id,author.name,editor.name', filter: { title: 'a1' } });
    assert.deepEqual(mixed.data, [{ id: a1.id, author: { name: 'Ada' }, editor: { name: 'Grace' } }]);
  });

  test('expanding what is not a relation is a 400 naming it', async () => {
    const cases: [string, string][] = [
      ['title', 'title'],
      ['nope', 'nope'],
      ['author.nope', 'nope'],
      ['author.name', 'name'],
      ['comments_via_nope', 'comments_via_nope'],
      ['nope_via_article', 'nope_via_article'],
      ['companies_via_article', 'companies_via_article'],
    ];
    for (const [expand, name] of cases) {
      const response = await articles.list({ expand });
      assertProblem(response, 400, 'validation-failed', `expand=${expand}`);
      assert.ok(problemMentions(response, name), `expand=${expand} names ${name}: ${response.text}`);
    }
  });

  test('when a related record is deleted, set-null relations expand to null', async () => {
    assert.equal((await authors.delete(linus.id)).status, 204);
    const byTitle = await articlesBy({ expand: 'author' });
    assert.equal(byTitle.a4.author, null);
    assert.deepEqual(byTitle.a4.title, 'a4');
    const c2now = await comments.ok({ expand: 'author', filter: { body: 'c2' } });
    assert.equal(c2now.data[0].author, null);
    assert.equal((await articles.delete(a1.id)).status, 204);
    const remaining = await articles.ok({ sort: 'title', expand: 'comments_via_article' });
    assert.deepEqual(remaining.data.map((r) => r.title), ['a2', 'a3', 'a4']);
    assert.deepEqual(remaining.data[0].comments_via_article, [c3]);
    assert.deepEqual((await comments.ok({ sort: 'body' })).data.map((r) => r.body), ['c3'], 'cascade removed a1’s comments');
  });
});
