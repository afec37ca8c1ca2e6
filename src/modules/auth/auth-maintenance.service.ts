import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { AccountToken } from './account-token.entity';
import { Session } from './session.entity';

/** Sessions stay a day past their end: long enough for every access token they issued to have expired. */
const SESSION_KEEP_MS = 24 * 3600 * 1000;

/**
 * Housekeeping of the auth tables, run on a schedule by the jobs module.
 * A revoked session must outlive its access tokens: the revocation list is
 * rebuilt from `revoked_at` over the access-token lifetime, so a row deleted
 * sooner would let a revoked token through again.
 */
@Injectable()
export class AuthMaintenanceService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(AccountToken) private readonly tokens: Repository<AccountToken>,
    private readonly config: AppConfig,
  ) {}

  async deleteStale(now = new Date()): Promise<{ accountTokens: number; sessions: number }> {
    const sessionCutoff = new Date(now.getTime() - Math.max(SESSION_KEEP_MS, 2 * this.config.auth.accessTokenTtl * 1000));
    const accountTokens = (await this.tokens.delete({ expiresAt: LessThan(now) })).affected ?? 0;
    const expired = (await this.sessions.delete({ expiresAt: LessThan(sessionCutoff) })).affected ?? 0;
    const revoked = (await this.sessions.delete({ revokedAt: LessThan(sessionCutoff) })).affected ?? 0;
    return { accountTokens, sessions: expired + revoked };
  }
}
