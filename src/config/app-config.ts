import { isAbsolute, resolve } from 'node:path';
import { EnvironmentVariables, validateEnvironment } from './env.schema';
import { parseOidcProviders, type OidcProviderSettings } from './oidc-providers';

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
  readonly database: { kind: DatabaseKind; url?: string; poolSize: number; embeddedDir: string; replicas: { urls: string[]; maxLagMs: number } };
  readonly redis: { mode: RedisMode; url?: string; prefix: string; serverBin: string };
  readonly admin?: { email: string; password: string };
  readonly auth: { jwtSecret?: string; accessTokenTtl: number; refreshTokenTtl: number; registrationOpen: boolean };
  readonly login: { maxFailuresPerAccount: number; maxFailuresPerIp: number; lockSeconds: number };
  /** Limits on requests that send email (password reset, verification), per target email and per client address. */
  readonly emailRequests: { maxPerEmail: number; maxPerIp: number; windowSeconds: number };
  readonly revocation: { resyncSeconds: number };
  /** TOTP second factor: the issuer shown in authenticator apps; whether administrators must enrol. */
  readonly mfa: { issuer: string; requiredForAdmins: boolean };
  /** Fastify's trustProxy: whose X-Forwarded-For gives the client address (login throttling, sessions' ip). */
  readonly trustProxy: boolean | number | string[];
  /** Basalt's external base URL (no trailing slash): BASALT_PUBLIC_URL, or http://localhost:<PORT>. */
  readonly publicUrl: string;
  /** OpenID Connect providers users may sign in with (BASALT_OIDC_PROVIDERS). */
  readonly oidc: { providers: OidcProviderSettings[] };
  /** Where links in emails point (no trailing slash): BASALT_APP_URL, or the public URL. */
  readonly appUrl: string;
  /** Outgoing mail: SMTP when smtpUrl is set, otherwise the log transport. */
  readonly mail: { smtpUrl?: string; from: string };
  /** Lifetimes of the one-time links sent by email, seconds. */
  readonly emailTokens: { verificationTtl: number; passwordResetTtl: number };
  /** Account erasure (DELETE /users/me): delete the users row, or keep it anonymised and disabled. */
  readonly erasure: { mode: 'delete' | 'anonymise' };
  /** Outgoing requests: what the SSRF guard lets through anyway (host names, IPs, CIDRs). */
  readonly outbound: { allowlist: string[] };
  /** Webhook deliveries: attempts, backoff base, request timeout, dead letters in a row that disable a webhook. */
  readonly webhooks: { maxAttempts: number; retryBaseMs: number; timeoutMs: number; disableAfter: number };
  readonly logLevel: string;
  /** One access-log line per request (off: a load balancer usually logs access, and the hot path stays lean). */
  readonly logRequests: boolean;
  readonly http: { corsOrigins: string[] | true | false; bodyLimit: number };
  readonly queue: { processing: boolean };
  /** Relayed events are kept `retentionHours` (realtime resume reads them); the relay polls every `pollMs` for other nodes' writes. */
  readonly events: { retentionHours: number; pollMs: number };
  /** The read cache of records lists and reads (off by default): entry lifetime and the largest body kept. */
  readonly cache: { enabled: boolean; ttlMs: number; maxEntryBytes: number };
  /** Who may scrape /metrics: the bearer token, or the listed addresses and ranges. */
  readonly metrics: { token?: string; allow: string };
  /** Requests per window per caller (0: no limit); see src/modules/rate-limits. */
  readonly rateLimits: { windowMs: number; anonymous: number; user: number; apiKey: number; auth: number };
  readonly docs: { enabled: boolean };
  /** Server-Sent Events: heartbeat interval, reconnect hint, per-subscriber buffer cap (events). */
  readonly realtime: { heartbeatMs: number; retryMs: number; bufferEvents: number };
  readonly shutdown: { drainDelayMs: number; timeoutMs: number };
  readonly health: { timeoutMs: number; diskThreshold: number; heapLimitBytes: number };
  /** Alerting: evaluation and snapshot cadence, the HTTP rate window, who hears about every alert, the webhook signing secret. */
  readonly alerts: { evaluationMs: number; snapshotMs: number; rateWindowMs: number; emails: string[]; webhookUrl?: string; webhookSecret?: string };
  /** Request deadline, database statement limit and the cap on heavy requests at once (0 ms: off); see src/modules/protection. */
  readonly protection: { requestTimeoutMs: number; statementTimeoutMs: number; heavyConcurrency: number; heavyQueueMs: number };
  /** Response compression (br, gzip, deflate) of bodies from 1 KiB. */
  readonly compression: boolean;

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
      replicas: {
        urls: (env.DATABASE_REPLICA_URLS ?? '').split(',').map((url) => url.trim()).filter(Boolean),
        maxLagMs: env.BASALT_REPLICA_MAX_LAG_MS,
      },
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
    this.login = {
      maxFailuresPerAccount: env.BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerIp: env.BASALT_LOGIN_MAX_FAILURES_PER_IP,
      lockSeconds: env.BASALT_LOGIN_LOCK_SECONDS,
    };
    this.emailRequests = {
      maxPerEmail: env.BASALT_EMAIL_REQUEST_MAX_PER_EMAIL,
      maxPerIp: env.BASALT_EMAIL_REQUEST_MAX_PER_IP,
      windowSeconds: env.BASALT_EMAIL_REQUEST_WINDOW_SECONDS,
    };
    this.revocation = { resyncSeconds: env.BASALT_REVOCATION_RESYNC_SECONDS };
    this.mfa = { issuer: env.BASALT_MFA_ISSUER, requiredForAdmins: env.BASALT_MFA_REQUIRED_FOR_ADMINS };
    this.trustProxy = trustProxy(env.BASALT_TRUST_PROXY);
    this.publicUrl = (env.BASALT_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
    this.oidc = { providers: parseOidcProviders(env.BASALT_OIDC_PROVIDERS).providers };
    this.appUrl = env.BASALT_APP_URL ? env.BASALT_APP_URL.replace(/\/+$/, '') : this.publicUrl;
    this.mail = { smtpUrl: env.BASALT_SMTP_URL, from: env.BASALT_MAIL_FROM };
    this.emailTokens = { verificationTtl: env.BASALT_EMAIL_VERIFICATION_TTL, passwordResetTtl: env.BASALT_PASSWORD_RESET_TTL };
    this.erasure = { mode: env.BASALT_ERASURE_MODE };
    this.outbound = { allowlist: env.BASALT_OUTBOUND_ALLOWLIST.split(',').map((entry) => entry.trim()).filter(Boolean) };
    this.webhooks = {
      maxAttempts: env.BASALT_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: env.BASALT_WEBHOOK_RETRY_BASE_MS,
      timeoutMs: env.BASALT_WEBHOOK_TIMEOUT_MS,
      disableAfter: env.BASALT_WEBHOOK_DISABLE_AFTER,
    };
    this.logLevel = env.LOG_LEVEL;
    this.logRequests = env.BASALT_LOG_REQUESTS;
    this.http = { corsOrigins: corsOrigins(env.CORS_ORIGINS), bodyLimit: env.BASALT_BODY_LIMIT };
    this.queue = { processing: env.BASALT_QUEUE_PROCESSING };
    this.events = { retentionHours: env.BASALT_EVENTS_RETENTION_HOURS, pollMs: env.BASALT_OUTBOX_POLL_MS };
    this.cache = { enabled: env.BASALT_CACHE, ttlMs: env.BASALT_CACHE_TTL_MS, maxEntryBytes: env.BASALT_CACHE_MAX_ENTRY_BYTES };
    this.metrics = { token: env.BASALT_METRICS_TOKEN, allow: env.BASALT_METRICS_ALLOW };
    this.rateLimits = {
      windowMs: env.BASALT_RATE_LIMIT_WINDOW_SECONDS * 1000,
      anonymous: env.BASALT_RATE_LIMIT_ANONYMOUS,
      user: env.BASALT_RATE_LIMIT_USER,
      apiKey: env.BASALT_RATE_LIMIT_API_KEY,
      auth: env.BASALT_RATE_LIMIT_AUTH,
    };
    this.docs = { enabled: env.BASALT_DOCS_ENABLED };
    this.realtime = { heartbeatMs: env.BASALT_REALTIME_HEARTBEAT_SECONDS * 1000, retryMs: env.BASALT_REALTIME_RETRY_MS, bufferEvents: env.BASALT_REALTIME_BUFFER_EVENTS };
    this.shutdown = { drainDelayMs: env.BASALT_DRAIN_DELAY_MS, timeoutMs: env.BASALT_SHUTDOWN_TIMEOUT_MS };
    this.health = {
      timeoutMs: env.BASALT_HEALTH_TIMEOUT_MS,
      diskThreshold: env.BASALT_HEALTH_DISK_THRESHOLD,
      heapLimitBytes: env.BASALT_HEALTH_HEAP_LIMIT_MB * 1024 * 1024,
    };
    this.alerts = {
      evaluationMs: env.BASALT_ALERT_EVALUATION_MS,
      snapshotMs: env.BASALT_ALERT_SNAPSHOT_MS,
      rateWindowMs: env.BASALT_ALERT_RATE_WINDOW_SECONDS * 1000,
      emails: env.BASALT_ALERT_EMAIL ?? [],
      webhookUrl: env.BASALT_ALERT_WEBHOOK_URL,
      webhookSecret: env.BASALT_ALERT_WEBHOOK_SECRET,
    };
    this.protection = {
      requestTimeoutMs: env.BASALT_REQUEST_TIMEOUT_MS,
      statementTimeoutMs: env.BASALT_STATEMENT_TIMEOUT_MS,
      // Half the pool by default: heavy requests never hold every connection, so light ones always find one.
      heavyConcurrency: env.BASALT_HEAVY_CONCURRENCY ?? Math.max(1, Math.floor(env.DATABASE_POOL_SIZE / 2)),
      heavyQueueMs: env.BASALT_HEAVY_QUEUE_MS,
    };
    this.compression = env.BASALT_COMPRESSION;
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

function trustProxy(raw: string): boolean | number | string[] {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw.split(',').map((address) => address.trim()).filter(Boolean);
}

function corsOrigins(raw: string): string[] | true | false {
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0) return false;
  if (origins.includes('*')) return true;
  return origins;
}
