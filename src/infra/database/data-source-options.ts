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
      return { ...common, type: 'postgres', url: config.database.url, poolSize: config.database.poolSize, extra: { application_name: 'basalt' } };
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

export function openEmbedded(config: AppConfig): EmbeddedDatabase | undefined {
  return config.database.kind === 'embedded' ? new EmbeddedDatabase({ dataDir: config.database.embeddedDir }) : undefined;
}
