import { test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, PathItemObject, ResponseObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { CollectionSchema, FieldDefinition } from 'src/modules/collections/collection-schema';
import { buildCollectionsOpenApi, pascalCase, type CollectionsOpenApi } from './collections-openapi';

function collection(name: string, fields: FieldDefinition[], softDelete = false): CollectionSchema {
  return { name, fields, indexes: [], softDelete, table: `c_${name}`, version: 3, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-02T00:00:00.000Z' };
}

/** What an administrator would really define: every field type on articles, relations both ways, one soft-deleted collection. */
function realisticSchemas(): CollectionSchema[] {
  return [
    collection(
      'comments',
      [
        { name: 'article', type: 'relation', target: 'articles', required: true, onDelete: 'cascade' },
        { name: 'parent', type: 'relation', target: 'comments', onDelete: 'set-null' },
        { name: 'body', type: 'text', required: true, minLength: 1, maxLength: 5000 },
      ],
    ),
    collection(
      'articles',
      [
        { name: 'title', type: 'string', required: true, minLength: 3, maxLength: 200 },
        { name: 'slug', type: 'string', required: true, unique: true, pattern: '[a-z0-9-]+' },
        { name: 'body', type: 'text' },
        { name: 'views', type: 'integer', required: true, default: 0, min: 0 },
        { name: 'rating', type: 'number', min: 0, max: 5 },
        { name: 'featured', type: 'boolean', required: true, default: false },
        { name: 'published_at', type: 'datetime' },
        { name: 'issue_date', type: 'date' },
        { name: 'metadata', type: 'json', default: { tags: ['news'] } },
        { name: 'status', type: 'enum', required: true, values: ['draft', 'published', 'archived'], default: 'draft' },
        { name: 'category', type: 'enum', values: ['tech', 'life'] },
        { name: 'contact', type: 'email' },
        { name: 'source', type: 'url', maxLength: 2000 },
        { name: 'external_ref', type: 'uuid' },
        { name: 'author', type: 'relation', target: 'authors', required: true, onDelete: 'restrict' },
      ],
      true,
    ),
    collection('authors', [
      { name: 'name', type: 'string', required: true },
      { name: 'email', type: 'email', required: true, unique: true },
    ]),
  ];
}

/** A minimal host document, as Nest's DocumentBuilder + addBearerAuth() would produce, with the section merged in. */
function mergeIntoDocument(section: CollectionsOpenApi): OpenAPIObject {
  return {
    openapi: '3.0.3',
    info: { title: 'Basalt', version: '1' },
    paths: { ...section.paths },
    tags: [...section.tags],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
        },
        ...section.schemas,
      },
    },
  };
}

const METHODS = ['get', 'post', 'patch', 'delete'] as const;

function operations(section: CollectionsOpenApi): { path: string; item: PathItemObject; op: OperationObject }[] {
  return Object.entries(section.paths).flatMap(([path, item]) => METHODS.flatMap((method) => (item[method] ? [{ path, item, op: item[method] }] : [])));
}

function operation(section: CollectionsOpenApi, path: string, method: (typeof METHODS)[number]): OperationObject {
  const op = section.paths[path]?.[method];
  assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
  return op;
}

function parameter(op: OperationObject, name: string): ParameterObject {
  const found = (op.parameters as ParameterObject[]).find((p) => p.name === name);
  assert.ok(found, `parameter ${name} of ${op.operationId}`);
  return found;
}

function response(op: OperationObject, status: number): ResponseObject {
  const found = op.responses[status] as ResponseObject | undefined;
  assert.ok(found, `${status} of ${op.operationId}`);
  return found;
}

function property(schema: SchemaObject, name: string): SchemaObject {
  return schema.properties![name] as SchemaObject;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const BASE = '/api/v1/collections';

test('the merged document is valid OpenAPI 3.0.3, with unique operationIds, declared path parameters and resolvable references', async () => {
  const section = buildCollectionsOpenApi([...realisticSchemas(), collection('empty_one', [])]);
  // validate() dereferences in place, so it gets a copy.
  await SwaggerParser.validate(structuredClone(mergeIntoDocument(section)) as never);

  const ids = operations(section).map(({ op }) => op.operationId);
  assert.equal(new Set(ids).size, ids.length);
  for (const { path, item, op } of operations(section)) {
    const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])] as ParameterObject[];
    for (const [, name] of path.matchAll(/\{(\w+)\}/g)) assert.ok(declared.some((p) => p.in === 'path' && p.name === name && p.required), `${path} declares {${name}}`);
    assert.deepEqual(op.security, [{ bearer: [] }], `${op.operationId} needs a bearer token`);
    assert.deepEqual(op.tags, [path.split('/')[4]]);
    for (const [status, res] of Object.entries(op.responses)) {
      if (Number(status) >= 400) assert.deepEqual((res as ResponseObject).content, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
    }
  }
});

test('each collection gets its tag, paths and four schemas, sorted by name; trash paths only with softDelete', () => {
  const section = buildCollectionsOpenApi(realisticSchemas());
  assert.deepEqual(
    section.tags.map((tag) => tag.name),
    ['articles', 'authors', 'comments'],
  );
  assert.ok(section.tags.every((tag) => tag.description?.includes(`\`${tag.name}\``)));
  assert.deepEqual(Object.keys(section.paths), [
    `${BASE}/articles/records`,
    `${BASE}/articles/records/{id}`,
    `${BASE}/articles/trash`,
    `${BASE}/articles/trash/{id}/restore`,
    `${BASE}/articles/trash/{id}`,
    `${BASE}/authors/records`,
    `${BASE}/authors/records/{id}`,
    `${BASE}/comments/records`,
    `${BASE}/comments/records/{id}`,
  ]);
  assert.deepEqual(Object.keys(section.schemas), [
    'ArticlesRecord', 'ArticlesCreate', 'ArticlesUpdate', 'ArticlesList',
    'AuthorsRecord', 'AuthorsCreate', 'AuthorsUpdate', 'AuthorsList',
    'CommentsRecord', 'CommentsCreate', 'CommentsUpdate', 'CommentsList',
  ]);
  assert.deepEqual(
    operations(section).filter(({ path }) => path.startsWith(`${BASE}/articles/`)).map(({ op }) => op.operationId),
    ['list_articles', 'create_articles', 'get_articles', 'update_articles', 'delete_articles', 'list_articles_trash', 'restore_articles', 'purge_articles'],
  );
  assert.match(operation(section, `${BASE}/articles/records/{id}`, 'delete').description!, /trash/);
  assert.doesNotMatch(operation(section, `${BASE}/authors/records/{id}`, 'delete').description!, /trash/);
});

test('record schemas carry the system fields and every field with its JSON type and constraints', () => {
  const record = buildCollectionsOpenApi(realisticSchemas()).schemas.ArticlesRecord;
  assert.deepEqual(record.required, [
    'id', 'created_at', 'updated_at',
    'title', 'slug', 'body', 'views', 'rating', 'featured', 'published_at', 'issue_date', 'metadata', 'status', 'category', 'contact', 'source', 'external_ref', 'author',
  ]);
  assert.deepEqual(property(record, 'id'), { type: 'string', format: 'uuid', description: 'Assigned by Basalt on create.' });
  assert.equal(property(record, 'created_at').format, 'date-time');
  assert.equal(property(record, 'updated_at').format, 'date-time');
  assert.deepEqual(property(record, 'deleted_at'), { type: 'string', format: 'date-time', nullable: true, description: 'When the record went to the trash.' });

  assert.deepEqual(property(record, 'title'), { type: 'string', minLength: 3, maxLength: 200 });
  // Default column size, and a pattern anchored because the field's must match the whole value.
  assert.deepEqual(property(record, 'slug'), { type: 'string', maxLength: 255, pattern: '^(?:[a-z0-9-]+)$', description: 'Unique: no two `articles` records share a value.' });
  assert.deepEqual(property(record, 'body'), { type: 'string', nullable: true });
  assert.deepEqual(property(record, 'views'), { type: 'integer', format: 'int64', minimum: 0 });
  assert.deepEqual(property(record, 'rating'), { type: 'number', minimum: 0, maximum: 5, nullable: true });
  assert.deepEqual(property(record, 'featured'), { type: 'boolean' });
  assert.deepEqual(property(record, 'published_at'), { type: 'string', format: 'date-time', nullable: true });
  assert.deepEqual(property(record, 'issue_date'), { type: 'string', format: 'date', nullable: true });
  assert.deepEqual(property(record, 'metadata'), { nullable: true, description: 'Any JSON value.' });
  assert.deepEqual(property(record, 'status'), { type: 'string', enum: ['draft', 'published', 'archived'] });
  // OpenAPI 3.0.3: nullable does not widen an enum, so null must be listed.
  assert.deepEqual(property(record, 'category'), { type: 'string', enum: ['tech', 'life', null], nullable: true });
  assert.deepEqual(property(record, 'contact'), { type: 'string', format: 'email', nullable: true });
  assert.deepEqual(property(record, 'source'), { type: 'string', format: 'uri', maxLength: 2000, nullable: true });
  assert.deepEqual(property(record, 'external_ref'), { type: 'string', format: 'uuid', nullable: true });

  const author = property(record, 'author');
  assert.equal(author.type, 'string');
  assert.equal(author.format, 'uuid');
  assert.equal(author.nullable, undefined);
  assert.match(author.description!, /`authors` record/);
  assert.match(author.description!, /`expand=author` replaces it by the `AuthorsRecord`/);
  assert.match(author.description!, /cannot be deleted/);
});

test('create schemas require the required fields without a default and refuse unknown ones; update schemas require nothing but one field', () => {
  const { schemas } = buildCollectionsOpenApi(realisticSchemas());
  const create = schemas.ArticlesCreate;
  assert.deepEqual(create.required, ['title', 'slug', 'author']);
  assert.equal(create.additionalProperties, false);
  assert.equal(create.properties!.id, undefined);
  assert.equal(create.properties!.created_at, undefined);
  assert.equal(Object.keys(create.properties!).length, 15);
  assert.equal(property(create, 'views').default, 0);
  assert.equal(property(create, 'status').default, 'draft');
  assert.deepEqual(property(create, 'metadata').default, { tags: ['news'] });
  assert.doesNotMatch(property(create, 'author').description!, /expand/);
  assert.deepEqual(schemas.CommentsCreate.required, ['article', 'body']);
  assert.deepEqual(schemas.AuthorsCreate.required, ['name', 'email']);

  const update = schemas.ArticlesUpdate;
  assert.equal(update.required, undefined);
  assert.equal(update.additionalProperties, false);
  assert.equal(update.minProperties, 1);
  assert.deepEqual(Object.keys(update.properties!), Object.keys(create.properties!));
  assert.equal(property(update, 'views').default, undefined, 'an omitted field keeps its value on update');
  assert.deepEqual(property(update, 'title'), { type: 'string', minLength: 3, maxLength: 200 });

  // No required field at all: `required` is left out (OpenAPI 3.0 refuses an empty one).
  const { schemas: bare } = buildCollectionsOpenApi([collection('notes', [{ name: 'text', type: 'text' }])]);
  assert.equal('required' in bare.NotesCreate, false);
});

test('list, create and item operations have their bodies, responses and headers', () => {
  const section = buildCollectionsOpenApi(realisticSchemas());
  const list = operation(section, `${BASE}/articles/records`, 'get');
  const ok = response(list, 200);
  assert.deepEqual(ok.content, { 'application/json': { schema: { $ref: '#/components/schemas/ArticlesList' } } });
  assert.ok(ok.headers?.ETag);
  assert.deepEqual(Object.keys(list.responses), ['200', '304', '400', '401', '403']);
  assert.deepEqual(parameter(list, 'limit').schema, { type: 'integer', minimum: 1, maximum: 500, default: 20 });
  assert.equal((parameter(list, 'count').schema as SchemaObject).type, 'boolean');
  for (const name of ['offset', 'cursor', 'aggregate', 'group_by', 'fields', 'If-None-Match']) parameter(list, name);

  const listSchema = section.schemas.ArticlesList;
  assert.deepEqual(listSchema.required, ['data', 'meta']);
  assert.deepEqual(property(listSchema, 'data').items, { $ref: '#/components/schemas/ArticlesRecord' });
  assert.deepEqual(property(listSchema, 'meta').required, ['limit']);
  assert.deepEqual(Object.keys(property(listSchema, 'meta').properties!), ['limit', 'offset', 'nextCursor', 'total']);

  const create = operation(section, `${BASE}/articles/records`, 'post');
  assert.equal(create.operationId, 'create_articles');
  assert.deepEqual((create.requestBody as { content: Record<string, { schema: SchemaObject }> }).content['application/json'].schema.oneOf, [
    { $ref: '#/components/schemas/ArticlesCreate' },
    { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/ArticlesCreate' } },
  ]);
  assert.deepEqual(Object.keys(create.responses), ['201', '400', '401', '403', '409']);

  const item = section.paths[`${BASE}/articles/records/{id}`];
  assert.deepEqual(item.parameters, [{ name: 'id', in: 'path', required: true, description: 'The record id.', schema: { type: 'string', format: 'uuid' } }]);
  const get = operation(section, `${BASE}/articles/records/{id}`, 'get');
  assert.deepEqual((get.parameters as ParameterObject[]).map((p) => p.name), ['If-None-Match', 'expand', 'fields']);
  assert.ok(response(get, 200).headers?.ETag);
  assert.ok(response(get, 304));
  assert.ok(response(get, 404));
  const patch = operation(section, `${BASE}/articles/records/{id}`, 'patch');
  assert.equal(parameter(patch, 'If-Match').in, 'header');
  assert.deepEqual(Object.keys(patch.responses), ['200', '400', '401', '403', '404', '409', '412']);
  const del = operation(section, `${BASE}/articles/records/{id}`, 'delete');
  assert.equal(parameter(del, 'If-Match').in, 'header');
  assert.deepEqual(Object.keys(del.responses), ['204', '401', '403', '404', '409', '412']);

  const trash = operation(section, `${BASE}/articles/trash`, 'get');
  assert.deepEqual(trash.parameters, list.parameters);
  assert.deepEqual(response(operation(section, `${BASE}/articles/trash/{id}/restore`, 'post'), 200).content, {
    'application/json': { schema: { $ref: '#/components/schemas/ArticlesRecord' } },
  });
  assert.ok(response(operation(section, `${BASE}/articles/trash/{id}`, 'delete'), 204));
});

test('list parameters are built from the collection: filter and sort examples, expand with reverse relations, search only over text', () => {
  const section = buildCollectionsOpenApi(realisticSchemas());
  const articles = operation(section, `${BASE}/articles/records`, 'get');

  const filter = parameter(articles, 'filter');
  for (const operator of ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$like', '$ilike', '$null', '$and', '$or', '$not']) assert.ok(filter.description!.includes(`\`${operator}\``), operator);
  assert.equal(filter.example, '{"status":{"$eq":"draft"},"views":{"$gt":0}}');
  const articleFields = new Set(realisticSchemas().find((s) => s.name === 'articles')!.fields.map((f) => f.name));
  assert.ok(Object.keys(JSON.parse(filter.example)).every((key) => articleFields.has(key)));
  // The dotted-path example goes through a real relation to a real field of its target.
  assert.ok(filter.description!.includes('`{"author.name":{"$ilike":"%basalt%"}}`'));

  assert.equal(parameter(articles, 'sort').example, '-created_at,title');
  assert.equal(parameter(articles, 'fields').example, 'id,title,slug');
  assert.match(parameter(articles, 'fields').description!, /`created_at`.*`external_ref`/);

  const expand = parameter(articles, 'expand').description!;
  assert.match(expand, /`author` \(replaces the id by the `authors` record\)/);
  assert.match(expand, /`comments_via_article`/);
  assert.match(parameter(operation(section, `${BASE}/authors/records`, 'get'), 'expand').description!, /`articles_via_author`/);
  // A relation to its own collection is both a forward and a reverse relation.
  const commentsExpand = parameter(operation(section, `${BASE}/comments/records`, 'get'), 'expand').description!;
  assert.match(commentsExpand, /`article`.*`parent`.*`comments_via_parent`/);

  assert.match(parameter(articles, 'search').description!, /`title`, `slug`, `body`/);
  assert.match(parameter(operation(section, `${BASE}/comments/records`, 'get'), 'search').description!, /`body`/);
  const numbers = buildCollectionsOpenApi([collection('readings', [{ name: 'value', type: 'number', required: true }])]);
  const readings = operation(numbers, `${BASE}/readings/records`, 'get');
  assert.equal((readings.parameters as ParameterObject[]).some((p) => p.name === 'search'), false);
  assert.equal(parameter(readings, 'filter').example, '{"value":{"$gt":10}}');
  assert.match(parameter(readings, 'expand').description!, /`readings` has none/);

  // Nothing to filter on but the system fields.
  const empty = buildCollectionsOpenApi([collection('blobs', [{ name: 'data', type: 'json' }])]);
  assert.equal(parameter(operation(empty, `${BASE}/blobs/records`, 'get'), 'filter').example, '{"created_at":{"$gte":"2024-01-01T00:00:00Z"}}');
  assert.equal(parameter(operation(empty, `${BASE}/blobs/records`, 'get'), 'sort').example, '-created_at');
});

test('schema names are PascalCase and can never collide', () => {
  assert.equal(pascalCase('blog_posts'), 'BlogPosts');
  assert.equal(pascalCase('a'), 'A');
  assert.notEqual(pascalCase('post_2x'), pascalCase('post2x'));
  assert.notEqual(pascalCase('a__b'), pascalCase('a_b'));
  assert.notEqual(pascalCase('posts_'), pascalCase('posts'));
  const { schemas } = buildCollectionsOpenApi([collection('blog_posts', [{ name: 'title', type: 'string' }])]);
  assert.deepEqual(Object.keys(schemas), ['BlogPostsRecord', 'BlogPostsCreate', 'BlogPostsUpdate', 'BlogPostsList']);
});

test('a collection named <name>_trash does not steal the trash listing operationId', async () => {
  const section = buildCollectionsOpenApi([collection('notes', [], true), collection('notes_trash', [])]);
  assert.equal(operation(section, `${BASE}/notes_trash/records`, 'get').operationId, 'list_notes_trash');
  assert.equal(operation(section, `${BASE}/notes/trash`, 'get').operationId, 'list_notes_trash_2');
  await SwaggerParser.validate(mergeIntoDocument(section) as never);
});

test('the input is not mutated, and the output is deterministic whatever the input order', () => {
  const frozen = deepFreeze(realisticSchemas());
  const section = buildCollectionsOpenApi(frozen);
  assert.deepEqual(frozen, realisticSchemas());

  // Editing the output (as a caller merging documents might) must not reach the registry's objects either.
  (property(section.schemas.ArticlesCreate, 'metadata').default as { tags: string[] }).tags.push('x');
  (property(section.schemas.ArticlesRecord, 'status').enum as string[]).push('x');
  assert.deepEqual(frozen, realisticSchemas());

  const reversed = buildCollectionsOpenApi([...realisticSchemas()].reverse());
  assert.equal(JSON.stringify(reversed), JSON.stringify(buildCollectionsOpenApi(realisticSchemas())));
});

test('no collections, no section', () => {
  assert.deepEqual(buildCollectionsOpenApi([]), { paths: {}, schemas: {}, tags: [] });
});
