import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import type { ClusterSample, NodeSnapshot } from './cluster-window';

/** Samples kept at most, whatever the window and interval (a bound on the list and on each read). */
const MAX_SAMPLES = 1000;

/**
 * Alerting's shared state in Redis: one hash of node snapshots (field = node
 * id; a field older than its TTL belongs to a node that is gone) and one list
 * of cluster samples, newest first, trimmed to the rate window.
 */
@Injectable()
export class AlertStore implements OnApplicationShutdown {
  private readonly logger = new Logger('AlertStore');
  private readonly client: Redis;
  private readonly nodesKey: string;
  private readonly samplesKey: string;

  constructor(connection: RedisConnection) {
    // Connects at once: a queued evaluation job can run before this module's init hooks. While Redis is away a command
    // fails after one retry (callers publish or evaluate one at a time, so nothing piles up).
    this.client = createRedisClient(connection.url, { maxRetriesPerRequest: 1, commandTimeout: 3000 });
    this.client.on('error', (error: Error) => this.logger.debug(error.message));
    this.nodesKey = `${connection.prefix}:alerts:nodes`;
    this.samplesKey = `${connection.prefix}:alerts:samples`;
  }

  async publish(snapshot: NodeSnapshot): Promise<void> {
    await this.client.hset(this.nodesKey, snapshot.node, JSON.stringify(snapshot));
  }

  async forget(node: string): Promise<void> {
    await this.client.hdel(this.nodesKey, node);
  }

  /** Snapshots younger than `maxAgeMs`; older ones are deleted (their node stopped or lost Redis). */
  async liveSnapshots(now: number, maxAgeMs: number): Promise<NodeSnapshot[]> {
    const live: NodeSnapshot[] = [];
    const stale: string[] = [];
    for (const [node, json] of Object.entries(await this.client.hgetall(this.nodesKey))) {
      const snapshot = JSON.parse(json) as NodeSnapshot;
      if (now - snapshot.at <= maxAgeMs) live.push(snapshot);
      else stale.push(node);
    }
    if (stale.length > 0) await this.client.hdel(this.nodesKey, ...stale);
    return live;
  }

  /** Adds this evaluation's sample and returns the samples of the last `keepMs`, the new one included. */
  async addSample(sample: ClusterSample, keepMs: number): Promise<ClusterSample[]> {
    const [, [, raw]] = (await this.client.multi().lpush(this.samplesKey, JSON.stringify(sample)).lrange(this.samplesKey, 0, MAX_SAMPLES - 1).exec()) as [unknown, [unknown, string[]]];
    const samples = raw.map((json) => JSON.parse(json) as ClusterSample);
    const kept = samples.filter((s) => s.at >= sample.at - keepMs);
    await this.client.ltrim(this.samplesKey, 0, Math.max(kept.length, 1) - 1);
    return kept;
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
