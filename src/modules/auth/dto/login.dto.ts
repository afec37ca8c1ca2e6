import { IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from './register.dto';

export class LoginDto {
  /** @example ada@example.com */
  @IsString()
  @MinLength(3)
  @MaxLength(320)
  email: string;

  /** @example correct-horse-battery */
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}
