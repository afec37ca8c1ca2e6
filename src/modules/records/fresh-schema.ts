import { ConflictError, DomainError, NotFoundError } from 'src/common/errors/domain.error';
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
 * A request refused (400, 404) while this node has not yet heard of a schema
 * change another node committed runs again on the new schema: a change is
 * in force on every node as soon as it is answered.
 */
export async function withFreshSchema<T>(registry: CollectionsRegistry, name: string, work: (schema: CollectionSchema) => Promise<T>, mayRefresh = true): Promise<T> {
  for (const delay of RETRY_DELAYS_MS) {
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      await registry.reload();
    }
    const seen = registry.version;
    try {
      const schema = registry.get(name);
      if (!schema) throw new NotFoundError(`No collection "${name}".`);
      return await work(schema);
    } catch (error) {
      if (isStaleSchemaError(error)) continue;
      if (mayRefresh && refusedBySchema(error)) {
        // A reload (ours, or one a Redis message started) may also have landed since this attempt read the schema.
        await registry.refreshIfBehind();
        if (registry.version !== seen) return withFreshSchema(registry, name, work, false);
      }
      throw error;
    }
  }
  throw new ConflictError(ErrorCode.SchemaConflict, `The collection "${name}" changed while this request ran; retry it.`);
}

/** A refusal that a newer schema might turn into an answer: unknown fields or parameters, no such collection. */
function refusedBySchema(error: unknown): boolean {
  return error instanceof DomainError && (error.status === 400 || error.status === 404);
}
