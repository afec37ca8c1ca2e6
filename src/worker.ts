import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { installGracefulShutdown } from './infra/lifecycle/graceful-shutdown';
import { exitOnStartupFailure, prepare } from './infra/lifecycle/prepare';
import { WorkerModule } from './worker.module';

/** The worker-only process: processes every queue, serves no HTTP. */
async function main(): Promise<void> {
  const { config, redisRuntime, redis } = await prepare();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, redis), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  installGracefulShutdown(app, redisRuntime, { drainDelayMs: 0, timeoutMs: config.shutdown.timeoutMs });
  new Logger('Basalt').log(`worker started (database: ${config.database.kind}, redis: ${redisRuntime.mode})`);
}

main().catch(exitOnStartupFailure);
