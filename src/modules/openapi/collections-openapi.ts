/**
 * The per-collection section of the live OpenAPI document: for every run-time
 * collection its record paths, typed schemas and tag, computed from the same
 * metadata the records API serves. Pure and deterministic (collections sorted
 * by name, nothing read but the argument) so the caller can rebuild it on
 * every schema change and merge it into Nest's document, which already holds
 * `components.schemas.Problem` and the `bearer` security scheme.
 */
import type {
  ContentObject,
  HeadersObject,
  OperationObject,
  ParameterObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  TagObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { isSearchable, SOFT_DELETE_COLUMN, SYSTEM_FIELDS, type CollectionSchema, type FieldDefinition, type OnDelete } from 'src/modules/collections/collection-schema';

export interface CollectionsOpenApi {
  paths: Record<string, PathItemObject>;
  schemas: Record<string, SchemaObject>;
  tags: TagObject[];
}

const COLLECTIONS_PATH = '/api/v1/collections';
const PROBLEM_REF = '#/components/schemas/Problem';
const FILTER_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$like', '$ilike', '$null', '$and', '$or', '$not'];
/** The column size a `string` field gets when it names none (see FieldDefinition.maxLength). */
const DEFAULT_STRING_MAX_LENGTH = 255;
const LIST_LIMIT = { minimum: 1, maximum: 500, default: 20 };

/** Typed by SYSTEM_FIELDS so that a new system column fails to compile until it is documented here. */
const SYSTEM_PROPERTIES: Record<(typeof SYSTEM_FIELDS)[number], () => SchemaObject> = {
  id: () => ({ type: 'string', format: 'uuid', description: 'Assigned by Basalt on create.' }),
  created_at: () => ({ type: 'string', format: 'date-time' }),
  updated_at: () => ({ type: 'string', format: 'date-time', description: 'Changes on every write.' }),
};

const ON_DELETE_EFFECT: Record<OnDelete, string> = {
  restrict: 'that record cannot be deleted while this one points to it',
  cascade: 'deleting that record deletes this one too',
  'set-null': 'deleting that record sets this field to null',
};

/** Sort keys of the filter example: the kinds of condition that show the most operators first. */
const EXAMPLE_RANK: Partial<Record<FieldDefinition['type'], number>> = {
  enum: 0,
  integer: 1,
  number: 1,
  boolean: 2,
  datetime: 3,
  date: 3,
  string: 4,
  text: 4,
  email: 4,
  url: 4,
};

/** A relation of another collection (or of this one) that points at this collection, expandable as `<collection>_via_<field>`. */
interface ReverseRelation {
  collection: string;
  field: string;
}

interface CollectionContext {
  schema: CollectionSchema;
  names: SchemaNames;
  byName: ReadonlyMap<string, CollectionSchema>;
  reverse: ReverseRelation[];
}

interface SchemaNames {
  record: string;
  create: string;
  update: string;
  list: string;
}

export function buildCollectionsOpenApi(schemas: readonly CollectionSchema[]): CollectionsOpenApi {
  // Code-point order, not localeCompare: the document must not depend on the server's locale.
  const sorted = [...schemas].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byName = new Map(sorted.map((schema) => [schema.name, schema]));
  const result: CollectionsOpenApi = { paths: {}, schemas: {}, tags: [] };

  for (const schema of sorted) {
    const context: CollectionContext = { schema, names: schemaNames(schema.name), byName, reverse: reverseRelations(schema.name, sorted) };
    const { name } = schema;
    const base = `${COLLECTIONS_PATH}/${name}`;

    result.tags.push({ name, description: `Records of the \`${name}\` collection${schema.softDelete ? '; deleted records go to its trash' : ''}.` });

    result.paths[`${base}/records`] = { get: listOperation(context, `list_${name}`, false), post: createOperation(context) };
    result.paths[`${base}/records/{id}`] = {
      parameters: [idParameter()],
      get: getOperation(context),
      patch: updateOperation(context),
      delete: deleteOperation(context),
    };
    if (schema.softDelete) {
      // The trash is for administrators (@Roles('admin') on the records controller), marked as @Roles marks static routes.
      result.paths[`${base}/trash`] = { get: adminOnly(listOperation(context, trashListOperationId(name, byName), true)) };
      result.paths[`${base}/trash/{id}/restore`] = { parameters: [idParameter()], post: adminOnly(restoreOperation(context)) };
      result.paths[`${base}/trash/{id}`] = { parameters: [idParameter()], delete: adminOnly(purgeOperation(context)) };
    }

    result.schemas[context.names.record] = recordSchema(context);
    result.schemas[context.names.create] = createSchema(context);
    result.schemas[context.names.update] = updateSchema(context);
    result.schemas[context.names.list] = listSchema(context);
  }
  return result;
}

/**
 * `blog_posts` → `BlogPosts`. An underscore disappears only before a letter,
 * which is then upper-cased; since collection names hold no capitals this
 * keeps the mapping one-to-one (`post_2x` → `Post_2x`, not the `Post2x` of
 * `post2x`), so two collections can never share schema names.
 */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1).replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function schemaNames(collection: string): SchemaNames {
  const base = pascalCase(collection);
  return { record: `${base}Record`, create: `${base}Create`, update: `${base}Update`, list: `${base}List` };
}

/**
 * `list_<name>_trash` is also the list operation of a collection called
 * `<name>_trash`; operationIds must be unique, so in that case the trash
 * listing takes the first free numbered variant.
 */
function trashListOperationId(name: string, byName: ReadonlyMap<string, CollectionSchema>): string {
  let id = `${name}_trash`;
  for (let n = 2; byName.has(id); n++) id = `${name}_trash_${n}`;
  return `list_${id}`;
}

function reverseRelations(target: string, sorted: readonly CollectionSchema[]): ReverseRelation[] {
  return sorted.flatMap((other) => other.fields.filter((field) => field.type === 'relation' && field.target === target).map((field) => ({ collection: other.name, field: field.name })));
}

// ---------------------------------------------------------------- operations

function operation(context: CollectionContext, body: Omit<OperationObject, 'tags' | 'security'>): OperationObject {
  return { tags: [context.schema.name], security: [{ bearer: [] }], ...body };
}

function adminOnly(operation: OperationObject): OperationObject {
  return { ...operation, 'x-basalt-roles': ['admin'] } as OperationObject;
}

function listOperation(context: CollectionContext, operationId: string, trash: boolean): OperationObject {
  const { name } = context.schema;
  return operation(context, {
    summary: trash ? `List the ${name} records in the trash` : `List ${name} records`,
    operationId,
    description: 'Paginate with `limit` and either `offset` or `cursor` (`meta.nextCursor`); `count=true` adds `meta.total`.',
    parameters: [...listParameters(context), ifNoneMatchParameter()],
    responses: {
      200: { description: 'One page of records.', headers: etagHeader(), content: json(ref(context.names.list)) },
      304: notModified(),
      400: problem('Invalid query: an unknown field or relation, a malformed filter, or a value out of range.'),
      ...authProblems(name),
    },
  });
}

function createOperation(context: CollectionContext): OperationObject {
  const { name } = context.schema;
  const { create, record } = context.names;
  return operation(context, {
    summary: `Create ${name} records`,
    operationId: `create_${name}`,
    description: 'An object creates one record; an array creates several in one transaction: all of them or, on any error, none.',
    requestBody: { required: true, content: json({ oneOf: [ref(create), { type: 'array', minItems: 1, items: ref(create) }] }) },
    responses: {
      201: { description: 'The created record, or the created records in the order sent.', content: json({ oneOf: [ref(record), { type: 'array', items: ref(record) }] }) },
      400: problem('Invalid body: `errors` names every bad field (of every bad element, for an array).'),
      ...authProblems(name),
      409: problem('Conflicts with stored data, e.g. a unique value is already taken.'),
    },
  });
}

function getOperation(context: CollectionContext): OperationObject {
  const { name } = context.schema;
  return operation(context, {
    summary: `Get a ${name} record`,
    operationId: `get_${name}`,
    parameters: [ifNoneMatchParameter(), expandParameter(context), fieldsParameter(context)],
    responses: {
      200: { description: 'The record.', headers: etagHeader(), content: json(ref(context.names.record)) },
      304: notModified(),
      400: problem('Invalid `expand` or `fields`.'),
      ...authProblems(name),
      404: problem(`No such ${name} record.`),
    },
  });
}

function updateOperation(context: CollectionContext): OperationObject {
  const { name } = context.schema;
  return operation(context, {
    summary: `Update a ${name} record`,
    operationId: `update_${name}`,
    description: 'Changes only the fields sent.',
    parameters: [ifMatchParameter()],
    requestBody: { required: true, content: json(ref(context.names.update)) },
    responses: {
      200: { description: 'The record as updated.', content: json(ref(context.names.record)) },
      400: problem('Invalid body: `errors` names every bad field.'),
      ...authProblems(name),
      404: problem(`No such ${name} record.`),
      409: problem('Conflicts with stored data, e.g. a unique value is already taken.'),
      412: preconditionFailed(),
    },
  });
}

function deleteOperation(context: CollectionContext): OperationObject {
  const { name, softDelete } = context.schema;
  return operation(context, {
    summary: `Delete a ${name} record`,
    operationId: `delete_${name}`,
    description: softDelete ? 'Moves the record to the trash, from where it can be restored or purged.' : 'Deletes the record permanently.',
    parameters: [ifMatchParameter()],
    responses: {
      204: { description: softDelete ? 'Moved to the trash.' : 'Deleted.' },
      ...authProblems(name),
      404: problem(`No such ${name} record.`),
      409: problem('Other records still point to it through a relation with `onDelete: restrict`.'),
      412: preconditionFailed(),
    },
  });
}

function restoreOperation(context: CollectionContext): OperationObject {
  const { name } = context.schema;
  return operation(context, {
    summary: `Restore a ${name} record from the trash`,
    operationId: `restore_${name}`,
    responses: {
      200: { description: 'The restored record.', content: json(ref(context.names.record)) },
      ...authProblems(name),
      404: problem(`No such ${name} record in the trash.`),
      409: problem('Restoring it would conflict with stored data, e.g. a unique value taken since.'),
    },
  });
}

function purgeOperation(context: CollectionContext): OperationObject {
  const { name } = context.schema;
  return operation(context, {
    summary: `Purge a ${name} record from the trash`,
    operationId: `purge_${name}`,
    description: 'Deletes the trashed record permanently.',
    responses: {
      204: { description: 'Purged.' },
      ...authProblems(name),
      404: problem(`No such ${name} record in the trash.`),
      409: problem('Other records still point to it through a relation with `onDelete: restrict`.'),
    },
  });
}

// ---------------------------------------------------------------- parameters

function listParameters(context: CollectionContext): ParameterObject[] {
  const { schema } = context;
  const searchable = schema.fields.filter(isSearchable).map((field) => field.name);
  // The types a filter example can show are also the ones worth sorting by (not json, uuid or relation ids).
  const sortExtra = schema.fields.find((field) => EXAMPLE_RANK[field.type] !== undefined);
  return [
    {
      name: 'filter',
      in: 'query',
      description: filterDescription(context),
      schema: { type: 'string' },
      example: JSON.stringify(filterExample(schema)),
    },
    {
      name: 'sort',
      in: 'query',
      description: 'Comma-separated fields to order by; a leading `-` sorts that field descending.',
      schema: { type: 'string' },
      example: sortExtra ? `-created_at,${sortExtra.name}` : '-created_at',
    },
    fieldsParameter(context),
    expandParameter(context),
    { name: 'limit', in: 'query', description: 'Records per page.', schema: { type: 'integer', ...LIST_LIMIT } },
    { name: 'offset', in: 'query', description: 'Records to skip; for deep pages prefer `cursor`.', schema: { type: 'integer', minimum: 0, default: 0 } },
    { name: 'cursor', in: 'query', description: 'The `meta.nextCursor` of the previous page; not combined with `offset`.', schema: { type: 'string' } },
    { name: 'count', in: 'query', description: 'Also count every matching record into `meta.total`.', schema: { type: 'boolean', default: false } },
    ...(searchable.length
      ? [{ name: 'search', in: 'query' as const, description: `Text to look for in ${codeList(searchable)}.`, schema: { type: 'string' } }]
      : []),
    {
      name: 'aggregate',
      in: 'query',
      description: 'Comma-separated aggregates (count, sum, avg, min, max) to compute over the records matching `filter` instead of listing them.',
      schema: { type: 'string' },
    },
    { name: 'group_by', in: 'query', description: 'Comma-separated fields to group `aggregate` by.', schema: { type: 'string' } },
  ];
}

function filterDescription(context: CollectionContext): string {
  const path = relationPathExample(context);
  return [
    'JSON object of conditions, all of which must hold: `{"<field>": {"<operator>": <value>}}`.',
    `Operators: ${codeList(FILTER_OPERATORS, ' ')}; \`$in\` and \`$nin\` take arrays, \`$like\` and \`$ilike\` SQL patterns with \`%\`, \`$null\` true or false; \`$and\` and \`$or\` take arrays of conditions, \`$not\` one condition.`,
    path ? `Dotted paths filter through relations, e.g. \`${path}\`.` : 'Dotted paths (`<relation>.<field>`) filter through relation fields.',
  ].join(' ');
}

/** Conditions on the collection's own fields, so the example can be pasted and run as is. */
function filterExample(schema: CollectionSchema): Record<string, Record<string, unknown>> {
  const ranked = schema.fields
    .flatMap((field) => {
      const condition = exampleCondition(field);
      return condition ? [{ name: field.name, condition, rank: EXAMPLE_RANK[field.type] ?? Infinity }] : [];
    })
    .sort((a, b) => a.rank - b.rank)
    // One condition per kind, so the two shown use different operators.
    .filter((entry, index, all) => index === 0 || all[index - 1].rank !== entry.rank)
    .slice(0, 2);
  if (!ranked.length) return { created_at: { $gte: '2024-01-01T00:00:00Z' } };
  return Object.fromEntries(ranked.map(({ name, condition }) => [name, condition]));
}

function exampleCondition(field: FieldDefinition): Record<string, unknown> | undefined {
  switch (field.type) {
    case 'enum':
      return field.values?.length ? { $eq: field.values[0] } : undefined;
    case 'integer':
    case 'number':
      return { $gt: field.min ?? 10 };
    case 'boolean':
      return { $eq: true };
    case 'datetime':
      return { $gte: '2024-01-01T00:00:00Z' };
    case 'date':
      return { $gte: '2024-01-01' };
    case 'email':
      return { $ilike: '%@example.com' };
    case 'string':
    case 'text':
    case 'url':
      return { $ilike: '%basalt%' };
    default:
      // json, uuid and relation values mean nothing without real data.
      return undefined;
  }
}

/** `{"author.name":{"$ilike":"%basalt%"}}` from the first relation whose target has a field to show. */
function relationPathExample(context: CollectionContext): string | undefined {
  for (const relation of context.schema.fields) {
    if (relation.type !== 'relation' || relation.target === undefined) continue;
    for (const field of context.byName.get(relation.target)?.fields ?? []) {
      const condition = exampleCondition(field);
      if (condition) return JSON.stringify({ [`${relation.name}.${field.name}`]: condition });
    }
  }
  return undefined;
}

function fieldsParameter(context: CollectionContext): ParameterObject {
  const names = [...SYSTEM_FIELDS, ...context.schema.fields.map((field) => field.name)];
  return {
    name: 'fields',
    in: 'query',
    description: `Comma-separated fields to return instead of all of them: ${codeList(names)}.`,
    schema: { type: 'string' },
    example: ['id', ...context.schema.fields.slice(0, 2).map((field) => field.name)].join(','),
  };
}

function expandParameter(context: CollectionContext): ParameterObject {
  const expandable = [
    ...context.schema.fields.flatMap((field) =>
      field.type === 'relation' && field.target !== undefined ? [{ name: field.name, effect: `replaces the id by the \`${field.target}\` record` }] : [],
    ),
    ...context.reverse.map(({ collection, field }) => ({
      name: `${collection}_via_${field}`,
      effect: `adds the \`${collection}\` records whose \`${field}\` points to this one`,
    })),
  ];
  return {
    name: 'expand',
    in: 'query',
    description: expandable.length
      ? `Comma-separated relations to include: ${expandable.map(({ name, effect }) => `\`${name}\` (${effect})`).join(', ')}.`
      : `Comma-separated relations to include; \`${context.schema.name}\` has none.`,
    schema: { type: 'string' },
    ...(expandable.length ? { example: expandable[0].name } : {}),
  };
}

function idParameter(): ParameterObject {
  return { name: 'id', in: 'path', required: true, description: 'The record id.', schema: { type: 'string', format: 'uuid' } };
}

function ifNoneMatchParameter(): ParameterObject {
  return { name: 'If-None-Match', in: 'header', description: 'An `ETag` from an earlier answer: 304 while it still matches.', schema: { type: 'string' } };
}

function ifMatchParameter(): ParameterObject {
  return { name: 'If-Match', in: 'header', description: "The record's `ETag`: the write happens only if the record still has it, otherwise 412.", schema: { type: 'string' } };
}

// ---------------------------------------------------------------- responses

function json(schema: SchemaObject | ReferenceObject): ContentObject {
  return { 'application/json': { schema } };
}

function ref(schemaName: string): ReferenceObject {
  return { $ref: `#/components/schemas/${schemaName}` };
}

function problem(description: string): ResponseObject {
  return { description, content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } } };
}

function authProblems(collection: string): Record<'401' | '403', ResponseObject> {
  return {
    401: problem('Missing, invalid or expired bearer token.'),
    403: problem(`The caller may not do this on \`${collection}\`.`),
  };
}

function notModified(): ResponseObject {
  return { description: 'Not modified: `If-None-Match` still matches.' };
}

function preconditionFailed(): ResponseObject {
  return problem('`If-Match` no longer matches: the record changed since it was read.');
}

function etagHeader(): HeadersObject {
  return { ETag: { description: 'Send it back as `If-None-Match` to revalidate, or as `If-Match` to write only if nothing changed.', schema: { type: 'string' } } };
}

// ---------------------------------------------------------------- schemas

type SchemaKind = 'record' | 'create' | 'update';

function recordSchema(context: CollectionContext): SchemaObject {
  const { schema } = context;
  const properties: Record<string, SchemaObject> = {};
  for (const name of SYSTEM_FIELDS) properties[name] = SYSTEM_PROPERTIES[name]();
  if (schema.softDelete) {
    // Not required: only records read from the trash have it set.
    properties[SOFT_DELETE_COLUMN] = { type: 'string', format: 'date-time', nullable: true, description: 'When the record went to the trash.' };
  }
  for (const field of schema.fields) properties[field.name] = fieldSchema(field, 'record', context);
  return {
    type: 'object',
    description: `One record of \`${schema.name}\`. Every property listed in \`required\` is present (null when unset) unless \`fields\` narrows the selection.`,
    // A full record carries every column, nullable or not, so clients may rely on each key.
    required: [...SYSTEM_FIELDS, ...schema.fields.map((field) => field.name)],
    properties,
  };
}

function createSchema(context: CollectionContext): SchemaObject {
  const { fields } = context.schema;
  const required = fields.filter((field) => field.required && field.default === undefined).map((field) => field.name);
  return {
    type: 'object',
    description: `A new \`${context.schema.name}\` record. \`id\`, \`created_at\` and \`updated_at\` are assigned by Basalt.`,
    // The OpenAPI 3.0 meta-schema refuses an empty `required` array.
    ...(required.length ? { required } : {}),
    properties: Object.fromEntries(fields.map((field) => [field.name, fieldSchema(field, 'create', context)])),
    additionalProperties: false,
  };
}

function updateSchema(context: CollectionContext): SchemaObject {
  return {
    type: 'object',
    description: `Changes to a \`${context.schema.name}\` record: only the fields sent change.`,
    properties: Object.fromEntries(context.schema.fields.map((field) => [field.name, fieldSchema(field, 'update', context)])),
    additionalProperties: false,
    minProperties: 1,
  };
}

function listSchema(context: CollectionContext): SchemaObject {
  return {
    type: 'object',
    required: ['data', 'meta'],
    properties: {
      data: { type: 'array', items: ref(context.names.record) },
      meta: {
        type: 'object',
        required: ['limit'],
        properties: {
          limit: { type: 'integer', description: 'The page size applied.' },
          offset: { type: 'integer', description: 'Records skipped, with offset pagination.' },
          nextCursor: { type: 'string', nullable: true, description: 'Pass it as `cursor` for the next page; absent or null on the last one.' },
          total: { type: 'integer', description: 'Every record matching `filter`; only with `count=true`.' },
        },
      },
    },
  };
}

function fieldSchema(field: FieldDefinition, kind: SchemaKind, context: CollectionContext): SchemaObject {
  const schema = typeSchema(field);
  // A field that is not required may hold null, and writes may send null to clear it.
  if (!field.required) {
    schema.nullable = true;
    // OpenAPI 3.0.3: `nullable` does not widen an `enum`, so null has to be one of the values.
    if (schema.enum) schema.enum.push(null);
  }
  const description = fieldDescription(field, kind, context);
  if (description) schema.description = description;
  // Defaults only describe what an omitted field becomes on create; an update leaves omitted fields alone.
  // Cloned so that whoever edits the document cannot reach into the registry's definitions.
  if (kind === 'create' && field.default !== undefined) schema.default = structuredClone(field.default);
  return schema;
}

function typeSchema(field: FieldDefinition): SchemaObject {
  switch (field.type) {
    case 'string':
      return { type: 'string', ...lengthBounds(field), maxLength: field.maxLength ?? DEFAULT_STRING_MAX_LENGTH, ...patternOf(field) };
    case 'text':
      return { type: 'string', ...lengthBounds(field), ...patternOf(field) };
    case 'email':
      return { type: 'string', format: 'email', ...lengthBounds(field) };
    case 'url':
      return { type: 'string', format: 'uri', ...lengthBounds(field) };
    case 'integer':
      return { type: 'integer', format: 'int64', ...numberBounds(field) };
    case 'number':
      return { type: 'number', ...numberBounds(field) };
    case 'boolean':
      return { type: 'boolean' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'json':
      // Any JSON value, null included, whether or not the field is required.
      return { nullable: true };
    case 'enum':
      return { type: 'string', ...(field.values?.length ? { enum: [...field.values] } : {}) };
    case 'uuid':
    case 'relation':
      return { type: 'string', format: 'uuid' };
  }
}

function lengthBounds(field: FieldDefinition): SchemaObject {
  return { ...(field.minLength !== undefined ? { minLength: field.minLength } : {}), ...(field.maxLength !== undefined ? { maxLength: field.maxLength } : {}) };
}

function numberBounds(field: FieldDefinition): SchemaObject {
  return { ...(field.min !== undefined ? { minimum: field.min } : {}), ...(field.max !== undefined ? { maximum: field.max } : {}) };
}

/** The field's pattern must match the whole value, while an OpenAPI `pattern` matches anywhere: anchor it. */
function patternOf(field: FieldDefinition): SchemaObject {
  return field.pattern !== undefined ? { pattern: `^(?:${field.pattern})$` } : {};
}

function fieldDescription(field: FieldDefinition, kind: SchemaKind, context: CollectionContext): string | undefined {
  const parts: string[] = [];
  if (field.type === 'relation' && field.target !== undefined) {
    parts.push(`Id of the \`${field.target}\` record it points to.`);
    if (kind === 'record') parts.push(`\`expand=${field.name}\` replaces it by the \`${pascalCase(field.target)}Record\`.`);
    if (field.onDelete) parts.push(`On delete: ${ON_DELETE_EFFECT[field.onDelete]}.`);
  }
  if (field.type === 'json') parts.push('Any JSON value.');
  if (field.unique) parts.push(`Unique: no two \`${context.schema.name}\` records share a value.`);
  return parts.length ? parts.join(' ') : undefined;
}

function codeList(items: readonly string[], separator = ', '): string {
  return items.map((item) => `\`${item}\``).join(separator);
}
