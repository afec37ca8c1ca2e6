import { IsArray, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ROLE_NAME } from '../access-rules';
import { ACCESS_ACTIONS, type AccessAction } from '../access.types';

export class CreatePermissionDto {
  /** 'user' (every signed-in non-administrator), 'public' (anonymous callers) or a custom role. */
  @IsString()
  @Matches(ROLE_NAME, { message: 'role must name a role' })
  role: string;

  @IsString()
  @MaxLength(64)
  collection: string;

  @IsIn(ACCESS_ACTIONS)
  action: AccessAction;

  /** A records filter (`{"owner": {"$eq": "$user.id"}}`); values may be the variables "$user.id", "$user.roles" (an array, for $in/$nin) and "$now". */
  @IsOptional()
  @IsObject()
  rowFilter?: Record<string, unknown>;

  /** read: the readable fields; create/update: the writable ones. Absent: all. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  fields?: string[];

  /** create only: values set on every new record (`{"owner": "$user.id"}`); clients may not send these fields. */
  @IsOptional()
  @IsObject()
  presets?: Record<string, unknown>;

  /** create and update only: a filter the record as written must match, else the write is undone (403). Update without one: the row filter. */
  @IsOptional()
  @IsObject()
  check?: Record<string, unknown>;
}

/** The body of a rule; role, collection and action are fixed once created. null clears a part. */
export class UpdatePermissionDto {
  @IsOptional()
  @IsObject()
  rowFilter?: Record<string, unknown> | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  fields?: string[] | null;

  @IsOptional()
  @IsObject()
  presets?: Record<string, unknown> | null;

  @IsOptional()
  @IsObject()
  check?: Record<string, unknown> | null;
}

export interface PermissionResponse {
  id: string;
  role: string;
  collection: string;
  action: AccessAction;
  rowFilter: Record<string, unknown> | null;
  fields: string[] | null;
  presets: Record<string, unknown> | null;
  check: Record<string, unknown> | null;
  createdAt: string;
}
