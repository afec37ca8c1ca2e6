import { isAbsolute, resolve } from 'node:path';
import { EnvironmentVariables, validateEnvironment } from './env.schema';

export type DatabaseKind = 'postgres' | 'mysql' | 'embedded';
export type RedisMode = 'url' | 'auto' | 'embedded';

/**
 * Typed configuration, built once at boot from the validated environment.
 * Injected by class; nothing else in Basalt reads process.env.
 */
export class AppConfig {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: { kind: DatabaseKind; url?: string; poolSize: number; embeddedDir: string };
  readonly redis: { mode: RedisMode; url?: string; prefix: string; serverBin: string };
  readonly admin?: { email: string; password: string };
  readonly auth: { jwtSecret?: string; accessTokenTtl: number; refreshTokenTtl: number; registrationOpen: boolean };
  readonly logLevel: string;
  readonly http: { corsOrigins: string[] | true | false; bodyLimit: number };
  readonly queue: { processing: boolean };
  readonly docs: { enabled: boolean };
  readonly shutdown: { drainDelayMs: number; timeoutMs: number };
  readonly health: { timeoutMs: number; diskThreshold: number; heapLimitBytes: number };

  constructor(env: EnvironmentVariables, cwd = process.cwd()) {
    this.production = env.NODE_ENV === 'production';
    this.port = env.PORT;
    this.host = env.HOST;
    this.dataDir = isAbsolute(env.BASALT_DATA_DIR) ? env.BASALT_DATA_DIR : resolve(cwd, env.BASALT_DATA_DIR);
    this.database = {
      kind: databaseKind(env.DATABASE_URL),
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      embeddedDir: resolve(this.dataDir, 'db'),
    };
    this.redis = {
      mode: env.REDIS_URL === undefined ? 'auto' : env.REDIS_URL === 'embedded' ? 'embedded' : 'url',
      url: env.REDIS_URL === 'embedded' ? undefined : env.REDIS_URL,
      prefix: env.BASALT_REDIS_PREFIX,
      serverBin: env.BASALT_REDIS_SERVER_BIN,
    };
    if (env.BASALT_ADMIN_EMAIL && env.BASALT_ADMIN_PASSWORD) {
      this.admin = { email: env.BASALT_ADMIN_EMAIL, password: env.BASALT_ADMIN_PASSWORD };
    }
    this.auth = {
      jwtSecret: env.BASALT_JWT_SECRET,
      accessTokenTtl: env.BASALT_ACCESS_TOKEN_TTL,
      refreshTokenTtl: env.BASALT_REFRESH_TOKEN_TTL,
      registrationOpen: env.BASALT_REGISTRATION_OPEN,
    };
    this.logLevel = env.LOG_LEVEL;
    this.http = { corsOrigins: corsOrigins(env.CORS_ORIGINS), bodyLimit: env.BASALT_BODY_LIMIT };
    this.queue = { processing: env.BASALT_QUEUE_PROCESSING };
    this.docs = { enabled: env.BASALT_DOCS_ENABLED };
    this.shutdown = { drainDelayMs: env.BASALT_DRAIN_DELAY_MS, timeoutMs: env.BASALT_SHUTDOWN_TIMEOUT_MS };
    this.health = {
      timeoutMs: env.BASALT_HEALTH_TIMEOUT_MS,
      diskThreshold: env.BASALT_HEALTH_DISK_THRESHOLD,
      heapLimitBytes: env.BASALT_HEALTH_HEAP_LIMIT_MB * 1024 * 1024,
    };
  }

  static fromEnvironment(raw: Record<string, string | undefined> = process.env): AppConfig {
    return new AppConfig(validateEnvironment(raw));
  }

  /** The same configuration with the token-signing secret filled in. */
  withJwtSecret(secret: string): AppConfig {
    return Object.assign(Object.create(AppConfig.prototype), this, { auth: { ...this.auth, jwtSecret: secret } });
  }
}

function databaseKind(url: string | undefined): DatabaseKind {
  if (!url) return 'embedded';
  return url.startsWith('mysql') || url.startsWith('mariadb') ? 'mysql' : 'postgres';
}

function corsOrigins(raw: string): string[] | true | false {
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0) return false;
  if (origins.includes('*')) return true;
  return origins;
}
