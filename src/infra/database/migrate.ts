import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { ConfigValidationError } from 'src/config/env.schema';
import { dataSourceOptions, maintenanceOptions, openEmbedded } from './data-source-options';
import { runMigrations } from './migrations-runner';

/** `npm run migration:run`: applies Basalt's own migrations and exits. */
async function main(): Promise<void> {
  const config = AppConfig.fromEnvironment();
  const dataSource = await new DataSource(maintenanceOptions(dataSourceOptions(config, openEmbedded(config)))).initialize();
  try {
    const applied = await runMigrations(dataSource, config.database.kind);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
