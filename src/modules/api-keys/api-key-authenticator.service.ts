import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { ApiKeyAccessKind } from 'src/common/decorators/api-key-access.decorator';
import type { ApiKeyScope, AuthUser } from 'src/common/decorators/current-user.decorator';
import type { Role } from 'src/common/decorators/roles.decorator';
import { DomainError, UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { RedisChannels } from 'src/infra/queue/redis-channels';
import { UsersService } from 'src/modules/users/users.service';
import { actionOfMethod, parseApiKey, scopesAllow, secretMatches } from './api-key-format';
import { ApiKey } from './api-key.entity';

/** How long a key's lookup is trusted without the database: the bound when a revocation announcement is lost. */
export const API_KEY_CACHE_TTL_MS = 30_000;
/** lastUsedAt is written at most this often per key. */
const LAST_USED_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;

/**
 * What the caller's session layer knows about the owner that the database
 * row may not yet show here (SessionRevocations implements it): a disable or
 * erasure announced since the lookup, and the current role.
 */
export interface OwnerStatus {
  isCutOffSince(userId: string, sinceMs: number): boolean;
  currentRole(userId: string, claimed: Role): Role;
}

type Cached =
  | { found: false; loadedAt: number }
  | { found: true; loadedAt: number; secretHash: string; userId: string; scopes: ApiKeyScope[]; expiresAt: number | null; revoked: boolean; role: Role | null; disabled: boolean };

const REVOCATIONS_CHANNEL = 'api-keys:revoked';

/**
 * Authenticates `bsk_…` keys for the global guard and checks their scopes.
 *
 * A lookup (the key row and its owner's role and status) is cached in memory
 * for API_KEY_CACHE_TTL_MS, so a key costs no query per request. Revoking a
 * key (or erasing its owner) evicts it here at once and is announced on Redis
 * (`<prefix>:api-keys:revoked`); every node evicts it as the message arrives
 * and keeps a tombstone for a cache lifetime, so a lookup that was in flight
 * cannot bring it back. If the announcement is lost, the other nodes re-read
 * the database within API_KEY_CACHE_TTL_MS. Disabling the owner and role
 * changes come through SessionRevocations (`OwnerStatus`).
 */
@Injectable()
export class ApiKeyAuthenticator implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeyAuthenticator');
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<Cached>>();
  private readonly tombstones = new Map<string, number>();
  private readonly lastUsedWritten = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly users: UsersService,
    private readonly channels: RedisChannels,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.channels.subscribe(
      REVOCATIONS_CHANNEL,
      (message) => this.evict(message.split(',').filter((id) => /^[0-9a-f-]{36}$/.test(id))),
      // Messages sent while disconnected are lost: forget every lookup, the next request re-reads the database.
      () => this.cache.clear(),
    );
    this.timer = setInterval(() => this.prune(Date.now()), API_KEY_CACHE_TTL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The caller a key stands for, or 401 (malformed, unknown, wrong secret, expired, revoked, owner disabled or gone). */
  async authenticate(presented: string, owners: OwnerStatus): Promise<AuthUser> {
    const parsed = parseApiKey(presented);
    if (!parsed) throw refused('it is not a well-formed Basalt API key');
    const now = Date.now();
    let entry = await this.lookup(parsed.id, now);
    if (entry.found && owners.isCutOffSince(entry.userId, entry.loadedAt)) {
      // The owner was disabled or erased after this lookup: read again.
      this.cache.delete(parsed.id);
      entry = await this.lookup(parsed.id, Date.now());
    }
    if (!entry.found || !secretMatches(parsed.secret, entry.secretHash)) throw refused('unknown key');
    if (entry.revoked || this.tombstones.has(parsed.id)) throw refused('the key has been revoked');
    if (entry.expiresAt !== null && entry.expiresAt <= now) throw refused('the key has expired');
    if (entry.role === null || entry.disabled) throw refused('the key\'s owner is disabled or no longer exists');
    this.touch(parsed.id, now);
    return { id: entry.userId, role: owners.currentRole(entry.userId, entry.role), sessionId: '', apiKey: { id: parsed.id, scopes: entry.scopes } };
  }

  /**
   * 403 unless the route takes API keys (`@ApiKeyAccess`) and the key's
   * scopes allow what the request does.
   */
  authorize(caller: AuthUser, kind: ApiKeyAccessKind | undefined, request: { method: string; params?: unknown; body?: unknown }): void {
    const scopes = caller.apiKey?.scopes ?? [];
    if (kind === 'records') {
      const collection = String((request.params as Record<string, unknown> | undefined)?.name ?? '');
      const action = actionOfMethod(request.method);
      if (!scopesAllow(scopes, collection, action)) throw forbidden(`This API key may not ${action} records of "${collection}".`);
      return;
    }
    if (kind === 'batch') {
      const operations = (request.body as { operations?: unknown } | undefined)?.operations;
      if (!Array.isArray(operations)) return; // validation answers 400
      operations.forEach((operation: { action?: unknown; collection?: unknown }, index) => {
        const { action, collection } = operation ?? {};
        // Malformed operations fail validation (400) before anything runs.
        if (typeof collection !== 'string' || (action !== 'create' && action !== 'update' && action !== 'delete')) return;
        if (!scopesAllow(scopes, collection, action)) throw forbidden(`This API key may not ${action} records of "${collection}" (operations[${index}]).`);
      });
      return;
    }
    throw forbidden('API keys can only be used on the records routes (/collections/:name/records, trash, /batch); sign in as a user for this.');
  }

  /** After these keys were revoked or deleted in the database: refused here at once, and announced to every node. */
  async revoked(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    this.evict(ids);
    try {
      await this.channels.publish(REVOCATIONS_CHANNEL, ids.join(','));
    } catch (error) {
      this.logger.warn(`could not announce ${ids.length} API key revocation(s) on Redis (${(error as Error).message}); other nodes refuse them within ${API_KEY_CACHE_TTL_MS / 1000} s`);
    }
  }

  private evict(ids: string[]): void {
    const until = Date.now() + API_KEY_CACHE_TTL_MS;
    for (const id of ids) {
      this.cache.delete(id);
      this.tombstones.set(id, until);
    }
  }

  private async lookup(id: string, now: number): Promise<Cached> {
    const cached = this.cache.get(id);
    if (cached && now - cached.loadedAt < API_KEY_CACHE_TTL_MS) return cached;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async load(id: string): Promise<Cached> {
    const loadedAt = Date.now();
    const row = await this.keys.findOne({ where: { id }, select: { id: true, userId: true, secretHash: true, scopes: true, expiresAt: true, revokedAt: true } });
    let entry: Cached = { found: false, loadedAt };
    if (row) {
      const owner = (await this.users.statuses([row.userId])).get(row.userId);
      entry = {
        found: true,
        loadedAt,
        secretHash: row.secretHash,
        userId: row.userId,
        scopes: JSON.parse(row.scopes) as ApiKeyScope[],
        expiresAt: row.expiresAt ? new Date(row.expiresAt).getTime() : null,
        revoked: row.revokedAt !== null || this.tombstones.has(id),
        role: owner?.role ?? null,
        disabled: owner?.disabled ?? true,
      };
    }
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(id, entry);
    return entry;
  }

  /** At most one lastUsedAt write per key per minute from this node; the conditional UPDATE keeps it to one per minute across nodes. */
  private touch(id: string, now: number): void {
    const last = this.lastUsedWritten.get(id);
    if (last !== undefined && now - last < LAST_USED_EVERY_MS) return;
    this.lastUsedWritten.set(id, now);
    void this.keys
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: new Date(now) })
      .where('id = :id', { id })
      .andWhere('(last_used_at IS NULL OR last_used_at < :before)', { before: new Date(now - LAST_USED_EVERY_MS) })
      .execute()
      .catch((error: Error) => this.logger.warn(`could not record the use of API key ${id}: ${error.message}`));
  }

  private prune(now: number): void {
    for (const [id, until] of this.tombstones) if (until <= now) this.tombstones.delete(id);
    for (const [id, entry] of this.cache) if (now - entry.loadedAt >= API_KEY_CACHE_TTL_MS) this.cache.delete(id);
    for (const [id, at] of this.lastUsedWritten) if (now - at >= LAST_USED_EVERY_MS) this.lastUsedWritten.delete(id);
  }

}

function refused(reason: string): UnauthorizedError {
  return new UnauthorizedError(ErrorCode.Unauthorized, `The API key was refused: ${reason}.`);
}

function forbidden(detail: string): DomainError {
  return new DomainError(ErrorCode.ApiKeyForbidden, 403, 'Forbidden', detail);
}
