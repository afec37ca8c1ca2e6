import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ConflictError, NotFoundError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { MailTemplate } from 'src/modules/mail/mail-templates';
import { MailService } from 'src/modules/mail/mail.service';
import { UserResponse } from 'src/modules/users/dto/user.response';
import { UsersService } from 'src/modules/users/users.service';
import type { AcceptedResponse } from './dto/accepted.response';
import type { PasswordResetDto } from './dto/account-email.dto';
import { EmailRequestThrottle } from './email-request-throttle.service';
import { EmailTokenService, InvalidAccountTokenError } from './email-token.service';
import { PasswordHasher } from './password-hasher';
import { assertAcceptablePassword } from './password-policy';
import { SessionControlService } from './session-control.service';

type Account = NonNullable<Awaited<ReturnType<UsersService['findById']>>>;

/** The same answer whether or not the email belongs to an account. */
const RESET_ACCEPTED: AcceptedResponse = { message: 'If an account with this email exists, a link to reset its password is on its way.' };

/**
 * The email-based account flows: verifying the address, and resetting a
 * forgotten password. Tokens come from EmailTokenService; mails go out
 * through the `mail` queue.
 */
@Injectable()
export class AccountEmailService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('AccountEmail');
  /** Work started after answering (reset requests), awaited at shutdown so none is cut off. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly users: UsersService,
    private readonly tokens: EmailTokenService,
    private readonly mail: MailService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionControlService,
    private readonly config: AppConfig,
    private readonly throttle: EmailRequestThrottle,
  ) {}

  /** POST /auth/verify-email/request: a new link for the caller (older links stop working); limited per address and per client (429). */
  async requestVerification(caller: AuthUser, ip: string | undefined): Promise<AcceptedResponse> {
    const user = await this.users.findById(caller.id);
    if (!user) throw new NotFoundError('The account no longer exists.');
    await this.throttle.hit('verify-email', user.email, ip);
    if (user.emailVerifiedAt) throw new ConflictError(ErrorCode.EmailAlreadyVerified, 'This email address is already confirmed.');
    await this.sendVerification(user);
    return { message: `A confirmation link is on its way to ${user.email}.` };
  }

  /**
   * After registration: the account exists whatever happens here, so a
   * failure (Redis unreachable) is logged, not thrown; the user can ask for
   * another link.
   */
  async afterRegistration(userId: string): Promise<void> {
    try {
      const user = await this.users.findById(userId);
      if (user && !user.emailVerifiedAt) await this.sendVerification(user);
    } catch (error) {
      this.logger.warn(`could not send the verification email to the new account ${userId}: ${(error as Error).message}`);
    }
  }

  /** POST /auth/verify-email: spends the token and marks the address confirmed. */
  async verifyEmail(token: string): Promise<UserResponse> {
    const userId = await this.tokens.consume('verify-email', token);
    await this.users.markEmailVerified(userId);
    const user = await this.users.findById(userId);
    if (!user) throw new InvalidAccountTokenError();
    return UserResponse.from(user);
  }

  /**
   * POST /auth/password-reset/request. The answer must not tell whether the
   * email is registered, by its content or by its timing: both cases do the
   * same lookup and answer at once; issuing the token and queueing the mail
   * happen after the answer (awaited at shutdown, so a SIGTERM does not cut
   * them off). Requests are limited per email and per client before the
   * lookup, with the same 429 for an unknown email as for a known one.
   */
  async requestPasswordReset(email: string, ip: string | undefined): Promise<AcceptedResponse> {
    await this.throttle.hit('password-reset', email, ip);
    const user = await this.users.findByEmail(email);
    if (user && !user.disabled) this.afterAnswering(`password reset for ${user.id}`, () => this.sendPasswordReset(user));
    return RESET_ACCEPTED;
  }

  /**
   * POST /auth/password-reset. The token is checked first but spent only
   * once the new password passes the policy (a refused password leaves the
   * link working). Then, in this order: spend the token (the one conditional
   * UPDATE two concurrent uses race on), set the password, end every session
   * (refresh tokens refused, access tokens refused on every node), and tell
   * the owner by email. Setting the password before ending the sessions means
   * no session opened with the old password can outlive the reset.
   */
  async resetPassword(dto: PasswordResetDto): Promise<UserResponse> {
    const live = await this.tokens.find('password-reset', dto.token);
    const user = await this.users.findById(live.userId);
    if (!user) throw new InvalidAccountTokenError();
    assertAcceptablePassword(dto.newPassword, { field: 'newPassword', email: user.email });
    const passwordHash = await this.passwords.hash(dto.newPassword);
    await this.tokens.spend(live);
    await this.users.setPasswordHash(user.id, passwordHash);
    // The reset link reached this mailbox: that proves the address too.
    await this.users.markEmailVerified(user.id);
    await this.sessions.endAllOf(user.id);
    const changedAt = new Date();
    await this.mail
      .send({ to: user.email, template: MailTemplate.PasswordChanged, data: { name: user.name, changedAt: changedAt.toISOString() }, key: `${live.id}` })
      .catch((error: Error) => this.logger.warn(`could not queue the password-changed email for ${user.id}: ${error.message}`));
    return UserResponse.from((await this.users.findById(user.id)) ?? user);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private sendVerification(user: Account): Promise<void> {
    return this.sendLink(user, 'verify-email', 'verify-email', MailTemplate.VerifyEmail);
  }

  private sendPasswordReset(user: Account): Promise<void> {
    return this.sendLink(user, 'password-reset', 'reset-password', MailTemplate.PasswordReset);
  }

  /** Issues a one-time token for `purpose` and mails its link to the front end's `page`. */
  private async sendLink(user: Account, purpose: 'verify-email' | 'password-reset', page: 'verify-email' | 'reset-password', template: typeof MailTemplate.VerifyEmail | typeof MailTemplate.PasswordReset): Promise<void> {
    const issued = await this.tokens.issue(user.id, purpose);
    await this.mail.send({ to: user.email, template, data: { name: user.name, link: this.link(page, issued.token), expiresInSeconds: issued.ttlSeconds }, key: issued.id });
  }

  /** `<BASALT_APP_URL or BASALT_PUBLIC_URL>/<page>?token=…`: the front end's page posts the token back. */
  private link(page: 'verify-email' | 'reset-password', token: string): string {
    return `${this.config.appUrl}/${page}?token=${encodeURIComponent(token)}`;
  }

  private afterAnswering(what: string, work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: Error) => this.logger.error({ err: error }, `${what} failed after the request was answered`))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }
}
