import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { Session } from './session.entity';
import { SessionControlService } from './session-control.service';
import { TokenService, hashRefreshToken } from './token.service';

export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

const INVALID_REFRESH = 'The refresh token is invalid, expired or already used.';

@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    private readonly sessionControl: SessionControlService,
  ) {}

  /** Opens a session and returns its first refresh token. */
  async open(userId: string, client: ClientInfo): Promise<{ session: Session; refreshToken: string }> {
    const { token, hash } = this.tokens.mintRefreshToken();
    const now = new Date();
    const session = this.sessions.create({
      id: randomUUID(),
      userId,
      refreshTokenHash: hash,
      previousTokenHash: null,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.config.auth.refreshTokenTtl * 1000),
      revokedAt: null,
    });
    await this.sessions.insert(session);
    return { session, refreshToken: token };
  }

  /**
   * Exchanges a refresh token for a new one. The swap is a conditional
   * UPDATE on the current hash, so of two concurrent uses exactly one wins.
   * Presenting a token that was already rotated away revokes the session:
   * someone else holds a copy.
   */
  async rotate(refreshToken: string): Promise<{ session: Session; refreshToken: string }> {
    const presented = hashRefreshToken(refreshToken);
    const session = await this.sessions.findOneBy({ refreshTokenHash: presented, revokedAt: IsNull() });
    if (!session || session.expiresAt.getTime() <= Date.now()) {
      await this.revokeIfReused(presented);
      throw new UnauthorizedError(ErrorCode.InvalidRefreshToken, INVALID_REFRESH);
    }
    const { token, hash } = this.tokens.mintRefreshToken();
    const now = new Date();
    const result = await this.sessions.update(
      { id: session.id, refreshTokenHash: presented, revokedAt: IsNull() },
      { refreshTokenHash: hash, previousTokenHash: presented, lastUsedAt: now },
    );
    if (!result.affected) throw new UnauthorizedError(ErrorCode.InvalidRefreshToken, INVALID_REFRESH);
    return { session: { ...session, refreshTokenHash: hash, previousTokenHash: presented, lastUsedAt: now }, refreshToken: token };
  }

  /** Revokes the session in the database and refuses its access tokens at once, on every node. */
  private async revokeIfReused(presentedHash: string): Promise<void> {
    await this.sessionControl.endReused(presentedHash);
  }
}
