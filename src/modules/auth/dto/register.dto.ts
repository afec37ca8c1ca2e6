import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsNotCommonPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-policy';

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH };

export class RegisterDto {
  /** @example ada@example.com */
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(320)
  email: string;

  /** 10–256 characters, not one of the most common passwords. @example correct-horse-battery */
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  @IsNotCommonPassword()
  password: string;

  /** @example Ada Lovelace */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}
