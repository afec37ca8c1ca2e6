import { Transform, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { IsOidcProviders } from './oidc-providers';
import { IsAddressList } from './address-list.validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const blankToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const toList = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable Basalt reads. The README's configuration table is
 * written from this class: keep the descriptions in step.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^(postgres|postgresql|mysql|mariadb):\/\/\S+$/, {
    message: 'must be a postgres://, postgresql://, mysql:// or mariadb:// URL (leave unset for the embedded database)',
  })
  DATABASE_URL?: string = undefined;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE: number = 10;

  /** Streaming replicas of DATABASE_URL's PostgreSQL server that records reads may use; comma-separated. */
  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^\s*(postgres|postgresql):\/\/[^\s,]+\s*(,\s*(postgres|postgresql):\/\/[^\s,]+\s*)*$/, {
    message: 'must be a comma-separated list of postgres:// or postgresql:// URLs',
  })
  DATABASE_REPLICA_URLS?: string = undefined;

  /** A replica further behind the primary than this serves no reads until it catches up. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  BASALT_REPLICA_MAX_LAG_MS: number = 5000;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^(rediss?:\/\/\S+|embedded)$/, {
    message: 'must be a redis:// or rediss:// URL, or "embedded" (leave unset to use 127.0.0.1:6379 when it answers)',
  })
  REDIS_URL?: string = undefined;

  @Matches(/^[A-Za-z0-9:_-]{1,64}$/, { message: 'must be 1-64 letters, digits, ":", "_" or "-"' })
  BASALT_REDIS_PREFIX: string = 'basalt';

  @IsString()
  BASALT_REDIS_SERVER_BIN: string = 'redis-server';

  @IsString()
  @MinLength(1)
  BASALT_DATA_DIR: string = './data';

  @Transform(blankToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  BASALT_ADMIN_EMAIL?: string = undefined;

  @Transform(blankToUndefined)
  @ValidateIf((env: EnvironmentVariables) => env.BASALT_ADMIN_EMAIL !== undefined || env.BASALT_ADMIN_PASSWORD !== undefined)
  @MinLength(10, { message: 'must be at least 10 characters' })
  @IsString({ message: 'must be set together with BASALT_ADMIN_EMAIL' })
  BASALT_ADMIN_PASSWORD?: string = undefined;

  @Transform(blankToUndefined)
  @ValidateIf((env: EnvironmentVariables) => env.NODE_ENV === 'production' || env.BASALT_JWT_SECRET !== undefined)
  @MinLength(32, { message: 'must be at least 32 characters' })
  @IsString({ message: 'is required when NODE_ENV=production (outside production it is generated into the data directory)' })
  BASALT_JWT_SECRET?: string = undefined;

  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86400)
  BASALT_ACCESS_TOKEN_TTL: number = 900;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  BASALT_REFRESH_TOKEN_TTL: number = 30 * 86400;

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_REGISTRATION_OPEN: boolean = true;

  /** Failed logins for one account (normalised email) within BASALT_LOGIN_LOCK_SECONDS that lock it for that long. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT: number = 5;

  /** Failed logins from one client address within BASALT_LOGIN_LOCK_SECONDS that block it for that long. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  BASALT_LOGIN_MAX_FAILURES_PER_IP: number = 50;

  /** The window failed logins are counted in, and how long a lock lasts, seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  BASALT_LOGIN_LOCK_SECONDS: number = 900;

  /** Password-reset or verification emails one address (registered or not) may be sent within BASALT_EMAIL_REQUEST_WINDOW_SECONDS; each kind counts apart. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  BASALT_EMAIL_REQUEST_MAX_PER_EMAIL: number = 3;

  /** Password-reset or verification-email requests one client address may make within BASALT_EMAIL_REQUEST_WINDOW_SECONDS; each kind counts apart. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  BASALT_EMAIL_REQUEST_MAX_PER_IP: number = 20;

  /** The window email requests are counted in, and how long a block lasts, seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  BASALT_EMAIL_REQUEST_WINDOW_SECONDS: number = 3600;

  /** The issuer name authenticator apps show next to a TOTP entry (the otpauth:// URI's issuer). */
  @IsString()
  @MinLength(1)
  @Matches(/^[^:]{1,64}$/, { message: 'must be 1-64 characters without ":"' })
  BASALT_MFA_ISSUER: string = 'Basalt';

  /** true: administrators without TOTP enrolled get 403 mfa-enrolment-required everywhere but enrolment, /auth/me and logout. */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_MFA_REQUIRED_FOR_ADMINS: boolean = false;

  /** How often each node re-reads revoked sessions from Redis and the database, seconds (the bound when a pub/sub message is lost). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  BASALT_REVOCATION_RESYNC_SECONDS: number = 15;

  /** Which proxies' X-Forwarded-For to believe for the client address: false, true, a hop count, or comma-separated addresses/CIDRs. */
  @Matches(/^(true|false|\d{1,2}|[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*)$/, {
    message: 'must be true, false, a number of hops, or comma-separated proxy addresses or CIDR ranges',
  })
  BASALT_TRUST_PROXY: string = 'false';

  /** Basalt's external base URL, as clients reach it (links in emails fall back to it); default http://localhost:<PORT>. */
  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'must be an http:// or https:// URL without query or fragment' })
  BASALT_PUBLIC_URL?: string = undefined;

  /** OpenID Connect providers to sign in with: a JSON array of {name, issuer, clientId, clientSecret?, scopes?, appRedirectUri?}; callbacks go to <BASALT_PUBLIC_URL>/api/v1/auth/oidc/<name>/callback. */
  @Transform(blankToUndefined)
  @IsOidcProviders()
  BASALT_OIDC_PROVIDERS?: string = undefined;

  /** The front end's base URL, for the links in emails (<APP_URL>/verify-email?token=…, <APP_URL>/reset-password?token=…); default BASALT_PUBLIC_URL. */
  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'must be an http:// or https:// URL without query or fragment' })
  BASALT_APP_URL?: string = undefined;

  /** The outgoing mail server: smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://… (TLS); unset: mails are only logged (recipient and subject). */
  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/([^\s@/]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\/?(\?\S*)?$/, {
    message: 'must be an smtp:// or smtps:// URL: smtp://[user:password@]host[:port]',
  })
  BASALT_SMTP_URL?: string = undefined;

  /** The From of every mail Basalt sends: an address, or "Name <address>". */
  @Matches(/^([^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, { message: 'must be an email address or "Name <address>"' })
  BASALT_MAIL_FROM: string = 'Basalt <no-reply@localhost>';

  /** How long an email-verification link works, seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 86400)
  BASALT_EMAIL_VERIFICATION_TTL: number = 48 * 3600;

  /** How long a password-reset link works, seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 86400)
  BASALT_PASSWORD_RESET_TTL: number = 3600;

  /** What DELETE /users/me does to the account row: `delete` it, or `anonymise` it (email deleted-<id>@invalid, name null, disabled). */
  @IsIn(['delete', 'anonymise'])
  BASALT_ERASURE_MODE: 'delete' | 'anonymise' = 'delete';

  /** Outgoing requests (webhooks) may reach these despite the SSRF guard: comma-separated host names, IP addresses or CIDR ranges. */
  @Matches(/^\s*([A-Za-z0-9.:_/-]+\s*(,\s*[A-Za-z0-9.:_/-]+\s*)*)?$/, { message: 'must be comma-separated host names, IP addresses or CIDR ranges' })
  BASALT_OUTBOUND_ALLOWLIST: string = '';

  /** Attempts per webhook delivery (the first included) before it is dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30)
  BASALT_WEBHOOK_MAX_ATTEMPTS: number = 8;

  /** Base delay of the retry backoff, ms: attempt n waits a random time up to base × 2^(n-1) (at least half of it). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  BASALT_WEBHOOK_RETRY_BASE_MS: number = 2000;

  /** How long a webhook request may take (connect, redirects and response), ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  BASALT_WEBHOOK_TIMEOUT_MS: number = 10_000;

  /** Dead-lettered deliveries in a row that disable a webhook (its owner is emailed). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  BASALT_WEBHOOK_DISABLE_AFTER: number = 5;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: string = 'info';

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_LOG_REQUESTS: boolean = false;

  @IsString()
  CORS_ORIGINS: string = '';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  BASALT_BODY_LIMIT: number = 1024 * 1024;

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_QUEUE_PROCESSING: boolean = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  BASALT_EVENTS_RETENTION_HOURS: number = 24;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  BASALT_OUTBOX_POLL_MS: number = 500;

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_CACHE: boolean = false;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  BASALT_CACHE_TTL_MS: number = 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(16_777_216)
  BASALT_CACHE_MAX_ENTRY_BYTES: number = 262_144;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  BASALT_METRICS_TOKEN?: string = undefined;

  @IsAddressList()
  BASALT_METRICS_ALLOW: string = '127.0.0.1, ::1';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  BASALT_RATE_LIMIT_WINDOW_SECONDS: number = 60;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_RATE_LIMIT_ANONYMOUS: number = 600;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_RATE_LIMIT_USER: number = 3000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_RATE_LIMIT_API_KEY: number = 6000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_RATE_LIMIT_AUTH: number = 60;

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_DOCS_ENABLED: boolean = true;

  /** Realtime: seconds between `: ping` comments on an idle event stream (proxies close silent connections). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  BASALT_REALTIME_HEARTBEAT_SECONDS: number = 25;

  /** Realtime: the `retry:` hint, milliseconds a client waits before reconnecting. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  BASALT_REALTIME_RETRY_MS: number = 3000;

  /** Realtime: events a subscriber may have waiting (not yet written to its socket) before it is disconnected as too slow. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000)
  BASALT_REALTIME_BUFFER_EVENTS: number = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_DRAIN_DELAY_MS: number = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  BASALT_SHUTDOWN_TIMEOUT_MS: number = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  BASALT_HEALTH_TIMEOUT_MS: number = 3000;

  /** A request not answered within this many ms gets a 503 request-timeout problem (0: no deadline). Event streams and health checks are exempt. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_REQUEST_TIMEOUT_MS: number = 30000;

  /** PostgreSQL's statement_timeout on every pooled connection; on MySQL/MariaDB the limit of each record read (0: none). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_STATEMENT_TIMEOUT_MS: number = 30000;

  /** Heavy requests (large lists, reverse expansions, counts, aggregates, searches, exports) served at once per process; default half the pool. */
  @Transform(({ value }) => toInt({ value: blankToUndefined({ value }) }))
  @IsOptional()
  @IsInt()
  @Min(1)
  BASALT_HEAVY_CONCURRENCY?: number;

  /** How long a heavy request waits for a free slot before a 503 overloaded problem. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  BASALT_HEAVY_QUEUE_MS: number = 1000;

  /** Compress responses of 1 KiB and more (br, gzip, deflate as the client accepts). */
  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_COMPRESSION: boolean = true;

  @Transform(toNumber)
  @IsNumber()
  @Min(0.01)
  @Max(1)
  BASALT_HEALTH_DISK_THRESHOLD: number = 0.95;

  @Transform(toInt)
  @IsInt()
  @Min(64)
  BASALT_HEALTH_HEAP_LIMIT_MB: number = 1536;

  /** How often the alert rules are evaluated (one run per tick across the cluster), ms. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  BASALT_ALERT_EVALUATION_MS: number = 15_000;

  /** How often each API node publishes its alerting snapshot to Redis, ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  BASALT_ALERT_SNAPSHOT_MS: number = 5_000;

  /** The window HTTP rates and percentiles are computed over, seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  BASALT_ALERT_RATE_WINDOW_SECONDS: number = 60;

  /** Addresses (comma-separated) notified of every alert, besides each rule's own. */
  @Transform(toList)
  @IsOptional()
  @IsEmail({}, { each: true, message: 'must be a comma-separated list of email addresses' })
  BASALT_ALERT_EMAIL?: string[] = undefined;

  /** A URL POSTed every alert, besides each rule's own webhooks. */
  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  BASALT_ALERT_WEBHOOK_URL?: string = undefined;

  /** When set, alert webhooks carry X-Basalt-Signature (HMAC-SHA256 with this secret, as webhooks are signed). */
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  BASALT_ALERT_WEBHOOK_SECRET?: string = undefined;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

const KNOWN_VARIABLES = new Set(Object.keys(new EnvironmentVariables()));

/** Validates the raw environment; names every bad variable at once. */
export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const relevant: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && KNOWN_VARIABLES.has(key)) relevant[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const problems = validateSync(env, { stopAtFirstError: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => describe(error.property, raw[error.property], message)),
  );
  const replicas = replicaProblem(env);
  if (replicas) problems.push(`DATABASE_REPLICA_URLS: ${replicas}`);
  if (env.BASALT_ADMIN_PASSWORD !== undefined && env.BASALT_ADMIN_EMAIL === undefined) {
    problems.push('BASALT_ADMIN_EMAIL: must be set together with BASALT_ADMIN_PASSWORD');
  }
  const misspelt = Object.keys(raw).filter((key) => key.startsWith('BASALT_') && !KNOWN_VARIABLES.has(key));
  problems.push(...misspelt.map((key) => `${key}: is not a Basalt variable (misspelt?)`));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/** Replicas serve the records reads of a PostgreSQL primary only (see docs/decisions/0014-read-replicas.md). */
function replicaProblem(env: EnvironmentVariables): string | undefined {
  if (env.DATABASE_REPLICA_URLS === undefined) return undefined;
  if (env.DATABASE_URL === undefined) return 'the embedded database has no replicas (set DATABASE_URL to a PostgreSQL server, or unset DATABASE_REPLICA_URLS)';
  if (!/^postgres(ql)?:/.test(env.DATABASE_URL)) return 'replicas are supported with a PostgreSQL primary only (DATABASE_URL is MySQL/MariaDB)';
  return undefined;
}

function describe(name: string, value: string | undefined, message: string): string {
  const reason = message.startsWith(name) ? message.slice(name.length).trim() : message;
  const secret = /SECRET|PASSWORD|SMTP_URL|OIDC_PROVIDERS/.test(name);
  const shown = value === undefined || secret ? '' : ` (got "${value}")`;
  return `${name}: ${reason}${shown}`;
}
