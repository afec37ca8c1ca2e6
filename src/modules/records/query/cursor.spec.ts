import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor, orderingOf } from './cursor';
import { modelOf } from './collection-model';
import { parseListQuery } from './parse-list-query';
import { articles, authors, schemas } from './spec-fixtures';

const ID = '0190a0b0-1111-7000-8000-00000000000a';

describe('cursor', () => {
  it('orders by id after the sort keys, in the last key’s direction', () => {
    assert.deepEqual(orderingOf([]), [{ field: 'id', descending: false }]);
    assert.deepEqual(orderingOf([{ field: 'views', descending: true }]), [
      { field: 'views', descending: true },
      { field: 'id', descending: true },
    ]);
    assert.deepEqual(orderingOf([{ field: 'id', descending: true }, { field: 'views', descending: false }]), [
      { field: 'id', descending: true },
      { field: 'views', descending: false },
    ]);
  });

  it('round-trips driver rows of every sortable type', () => {
    const sort = '-views,rating,featured,status,title,published_at,external,created_at';
    const query = parseListQuery(articles, { sort }, schemas);
    const row = {
      id: ID.toUpperCase(),
      views: '9007199254740991',
      rating: -0.5,
      featured: 1,
      status: 'draft',
      title: 'Ünïcödé "quoted" \u{1F600}',
      published_at: new Date('2024-05-01T10:00:00.123Z'),
      external: ID,
      created_at: '2024-05-01T10:00:00.123456Z',
    };
    const cursor = encodeCursor(row, query);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    const fields = modelOf(articles).fields;
    assert.deepEqual(decodeCursor(cursor, 'articles', query.sort, fields), [Number.MAX_SAFE_INTEGER, -0.5, true, 'draft', row.title, '2024-05-01T10:00:00.123Z', ID, '2024-05-01T10:00:00.123456Z', ID]);
    const dated = parseListQuery(authors, { sort: 'name' }, schemas);
    assert.deepEqual(decodeCursor(encodeCursor({ id: ID, name: 'x' }, dated), 'authors', dated.sort, modelOf(authors).fields), ['x', ID]);
  });

  it('needs the row to hold every key', () => {
    assert.throws(() => encodeCursor({ id: ID }, parseListQuery(articles, { sort: 'title' }, schemas)), /no value for title/);
  });
});
