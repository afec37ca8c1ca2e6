import { isSearchable, type CollectionSchema } from './collection-schema';

/**
 * The PostgreSQL full-text vector of a collection: its string and text fields,
 * 'simple' configuration (no language-specific stemming, so it suits any
 * language). Queries and the GIN index must use exactly this expression, or
 * the index is not used.
 */
export function searchVectorSql(schema: CollectionSchema): string {
  return `to_tsvector('simple', ${schema.fields.filter(isSearchable).map((f) => `coalesce("${f.name}", '')`).join(` || ' ' || `)})`;
}
