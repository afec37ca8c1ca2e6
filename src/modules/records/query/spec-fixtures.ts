import type { CollectionDefinition, CollectionSchema } from 'src/modules/collections/collection-schema';
import { toSchema } from 'src/modules/collections/collection-schema';
import assert from 'node:assert/strict';
import { ValidationFailedError } from 'src/common/errors/domain.error';
import type { SchemaLookup } from './list-query';

/** Test-only: the small schema the query specs compile against (companies ← authors ← articles ← comments). */
const EPOCH = new Date('2024-01-01T00:00:00.000Z');

export function schemaOf(definition: CollectionDefinition, version = 1): CollectionSchema {
  return toSchema(definition, version, EPOCH, EPOCH);
}

/** `parent` points to the collection itself, for paths of any depth. */
export const companies = schemaOf({
  name: 'companies',
  fields: [
    { name: 'name', type: 'string', required: true },
    { name: 'parent', type: 'relation', target: 'companies', onDelete: 'set-null' },
  ],
});

export const authors = schemaOf({
  name: 'authors',
  softDelete: true,
  fields: [
    { name: 'name', type: 'string', required: true },
    { name: 'email', type: 'email' },
    { name: 'company', type: 'relation', target: 'companies', onDelete: 'set-null' },
    { name: 'birthday', type: 'date' },
    { name: 'active', type: 'boolean', required: true },
  ],
});

export const articles = schemaOf({
  name: 'articles',
  softDelete: true,
  fields: [
    { name: 'title', type: 'string', required: true, maxLength: 200 },
    { name: 'body', type: 'text' },
    { name: 'status', type: 'enum', values: ['draft', 'published', 'archived'], required: true },
    { name: 'views', type: 'integer', required: true },
    { name: 'rating', type: 'number' },
    { name: 'published_at', type: 'datetime' },
    { name: 'meta', type: 'json' },
    { name: 'featured', type: 'boolean', required: true },
    { name: 'external', type: 'uuid' },
    { name: 'author', type: 'relation', target: 'authors' },
  ],
});

export const comments = schemaOf({
  name: 'comments',
  fields: [
    { name: 'body', type: 'text', required: true },
    { name: 'article', type: 'relation', target: 'articles', required: true, onDelete: 'cascade' },
    { name: 'likes', type: 'integer', required: true },
  ],
});

/** Nothing to search in it. */
export const counters = schemaOf({ name: 'counters', fields: [{ name: 'n', type: 'integer', required: true }] });

export const schemas: SchemaLookup = new Map([companies, authors, articles, comments, counters].map((schema) => [schema.name, schema]));

/** Asserts that `work` fails with a 400 whose first error names `field` (and says `message`). */
export function assertInvalid(work: () => unknown, field: string, message?: RegExp): void {
  assert.throws(work, (error: unknown) => {
    assert.ok(error instanceof ValidationFailedError, `expected a ValidationFailedError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.errors?.[0]?.field, field);
    if (message) assert.match(error.errors[0].message, message);
    return true;
  });
}
