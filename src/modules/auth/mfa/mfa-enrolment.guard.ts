import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from 'src/config/app-config';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';

export const MFA_ENROLMENT_EXEMPT = 'basalt:mfa-enrolment-exempt';

/** Routes an administrator who still has to enrol may use: enrolment, /auth/me, logout. */
export const MfaEnrolmentExempt = () => SetMetadata(MFA_ENROLMENT_EXEMPT, true);

export class MfaEnrolmentRequiredError extends DomainError {
  constructor() {
    super(
      ErrorCode.MfaEnrolmentRequired,
      403,
      'MFA enrolment required',
      'Administrators must enrol a TOTP authenticator first: POST /api/v1/auth/mfa/totp, then /api/v1/auth/mfa/totp/confirm.',
    );
  }
}

/**
 * Global, after JwtAuthGuard: with BASALT_MFA_REQUIRED_FOR_ADMINS, an
 * administrator whose access token does not carry the `mfa` claim (issued
 * while the account had no confirmed TOTP factor) gets 403 everywhere but
 * the exempt routes. Reads the claim and the role the JWT strategy already
 * resolved: no query per request. API-key callers are a separate credential
 * and are not concerned.
 */
@Injectable()
export class MfaEnrolmentGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.mfa.requiredForAdmins) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user || user.role !== 'admin' || user.mfa === true || user.apiKey) return true;
    if (this.reflector.getAllAndOverride<boolean>(MFA_ENROLMENT_EXEMPT, [context.getHandler(), context.getClass()])) return true;
    throw new MfaEnrolmentRequiredError();
  }
}
