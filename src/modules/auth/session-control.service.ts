import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { NotFoundError } from 'src/common/errors/domain.error';
import type { SessionListResponse } from './dto/session.response';
import { SessionRevocations } from './session-revocations.service';
import { SessionsRepository } from './sessions.repository';

/**
 * Ending sessions: the database first (the source of truth, and what refresh
 * checks), then SessionRevocations, which refuses their access tokens at once
 * on this node and announces it to the others.
 */
@Injectable()
export class SessionControlService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revocations: SessionRevocations,
  ) {}

  async list(caller: AuthUser): Promise<SessionListResponse> {
    const sessions = await this.sessions.listLive(caller.id);
    return {
      data: sessions.map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        expiresAt: s.expiresAt,
        userAgent: s.userAgent,
        ip: s.ip,
        current: s.id === caller.sessionId,
      })),
    };
  }

  logout(caller: AuthUser): Promise<void> {
    return this.end([caller.sessionId]);
  }

  async logoutAll(caller: AuthUser): Promise<void> {
    await this.end(await this.sessions.unrevokedIds(caller.id));
  }

  /** One of the caller's own live sessions; anyone else's is "not found", like one that does not exist. */
  async remove(caller: AuthUser, sessionId: string): Promise<void> {
    const session = await this.sessions.findLive(sessionId);
    if (!session || session.userId !== caller.id) throw new NotFoundError(`You have no active session ${sessionId}.`);
    await this.end([sessionId]);
  }

  /** Every session of a user, but `except` (password change keeps the caller's). */
  async endAllOf(userId: string, except?: string): Promise<void> {
    await this.end(await this.sessions.unrevokedIds(userId, except));
  }

  /** Refresh-token reuse: ends the session whose refresh token was rotated away from this hash (someone else holds a copy). */
  async endReused(previousTokenHash: string): Promise<void> {
    await this.end(await this.sessions.unrevokedByPreviousHash(previousTokenHash));
  }

  private async end(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sessions.revoke(ids);
    await this.revocations.sessionsEnded(ids);
  }
}
