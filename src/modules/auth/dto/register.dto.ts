import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export class RegisterDto {
  /** @example ada@example.com */
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(320)
  email: string;

  /** At least 10 characters. @example correct-horse-battery */
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  /** @example Ada Lovelace */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}
