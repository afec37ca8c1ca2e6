import { randomUUID } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { ReadinessService } from 'src/modules/health/readiness.service';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { RealtimeHub } from 'src/modules/realtime/realtime-hub.service';
import { AlertStore } from './alert-store';
import type { NodeSnapshot } from './cluster-window';

const WARN_EVERY_MS = 60_000;

/**
 * Every BASALT_ALERT_SNAPSHOT_MS, this API node writes what alert rules need
 * from it to Redis under a node id of its own (new at each start, so its
 * counters always start from zero): cumulative HTTP counters, open streams,
 * heap and disk use, and the outcome of its last readiness check. The
 * readiness check runs beside the snapshots, never in their way (a slow
 * dependency must not make the node look gone).
 */
@Injectable()
export class NodeSnapshotPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private readonly node = randomUUID();
  private readonly startedAt = Date.now();
  private timer?: NodeJS.Timeout;
  private ready = true;
  private checking = false;
  private publishing = false;
  private lastWarning = 0;

  constructor(
    private readonly store: AlertStore,
    private readonly metrics: MetricsService,
    private readonly hub: RealtimeHub,
    private readonly readiness: ReadinessService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.publish(), this.config.alerts.snapshotMs);
    this.timer.unref();
    void this.publish();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.store.forget(this.node).catch(() => undefined);
  }

  private async publish(): Promise<void> {
    this.checkReadiness();
    if (this.publishing) return;
    this.publishing = true;
    try {
      await this.store.publish(await this.snapshot());
    } catch (error) {
      if (Date.now() - this.lastWarning > WARN_EVERY_MS) {
        this.lastWarning = Date.now();
        this.logger.warn(`alert snapshot not published: ${(error as Error).message}`);
      }
    } finally {
      this.publishing = false;
    }
  }

  private async snapshot(): Promise<NodeSnapshot> {
    const heap = getHeapStatistics();
    return {
      node: this.node,
      startedAt: this.startedAt,
      at: Date.now(),
      http: this.metrics.httpCounters(),
      subscribers: this.hub.size,
      heapUsedRatio: heap.used_heap_size / heap.heap_size_limit,
      diskUsedRatio: await this.diskUsedRatio(),
      ready: this.ready,
    };
  }

  private async diskUsedRatio(): Promise<number | null> {
    try {
      const fs = await statfs(this.config.dataDir);
      return fs.blocks > 0 ? 1 - fs.bavail / fs.blocks : null;
    } catch {
      return null;
    }
  }

  private checkReadiness(): void {
    if (this.checking) return;
    this.checking = true;
    this.readiness
      .check()
      .then(
        () => (this.ready = true),
        () => (this.ready = false),
      )
      .finally(() => (this.checking = false));
  }
}
