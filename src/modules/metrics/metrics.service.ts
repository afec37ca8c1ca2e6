import { getQueueToken } from '@nestjs/bull';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bull';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { poolStats } from 'src/infra/database/pool-stats';
import { queryDuration } from 'src/infra/database/query-timings';
import { QueueName } from 'src/infra/queue/queue-names';
import { OutboxService } from 'src/modules/outbox/outbox.service';
import { ProtectionService } from 'src/modules/protection/protection.service';
import { RealtimeHub } from 'src/modules/realtime/realtime-hub.service';

const STARTED = Symbol('metricsStarted');
type Timed = FastifyRequest & { [STARTED]?: bigint };

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
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

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
    protection: ProtectionService,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'basalt_' });
    this.registry.registerMetric(queryDuration);
    const registers = [this.registry];
    const pool = this.dataSource;
    new Gauge({
      name: 'basalt_db_pool_connections',
      help: 'Database pool connections by state (idle, in use) and callers waiting for one.',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const stats = poolStats(pool);
        if (!stats) return;
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'in_use' }, stats.total - stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
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
