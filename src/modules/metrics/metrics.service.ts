import { getQueueToken } from '@nestjs/bull';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bull';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { poolStats, type PoolStats } from 'src/infra/database/pool-stats';
import { ReadReplicas } from 'src/infra/database/read-replicas';
import { queryDuration } from 'src/infra/database/query-timings';
import { QueueName } from 'src/infra/queue/queue-names';
import { OutboxService } from 'src/modules/outbox/outbox.service';
import { cacheErrors, cacheInvalidations, cacheRequests } from 'src/modules/read-cache/cache-metrics';
import { ProtectionService } from 'src/modules/protection/protection.service';
import { RealtimeHub } from 'src/modules/realtime/realtime-hub.service';

const STARTED = Symbol('metricsStarted');
type Timed = FastifyRequest & { [STARTED]?: bigint };

/** Upper bounds of the HTTP duration histogram's buckets, seconds. */
export const HTTP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Bull's job states, as getJobCounts answers them. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;

/**
 * Basalt's Prometheus metrics, in a registry of its own. HTTP timings come
 * from two Fastify hooks (the route template, never the raw URL, so label
 * sets stay bounded); pool, queue and outbox figures are read when scraped.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly queues: { name: string; queue: Queue }[] = [];

  private readonly httpDuration = new Histogram({
    name: 'basalt_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [...HTTP_BUCKETS_SECONDS],
    registers: [this.registry],
  });

  /** The same observations without labels, for alerting: reading the labelled histogram costs time in proportion to its routes. */
  private readonly httpTotals = new HttpTotals();

  private readonly inFlight = new Gauge({ name: 'basalt_http_requests_in_flight', help: 'HTTP requests being served.', registers: [this.registry] });

  private readonly jobDuration = new Histogram({
    name: 'basalt_job_duration_seconds',
    help: 'Time jobs processed by this process took, by queue.',
    labelNames: ['queue'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  private readonly jobFailures = new Counter({
    name: 'basalt_job_failures_total',
    help: 'Failed job attempts in this process, by queue.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    private readonly outbox: OutboxService,
    hub: RealtimeHub,
    replicas: ReadReplicas,
    protection: ProtectionService,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'basalt_' });
    this.registry.registerMetric(queryDuration);
    this.registry.registerMetric(cacheRequests);
    this.registry.registerMetric(cacheInvalidations);
    this.registry.registerMetric(cacheErrors);
    const registers = [this.registry];
    const pool = this.dataSource;
    new Gauge({
      name: 'basalt_db_pool_connections',
      help: 'Database pool connections by pool (primary, or a replica by host:port/database), state (idle, in use) and callers waiting for one.',
      labelNames: ['pool', 'state'] as const,
      registers,
      collect() {
        const set = (name: string, stats: PoolStats | undefined) => {
          if (!stats) return;
          this.set({ pool: name, state: 'idle' }, stats.idle);
          this.set({ pool: name, state: 'in_use' }, stats.total - stats.idle);
          this.set({ pool: name, state: 'waiting' }, stats.waiting);
        };
        set('primary', poolStats(pool));
        for (const replica of replicas.pools()) set(replica.name, { total: replica.pool.totalCount, idle: replica.pool.idleCount, waiting: replica.pool.waitingCount });
      },
    });
    if (replicas.configured) {
      new Gauge({
        name: 'basalt_db_replica_up',
        help: 'Whether each read replica answered the last probe as a hot standby (1) or not (0).',
        labelNames: ['replica'] as const,
        registers,
        collect() {
          for (const status of replicas.status()) this.set({ replica: status.name }, status.up ? 1 : 0);
        },
      });
      new Gauge({
        name: 'basalt_db_replica_lag_seconds',
        help: 'Upper bound of each read replica\'s staleness: time since it was last seen holding everything the primary had committed.',
        labelNames: ['replica'] as const,
        registers,
        collect() {
          for (const status of replicas.status()) if (status.lagMs !== null) this.set({ replica: status.name }, status.lagMs / 1000);
        },
      });
    }
    const queues = this.queues;
    new Gauge({
      name: 'basalt_queue_jobs',
      help: 'Jobs per queue and state.',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        await Promise.all(
          queues.map(async ({ name, queue }) => {
            const counts = (await queue.getJobCounts()) as unknown as Record<string, number>;
            for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    new Gauge({
      name: 'basalt_realtime_subscribers',
      help: 'Server-Sent Event streams open on this node.',
      registers,
      collect() {
        this.set(hub.size);
      },
    });
    const heavy = protection.heavy;
    new Gauge({
      name: 'basalt_heavy_requests_in_flight',
      help: 'Heavy requests (large lists, reverse expansions, counts, aggregates, searches, exports) being served on this node.',
      registers,
      collect() {
        this.set(heavy.inFlight);
      },
    });
    new Gauge({
      name: 'basalt_heavy_requests_queued',
      help: 'Heavy requests waiting for a slot on this node.',
      registers,
      collect() {
        this.set(heavy.queued);
      },
    });
    new Counter({
      name: 'basalt_heavy_requests_rejected_total',
      help: 'Heavy requests refused with 503 overloaded because every slot stayed taken.',
      registers,
      collect() {
        this.reset();
        this.inc(heavy.rejected);
      },
    });
    new Counter({
      name: 'basalt_request_timeouts_total',
      help: 'Requests answered with 503 request-timeout because they ran past BASALT_REQUEST_TIMEOUT_MS.',
      registers,
      collect() {
        this.reset();
        this.inc(protection.timeouts);
      },
    });
    const relay = this.outbox;
    const lag = { pending: 0, oldestPendingMs: 0 };
    new Gauge({
      name: 'basalt_outbox_pending_events',
      help: 'Change events committed but not yet relayed.',
      registers,
      async collect() {
        Object.assign(lag, await relay.lag());
        this.set(lag.pending);
      },
    });
    new Gauge({
      name: 'basalt_outbox_lag_seconds',
      help: 'Age of the oldest change event not yet relayed (0 when none).',
      registers,
      collect() {
        // Read by the pending gauge's collect, which runs first (registration order).
        this.set(lag.oldestPendingMs / 1000);
      },
    });
  }

  onModuleInit(): void {
    for (const name of Object.values(QueueName)) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      this.queues.push({ name, queue });
      // Local events: they fire in the process that ran the job.
      queue.on('completed', (job: Job) => this.observeJob(name, job));
      queue.on('failed', (job: Job) => {
        this.jobFailures.inc({ queue: name });
        this.observeJob(name, job);
      });
    }
  }

  /** Times every request; called once on the Fastify instance before it starts listening. */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request, _reply, done) => {
      (request as Timed)[STARTED] = process.hrtime.bigint();
      this.inFlight.inc();
      done();
    });
    const finish = (request: FastifyRequest, status: number) => {
      const started = (request as Timed)[STARTED];
      if (started === undefined) return;
      (request as Timed)[STARTED] = undefined;
      this.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(status) }, seconds);
      this.httpTotals.observe(status, seconds);
    };
    fastify.addHook('onResponse', (request, reply, done) => {
      finish(request, reply.statusCode);
      done();
    });
    // The client went away first: the request still leaves the in-flight count.
    fastify.addHook('onRequestAbort', (request, done) => {
      finish(request, 499);
      done();
    });
  }

  /** This process's HTTP figures since it started, summed over methods and routes (alert snapshots). */
  httpCounters(): { requests: number; serverErrors: number; buckets: number[] } {
    return this.httpTotals.read();
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private observeJob(queue: string, job: Job): void {
    if (job.processedOn && job.finishedOn) this.jobDuration.observe({ queue }, (job.finishedOn - job.processedOn) / 1000);
  }
}

/** Request and 5xx counts and a bucket count per HTTP_BUCKETS_SECONDS bound, over every route: a few additions per request. */
export class HttpTotals {
  private requests = 0;
  private serverErrors = 0;
  /** Per bucket, not cumulative; the last slot is above the largest bound. */
  private readonly perBucket = new Array<number>(HTTP_BUCKETS_SECONDS.length + 1).fill(0);

  observe(status: number, seconds: number): void {
    this.requests++;
    if (status >= 500) this.serverErrors++;
    let i = 0;
    while (i < HTTP_BUCKETS_SECONDS.length && seconds > HTTP_BUCKETS_SECONDS[i]) i++;
    this.perBucket[i]++;
  }

  /** Cumulative bucket counts, as Prometheus histograms hold them (the +Inf bucket is `requests`). */
  read(): { requests: number; serverErrors: number; buckets: number[] } {
    let running = 0;
    const buckets = HTTP_BUCKETS_SECONDS.map((_, i) => (running += this.perBucket[i]));
    return { requests: this.requests, serverErrors: this.serverErrors, buckets };
  }
}
