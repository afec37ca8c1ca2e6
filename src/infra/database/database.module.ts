import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { dataSourceOptions, openEmbedded } from './data-source-options';
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
            const applied = await runMigrations(dataSource, kindOf(dataSource));
            if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            return dataSource;
          },
        }),
      ],
    };
  }
}

function kindOf(dataSource: DataSource) {
  if (dataSource.options.type === 'mysql') return 'mysql' as const;
  return 'driver' in dataSource.options && dataSource.options.driver ? ('embedded' as const) : ('postgres' as const);
}
