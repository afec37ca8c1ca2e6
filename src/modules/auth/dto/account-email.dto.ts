import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { IsNotCommonPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-policy';

export class VerifyEmailDto {
  /** The token from the link in the verification email. */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token: string;
}

export class PasswordResetRequestDto {
  /** @example ada@example.com */
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(320)
  email: string;
}

export class PasswordResetDto {
  /** The token from the link in the password-reset email. */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token: string;

  /** The same policy as registration: 10–256 characters, not a common password, not the email address. @example correct-horse-battery-staple */
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  @IsNotCommonPassword()
  newPassword: string;
}
