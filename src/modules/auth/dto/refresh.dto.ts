import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefreshDto {
  /** The refresh token from login or the previous refresh; it is single-use. */
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  refreshToken: string;
}
