import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { ConflictError, DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { SessionControlService } from '../session-control.service';
import { UsersService, isUniqueViolation, normaliseEmail } from 'src/modules/users/users.service';
import { Identity } from './identity.entity';
import type { ProviderIdentity } from './oidc-providers';

const EMAIL_MAX_LENGTH = 320;
const NAME_MAX_LENGTH = 200;
/** OpenID Connect Core 1.0 §2: `sub` is at most 255 ASCII characters. */
const SUBJECT_MAX_LENGTH = 255;

/**
 * Which Basalt account a provider identity signs in to:
 * 1. the account already linked to (provider, subject);
 * 2. else the account with the same email, linked now, but only when the
 *    provider says it verified that email (409 otherwise: nothing is linked);
 * 3. else a new account (role user, no password), created with its link in
 *    one transaction.
 * Two concurrent first sign-ins of one identity meet on the unique indexes;
 * the loser looks again and finds the winner's link.
 */
@Injectable()
export class OidcAccountsService {
  private readonly logger = new Logger('Oidc');

  constructor(
    @InjectRepository(Identity) private readonly identities: Repository<Identity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly sessions: SessionControlService,
  ) {}

  /**
   * Anyone can register someone else's email with a password and never verify
   * it. When the provider proves the email belongs to the person signing in,
   * that unverified password is not theirs to trust: it is removed and its
   * sessions end. The owner can set a password again through a reset.
   */
  private async takeOverUnverified(userId: string): Promise<void> {
    await this.users.setPasswordHash(userId, null);
    await this.sessions.endAllOf(userId);
    await this.users.markEmailVerified(userId);
  }

  /** The id of the account this identity signs in to, linking or creating it as above. */
  async resolve(provider: string, identity: ProviderIdentity): Promise<string> {
    if (identity.subject.length === 0 || identity.subject.length > SUBJECT_MAX_LENGTH) {
      throw new DomainError(ErrorCode.OidcCallbackRefused, 400, 'Sign-in refused', `The provider "${provider}" returned a subject identifier longer than ${SUBJECT_MAX_LENGTH} characters.`);
    }
    for (let attempt = 0; ; attempt++) {
      const linked = await this.identities.findOneBy({ provider, subject: identity.subject });
      if (linked) return linked.userId;
      try {
        return await this.linkOrCreate(provider, identity);
      } catch (error) {
        const lostRace = isUniqueViolation(error) || (error instanceof ConflictError && error.code === ErrorCode.EmailTaken);
        if (!lostRace || attempt > 0) throw error;
      }
    }
  }

  private async linkOrCreate(provider: string, identity: ProviderIdentity): Promise<string> {
    if (!identity.email) {
      throw new DomainError(
        ErrorCode.OidcEmailMissing,
        400,
        'Email missing',
        `The provider "${provider}" did not share an email address, which a new account needs; it must grant the "email" scope.`,
      );
    }
    const email = normaliseEmail(identity.email);
    if (email.length > EMAIL_MAX_LENGTH || !email.includes('@')) {
      throw new DomainError(ErrorCode.OidcEmailMissing, 400, 'Email missing', `The provider "${provider}" returned an unusable email address.`);
    }

    const existing = await this.users.findByEmail(email);
    if (existing) {
      if (!identity.emailVerified) {
        throw new ConflictError(
          ErrorCode.OidcEmailUnverified,
          `An account with the email ${email} already exists, and "${provider}" does not say it has verified that this email is yours, ` +
            'so the sign-in was not linked to that account. Sign in to it another way, or verify the email at the provider first.',
        );
      }
      if (!existing.emailVerifiedAt) await this.takeOverUnverified(existing.id);
      await this.identities.insert(this.identity(provider, identity, existing.id, email));
      this.logger.log(`linked ${provider} identity ${identity.subject} to the existing account ${existing.id} by verified email`);
      return existing.id;
    }

    if (!this.config.auth.registrationOpen) {
      throw new DomainError(ErrorCode.RegistrationClosed, 403, 'Registration closed', 'This server does not accept sign-ups, and no account is linked to this sign-in.');
    }
    const userId = await this.dataSource.transaction(async (manager) => {
      const user = await this.users.create({ email, passwordHash: null, name: identity.name?.slice(0, NAME_MAX_LENGTH) ?? null, role: 'user' }, manager);
      await manager.insert(Identity, this.identity(provider, identity, user.id, email));
      return user.id;
    });
    // The provider vouches for the address of the account it just created.
    if (identity.emailVerified) await this.users.markEmailVerified(userId);
    return userId;
  }

  private identity(provider: string, identity: ProviderIdentity, userId: string, email: string): Identity {
    return { id: randomUUID(), provider, subject: identity.subject, userId, email, createdAt: new Date() };
  }
}
