import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, MoreThan, Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { AccountToken, type AccountTokenPurpose } from './account-token.entity';

/** One answer for a token that is wrong, expired or already used, so none can be told apart. */
export const INVALID_ACCOUNT_TOKEN = 'The link is invalid, has expired or was already used. Ask for a new one.';

export class InvalidAccountTokenError extends DomainError {
  constructor() {
    super(ErrorCode.InvalidAccountToken, 400, 'Invalid token', INVALID_ACCOUNT_TOKEN);
  }
}

export interface IssuedToken {
  id: string;
  /** The secret that goes into the link; never stored, never logged. */
  token: string;
  expiresAt: Date;
  /** Lifetime in seconds, for the email's wording. */
  ttlSeconds: number;
}

export interface LiveToken {
  id: string;
  userId: string;
  purpose: AccountTokenPurpose;
}

export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * One-time tokens for the email flows: 256 random bits (base64url, 43
 * characters), stored only as SHA-256, expiring (BASALT_EMAIL_VERIFICATION_TTL,
 * BASALT_PASSWORD_RESET_TTL), single-use, and one live token per user and
 * purpose: issuing one ends the older unused ones.
 */
@Injectable()
export class EmailTokenService {
  constructor(
    @InjectRepository(AccountToken) private readonly tokens: Repository<AccountToken>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  ttlSeconds(purpose: AccountTokenPurpose): number {
    return purpose === 'verify-email' ? this.config.emailTokens.verificationTtl : this.config.emailTokens.passwordResetTtl;
  }

  /** Ends the user's older unused tokens of this purpose and issues a new one, in one transaction. */
  async issue(userId: string, purpose: AccountTokenPurpose): Promise<IssuedToken> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    const ttlSeconds = this.ttlSeconds(purpose);
    const row: AccountToken = {
      id: randomUUID(),
      userId,
      purpose,
      tokenHash: hashAccountToken(token),
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      usedAt: null,
      createdAt: now,
    };
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(AccountToken);
      // Superseded, not used: their expiry moves to now, so used_at keeps meaning "used".
      await repository.update({ userId, purpose, usedAt: IsNull(), expiresAt: MoreThan(now) }, { expiresAt: now });
      await repository.insert(row);
    });
    return { id: row.id, token, expiresAt: row.expiresAt, ttlSeconds };
  }

  /**
   * The live token (unused, unexpired, this purpose) behind `token`, without
   * spending it — so a request refused for another reason (a weak new
   * password) leaves the link working. Throws the one invalid-token 400.
   */
  async find(purpose: AccountTokenPurpose, token: string): Promise<LiveToken> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) throw new InvalidAccountTokenError();
    const found = await this.tokens.findOneBy({ tokenHash: hashAccountToken(token), purpose });
    if (!found || found.usedAt !== null || found.expiresAt.getTime() <= Date.now()) throw new InvalidAccountTokenError();
    return { id: found.id, userId: found.userId, purpose };
  }

  /**
   * Spends a token found by `find`. One conditional UPDATE (still unused and
   * unexpired), so of two concurrent uses exactly one wins; the other gets
   * the same 400 as a wrong or expired token.
   */
  async spend(token: LiveToken): Promise<void> {
    const now = new Date();
    const result = await this.tokens.update({ id: token.id, purpose: token.purpose, usedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
    if (result.affected !== 1) throw new InvalidAccountTokenError();
  }

  /** `find` then `spend`: returns the user's id. */
  async consume(purpose: AccountTokenPurpose, token: string): Promise<string> {
    const live = await this.find(purpose, token);
    await this.spend(live);
    return live.userId;
  }
}
