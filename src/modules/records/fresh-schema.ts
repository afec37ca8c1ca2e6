import { ConflictError, NotFoundError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import type { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { isStaleSchemaError } from './record-errors';

const RETRY_DELAYS_MS = [0, 25, 100, 250];

/**
 * Runs `work` with the collection's current schema. A statement built for a
 * version another node has just changed fails (unknown column, stale plan):
 * reload the registry and run again. On MariaDB the DDL commits before the
 * registry row does, so the new version can take a moment to appear; after
 * a few short waits the caller is told to retry rather than given a 500.
 */
export async function withFreshSchema<T>(registry: CollectionsRegistry, name: string, work: (schema: CollectionSchema) => Promise<T>): Promise<T> {
  for (const delay of RETRY_DELAYS_MS) {
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      await registry.reload();
    }
    const schema = registry.get(name);
    if (!schema) throw new NotFoundError(`No collection "${name}".`);
    try {
      return await work(schema);
    } catch (error) {
      if (!isStaleSchemaError(error)) throw error;
    }
  }
  throw new ConflictError(ErrorCode.SchemaConflict, `The collection "${name}" changed while this request ran; retry it.`);
}
