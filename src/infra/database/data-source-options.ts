import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from 'src/config/app-config';
import { MIGRATIONS } from 'migrations/index';
import { EmbeddedDatabase, embeddedPgDriver } from './pglite-pool';
import { QueryTimingSubscriber } from './query-timings';

/**
 * TypeORM options for the configured dialect. Entities are registered by the
 * feature modules (`autoLoadEntities`); migrations are the explicit list in
 * migrations/index.ts. `synchronize` is never on.
 */
export function dataSourceOptions(config: AppConfig, embedded?: EmbeddedDatabase): DataSourceOptions {
  const common = { synchronize: false, migrationsRun: false, migrations: MIGRATIONS, subscribers: [QueryTimingSubscriber], logging: ['error', 'warn'] as ('error' | 'warn')[] };
  switch (config.database.kind) {
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        url: config.database.url,
        poolSize: config.database.poolSize,
        // A startup parameter of every pooled connection: the server cancels a statement past it, and the connection is free again.
        extra: { application_name: 'basalt', ...(config.protection.statementTimeoutMs > 0 && { statement_timeout: config.protection.statementTimeoutMs }) },
      };
    case 'mysql':
      return {
        ...common,
        type: 'mysql',
        url: config.database.url!.replace(/^mariadb:/, 'mysql:'),
        poolSize: config.database.poolSize,
        charset: 'utf8mb4_unicode_ci',
        timezone: 'Z',
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: false,
      };
    case 'embedded':
      if (!embedded) throw new Error('the embedded database was not opened');
      return { ...common, type: 'postgres', database: 'postgres', driver: embeddedPgDriver(embedded) } as DataSourceOptions;
  }
}

/** The same options without the statement timeout: migrations may legitimately run for minutes on large tables. */
export function maintenanceOptions(options: DataSourceOptions): DataSourceOptions {
  if (options.type !== 'postgres' || !options.extra?.statement_timeout) return options;
  const { statement_timeout: _limit, ...extra } = options.extra as Record<string, unknown>;
  return { ...options, extra };
}

export function openEmbedded(config: AppConfig): EmbeddedDatabase | undefined {
  return config.database.kind === 'embedded' ? new EmbeddedDatabase({ dataDir: config.database.embeddedDir }) : undefined;
}
