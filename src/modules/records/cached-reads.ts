import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import type { ReadConsistency } from 'src/infra/database/read-replicas';
import { AccessService } from 'src/modules/access/access.service';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { relatedCollections, requestKey, visibilityOf, type ReadRequest, type Visibility } from 'src/modules/read-cache/cache-key';
import { cacheRequests } from 'src/modules/read-cache/cache-metrics';
import { ReadCache, type CachedAnswer } from 'src/modules/read-cache/read-cache.service';
import { bodyEtag, recordEtag } from './etag';
import { RecordsReader, type RawQuery } from './records.reader';

/** A read as sent: the serialised body, its ETag, and what the cache did (undefined when it is off). */
export interface ReadAnswer extends CachedAnswer {
  readonly cache?: 'hit' | 'miss' | 'bypass';
}

/**
 * Lists and reader gets through the read cache (ReadCache). The key holds
 * the request, the caller's visibility (see cache-key.ts), the permission
 * rules' fingerprint and the schema version; the lookup adds the write
 * generations of every collection related to the one read. With the cache
 * off this is the reader and one JSON.stringify, as before.
 */
@Injectable()
export class CachedReads {
  private related = { version: -1, byCollection: new Map<string, string[]>() };

  constructor(
    private readonly reader: RecordsReader,
    private readonly cache: ReadCache,
    private readonly access: AccessService,
    private readonly registry: CollectionsRegistry,
  ) {}

  /** `trash`: the administrators' trash route (no permissions apply). */
  list(name: string, query: RawQuery, trash: boolean, user: AuthUser | undefined, consistency: ReadConsistency): Promise<ReadAnswer> {
    return this.read({ kind: trash ? 'trash' : 'list', collection: name, query }, user, consistency, async (from) => {
      const body = JSON.stringify(await this.reader.list(name, query, trash, trash ? undefined : { user }, from));
      return { body, etag: bodyEtag(body) };
    });
  }

  /** A get with `fields`/`expand` or under permissions; its ETag is the record's version when it shows one and expands nothing. */
  get(name: string, id: string, query: RawQuery, user: AuthUser | undefined, consistency: ReadConsistency): Promise<ReadAnswer> {
    return this.read({ kind: 'get', collection: name, id, query }, user, consistency, async (from) => {
      const record = await this.reader.get(name, id, query, { user }, from);
      const body = JSON.stringify(record);
      // A projection without updated_at has no version to show: its ETag is the body's digest, as an expanded read's is.
      const versioned = !query.expand && typeof record.updated_at === 'string';
      return { body, etag: versioned ? recordEtag(record.updated_at as string) : bodyEtag(body) };
    });
  }

  private async read(request: ReadRequest, user: AuthUser | undefined, consistency: ReadConsistency, compute: (from: ReadConsistency) => Promise<CachedAnswer>): Promise<ReadAnswer> {
    if (!this.cache.enabled) return compute(consistency);
    const collections = this.relatedTo(request.collection);
    const visibility = collections && this.visibility(user, collections);
    if (!collections || !visibility) {
      cacheRequests.inc({ collection: request.collection, result: 'bypass' });
      return { ...(await compute(consistency)), cache: 'bypass' };
    }
    // The generations are read before the answer is computed: a write landing in between moves them on, so this answer is stored where no one looks any more.
    const key = requestKey(request, { visibility, rules: this.access.fingerprint, schemaVersion: this.registry.version });
    const found = await this.cache.lookup(collections, key);
    if (found?.entry) {
      cacheRequests.inc({ collection: request.collection, result: 'hit' });
      return { ...found.entry, cache: 'hit' };
    }
    // Filled from the primary: a lagging replica's answer stored under the current generations would be served to everyone, the writer included.
    const answer = await compute({ ...consistency, strong: true });
    cacheRequests.inc({ collection: request.collection, result: 'miss' });
    if (found) this.cache.store(key, found.stamp, answer);
    return { ...answer, cache: 'miss' };
  }

  /** Undefined when the answer must not be cached (a row filter names $now). */
  private visibility(user: AuthUser | undefined, collections: readonly string[]): Visibility | undefined {
    if (AccessService.unrestricted(user)) return { admin: true };
    const { roles, rules } = this.access.readRules(user, collections);
    return visibilityOf(roles, user?.id ?? null, rules);
  }

  /** Undefined for an unknown collection: the reader answers 404 and nothing is cached. */
  private relatedTo(collection: string): string[] | undefined {
    if (this.related.version !== this.registry.version) this.related = { version: this.registry.version, byCollection: new Map() };
    let related = this.related.byCollection.get(collection);
    if (!related) {
      if (!this.registry.get(collection)) return undefined;
      related = relatedCollections(collection, this.registry.all());
      this.related.byCollection.set(collection, related);
    }
    return related;
  }
}
