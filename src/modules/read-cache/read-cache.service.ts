import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from 'src/config/app-config';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import { cacheErrors, cacheInvalidations } from './cache-metrics';

/**
 * Reads the generations (KEYS, one per collection the answer depends on)
 * and the entry stored under them in one round trip. A generation that does
 * not exist (new, or evicted) starts at the server's clock in microseconds,
 * so it never repeats a value an old entry may still be stored under.
 */
const LOOKUP = `
local t = redis.call('TIME')
local now = t[1] .. string.format('%06d', tonumber(t[2]))
local gens = {}
for i, key in ipairs(KEYS) do
  local g = redis.call('GET', key)
  if not g then
    g = now
    redis.call('SET', key, g)
  end
  gens[i] = g
end
local stamp = table.concat(gens, '.')
return {stamp, redis.call('GET', ARGV[1] .. ':' .. stamp)}
`;

/** Moves each collection's generation on (see LOOKUP for a missing one). */
const BUMP = `
local t = redis.call('TIME')
local now = t[1] .. string.format('%06d', tonumber(t[2]))
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('INCR', key) else redis.call('SET', key, now) end
end
return #KEYS
`;

/** Slow Redis must not hold reads up for long: past this the read goes to the database. */
const COMMAND_TIMEOUT_MS = 250;
/** How long this node's own bump stands in for the relay's bump of the same write's event. */
const CREDIT_MS = 10_000;
const MAX_CREDITS = 10_000;
const WARN_EVERY_MS = 60_000;

export interface CachedAnswer {
  readonly etag: string;
  readonly body: string;
}

/** A lookup's result: the entry if there was one, and the stamp of generations to store a fresh answer under. */
export interface Lookup {
  readonly stamp: string;
  readonly entry?: CachedAnswer;
}

type CacheClient = Redis & {
  cacheLookup(...args: string[]): Promise<[string, string | null]>;
  cacheBump(...args: string[]): Promise<number>;
};

/**
 * The shared read cache in Redis. Entries live under
 * `<prefix>:cache:e:<request key>:<generations>`; each collection has a
 * generation counter `<prefix>:cache:g:<collection>` that every committed
 * write moves on. A reader reads the generations and the entry together, so
 * an entry written before a write is never found again after it, on any
 * node. Redis not answering is a miss (the database answers) and a warning
 * at most once a minute.
 */
@Injectable()
export class ReadCache implements OnApplicationShutdown {
  private readonly logger = new Logger('ReadCache');
  private readonly client?: CacheClient;
  private readonly prefix: string;
  /**
   * Per collection, when this node's writers bumped it (one entry per event
   * written), not yet matched by a relayed event: the relay skips what a
   * writer already did, so a write invalidates once, not twice.
   */
  private readonly credits = new Map<string, number[]>();
  private lastWarning = 0;

  constructor(
    private readonly config: AppConfig,
    connection: RedisConnection,
  ) {
    this.prefix = `${connection.prefix}:cache`;
    if (!config.cache.enabled) return;
    // Auto-pipelining batches concurrent lookups; no offline queue, so an outage costs no waiting.
    const client = createRedisClient(connection.url, { enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: COMMAND_TIMEOUT_MS });
    client.on('error', (error: Error) => this.warn(error.message));
    client.defineCommand('cacheLookup', { lua: LOOKUP });
    client.defineCommand('cacheBump', { lua: BUMP });
    this.client = client as CacheClient;
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  /** Undefined when Redis did not answer: compute the answer and do not store it. */
  async lookup(collections: readonly string[], key: string): Promise<Lookup | undefined> {
    if (!this.client) return undefined;
    try {
      const gens = collections.map((name) => this.generationKey(name));
      const [stamp, value] = await this.client.cacheLookup(String(gens.length), ...gens, this.entryKey(key));
      if (value === null) return { stamp };
      const newline = value.indexOf('\n');
      return { stamp, entry: { etag: value.slice(0, newline), body: value.slice(newline + 1) } };
    } catch (error) {
      this.failed('lookup', error as Error);
      return undefined;
    }
  }

  /** Stores an answer under the generations read before it was computed; too large a body is not kept. */
  store(key: string, stamp: string, answer: CachedAnswer): void {
    if (!this.client || Buffer.byteLength(answer.body) > this.config.cache.maxEntryBytes) return;
    this.client.set(`${this.entryKey(key)}:${stamp}`, `${answer.etag}\n${answer.body}`, 'PX', this.config.cache.ttlMs).catch((error: Error) => this.failed('store', error));
  }

  /**
   * After a write committed: entries that may hold the old data are not
   * found again. `collections`: the collection of each event the write
   * appended (repeats included). Rejects when Redis does not answer; the
   * writer logs it and the outbox relay bumps when it relays the events.
   */
  async bumpWritten(collections: readonly string[]): Promise<void> {
    if (!this.client || collections.length === 0) return;
    await this.bump(collections, 'write');
    const now = Date.now();
    for (const collection of collections) {
      const times = this.credits.get(collection) ?? [];
      while (times.length > 0 && (now - times[0] > CREDIT_MS || times.length >= MAX_CREDITS)) times.shift();
      times.push(now);
      this.credits.set(collection, times);
    }
  }

  /**
   * The relay's backstop, for the events of a batch about to be published:
   * bumps the collections whose events no writer of this node bumped for
   * (a writer that died between its commit and its bump, or whose bump
   * failed, or that ran on another node). Rejects when Redis does not answer.
   */
  async bumpRelayed(collections: readonly string[]): Promise<void> {
    if (!this.client) return;
    const now = Date.now();
    const missing: string[] = [];
    for (const collection of collections) {
      const times = this.credits.get(collection);
      while (times && times.length > 0 && now - times[0] > CREDIT_MS) times.shift();
      if (times && times.length > 0) times.shift();
      else missing.push(collection);
    }
    await this.bump(missing, 'relay');
  }

  private async bump(collections: readonly string[], source: 'write' | 'relay'): Promise<void> {
    if (!this.client || collections.length === 0) return;
    const keys = [...new Set(collections)].map((name) => this.generationKey(name));
    try {
      await this.client.cacheBump(String(keys.length), ...keys);
    } catch (error) {
      this.failed('bump', error as Error);
      throw error;
    }
    cacheInvalidations.inc({ source }, keys.length);
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }

  private generationKey(collection: string): string {
    return `${this.prefix}:g:${collection}`;
  }

  private entryKey(key: string): string {
    return `${this.prefix}:e:${key}`;
  }

  private failed(operation: 'lookup' | 'store' | 'bump', error: Error): void {
    cacheErrors.inc({ operation });
    this.warn(`${operation}: ${error.message}`);
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = Date.now();
    this.logger.warn(`read cache: Redis did not answer (${message}); reads go to the database meanwhile`);
  }
}
