import { Injectable } from '@nestjs/common';
import { UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { AuthService } from 'src/modules/auth/auth.service';
import type { TokenResponse } from 'src/modules/auth/dto/token.response';
import { LoginThrottle } from 'src/modules/auth/login-throttle.service';
import type { ClientInfo } from 'src/modules/auth/sessions.service';
import type { MfaVerifyDto } from './dto/mfa.dto';
import { MfaChallengeStore } from './mfa-challenge.store';
import { InvalidMfaCodeError, MfaService } from './mfa.service';

/**
 * The second step of a login: the challenge token from POST /auth/login (or
 * from an OpenID Connect callback) and
 * a TOTP or recovery code → the usual token pair. Every attempt goes through
 * LoginThrottle under the account's email, so guessing codes locks the
 * account like guessing passwords. The password step's own reservation is
 * released only here, when the second factor passes.
 */
@Injectable()
export class MfaLoginService {
  constructor(
    private readonly challenges: MfaChallengeStore,
    private readonly mfa: MfaService,
    private readonly throttle: LoginThrottle,
    private readonly auth: AuthService,
  ) {}

  async verify(dto: MfaVerifyDto, client: ClientInfo): Promise<TokenResponse> {
    const challenge = await this.challenges.peek(dto.mfaToken);
    if (!challenge) throw invalidToken();
    const attempt = await this.throttle.begin(challenge.email, client.ip);
    if (!(await this.mfa.checkProof(challenge.userId, dto))) {
      this.throttle.failed(attempt, challenge.userId);
      throw new InvalidMfaCodeError(401);
    }
    if (!(await this.challenges.consume(dto.mfaToken))) throw invalidToken();
    await this.throttle.succeeded(attempt);
    if (challenge.passwordAttempt) await this.throttle.succeeded(challenge.passwordAttempt);
    return this.auth.signIn(challenge.userId, client);
  }
}

function invalidToken(): UnauthorizedError {
  return new UnauthorizedError(ErrorCode.InvalidMfaToken, 'The sign-in step expired or was already completed; sign in again.');
}
