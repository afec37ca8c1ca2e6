import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { DiskHealthIndicator, HealthCheckService, HealthIndicatorService, MemoryHealthIndicator, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import type { Queue } from 'bull';
import { AppConfig } from 'src/config/app-config';
import { ReadReplicas } from 'src/infra/database/read-replicas';
import { QueueName, SystemJob } from 'src/infra/queue/queue-names';

/** The dependency checks behind /health/ready, each bounded by BASALT_HEALTH_TIMEOUT_MS. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
    private readonly config: AppConfig,
    private readonly replicas: ReadReplicas,
    @InjectQueue(QueueName.System) private readonly systemQueue: Queue,
  ) {}

  check(): Promise<HealthCheckResult> {
    const timeout = this.config.health.timeoutMs;
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(timeout),
      () => this.indicators.check('redis').attempt(async () => void (await this.systemQueue.client.ping())).withTimeout(timeout),
      () => this.indicators.check('queue').attempt(() => this.queueCheck()).withTimeout(timeout),
      () => this.disk.checkStorage('disk', { path: this.config.dataDir, thresholdPercent: this.config.health.diskThreshold }),
      () => this.memory.checkHeap('memory_heap', this.config.health.heapLimitBytes),
      // Reported, never failing: reads fall back to the primary when no replica serves.
      ...(this.replicas.configured ? [() => this.indicators.check('replicas').up({ replicas: this.replicas.status() })] : []),
    ]);
  }

  /**
   * Where this node processes jobs, a ping job must make the round trip;
   * an API node with processing off only needs to reach its queues.
   */
  private async queueCheck(): Promise<Record<string, unknown>> {
    if (!this.config.queue.processing) {
      const counts = await this.systemQueue.getJobCounts();
      return { processing: false, waiting: counts.waiting };
    }
    const started = Date.now();
    const job = await this.systemQueue.add(SystemJob.Ping, {}, { attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
    await job.finished();
    return { processing: true, roundTripMs: Date.now() - started };
  }
}
