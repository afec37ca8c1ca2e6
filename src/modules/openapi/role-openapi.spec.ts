import { test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { CollectionSchema, FieldDefinition } from 'src/modules/collections/collection-schema';
import type { CollectionView } from 'src/modules/access/access.types';
import { buildCollectionsOpenApi } from './collections-openapi';
import { PROBLEM_SCHEMA } from './problem-schema';
import { restrictDocument } from './role-openapi';

function collection(name: string, fields: FieldDefinition[], softDelete = false): CollectionSchema {
  return { name, fields, indexes: [], softDelete, table: `c_${name}`, version: 1, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };
}

const schemas = [
  collection('notes', [
    { name: 'title', type: 'string', required: true },
    { name: 'secret', type: 'string' },
    { name: 'owner', type: 'uuid', required: true },
  ], true),
  collection('tags', [{ name: 'label', type: 'string', required: true }]),
  collection('hidden', [{ name: 'x', type: 'string' }]),
];

function fullDocument(): OpenAPIObject {
  const section = buildCollectionsOpenApi(schemas);
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    tags: [{ name: 'auth' }, ...section.tags],
    paths: { '/api/v1/auth/me': { get: { responses: { 200: { description: 'me' } } } }, ...section.paths },
    components: { schemas: { Problem: PROBLEM_SCHEMA, ...section.schemas } },
  };
}

const views = new Map<string, CollectionView>([
  ['notes', { read: { fields: ['title'], presets: [] }, create: { fields: ['title', 'owner'], presets: ['owner'] } }],
  ['tags', { delete: { fields: null, presets: [] } }],
]);

test('only the operations a role has a rule for; no trash; other routes untouched', () => {
  const full = fullDocument();
  const before = JSON.stringify(full);
  const doc = restrictDocument(full, schemas.map((s) => s.name), views);
  assert.equal(JSON.stringify(full), before, 'the input is not changed');
  const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).filter((k) => k !== 'parameters').sort();
  assert.deepEqual(methods('/api/v1/collections/notes/records'), ['get', 'post']);
  assert.deepEqual(methods('/api/v1/collections/notes/records/{id}'), ['get']);
  assert.deepEqual(methods('/api/v1/collections/tags/records/{id}'), ['delete']);
  assert.equal(doc.paths['/api/v1/collections/tags/records'], undefined);
  assert.ok(!Object.keys(doc.paths).some((p) => p.includes('/hidden/') || p.includes('/trash')));
  assert.ok(doc.paths['/api/v1/auth/me']);
  assert.deepEqual(doc.tags?.map((t) => t.name), ['auth', 'notes', 'tags']);
});

test('record schemas keep the readable fields, create schemas the writable ones without presets', () => {
  const doc = restrictDocument(fullDocument(), schemas.map((s) => s.name), views);
  const schema = (name: string) => doc.components?.schemas?.[name] as SchemaObject | undefined;
  assert.deepEqual(Object.keys(schema('NotesRecord')!.properties!).sort(), ['created_at', 'id', 'title', 'updated_at']);
  assert.deepEqual(schema('NotesRecord')!.required!.sort(), ['created_at', 'id', 'title', 'updated_at']);
  assert.deepEqual(Object.keys(schema('NotesCreate')!.properties!), ['title']);
  assert.deepEqual(schema('NotesCreate')!.required, ['title']);
  assert.equal(schema('NotesUpdate'), undefined);
  assert.deepEqual(Object.keys(schema('TagsRecord')!.properties!), ['id'], 'no read rule: a write answers only the id');
  assert.equal(schema('TagsList'), undefined);
  assert.equal(schema('HiddenRecord'), undefined);
});

test('the restricted document is still a valid OpenAPI document (no dangling references)', async () => {
  const doc = restrictDocument(fullDocument(), schemas.map((s) => s.name), views);
  await SwaggerParser.validate(structuredClone(doc) as never);
  const none = restrictDocument(fullDocument(), schemas.map((s) => s.name), new Map());
  await SwaggerParser.validate(structuredClone(none) as never);
  assert.deepEqual(Object.keys(none.paths), ['/api/v1/auth/me']);
});
