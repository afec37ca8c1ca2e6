import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { dataSourceOptions, maintenanceOptions, openEmbedded } from './data-source-options';
import { runMigrations } from './migrations-runner';
import { ReadReplicas } from './read-replicas';

/** The one DataSource, migrated before any module uses it, and the read replicas beside it. */
@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [ReadReplicas],
      exports: [ReadReplicas],
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config, openEmbedded(config)), autoLoadEntities: true, retryAttempts: 0 }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            const applied = await migrate(dataSource, options!);
            if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            return dataSource;
          },
        }),
      ],
    };
  }
}

/** On a connection of its own when the pool's connections carry a statement timeout. */
async function migrate(dataSource: DataSource, options: DataSourceOptions): Promise<string[]> {
  const maintenance = maintenanceOptions(options);
  if (maintenance === options) return runMigrations(dataSource, kindOf(dataSource));
  const unlimited = await new DataSource(maintenance).initialize();
  try {
    return await runMigrations(unlimited, kindOf(unlimited));
  } finally {
    await unlimited.destroy();
  }
}

function kindOf(dataSource: DataSource) {
  if (dataSource.options.type === 'mysql') return 'mysql' as const;
  return 'driver' in dataSource.options && dataSource.options.driver ? ('embedded' as const) : ('postgres' as const);
}
