import { hash } from 'node:crypto';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';

export interface CompiledQuery {
  readonly sql: string;
  /** In placeholder order. */
  readonly params: unknown[];
  /**
   * The same for every query whose SQL differs only in parameter values:
   * `v<version>_<collection>_<operation>_<hash of the SQL>`, fit to name a
   * PostgreSQL prepared statement (the version keeps plans from outliving a
   * schema change).
   */
  readonly shapeKey: string;
}

export function shapeKeyOf(operation: string, collection: CollectionSchema, sql: string): string {
  // One-shot hash(): half the cost of createHash() for statements this size, and it runs on every request.
  return `v${collection.version}_${collection.name}_${operation}_${hash('sha1', sql).slice(0, 16)}`;
}
