import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDate, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import type { ApiKeyAction } from 'src/common/decorators/current-user.decorator';
import { API_KEY_ACTIONS } from '../api-key-format';

export class ApiKeyScopeDto {
  /** A collection's name, or `*` for every collection. @example articles */
  @IsString()
  @Matches(/^(\*|[a-z][a-z0-9_]{0,47})$/, { message: 'must be a collection name or "*"' })
  collection: string;

  /** Any of `read`, `create`, `update`, `delete`. @example ["read"] */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_KEY_ACTIONS, { each: true })
  actions: ApiKeyAction[];
}

export class CreateApiKeyDto {
  /** What the key is for. @example nightly export */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  /** What the key may do: records routes only, per collection and action. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ApiKeyScopeDto)
  scopes: ApiKeyScopeDto[];

  /** Optional ISO 8601 time after which the key is refused (401). @example 2030-01-01T00:00:00Z */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : value))
  @IsDate({ message: 'must be an ISO 8601 date-time' })
  expiresAt?: Date;
}

export class ApiKeysQueryDto {
  /** Administrators: every user's keys (`true`). */
  @IsOptional()
  @IsIn(['true', 'false'])
  all?: 'true' | 'false';
}
