import { AppConfig } from 'src/config/app-config';
import { ConfigValidationError } from 'src/config/env.schema';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { RedisRuntime, RedisUnavailableError } from 'src/infra/redis/redis-runtime';
import { resolveSigningSecret } from 'src/infra/secrets/signing-secret';

export interface Prepared {
  config: AppConfig;
  redisRuntime: RedisRuntime;
  redis: RedisConnection;
}

/**
 * What must hold before Nest starts: a valid configuration, the signing
 * secret and a reachable Redis. A failure here ends the process with one
 * plain message (exit 1), not a stack trace.
 */
export async function prepare(): Promise<Prepared> {
  try {
    const loaded = AppConfig.fromEnvironment();
    const config = loaded.withJwtSecret(resolveSigningSecret(loaded));
    const redisRuntime = await RedisRuntime.start(config, (message) => console.log(JSON.stringify({ level: 'info', msg: message })));
    return { config, redisRuntime, redis: new RedisConnection(redisRuntime.url, config.redis.prefix) };
  } catch (error) {
    if (error instanceof ConfigValidationError || error instanceof RedisUnavailableError) {
      console.error(`Basalt cannot start. ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

/** Ends the process on a start-up failure with its reason on stderr. */
export function exitOnStartupFailure(error: unknown): never {
  console.error('Basalt failed to start:', error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}
