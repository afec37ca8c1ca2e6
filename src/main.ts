import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHttpApp } from './infra/http/http-app';
import { installGracefulShutdown } from './infra/lifecycle/graceful-shutdown';
import { exitOnStartupFailure, prepare } from './infra/lifecycle/prepare';
import { DrainState } from './modules/health/drain-state';

/** The HTTP API (which also processes queues unless BASALT_QUEUE_PROCESSING=false). */
async function main(): Promise<void> {
  const { config, redisRuntime, redis } = await prepare();
  const app = await createHttpApp(config, redis);
  installGracefulShutdown(app, redisRuntime, {
    startDraining: () => app.get(DrainState).startDraining(),
    drainDelayMs: config.shutdown.drainDelayMs,
    timeoutMs: config.shutdown.timeoutMs,
    closeListener: () => app.getHttpAdapter().getInstance().close(),
  });
  await app.listen(config.port, config.host);
  new Logger('Basalt').log(
    `listening on http://${config.host}:${config.port} (database: ${config.database.kind}, redis: ${redisRuntime.mode}, queue processing: ${config.queue.processing})`,
  );
}

main().catch(exitOnStartupFailure);
