import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { QUEUE_NAMES } from 'src/infra/queue/queue-names';
import { OutboxService } from 'src/modules/outbox/outbox.service';
import { HTTP_BUCKETS_SECONDS } from 'src/modules/metrics/metrics.service';
import { AlertEvent } from './alert-event.entity';
import { breaches, type AlertMetric } from './alert-metrics';
import { AlertNotifier, condition } from './alert-notifier.service';
import { AlertRule } from './alert-rule.entity';
import { stepRule } from './alert-state';
import { AlertStore } from './alert-store';
import { histogramQuantile, httpWindow, type ClusterSample, type NodeSnapshot } from './cluster-window';

/** A node whose snapshot is older than this many publish intervals is gone. */
const SNAPSHOT_TTL_INTERVALS = 3;

export interface EvaluationSummary {
  rules: number;
  fired: number;
  resolved: number;
}

/**
 * One evaluation of every enabled rule, run by the `maintenance` queue's
 * alert schedule (once per tick across the cluster). It reads the live
 * nodes' snapshots, adds a cluster sample for the rate window, computes the
 * metrics the rules need, steps each rule's state machine and stores it. A
 * transition is claimed by a conditional update on the state it started
 * from, so an overlapping run cannot fire or resolve a rule twice; only the
 * claimant records the event and notifies.
 */
@Injectable()
export class AlertEvaluator {
  private readonly logger = new Logger('Alerts');

  constructor(
    @InjectRepository(AlertRule) private readonly rules: Repository<AlertRule>,
    @InjectRepository(AlertEvent) private readonly events: Repository<AlertEvent>,
    private readonly store: AlertStore,
    private readonly outbox: OutboxService,
    private readonly notifier: AlertNotifier,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
  ) {}

  async evaluate(): Promise<EvaluationSummary> {
    const now = Date.now();
    const { snapshotMs, rateWindowMs, evaluationMs } = this.config.alerts;
    const snapshots = await this.store.liveSnapshots(now, snapshotMs * SNAPSHOT_TTL_INTERVALS);
    const samples = await this.store.addSample(sampleOf(snapshots, now), rateWindowMs + 2 * evaluationMs);
    const figures = new ClusterFigures(snapshots, samples, now, rateWindowMs, this.outbox, (name) => this.queue(name));

    const summary: EvaluationSummary = { rules: 0, fired: 0, resolved: 0 };
    for (const rule of await this.rules.findBy({ enabled: true })) {
      summary.rules++;
      const value = await figures.value(rule.metric, rule.queue);
      const step = stepRule({ state: rule.state, since: rule.stateSince, clearSince: rule.clearSince }, breaches(value, rule.operator, rule.threshold), new Date(now), {
        forMs: rule.forSeconds * 1000,
        resolveMs: rule.resolveSeconds * 1000,
      });
      const claimed = await this.rules.update(
        { id: rule.id, state: rule.state, enabled: true },
        { state: step.next.state, stateSince: step.next.since, clearSince: step.next.clearSince, lastValue: value, evaluatedAt: new Date(now) },
      );
      if (!step.transition || !claimed.affected) continue;
      summary[step.transition]++;
      await this.record(rule, step.transition, value, new Date(now));
    }
    return summary;
  }

  private async record(rule: AlertRule, kind: 'fired' | 'resolved', value: number | null, at: Date): Promise<void> {
    const event = this.events.create({ id: randomUUID(), ruleId: rule.id, ruleName: rule.name, metric: rule.metric, queue: rule.queue, operator: rule.operator, threshold: rule.threshold, severity: rule.severity, kind, value, at, notifications: '[]' });
    await this.events.insert(event);
    this.logger.warn(`alert "${rule.name}" ${kind}: ${condition(rule)} (value ${value ?? 'none'})`);
    const outcomes = await this.notifier.notify(rule, event);
    await this.events.update({ id: event.id }, { notifications: JSON.stringify(outcomes) });
  }

  private queue(name: string): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }
}

function sampleOf(snapshots: NodeSnapshot[], at: number): ClusterSample {
  return { at, nodes: Object.fromEntries(snapshots.map((s) => [s.node, { ...s.http, startedAt: s.startedAt }])) };
}

/** The catalogue's values at one evaluation, each computed at most once (queue counts and outbox lag are reads). */
class ClusterFigures {
  private readonly cache = new Map<string, Promise<number | null>>();

  constructor(
    private readonly snapshots: NodeSnapshot[],
    private readonly samples: ClusterSample[],
    private readonly now: number,
    private readonly windowMs: number,
    private readonly outbox: OutboxService,
    private readonly queue: (name: string) => Queue,
  ) {}

  value(metric: AlertMetric, queue: string | null): Promise<number | null> {
    const key = `${metric}:${queue ?? ''}`;
    let value = this.cache.get(key);
    if (!value) {
      value = this.compute(metric, queue);
      this.cache.set(key, value);
    }
    return value;
  }

  private async compute(metric: AlertMetric, queue: string | null): Promise<number | null> {
    const window = () => httpWindow(this.samples, this.now, this.windowMs);
    const worst = (pick: (s: NodeSnapshot) => number | null) => {
      const values = this.snapshots.map(pick).filter((v): v is number => v !== null);
      return values.length > 0 ? Math.max(...values) : null;
    };
    switch (metric) {
      case 'http_error_rate': {
        const w = window();
        return w && w.requests > 0 ? w.serverErrors / w.requests : null;
      }
      case 'http_p99_ms': {
        const w = window();
        const seconds = w ? histogramQuantile(0.99, HTTP_BUCKETS_SECONDS, w.buckets, w.requests) : null;
        return seconds === null ? null : seconds * 1000;
      }
      case 'http_requests_per_second': {
        const w = window();
        return w && w.seconds > 0 ? w.requests / w.seconds : null;
      }
      case 'queue_backlog':
        return this.jobCount(queue, ['waiting', 'paused']);
      case 'queue_failed':
        return this.jobCount(queue, ['failed']);
      case 'outbox_lag_seconds':
        return (await this.outbox.lag()).oldestPendingMs / 1000;
      case 'nodes_not_ready':
        return this.snapshots.filter((s) => !s.ready).length;
      case 'nodes_live':
        return this.snapshots.length;
      case 'disk_used_ratio':
        return worst((s) => s.diskUsedRatio);
      case 'heap_used_ratio':
        return worst((s) => s.heapUsedRatio);
      case 'realtime_subscribers':
        return this.snapshots.length > 0 ? this.snapshots.reduce((sum, s) => sum + s.subscribers, 0) : null;
    }
  }

  private async jobCount(queue: string | null, states: string[]): Promise<number> {
    let total = 0;
    for (const name of queue ? [queue] : QUEUE_NAMES) {
      const counts = (await this.queue(name).getJobCounts()) as unknown as Record<string, number>;
      for (const state of states) total += counts[state] ?? 0;
    }
    return total;
  }
}
