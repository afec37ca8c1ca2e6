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

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: string = 'info';

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

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  BASALT_DOCS_ENABLED: boolean = true;

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

  @Transform(toNumber)
  @IsNumber()
  @Min(0.01)
  @Max(1)
  BASALT_HEALTH_DISK_THRESHOLD: number = 0.95;

  @Transform(toInt)
  @IsInt()
  @Min(64)
  BASALT_HEALTH_HEAP_LIMIT_MB: number = 1536;
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
  if (env.BASALT_ADMIN_PASSWORD !== undefined && env.BASALT_ADMIN_EMAIL === undefined) {
    problems.push('BASALT_ADMIN_EMAIL: must be set together with BASALT_ADMIN_PASSWORD');
  }
  const misspelt = Object.keys(raw).filter((key) => key.startsWith('BASALT_') && !KNOWN_VARIABLES.has(key));
  problems.push(...misspelt.map((key) => `${key}: is not a Basalt variable (misspelt?)`));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

function describe(name: string, value: string | undefined, message: string): string {
  const reason = message.startsWith(name) ? message.slice(name.length).trim() : message;
  const secret = /SECRET|PASSWORD/.test(name);
  const shown = value === undefined || secret ? '' : ` (got "${value}")`;
  return `${name}: ${reason}${shown}`;
}
