import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilterNode } from 'src/modules/records/query/list-query';
import { recordMatches } from './record-filter-match';

const record = { id: 'a', status: 'published', views: 12, featured: true, body: null, published_at: '2026-01-02T03:04:05.000Z', title: 'Hello World' };

test('comparisons, sets and null checks follow SQL', () => {
  const yes: FilterNode[] = [
    { kind: 'compare', field: 'status', op: 'eq', value: 'published' },
    { kind: 'compare', field: 'views', op: 'gt', value: 10 },
    { kind: 'compare', field: 'views', op: 'lte', value: 12 },
    { kind: 'compare', field: 'featured', op: 'eq', value: true },
    { kind: 'compare', field: 'published_at', op: 'lt', value: new Date('2026-02-01T00:00:00Z') },
    { kind: 'compare', field: 'title', op: 'ilike', value: 'hello%' },
    { kind: 'in', field: 'status', negated: false, values: ['draft', 'published'] },
    { kind: 'null', field: 'body', isNull: true },
    { kind: 'or', nodes: [{ kind: 'compare', field: 'views', op: 'eq', value: 1 }, { kind: 'compare', field: 'views', op: 'eq', value: 12 }] },
    { kind: 'not', node: { kind: 'compare', field: 'status', op: 'eq', value: 'draft' } },
  ];
  for (const node of yes) assert.equal(recordMatches(node, record), true, JSON.stringify(node));
  const no: FilterNode[] = [
    { kind: 'compare', field: 'status', op: 'eq', value: 'draft' },
    { kind: 'compare', field: 'title', op: 'like', value: 'hello%' },
    { kind: 'compare', field: 'body', op: 'ne', value: 'x' },
    { kind: 'in', field: 'body', negated: true, values: ['x'] },
    { kind: 'null', field: 'status', isNull: true },
    { kind: 'and', nodes: [{ kind: 'compare', field: 'views', op: 'gt', value: 1 }, { kind: 'compare', field: 'views', op: 'gt', value: 100 }] },
    { kind: 'relation', field: 'author', target: 'authors', node: { kind: 'null', field: 'id', isNull: false } },
  ];
  for (const node of no) assert.equal(recordMatches(node, record), false, JSON.stringify(node));
});
