import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class EraseAccountDto {
  /** The account's password. Accounts without one (OpenID sign-in only) leave it out and must have signed in within the last 5 minutes. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password?: string;
}
