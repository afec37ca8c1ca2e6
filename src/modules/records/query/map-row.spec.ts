import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mapRow } from './map-row';
import { articles, authors, schemaOf } from './spec-fixtures';

const ID = '0190a0b0-1111-7000-8000-00000000000a';

describe('mapRow', () => {
  it('maps PostgreSQL rows: bigint text to numbers, datetimes to milliseconds and Z', () => {
    const row = {
      id: ID,
      title: 't',
      views: '9007199254740991',
      rating: 1.5,
      featured: false,
      published_at: '2024-05-01T10:00:00.123456Z',
      meta: { a: [1] },
      created_at: new Date('2024-05-01T10:00:00.5Z'),
      updated_at: '2024-05-01 12:00:00.25+02',
      author: null,
      extra: 'kept',
    };
    const record = mapRow(row, articles, 'postgres');
    assert.deepEqual(record, {
      id: ID,
      title: 't',
      views: 9007199254740991,
      rating: 1.5,
      featured: false,
      published_at: '2024-05-01T10:00:00.123Z',
      meta: { a: [1] },
      created_at: '2024-05-01T10:00:00.500Z',
      updated_at: '2024-05-01T10:00:00.250Z',
      author: null,
      extra: 'kept',
    });
    assert.equal(row.views, '9007199254740991', 'the row itself stays as the driver gave it');
  });

  it('maps MariaDB rows: tinyint booleans, JSON text, datetime text without a zone as UTC', () => {
    const record = mapRow({ id: ID, featured: 1, meta: '{"a":"x"}', views: 3, published_at: '2024-05-01 10:00:00.123', created_at: '2024-05-01T10:00:00.123000Z' }, articles, 'mysql');
    assert.deepEqual(record, { id: ID, featured: true, meta: { a: 'x' }, views: 3, published_at: '2024-05-01T10:00:00.123Z', created_at: '2024-05-01T10:00:00.123Z' });
    assert.deepEqual(mapRow({ featured: 0, meta: '"123"' }, articles, 'mysql'), { featured: false, meta: '123' });
    assert.deepEqual(mapRow({ meta: 'null' }, articles, 'mysql'), { meta: null });
  });

  it('maps dates to YYYY-MM-DD whatever the driver made of them', () => {
    assert.deepEqual(mapRow({ birthday: '2000-02-29' }, authors, 'postgres'), { birthday: '2000-02-29' });
    assert.deepEqual(mapRow({ birthday: new Date(2000, 1, 29) }, authors, 'postgres'), { birthday: '2000-02-29' });
    assert.deepEqual(mapRow({ birthday: new Date(Date.UTC(2000, 1, 29)) }, authors, 'mysql'), { birthday: '2000-02-29' });
    assert.deepEqual(mapRow({ deleted_at: '2024-05-01T10:00:00.000001Z' }, authors, 'mysql'), { deleted_at: '2024-05-01T10:00:00.000Z' });
  });

  it('builds one mapper per schema version', () => {
    const before = schemaOf({ name: 'shifting', fields: [{ name: 'n', type: 'integer' }] });
    assert.deepEqual(mapRow({ n: '1' }, before, 'postgres'), { n: 1 });
    const after = schemaOf({ name: 'shifting', fields: [{ name: 'n', type: 'string' }] }, 2);
    assert.deepEqual(mapRow({ n: '1' }, after, 'postgres'), { n: '1' });
    const mutated = { ...before, fields: [{ name: 'n', type: 'string' as const }], version: 3 };
    assert.deepEqual(mapRow({ n: '1' }, mutated, 'postgres'), { n: '1' });
  });

  it('is fast: a 20-field row maps in well under a microsecond or two', () => {
    const row = { id: ID, title: 't', body: 'b', status: 'draft', views: '12', rating: 1, published_at: '2024-05-01T10:00:00.123456Z', meta: {}, featured: true, external: null, author: ID, created_at: '2024-05-01T10:00:00.123456Z', updated_at: '2024-05-01T10:00:00.123456Z' };
    const rounds = 200_000;
    for (let i = 0; i < 10_000; i++) mapRow(row, articles, 'postgres');
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) mapRow(row, articles, 'postgres');
    const perRow = Number(process.hrtime.bigint() - start) / rounds;
    assert.ok(perRow < 5_000, `${perRow.toFixed(0)} ns per row`);
  });
});
