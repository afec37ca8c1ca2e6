import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { logDestination } from 'src/infra/logging/logging.module';
import type { RedisRuntime } from 'src/infra/redis/redis-runtime';

export interface ShutdownPlan {
  /** Turns readiness to 503 (API nodes). */
  startDraining?: () => void;
  /** Time for load balancers to notice the 503 before the listener closes. */
  drainDelayMs: number;
  /** After this, the process exits 1 whatever is still running. */
  timeoutMs: number;
  /** Stops accepting connections and waits for requests in flight. */
  closeListener?: () => Promise<void>;
}

/**
 * On SIGTERM or SIGINT: stop looking ready, let the load balancer notice,
 * finish what is in flight, close queues and connections, exit 0.
 */
export function installGracefulShutdown(app: INestApplicationContext, redisRuntime: RedisRuntime, plan: ShutdownPlan): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${plan.timeoutMs} ms; exiting`);
      exit(1);
    }, plan.timeoutMs);
    force.unref();
    logger.log(`${signal}: draining`);
    plan.startDraining?.();
    try {
      if (plan.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, plan.drainDelayMs));
      await plan.closeListener?.();
      await app.close();
      await redisRuntime.stop();
      logger.log('stopped cleanly');
      exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

function exit(code: number): never {
  logDestination.flushSync();
  process.exit(code);
}
