import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationFailedError, type FieldError } from 'src/common/errors/domain.error';
import type { CollectionSchema, FieldDefinition } from 'src/modules/collections/collection-schema';
import { DEFAULT_STRING_LENGTH } from 'src/modules/collections/definition-rules';

export type WriteMode = 'create' | 'update';

/**
 * Validates record payloads against a collection's fields with JSON Schema
 * validators compiled once per collection version (ajv), not per request.
 */
export class RecordValidator {
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false, useDefaults: false }), ['date', 'date-time', 'email', 'uri', 'uuid']);
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Throws a 400 naming every bad field; returns the payload typed as a record. */
  validate(schema: CollectionSchema, mode: WriteMode, payload: unknown, pathPrefix = ''): Record<string, unknown> {
    const errors = this.check(schema, mode, payload, pathPrefix);
    if (errors.length > 0) throw new ValidationFailedError(errors, 'The record has invalid fields.');
    return payload as Record<string, unknown>;
  }

  /** Every problem of every payload, so an array or a batch is refused with all of them named. */
  validateAll(schema: CollectionSchema, mode: WriteMode, payloads: { payload: unknown; path: string }[]): void {
    const errors = payloads.flatMap(({ payload, path }) => this.check(schema, mode, payload, path));
    if (errors.length > 0) throw new ValidationFailedError(errors, 'The records have invalid fields.');
  }

  check(schema: CollectionSchema, mode: WriteMode, payload: unknown, pathPrefix: string): FieldError[] {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return [{ field: pathPrefix || 'body', message: 'must be a JSON object' }];
    const validate = this.validatorFor(schema, mode);
    const errors = validate(payload) ? [] : toFieldErrors(validate.errors ?? [], pathPrefix);
    return [...errors, ...unstorableText(payload as Record<string, unknown>, pathPrefix)];
  }

  private validatorFor(schema: CollectionSchema, mode: WriteMode): ValidateFunction {
    const key = `${schema.name}@${schema.version}:${mode}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(jsonSchema(schema, mode));
      // Older versions of this collection are never asked for again.
      for (const old of this.compiled.keys()) if (old.startsWith(`${schema.name}@`) && old.endsWith(`:${mode}`)) this.compiled.delete(old);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

function jsonSchema(schema: CollectionSchema, mode: WriteMode): object {
  const properties = Object.fromEntries(schema.fields.map((field) => [field.name, fieldSchema(field)]));
  const required = mode === 'create' ? schema.fields.filter((f) => f.required && f.default === undefined).map((f) => f.name) : [];
  return { type: 'object', properties, required, additionalProperties: false, ...(mode === 'update' ? { minProperties: 1 } : {}) };
}

function fieldSchema(field: FieldDefinition): object {
  const nullable = (inner: object) => (field.required ? inner : { anyOf: [inner, { type: 'null' }] });
  switch (field.type) {
    case 'string':
    case 'text':
    case 'email':
    case 'url':
      return nullable({
        type: 'string',
        ...(field.type === 'email' ? { format: 'email' } : {}),
        ...(field.type === 'url' ? { format: 'uri', pattern: '^https?://' } : {}),
        ...(field.minLength !== undefined ? { minLength: field.minLength } : {}),
        maxLength: field.maxLength ?? (field.type === 'string' ? DEFAULT_STRING_LENGTH : field.type === 'email' ? 320 : field.type === 'url' ? 2048 : 1_000_000_000),
        ...(field.pattern ? { pattern: `^(?:${field.pattern})$` } : {}),
      });
    case 'integer':
      return nullable({ type: 'integer', minimum: field.min ?? Number.MIN_SAFE_INTEGER, maximum: field.max ?? Number.MAX_SAFE_INTEGER });
    case 'number':
      return nullable({ type: 'number', ...(field.min !== undefined ? { minimum: field.min } : {}), ...(field.max !== undefined ? { maximum: field.max } : {}) });
    case 'boolean':
      return nullable({ type: 'boolean' });
    case 'datetime':
      return nullable({ type: 'string', format: 'date-time' });
    case 'date':
      return nullable({ type: 'string', format: 'date' });
    case 'enum':
      return nullable({ type: 'string', enum: field.values });
    case 'uuid':
    case 'relation':
      return nullable({ type: 'string', format: 'uuid' });
    case 'json':
      return {};
  }
}

function toFieldErrors(errors: ErrorObject[], prefix: string): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    // anyOf [value, null] reports both branches; the value branch says what is wrong.
    if (error.keyword === 'anyOf' || (error.keyword === 'type' && error.params.type === 'null')) continue;
    const field = error.keyword === 'required' ? error.params.missingProperty : error.keyword === 'additionalProperties' ? error.params.additionalProperty : error.instancePath.split('/').filter(Boolean).join('.');
    const message =
      error.keyword === 'required' ? 'is required' : error.keyword === 'additionalProperties' ? 'is not a field of this collection' : error.keyword === 'minProperties' ? 'must change at least one field' : (error.message ?? 'is invalid');
    const path = prefix ? (field ? `${prefix}.${field}` : prefix) : field || 'body';
    if (seen.has(`${path}:${message}`)) continue;
    seen.add(`${path}:${message}`);
    result.push({ field: path, message });
  }
  return result;
}

// PostgreSQL cannot store NUL in text or jsonb, and a lone UTF-16 surrogate has no UTF-8 form: it would come back changed.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorableText(payload: Record<string, unknown>, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (value: unknown, path: string, depth: number) => {
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) errors.push({ field: path, message: 'must not contain NUL characters or unpaired surrogates' });
    } else if (value !== null && typeof value === 'object' && depth < 64) {
      for (const [key, inner] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) errors.push({ field: path, message: 'must not contain keys with NUL characters or unpaired surrogates' });
        visit(inner, `${path}.${key}`, depth + 1);
      }
    }
  };
  for (const [key, value] of Object.entries(payload)) visit(value, prefix ? `${prefix}.${key}` : key, 0);
  return errors;
}
