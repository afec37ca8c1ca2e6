import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyRequest, HEAVY_LIST_LIMIT, HEAVY_LIST_OFFSET } from './request-class';

const LIST = '/api/v1/collections/:name/records';

describe('request classes', () => {
  test('event streams and health checks are exempt from the deadline and the cap', () => {
    for (const route of ['/api/v1/realtime', '/health/live', '/health/ready']) assert.equal(classifyRequest('GET', route, {}), 'exempt', route);
  });

  test('a plain list page, a filtered one and a single record are light', () => {
    assert.equal(classifyRequest('GET', LIST, {}), 'light');
    assert.equal(classifyRequest('GET', LIST, { limit: String(HEAVY_LIST_LIMIT), offset: String(HEAVY_LIST_OFFSET), sort: '-created_at', filter: '{"a":1}' }), 'light');
    assert.equal(classifyRequest('GET', LIST, { count: 'false', search: '', expand: '' }), 'light', 'empty or false parameters ask for nothing more');
    assert.equal(classifyRequest('GET', '/api/v1/collections/:name/records/:id', { fields: 'a,b' }), 'light');
    assert.equal(classifyRequest('GET', LIST, { expand: 'author,author.company', fields: 'title,author.name' }), 'light', 'forward expansions are one lookup by id');
    assert.equal(classifyRequest('GET', '/api/v1/collections/:name/records/:id', { expand: 'author' }), 'light');
    assert.equal(classifyRequest('GET', undefined, { limit: '500' }), 'light', 'no route matched: a 404');
  });

  test('large, deep, reverse-expanded, counted, aggregated or searched lists are heavy, in the trash too', () => {
    for (const query of [
      { limit: String(HEAVY_LIST_LIMIT + 1) },
      { offset: String(HEAVY_LIST_OFFSET + 1) },
      { expand: 'comments_via_article' },
      { expand: 'author,author.posts_via_author' },
      { fields: 'title,comments_via_article.body' },
      { count: 'true' },
      { aggregate: 'count' },
      { search: 'granite' },
      { limit: 'many' },
    ]) {
      assert.equal(classifyRequest('GET', LIST, query), 'heavy', JSON.stringify(query));
      assert.equal(classifyRequest('GET', '/api/v1/collections/:name/trash', query), 'heavy', `trash ${JSON.stringify(query)}`);
    }
    assert.equal(classifyRequest('GET', LIST, { limit: ['10', '500'] }), 'heavy', 'a repeated parameter is not taken for small');
    assert.equal(classifyRequest('GET', '/api/v1/collections/:name/records/:id', { expand: 'comments_via_article' }), 'heavy');
  });

  test('the account export is heavy; writes are light', () => {
    assert.equal(classifyRequest('GET', '/api/v1/users/me/export', undefined), 'heavy');
    assert.equal(classifyRequest('POST', LIST, { limit: '500' }), 'light');
    assert.equal(classifyRequest('DELETE', '/api/v1/users/me', {}), 'light');
    assert.equal(classifyRequest('HEAD', LIST, { count: 'true' }), 'heavy');
  });
});
