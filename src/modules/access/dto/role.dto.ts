import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ROLE_NAME } from '../access-rules';

export class CreateRoleDto {
  /** 2–32 characters: lower-case letters, digits, `_` and `-`, starting with a letter. Not `admin`, `user` or `public`. */
  @IsString()
  @Matches(ROLE_NAME, { message: 'name must be 2-32 lower-case letters, digits, "_" or "-", starting with a letter' })
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateRoleDto {
  /** The new description; null clears it. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class UserRolesDto {
  /** Every custom role the user holds afterwards (replaces the previous set); [] removes them all. */
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  roles: string[];
}

export interface RoleResponse {
  name: string;
  description: string | null;
  /** Built-in roles (admin, user, public) are listed too; they cannot be changed. */
  builtIn: boolean;
  createdAt: string | null;
}

export interface UserRolesResponse {
  userId: string;
  /** The custom roles assigned to the user. */
  roles: string[];
  /** The roles the user acts with: its account role ('user' or 'admin') and the custom ones. */
  effective: string[];
}
