import { IsArray, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { ACCESS_ACTIONS, ACCESS_ROLES, type AccessAction, type AccessRole } from '../access.types';

export class CreatePermissionDto {
  /** 'user' (every signed-in non-administrator) or 'public' (anonymous callers). */
  @IsIn(ACCESS_ROLES)
  role: AccessRole;

  @IsString()
  @MaxLength(64)
  collection: string;

  @IsIn(ACCESS_ACTIONS)
  action: AccessAction;

  /** A records filter (`{"owner": {"$eq": "$user.id"}}`); values may be the variables "$user.id" and "$now". */
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
}

export interface PermissionResponse {
  id: string;
  role: AccessRole;
  collection: string;
  action: AccessAction;
  rowFilter: Record<string, unknown> | null;
  fields: string[] | null;
  presets: Record<string, unknown> | null;
  createdAt: string;
}
