import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from 'src/config/app-config';

/** How often each replica's freshness is compared with the primary's WAL position. */
export const REPLICA_PROBE_MS = 500;
const PROBE_TIMEOUT_MS = 2000;

/**
 * Who reads, for read-your-writes (a user, an API key or a client address),
 * and whether the request asked for the primary.
 */
export interface ReadConsistency {
  readonly session: string;
  readonly strong: boolean;
}

export interface Replica {
  /** host:port/database, never credentials. */
  readonly name: string;
  readonly pool: pg.Pool;
}

export interface ReplicaStatus {
  name: string;
  /** Answered the last probe as a hot standby. */
  up: boolean;
  /** Upper bound of its staleness: time since it was last seen holding everything the primary had; null before that. */
  lagMs: number | null;
  /** Takes reads now: up and within BASALT_REPLICA_MAX_LAG_MS. */
  serving: boolean;
  error?: string;
}

interface ReplicaState extends Replica {
  up: boolean;
  /** performance.now() of a primary WAL position this replica had replayed: every commit acknowledged before then is on it. */
  caughtUpTo: number | undefined;
  error?: string;
}

/**
 * The PostgreSQL streaming replicas of DATABASE_REPLICA_URLS and which of
 * them a read may use. Every REPLICA_PROBE_MS the primary's WAL position is
 * read, then each replica is asked whether it has replayed that far; when it
 * has, everything committed before the primary was asked is visible on it.
 * A caller who wrote is served by a replica only once that moment is later
 * than their write (read-your-writes); everyone else by any replica caught up
 * within BASALT_REPLICA_MAX_LAG_MS. Otherwise, or when no replica qualifies,
 * the read goes to the primary.
 *
 * The pools are Basalt's own rather than TypeORM's replication: TypeORM
 * connects every replica before it starts (one down replica would keep
 * Basalt from starting) and would send its own entity reads to them.
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReadReplicas');
  private readonly replicas: ReplicaState[];
  private readonly maxLagMs: number;
  /** Session → performance.now() when its last write finished. Kept until no qualifying replica can be older. */
  private readonly writers = new Map<string, number>();
  private turn = 0;
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    const { urls, maxLagMs } = config.database.replicas;
    this.maxLagMs = maxLagMs;
    this.replicas = urls.map((url) => {
      const statementTimeout = config.protection.statementTimeoutMs;
      const pool = new pg.Pool({
        connectionString: url,
        max: config.database.poolSize,
        application_name: 'basalt-replica',
        connectionTimeoutMillis: PROBE_TIMEOUT_MS,
        ...(statementTimeout > 0 && { statement_timeout: statementTimeout }),
      });
      // A replica going away must not crash the process: the probe marks it down.
      pool.on('error', () => undefined);
      return { name: replicaName(url), pool, up: false, caughtUpTo: undefined };
    });
  }

  get configured(): boolean {
    return this.replicas.length > 0;
  }

  onModuleInit(): void {
    if (!this.configured) return;
    this.probing = this.probe();
    this.timer = setInterval(() => {
      this.probing ??= this.probe();
    }, REPLICA_PROBE_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.probing;
    await Promise.all(this.replicas.map((replica) => replica.pool.end()));
  }

  /** The replica this read may use, or undefined for the primary. Round-robin over those that qualify. */
  choose(consistency: ReadConsistency): Replica | undefined {
    if (!this.configured || consistency.strong) return undefined;
    const now = performance.now();
    const wroteAt = this.writers.get(consistency.session);
    const fresh = this.replicas.filter((replica) => replica.up && replica.caughtUpTo !== undefined && now - replica.caughtUpTo <= this.maxLagMs && (wroteAt === undefined || replica.caughtUpTo > wroteAt));
    if (fresh.length === 0) return undefined;
    this.turn = (this.turn + 1) % fresh.length;
    return fresh[this.turn];
  }

  /** `session` finished a write: its reads stay on the primary until a replica has replayed past it. */
  wrote(session: string): void {
    if (this.configured) this.writers.set(session, performance.now());
  }

  /**
   * A read on `replica` failed (the caller retries it on the primary). A
   * lost connection takes the replica out until the next probe answers.
   */
  failed(replica: Replica, error: unknown): void {
    const code = (error as { code?: unknown }).code;
    const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    if (sqlState === undefined || sqlState.startsWith('08') || sqlState.startsWith('57P')) {
      const state = this.replicas.find((r) => r === replica);
      if (state) this.markDown(state, error);
    }
  }

  status(): ReplicaStatus[] {
    const now = performance.now();
    return this.replicas.map((replica) => {
      const lagMs = replica.caughtUpTo === undefined ? null : Math.round(now - replica.caughtUpTo);
      return { name: replica.name, up: replica.up, lagMs, serving: replica.up && lagMs !== null && lagMs <= this.maxLagMs, ...(replica.error ? { error: replica.error } : {}) };
    });
  }

  pools(): readonly Replica[] {
    return this.replicas;
  }

  private async probe(): Promise<void> {
    try {
      const primary = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
      const askedAt = performance.now();
      const {
        rows: [{ lsn }],
      } = await withTimeout(primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'));
      await Promise.all(this.replicas.map((replica) => this.probeReplica(replica, lsn, askedAt)));
      for (const [session, wroteAt] of this.writers) if (askedAt - wroteAt > this.maxLagMs) this.writers.delete(session);
    } catch (error) {
      // The primary did not answer: nothing to compare with; readiness reports the primary.
      this.logger.debug(`replica probe skipped: ${(error as Error).message}`);
    } finally {
      this.probing = undefined;
    }
  }

  private async probeReplica(replica: ReplicaState, primaryLsn: string, askedAt: number): Promise<void> {
    try {
      const {
        rows: [row],
      } = await withTimeout(
        replica.pool.query<{ standby: boolean; replayed: boolean | null }>({
          text: 'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed',
          values: [primaryLsn],
        }),
      );
      // A promoted or mistaken server is not a copy of this primary: its data may differ.
      if (!row.standby) return this.markDown(replica, new Error('not a standby (pg_is_in_recovery() is false)'));
      if (!replica.up) this.logger.log(`replica ${replica.name} is up`);
      replica.up = true;
      replica.error = undefined;
      if (row.replayed) replica.caughtUpTo = askedAt;
    } catch (error) {
      this.markDown(replica, error);
    }
  }

  private markDown(replica: ReplicaState, error: unknown): void {
    if (replica.up) this.logger.warn(`replica ${replica.name} is down, reads go to the primary: ${(error as Error).message}`);
    replica.up = false;
    replica.error = (error as Error).message;
  }
}

function replicaName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
