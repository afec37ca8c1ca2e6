import type { FieldError } from 'src/common/errors/domain.error';
import {
  FIELD_TYPES,
  IDENTIFIER_PATTERN,
  ON_DELETE,
  RESERVED_COLLECTION_NAMES,
  RESERVED_FIELD_NAMES,
  type CollectionDefinition,
  type FieldDefinition,
  type FieldType,
} from './collection-schema';

export const MAX_FIELDS = 200;
export const MAX_STRING_LENGTH = 10_000;
export const DEFAULT_STRING_LENGTH = 255;
const LENGTH_TYPES: FieldType[] = ['string', 'text', 'email', 'url'];
const RANGE_TYPES: FieldType[] = ['integer', 'number'];
const FIELD_KEYS = new Set(['name', 'type', 'required', 'unique', 'default', 'min', 'max', 'minLength', 'maxLength', 'pattern', 'values', 'target', 'onDelete', 'renamedFrom']);

/**
 * Checks a collection definition on its own and against the collections that
 * exist (relation targets). Returns every problem, each naming its path, so
 * one 400 answer lists them all.
 */
export function checkDefinition(definition: CollectionDefinition, exists: (collection: string) => boolean): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => errors.push({ field, message });
  if (typeof definition.name !== 'string' || !IDENTIFIER_PATTERN.test(definition.name)) {
    add('name', 'must start with a lowercase letter and hold only lowercase letters, digits and _ (at most 48)');
  } else if (RESERVED_COLLECTION_NAMES.has(definition.name)) {
    add('name', `"${definition.name}" is reserved`);
  }
  if (!Array.isArray(definition.fields)) {
    add('fields', 'must be an array');
    return errors;
  }
  if (definition.fields.length > MAX_FIELDS) add('fields', `at most ${MAX_FIELDS} fields`);
  const seen = new Set<string>();
  definition.fields.forEach((field, index) => {
    const path = `fields[${index}]`;
    if (typeof field !== 'object' || field === null) return add(path, 'must be an object');
    checkField(field, path, add, exists, definition.name);
    if (typeof field.name === 'string') {
      if (seen.has(field.name)) add(`${path}.name`, `"${field.name}" appears twice`);
      seen.add(field.name);
    }
  });
  (definition.indexes ?? []).forEach((index, i) => {
    const path = `indexes[${i}]`;
    if (typeof index.name !== 'string' || !IDENTIFIER_PATTERN.test(index.name)) add(`${path}.name`, 'must be an identifier like a field name');
    if (!Array.isArray(index.fields) || index.fields.length === 0 || index.fields.length > 16) {
      add(`${path}.fields`, 'must list 1 to 16 fields');
      return;
    }
    for (const name of index.fields) {
      const field = definition.fields.find((f) => f.name === name);
      if (!field && !['id', 'created_at', 'updated_at'].includes(name)) add(`${path}.fields`, `"${name}" is not a field of this collection`);
      else if (field && (field.type === 'json' || field.type === 'text')) add(`${path}.fields`, `"${name}" is ${field.type}: it cannot be indexed`);
    }
    if (index.unique !== undefined && typeof index.unique !== 'boolean') add(`${path}.unique`, 'must be true or false');
  });
  const indexNames = (definition.indexes ?? []).map((i) => i.name);
  if (new Set(indexNames).size !== indexNames.length) add('indexes', 'index names must be unique');
  if (definition.ownerField !== undefined) checkOwnerField(definition, add);
  return errors;
}

/** The owner field names a uuid field of this collection that may be null (anonymising erasure sets it to null). */
function checkOwnerField(definition: CollectionDefinition, add: (field: string, message: string) => void): void {
  const owner = typeof definition.ownerField === 'string' ? definition.fields.find((f) => f?.name === definition.ownerField) : undefined;
  if (!owner) add('ownerField', 'must name a uuid field of this collection');
  else if (owner.type !== 'uuid') add('ownerField', `"${owner.name}" is a ${owner.type} field; the owner field must be a uuid field`);
  else if (owner.required) add('ownerField', `"${owner.name}" is required, but erasing its owner in anonymise mode sets it to null: make it optional`);
}

function checkField(field: FieldDefinition & { renamedFrom?: string }, path: string, add: (field: string, message: string) => void, exists: (collection: string) => boolean, collection: string): void {
  for (const key of Object.keys(field)) if (!FIELD_KEYS.has(key)) add(`${path}.${key}`, 'is not a field property');
  if (typeof field.name !== 'string' || !IDENTIFIER_PATTERN.test(field.name)) add(`${path}.name`, 'must start with a lowercase letter and hold only lowercase letters, digits and _ (at most 48)');
  else if (RESERVED_FIELD_NAMES.has(field.name)) add(`${path}.name`, `"${field.name}" is reserved`);
  if (field.renamedFrom !== undefined && (typeof field.renamedFrom !== 'string' || !IDENTIFIER_PATTERN.test(field.renamedFrom))) add(`${path}.renamedFrom`, 'must be the name of an existing field');
  if (!FIELD_TYPES.includes(field.type)) {
    add(`${path}.type`, `must be one of ${FIELD_TYPES.join(', ')}`);
    return;
  }
  for (const flag of ['required', 'unique'] as const) {
    if (field[flag] !== undefined && typeof field[flag] !== 'boolean') add(`${path}.${flag}`, 'must be true or false');
  }
  const onlyFor = (key: keyof FieldDefinition, types: FieldType[]) => {
    if (field[key] !== undefined && !types.includes(field.type)) add(`${path}.${key}`, `only applies to ${types.join(', ')} fields`);
  };
  onlyFor('min', RANGE_TYPES);
  onlyFor('max', RANGE_TYPES);
  onlyFor('minLength', LENGTH_TYPES);
  onlyFor('maxLength', LENGTH_TYPES);
  onlyFor('pattern', ['string', 'text']);
  onlyFor('values', ['enum']);
  onlyFor('target', ['relation']);
  onlyFor('onDelete', ['relation']);
  for (const key of ['min', 'max'] as const) {
    if (field[key] !== undefined && (typeof field[key] !== 'number' || !Number.isFinite(field[key]))) add(`${path}.${key}`, 'must be a finite number');
  }
  for (const key of ['minLength', 'maxLength'] as const) {
    const value = field[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > MAX_STRING_LENGTH)) add(`${path}.${key}`, `must be an integer from 0 to ${MAX_STRING_LENGTH}`);
  }
  if (typeof field.min === 'number' && typeof field.max === 'number' && field.min > field.max) add(`${path}.min`, 'must not exceed max');
  if (typeof field.minLength === 'number' && typeof field.maxLength === 'number' && field.minLength > field.maxLength) add(`${path}.minLength`, 'must not exceed maxLength');
  if (field.pattern !== undefined) {
    if (typeof field.pattern !== 'string' || field.pattern.length > 500) add(`${path}.pattern`, 'must be a regular expression of at most 500 characters');
    else {
      try {
        new RegExp(field.pattern, 'u');
      } catch (error) {
        add(`${path}.pattern`, `is not a valid regular expression: ${(error as Error).message}`);
      }
    }
  }
  if (field.type === 'enum') {
    const values = field.values;
    if (!Array.isArray(values) || values.length === 0 || values.length > 500 || !values.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 64)) {
      add(`${path}.values`, 'must list 1 to 500 distinct strings of 1 to 64 characters');
    } else if (new Set(values).size !== values.length) add(`${path}.values`, 'must not repeat a value');
  }
  if (field.type === 'relation') {
    if (typeof field.target !== 'string' || !IDENTIFIER_PATTERN.test(field.target)) add(`${path}.target`, 'must name a collection');
    else if (field.target !== collection && !exists(field.target)) add(`${path}.target`, `no collection "${field.target}"`);
    if (field.onDelete !== undefined && !ON_DELETE.includes(field.onDelete)) add(`${path}.onDelete`, `must be one of ${ON_DELETE.join(', ')}`);
    if (field.onDelete === 'set-null' && field.required) add(`${path}.onDelete`, 'set-null needs a field that is not required');
    if (field.default !== undefined) add(`${path}.default`, 'relations take no default');
    if (field.unique) add(`${path}.unique`, 'a unique relation is a one-to-one; use a unique index instead');
  }
  if (field.type === 'json' && field.unique) add(`${path}.unique`, 'json fields cannot be unique');
  if (field.default !== undefined && field.default !== null) {
    const problem = checkValue(field, field.default);
    if (problem) add(`${path}.default`, problem);
  }
}

/** Whether a value fits a field (used for defaults here and mirrored by the record validator). */
export function checkValue(field: FieldDefinition, value: unknown): string | undefined {
  switch (field.type) {
    case 'string':
    case 'text':
    case 'email':
    case 'url': {
      if (typeof value !== 'string') return 'must be a string';
      const max = field.maxLength ?? (field.type === 'string' ? DEFAULT_STRING_LENGTH : undefined);
      if (max !== undefined && value.length > max) return `must be at most ${max} characters`;
      if (field.minLength !== undefined && value.length < field.minLength) return `must be at least ${field.minLength} characters`;
      if (field.pattern && !new RegExp(`^(?:${field.pattern})$`, 'u').test(value)) return `must match ${field.pattern}`;
      if (field.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return 'must be an email address';
      if (field.type === 'url' && !isHttpUrl(value)) return 'must be an http(s) URL';
      return undefined;
    }
    case 'integer':
      if (!Number.isSafeInteger(value)) return 'must be an integer';
      return range(field, value as number);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      return range(field, value);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'datetime':
      return typeof value === 'string' && ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be an ISO 8601 date-time with a time zone';
    case 'date':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be a date YYYY-MM-DD';
    case 'enum':
      return typeof value === 'string' && field.values?.includes(value) ? undefined : `must be one of ${field.values?.join(', ')}`;
    case 'uuid':
    case 'relation':
      return typeof value === 'string' && UUID.test(value) ? undefined : 'must be a UUID';
    case 'json':
      return undefined;
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function range(field: FieldDefinition, value: number): string | undefined {
  if (field.min !== undefined && value < field.min) return `must be at least ${field.min}`;
  if (field.max !== undefined && value > field.max) return `must be at most ${field.max}`;
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
