import type { CollectionSchema, FieldDefinition, IndexDefinition } from '../collection-schema';

export class CollectionResponse {
  name: string;
  fields: FieldDefinition[];
  indexes: IndexDefinition[];
  softDelete: boolean;
  /** The uuid field naming each record's owner (GDPR export and erasure), or null. */
  ownerField: string | null;
  /** Bumped on every change to this collection. */
  version: number;
  createdAt: string;
  updatedAt: string;

  static from(schema: CollectionSchema): CollectionResponse {
    const { name, fields, indexes, softDelete, version, createdAt, updatedAt } = schema;
    return { name, fields, indexes, softDelete, ownerField: schema.ownerField ?? null, version, createdAt, updatedAt };
  }
}

export class CollectionListResponse {
  data: CollectionResponse[];
}

export class SchemaEventResponse {
  /** The schema's version after this change. */
  version: number;
  collection: string;
  action: string;
  changes: unknown;
  actorId: string | null;
  createdAt: string;
}

export class SchemaEventListResponse {
  data: SchemaEventResponse[];
}
