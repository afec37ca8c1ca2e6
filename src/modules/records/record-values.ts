import type { CollectionSchema } from 'src/modules/collections/collection-schema';

/**
 * A validated payload as statement parameters, in the given field order:
 * datetimes as Dates (each driver writes them in UTC), JSON as text (node-postgres
 * would send a JS array as a PostgreSQL array), and on create the defaults
 * of fields left out.
 */
export function toParams(schema: CollectionSchema, payload: Record<string, unknown>, fields: readonly string[], applyDefaults: boolean): unknown[] {
  return fields.map((name) => {
    const field = schema.fields.find((f) => f.name === name)!;
    let value = payload[name];
    if (value === undefined) value = applyDefaults && field.default !== undefined ? field.default : null;
    if (value === null) return null;
    switch (field.type) {
      case 'datetime':
        return new Date(value as string);
      case 'json':
        return JSON.stringify(value);
      case 'uuid':
      case 'relation':
        return (value as string).toLowerCase();
      default:
        return value;
    }
  });
}
