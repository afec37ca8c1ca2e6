import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { modelOf } from './collection-model';

/**
 * The PostgreSQL full-text vector of a collection's string and text fields
 * (`to_tsvector('simple', coalesce("a", '') || ' ' || coalesce("b", ''))`).
 * List queries search with exactly this text, so the DDL must build the GIN
 * index on it. Only defined for collections with something to search.
 */
export function searchVectorSql(collection: CollectionSchema): string {
  const target = modelOf(collection).sql('postgres').searchTarget;
  if (!target) throw new Error(`collection ${collection.name} has no string or text fields to search`);
  return target;
}
