import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RedisChannels } from 'src/infra/queue/redis-channels';
import { toSchema, type CollectionDefinition, type CollectionSchema } from './collection-schema';

const RESYNC_INTERVAL_MS = 30_000;
const SCHEMA_CHANNEL = 'schema';

/**
 * The schema registry: every collection, in memory, with the global schema
 * version. A node that changes the schema reloads and publishes the new
 * version on Redis; the other nodes reload when they hear it (and every 30 s
 * compare versions, in case a message was lost while Redis was away).
 * Readers get immutable snapshots, so a request sees one consistent schema.
 */
@Injectable()
export class CollectionsRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CollectionsRegistry');
  private schemas = new Map<string, CollectionSchema>();
  private currentVersion = 0;
  private resync?: NodeJS.Timeout;
  private loading?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly channels: RedisChannels,
  ) {}

  get version(): number {
    return this.currentVersion;
  }

  get(name: string): CollectionSchema | undefined {
    return this.schemas.get(name);
  }

  all(): CollectionSchema[] {
    return [...this.schemas.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
    await this.channels.subscribe(
      SCHEMA_CHANNEL,
      (message) => {
        if (Number(message) > this.currentVersion) void this.reload().catch((error) => this.logger.error({ err: error }, 'schema reload failed'));
      },
      () => void this.resyncIfBehind(),
    );
    this.resync = setInterval(() => void this.resyncIfBehind(), RESYNC_INTERVAL_MS);
    this.resync.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.resync);
  }

  /** After a local change committed: load it and tell the other nodes. */
  async changed(): Promise<void> {
    await this.reload();
    await this.channels.publish(SCHEMA_CHANNEL, String(this.currentVersion)).catch((error: Error) => this.logger.warn(`could not announce schema ${this.currentVersion}: ${error.message}`));
  }

  reload(): Promise<void> {
    // Coalesce: a reload asked for while one runs waits for a fresh one after it.
    const next = (this.loading ?? Promise.resolve()).then(() => this.load());
    this.loading = next.finally(() => {
      if (this.loading === next) this.loading = undefined;
    });
    return next;
  }

  private async load(): Promise<void> {
    const [rows, versionRows] = await Promise.all([
      this.dataSource.query('SELECT name, definition, version, created_at, updated_at FROM collections'),
      this.dataSource.query('SELECT max(version) AS version FROM schema_events'),
    ]);
    const schemas = new Map<string, CollectionSchema>();
    for (const row of rows as { name: string; definition: string; version: number; created_at: Date | string; updated_at: Date | string }[]) {
      const definition = JSON.parse(row.definition) as CollectionDefinition;
      schemas.set(row.name, Object.freeze(toSchema(definition, Number(row.version), new Date(row.created_at), new Date(row.updated_at))));
    }
    this.schemas = schemas;
    this.currentVersion = Number(versionRows[0]?.version ?? 0);
  }

  /**
   * Reloads when the database holds a newer schema than this node does. For
   * a request about to be refused for a field or collection this node does
   * not know yet: another node may have just added it.
   */
  async refreshIfBehind(): Promise<void> {
    const [row] = await this.dataSource.query('SELECT max(version) AS version FROM schema_events');
    if (Number(row?.version ?? 0) !== this.currentVersion) await this.reload();
  }

  private async resyncIfBehind(): Promise<void> {
    try {
      await this.refreshIfBehind();
    } catch (error) {
      this.logger.warn(`schema resync failed: ${(error as Error).message}`);
    }
  }

}
