import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** A code from the authenticator app. */
export class MfaCodeDto {
  /** The 6-digit code the authenticator app shows now. @example 123456 */
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code: string;
}

/** Proof of the second factor: exactly one of `code` and `recoveryCode`. */
export class MfaProofDto {
  /** The 6-digit code the authenticator app shows now. @example 123456 */
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code?: string;

  /** One of the recovery codes shown at enrolment; each works once. @example abcd-efgh-jkmn */
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(64)
  recoveryCode?: string;
}

export class MfaVerifyDto extends MfaProofDto {
  /** The `mfaToken` of the login answer. */
  @IsString()
  @MinLength(16)
  @MaxLength(128)
  mfaToken: string;
}
