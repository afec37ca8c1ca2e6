import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { Session } from './session.entity';

/** Bound on the ids in one IN list. */
const CHUNK = 500;

/** The named queries session management and revocation run on `sessions`. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectRepository(Session) private readonly sessions: Repository<Session>) {}

  /** Sessions that can still be refreshed, most recently used first. */
  listLive(userId: string, now = new Date()): Promise<Session[]> {
    return this.sessions.find({ where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(now) }, order: { lastUsedAt: 'DESC', id: 'ASC' } });
  }

  findLive(id: string, now = new Date()): Promise<Session | null> {
    return this.sessions.findOneBy({ id, revokedAt: IsNull(), expiresAt: MoreThan(now) });
  }

  /** Every not-yet-revoked session of a user (expired ones too: revoking them is harmless), but `except`. */
  async unrevokedIds(userId: string, except?: string): Promise<string[]> {
    const rows = await this.sessions.find({ select: { id: true }, where: { userId, revokedAt: IsNull(), ...(except ? { id: Not(except) } : {}) } });
    return rows.map((row) => row.id);
  }

  /** Sessions a refresh token's earlier value points to (reuse detection), not yet revoked. */
  async unrevokedByPreviousHash(previousTokenHash: string): Promise<string[]> {
    const rows = await this.sessions.find({ select: { id: true }, where: { previousTokenHash, revokedAt: IsNull() } });
    return rows.map((row) => row.id);
  }

  async revoke(ids: string[], at = new Date()): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await this.sessions.update({ id: In(ids.slice(i, i + CHUNK)), revokedAt: IsNull() }, { revokedAt: at });
    }
  }

  /** Sessions revoked after `since` (uses sessions_revoked_at_idx). */
  async revokedSince(since: Date): Promise<{ id: string; revokedAt: Date }[]> {
    const rows = await this.sessions.find({ select: { id: true, revokedAt: true }, where: { revokedAt: MoreThan(since) } });
    return rows.map((row) => ({ id: row.id, revokedAt: new Date(row.revokedAt!) }));
  }

  /** Of these session ids (at most 500), the ones not revoked, with their user. */
  async unrevokedAmong(ids: string[]): Promise<Map<string, string>> {
    const live = new Map<string, string>();
    if (ids.length === 0) return live;
    const rows = await this.sessions.find({ select: { id: true, userId: true }, where: { id: In(ids), revokedAt: IsNull() } });
    for (const row of rows) live.set(row.id, row.userId);
    return live;
  }
}
