import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from 'src/config/app-config';
import type { Role } from 'src/common/decorators/roles.decorator';
import { RedisChannels } from 'src/infra/queue/redis-channels';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import { UsersService } from 'src/modules/users/users.service';
import { RevocationList, decodeMessage, decodeRevocation, encodeMessage, encodeRevocation, type Revocation } from './revocation-list';
import { SessionsRepository } from './sessions.repository';
import type { AccessTokenClaims } from './token.service';

/** Kept past the access-token lifetime, for clock differences between nodes and signing delays. */
const MARGIN_MS = 60_000;
const VERIFY_CHUNK = 500;

export type VerifiedClaims = AccessTokenClaims & { iat?: number; exp?: number };

// Published together with the sorted set in one MULTI, so the channel is named here and subscribed through RedisChannels.
const REVOCATIONS_CHANNEL = 'revocations';

/**
 * Which access tokens are dead before their expiry, in process memory.
 *
 * The JWT strategy asks on every request (`refusal`, `currentRole`): Map
 * lookups, never a network call (PERFORMANCE.md, recipe 8).
 *
 * How a revocation reaches every node — and the guarantee:
 *
 * 1. The database is the source of truth. Every revocation is written there
 *    first (`sessions.revoked_at`, `users.disabled`, `users.role`) and only
 *    then announced; the API answers after both.
 * 2. The revoking node adds it to its own memory before answering, so the
 *    node that answered refuses the token from its very next request.
 * 3. It is announced on Redis pub/sub (`<prefix>:revocations`) and added to
 *    a sorted set (`<prefix>:revocations:recent`, score = when every token it
 *    can refuse has expired: now + access-token TTL + 60 s). Every node
 *    subscribed to Redis applies the message as it arrives, which in practice
 *    is before the revoking node's answer reaches its client: the next request
 *    on any node is refused.
 * 4. A node that missed messages catches up without waiting for a request:
 *    at start (before it listens: subscribe first, then prime, so nothing
 *    falls in between), whenever its subscriber reconnects to Redis, and
 *    every BASALT_REVOCATION_RESYNC_SECONDS, it re-reads the sorted set AND
 *    the database: the sessions revoked within the last access-token
 *    lifetime (an indexed query), plus a check of every session it has
 *    accepted a token of that is still unexpired (revoked, deleted, user
 *    disabled or gone, role changed). Those are a few queries per interval
 *    per node, never one per request.
 * 5. Refresh always reads the database (the conditional UPDATE in
 *    SessionsService.rotate, then the user's disabled flag), so a revoked
 *    session never gets a new access token, whatever Redis knows.
 *
 * So: with Redis up, a revoked token is refused at once on every node. If the
 * announcement is lost (Redis down during the revocation, a node
 * partitioned from it, Redis restarted empty), every node still refuses it at
 * most BASALT_REVOCATION_RESYNC_SECONDS later, from the database, and a node
 * that starts later refuses it from its first request. Once a node refuses a
 * token it keeps refusing it until the token has expired: entries are only
 * forgotten after that, and nothing ever removes one early. The absolute
 * worst case (database unreachable for the resync too) is the access-token
 * lifetime, BASALT_ACCESS_TOKEN_TTL.
 *
 * Role changes are not refusals: the strategy applies the current role
 * (latest change wins), so a demotion takes effect at once and the user keeps
 * their sessions.
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionRevocations');
  private readonly list = new RevocationList();
  /** Sessions this node has accepted a token of: checked against the database at every resync. */
  private readonly accepted = new Map<string, { userId: string; role: Role; exp: number }>();
  private readonly windowMs: number;
  private readonly resyncMs: number;
  private publisher?: Redis;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private started = false;

  constructor(
    config: AppConfig,
    private readonly redis: RedisConnection,
    private readonly channels: RedisChannels,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersService,
  ) {
    this.windowMs = config.auth.accessTokenTtl * 1000 + MARGIN_MS;
    this.resyncMs = config.revocation.resyncSeconds * 1000;
  }

  async onModuleInit(): Promise<void> {
    this.publisher = createRedisClient(this.redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 3000 });
    this.publisher.on('error', (error) => this.logger.warn(`revocations (commands): ${error.message}`));
    await this.publisher.connect();
    await this.channels.subscribe(
      REVOCATIONS_CHANNEL,
      (message) => {
        for (const entry of decodeMessage(message)) this.list.add(entry);
      },
      // After a reconnect, messages sent meanwhile are lost: read what was missed.
      () => {
        if (this.started) void this.resync().catch((error: Error) => this.logger.warn(`revocation resync after reconnect failed: ${error.message}`));
      },
    );
    await this.resync();
    this.started = true;
    this.timer = setInterval(() => void this.resync().catch((error: Error) => this.logger.warn(`revocation resync failed: ${error.message}`)), this.resyncMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.publisher?.disconnect();
  }

  /**
   * Why a verified token must be refused, or undefined when it may pass.
   * Memory only. Remembers the session so the next resync checks it against
   * the database.
   */
  refusal(claims: VerifiedClaims): string | undefined {
    if (this.list.isSessionRevoked(claims.sid)) return 'the session has ended';
    if (this.list.isUserCutOff(claims.sub, claims.iat)) return 'the account is disabled or no longer exists';
    const seen = this.accepted.get(claims.sid);
    const exp = claims.exp ?? 0;
    if (!seen || seen.exp < exp || seen.role !== claims.role) this.accepted.set(claims.sid, { userId: claims.sub, role: claims.role, exp: Math.max(exp, seen?.exp ?? 0) });
    return undefined;
  }

  /** Whether the user was disabled or deleted after `sinceMs` (API-key lookups cached since then must be re-read). */
  isCutOffSince(userId: string, sinceMs: number): boolean {
    return this.list.isUserCutOff(userId, sinceMs / 1000);
  }

  /** The role to act on: the latest change when there was one since the token was issued. */
  currentRole(userId: string, claimed: Role): Role {
    return this.list.roleOf(userId) ?? claimed;
  }

  /** After these sessions were revoked in the database. */
  sessionsEnded(sessionIds: string[]): Promise<void> {
    const until = Date.now() + this.windowMs;
    return this.apply(sessionIds.map((sessionId) => ({ kind: 'session', sessionId, until })));
  }

  /**
   * After a user was disabled or deleted in the database: every token issued
   * until now is refused. (The account's sessions should be revoked too, as
   * the database's record.)
   */
  userCutOff(userId: string): Promise<void> {
    const now = Date.now();
    return this.apply([{ kind: 'user', userId, cutoff: now, until: now + this.windowMs }]);
  }

  /** After a user's role changed in the database. */
  roleChanged(userId: string, role: Role): Promise<void> {
    const now = Date.now();
    return this.apply([{ kind: 'role', userId, role, at: now, until: now + this.windowMs }]);
  }

  /**
   * Re-reads what this node may have missed: the Redis sorted set, the
   * sessions the database says were revoked recently, and the database's
   * view of every session this node has accepted. Runs one at a time.
   */
  resync(): Promise<void> {
    this.running ??= this.load().finally(() => (this.running = undefined));
    return this.running;
  }

  private async load(): Promise<void> {
    const now = Date.now();
    this.list.prune(now);
    for (const [sid, seen] of this.accepted) if (seen.exp * 1000 <= now) this.accepted.delete(sid);
    // Redis and the database are read independently: either alone restores the revocations it holds.
    const results = await Promise.allSettled([this.loadFromRedis(now), this.loadFromDatabase(now)]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw new Error(failed.map((r) => (r.reason as Error).message).join('; '));
  }

  private async loadFromRedis(now: number): Promise<void> {
    const raw = await this.publisher!.zrangebyscore(this.key, now, '+inf', 'WITHSCORES');
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const entry = decodeRevocation(raw[i], Number(raw[i + 1]));
      if (entry) this.list.add(entry);
    }
  }

  private async loadFromDatabase(now: number): Promise<void> {
    for (const { id, revokedAt } of await this.sessions.revokedSince(new Date(now - this.windowMs))) {
      this.list.add({ kind: 'session', sessionId: id, until: revokedAt.getTime() + this.windowMs });
    }
    const ids = [...this.accepted.keys()];
    for (let i = 0; i < ids.length; i += VERIFY_CHUNK) await this.verify(ids.slice(i, i + VERIFY_CHUNK), now);
  }

  /** Checks accepted sessions against the database: revoked or deleted sessions, disabled or deleted users, changed roles. */
  private async verify(ids: string[], asOf: number): Promise<void> {
    const live = await this.sessions.unrevokedAmong(ids);
    const statuses = await this.users.statuses([...new Set(ids.map((sid) => this.accepted.get(sid)?.userId).filter((id): id is string => !!id))]);
    const until = asOf + this.windowMs;
    for (const sid of ids) {
      const seen = this.accepted.get(sid);
      if (!seen) continue;
      const status = statuses.get(seen.userId);
      if (!status || status.disabled) {
        this.list.add({ kind: 'user', userId: seen.userId, cutoff: asOf, until });
        this.list.add({ kind: 'session', sessionId: sid, until });
        this.accepted.delete(sid);
      } else if (!live.has(sid)) {
        this.list.add({ kind: 'session', sessionId: sid, until });
        this.accepted.delete(sid);
      } else if (status.role !== (this.list.roleOf(seen.userId) ?? seen.role)) {
        // `at` is when the database was read: an announcement of a later change still wins.
        this.list.add({ kind: 'role', userId: seen.userId, role: status.role, at: asOf, until });
      }
    }
  }

  /** Local memory first (this node refuses at once), then Redis for every other node. */
  private async apply(entries: Revocation[]): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) this.list.add(entry);
    const now = Date.now();
    const scored = entries.flatMap((entry) => [entry.until, encodeRevocation(entry)]);
    try {
      const results = await this.publisher!.multi()
        .zadd(this.key, ...scored)
        .zremrangebyscore(this.key, '-inf', now)
        .pexpire(this.key, this.windowMs)
        .publish(this.channel, encodeMessage(entries))
        .exec();
      const error = results?.find(([err]) => err)?.[0];
      if (error) throw error;
    } catch (error) {
      // Recorded in the database already: the other nodes read it there at their next resync.
      this.logger.warn(
        `could not announce ${entries.length} revocation(s) on Redis (${(error as Error).message}); ` +
          `other nodes will pick them up from the database within ${this.resyncMs / 1000} s`,
      );
    }
  }

  private get channel(): string {
    return this.channels.channel(REVOCATIONS_CHANNEL);
  }

  private get key(): string {
    return `${this.redis.prefix}:revocations:recent`;
  }
}
