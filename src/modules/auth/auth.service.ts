import { Injectable } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { DomainError, NotFoundError, UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { RolesService } from 'src/modules/access/roles.service';
import { UserResponse } from 'src/modules/users/dto/user.response';
import { UsersService } from 'src/modules/users/users.service';
import type { RegisterDto } from './dto/register.dto';
import type { LoginDto } from './dto/login.dto';
import type { TokenResponse } from './dto/token.response';
import { AccountEmailService } from './account-email.service';
import { LoginThrottle, type LoginAttempt } from './login-throttle.service';
import { PasswordHasher } from './password-hasher';
import { SessionControlService } from './session-control.service';
import { SessionsService, type ClientInfo } from './sessions.service';
import { TokenService } from './token.service';
import type { MfaChallengeResponse } from './mfa/dto/mfa.response';
import { MFA_CHALLENGE_TTL_SECONDS, MfaChallengeStore } from './mfa/mfa-challenge.store';
import { MfaService } from './mfa/mfa.service';

const BAD_CREDENTIALS = 'The email or password is wrong.';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    private readonly throttle: LoginThrottle,
    private readonly sessionControl: SessionControlService,
    private readonly accountEmail: AccountEmailService,
    private readonly mfa: MfaService,
    private readonly mfaChallenges: MfaChallengeStore,
    private readonly roles: RolesService,
  ) {}

  async register(dto: RegisterDto, client: ClientInfo): Promise<TokenResponse> {
    if (!this.config.auth.registrationOpen) {
      throw new DomainError(ErrorCode.RegistrationClosed, 403, 'Registration closed', 'This server does not accept sign-ups.');
    }
    const user = await this.users.create({ email: dto.email, passwordHash: await this.passwords.hash(dto.password), name: dto.name, role: 'user' });
    // Queues the email confirming the address; never fails the registration.
    await this.accountEmail.afterRegistration(user.id);
    return this.signIn(user.id, client);
  }

  /**
   * One answer for an unknown email and a wrong password, after the same
   * amount of hashing work. Failures are counted per email and per client
   * address (LoginThrottle): over the limit every attempt is a 429, whatever
   * the password and whether or not the email is registered.
   */
  async login(dto: LoginDto, client: ClientInfo): Promise<TokenResponse | MfaChallengeResponse> {
    const attempt = await this.throttle.begin(dto.email, client.ip);
    const user = await this.users.findWithPasswordByEmail(dto.email);
    const valid = await this.passwords.verify(user?.passwordHash, dto.password);
    if (!user || !valid || user.disabled) {
      this.throttle.failed(attempt, user?.id ?? null);
      throw new UnauthorizedError(ErrorCode.InvalidCredentials, BAD_CREDENTIALS);
    }
    return this.afterFirstFactor(user, client, attempt);
  }

  /**
   * The one place that decides between tokens and a second step, for every
   * first factor (a password here, an OpenID provider in OidcService): an
   * account with a confirmed TOTP factor gets a challenge and no session.
   * A password attempt stays counted until the second factor passes
   * (MfaLoginService).
   */
  async afterFirstFactor(user: { id: string; email: string }, client: ClientInfo, passwordAttempt?: LoginAttempt): Promise<TokenResponse | MfaChallengeResponse> {
    if (await this.mfa.isEnabled(user.id)) {
      const mfaToken = await this.mfaChallenges.issue({ userId: user.id, email: user.email, passwordAttempt });
      return { mfaRequired: true, mfaToken, mfaExpiresIn: MFA_CHALLENGE_TTL_SECONDS };
    }
    if (passwordAttempt) await this.throttle.succeeded(passwordAttempt);
    return this.signIn(user.id, client);
  }

  async refresh(refreshToken: string): Promise<TokenResponse> {
    const { session, refreshToken: next } = await this.sessions.rotate(refreshToken);
    const user = await this.users.findById(session.userId);
    if (!user || user.disabled) throw new UnauthorizedError(ErrorCode.InvalidRefreshToken, 'The account is no longer active.');
    return this.tokenResponse(UserResponse.from(user), session.id, next);
  }

  async me(caller: AuthUser): Promise<UserResponse> {
    const user = await this.users.findById(caller.id);
    if (!user) throw new NotFoundError('The account no longer exists.');
    return { ...UserResponse.from(user), roles: this.roles.rolesOf(caller), mfaEnabled: await this.mfa.isEnabled(user.id) };
  }

  /** Opens a session for an account already authenticated (password here; an OpenID provider in OidcService) and issues the token pair. */
  async signIn(userId: string, client: ClientInfo): Promise<TokenResponse> {
    // Session first, then the account: a disable racing with this sign-in either
    // is seen here or ends the session just opened (it reads sessions after
    // committing the flag), so a disabled account never keeps a live session.
    const { session, refreshToken } = await this.sessions.open(userId, client);
    const user = await this.users.findById(userId);
    if (!user || user.disabled) {
      await this.sessionControl.endAllOf(userId);
      throw new UnauthorizedError(ErrorCode.InvalidCredentials, BAD_CREDENTIALS);
    }
    return this.tokenResponse(UserResponse.from(user), session.id, refreshToken);
  }

  private async tokenResponse(user: UserResponse, sessionId: string, refreshToken: string): Promise<TokenResponse> {
    // The `mfa` claim lets MfaEnrolmentGuard decide without a query per request.
    const mfaEnabled = await this.mfa.isEnabled(user.id);
    return {
      accessToken: this.tokens.signAccessToken({ sub: user.id, sid: sessionId, role: user.role, mfa: mfaEnabled }),
      refreshToken,
      expiresIn: this.tokens.accessTokenTtl,
      user: { ...user, mfaEnabled },
    };
  }
}
