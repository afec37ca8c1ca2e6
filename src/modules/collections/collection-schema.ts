/**
 * The shape of a run-time collection: what administrators send, what the
 * registry keeps, and what the records compiler, validator and OpenAPI
 * builder read. Pure types and constants; no I/O.
 */
export const FIELD_TYPES = ['string', 'text', 'integer', 'number', 'boolean', 'datetime', 'date', 'json', 'enum', 'email', 'url', 'uuid', 'relation'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const ON_DELETE = ['restrict', 'cascade', 'set-null'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export interface FieldDefinition {
  name: string;
  type: FieldType;
  required?: boolean;
  unique?: boolean;
  /** A value of the field's type, used when a create omits the field. */
  default?: unknown;
  /** integer, number: inclusive bounds. */
  min?: number;
  max?: number;
  /** string, text, email, url: length bounds (string's maxLength is also its column size, default 255). */
  minLength?: number;
  maxLength?: number;
  /** string, text: an ECMAScript regular expression the whole value must match. */
  pattern?: string;
  /** enum: the allowed values. */
  values?: string[];
  /** relation: the collection it points to (many-to-one, stored as that record's id). */
  target?: string;
  /** relation: what happens to this record when the target is deleted. */
  onDelete?: OnDelete;
}

export interface IndexDefinition {
  name: string;
  fields: string[];
  unique?: boolean;
}

export interface CollectionDefinition {
  name: string;
  fields: FieldDefinition[];
  indexes?: IndexDefinition[];
  /** Deleted records go to a trash instead of disappearing. */
  softDelete?: boolean;
  /**
   * The `uuid` field holding the id of the user each record belongs to:
   * GDPR export and erasure cover the records whose owner field is the
   * user's id (docs/decisions/0007). Metadata only: no DDL.
   */
  ownerField?: string;
}

/** A collection as the registry holds it. */
export interface CollectionSchema extends Required<Pick<CollectionDefinition, 'name' | 'fields' | 'indexes' | 'softDelete'>>, Pick<CollectionDefinition, 'ownerField'> {
  /** The table that stores it. */
  table: string;
  /** Bumped on every change to this collection. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Columns every record has, whatever its collection. */
export const SYSTEM_FIELDS = ['id', 'created_at', 'updated_at'] as const;
export const SOFT_DELETE_COLUMN = 'deleted_at';

export const IDENTIFIER_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/** Names a collection may not take: Basalt's own routes and words that would confuse its API. */
export const RESERVED_COLLECTION_NAMES = new Set(['collections', 'records', 'users', 'sessions', 'auth', 'batch', 'trash', 'schema', 'system', 'basalt', 'migrations', 'health', 'metrics', 'docs']);

/** Names a field may not take: the system columns and the list query's own words. */
export const RESERVED_FIELD_NAMES = new Set([...SYSTEM_FIELDS, SOFT_DELETE_COLUMN, 'expand', 'filter', 'sort', 'fields', 'limit', 'offset', 'cursor', 'count', 'search', 'aggregate', 'group_by']);

export function tableName(collection: string): string {
  return `c_${collection}`;
}

/** The string-like types full-text search covers. */
export function isSearchable(field: FieldDefinition): boolean {
  return field.type === 'string' || field.type === 'text';
}

/** Fields compared as text in filters (`$like`, `$ilike`). */
export function isTextual(type: FieldType): boolean {
  return type === 'string' || type === 'text' || type === 'email' || type === 'url' || type === 'enum' || type === 'uuid' || type === 'relation';
}

/** A definition as the registry holds it, at a version. */
export function toSchema(definition: CollectionDefinition, version: number, createdAt: Date, updatedAt: Date): CollectionSchema {
  return {
    name: definition.name,
    table: tableName(definition.name),
    fields: definition.fields,
    indexes: definition.indexes ?? [],
    softDelete: Boolean(definition.softDelete),
    ...(definition.ownerField ? { ownerField: definition.ownerField } : {}),
    version,
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}
