import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ConflictError, DomainError, NotFoundError, UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { AppConfig } from 'src/config/app-config';
import { ApiKeysService } from 'src/modules/api-keys/api-keys.service';
import { LoginThrottle } from 'src/modules/auth/login-throttle.service';
import { PasswordHasher } from 'src/modules/auth/password-hasher';
import { SessionRevocations } from 'src/modules/auth/session-revocations.service';
import { ReadCache } from 'src/modules/read-cache/read-cache.service';
import { UsersService } from 'src/modules/users/users.service';
import { PersonalDataRepository } from './personal-data.repository';

/** How recent a sign-in must be to erase an account that has no password. */
export const RECENT_LOGIN_MS = 5 * 60_000;

const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).toISOString());

/** The data subject's rights over their own account: a full export, and erasure. */
@Injectable()
export class GdprService {
  private readonly logger = new Logger('GdprService');

  constructor(
    private readonly config: AppConfig,
    private readonly data: PersonalDataRepository,
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly revocations: SessionRevocations,
    private readonly cache: ReadCache,
  ) {}

  /** Everything Basalt holds about the caller, as one JSON document. */
  async export(caller: AuthUser) {
    const held = await this.data.read(caller.id);
    if (!held.user) throw new NotFoundError('The account no longer exists.');
    const u = held.user;
    return {
      exportedAt: new Date().toISOString(),
      account: {
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        disabled: Boolean(u.disabled),
        emailVerifiedAt: date(u.email_verified_at),
        hasPassword: Boolean(Number(u.has_password)) || u.has_password === true,
        createdAt: date(u.created_at),
        updatedAt: date(u.updated_at),
      },
      sessions: held.sessions.map((s) => ({ id: s.id, createdAt: date(s.created_at), lastUsedAt: date(s.last_used_at), expiresAt: date(s.expires_at), revokedAt: date(s.revoked_at), userAgent: s.user_agent, ip: s.ip })),
      identities: held.identities.map((i) => ({ provider: i.provider, subject: i.subject, email: i.email, createdAt: date(i.created_at) })),
      apiKeys: await this.apiKeys.allOf(caller.id),
      roles: held.roles.map((r) => ({ role: r.role, since: date(r.created_at) })),
      webhooks: held.webhooks.map((w) => ({ id: w.id, url: w.url, events: JSON.parse(String(w.events)) as string[], filter: w.filter ? (JSON.parse(String(w.filter)) as unknown) : null, active: Boolean(w.active), createdAt: date(w.created_at) })),
      ...(held.mfa ? { mfa: { enabled: held.mfa.some((m) => m.confirmed_at !== null), recoveryCodesLeft: (held.recoveryCodes ?? []).filter((c) => c.used_at === null).length } } : {}),
      emailTokens: held.accountTokens.map((t) => ({ purpose: t.purpose, createdAt: date(t.created_at), expiresAt: date(t.expires_at), usedAt: date(t.used_at) })),
      schemaEvents: held.schemaEvents.map((e) => ({ version: Number(e.version), collection: e.collection, action: e.action, createdAt: date(e.created_at) })),
      // Every record whose collection's ownerField holds the caller's id, trashed ones included.
      collections: held.collections,
    };
  }

  /**
   * Deletes (or anonymises, BASALT_ERASURE_MODE) the caller's account and
   * everything linked to it, records the erasure, and refuses every token
   * of the account on every node at once.
   */
  async erase(caller: AuthUser, password: string | undefined, ip: string | undefined): Promise<void> {
    const user = await this.users.findWithPasswordById(caller.id);
    if (!user) throw new UnauthorizedError(ErrorCode.Unauthorized, 'The account no longer exists.');
    if (user.passwordHash) {
      if (password === undefined) throw wrongPassword('is required');
      // Counted like a login: a stolen access token cannot be used to guess the password.
      const attempt = await this.throttle.begin(user.email, ip);
      if (!(await this.passwords.verify(user.passwordHash, password))) {
        this.throttle.failed(attempt, user.id);
        throw wrongPassword('is not the account\'s password');
      }
      await this.throttle.succeeded(attempt);
    } else {
      const signedInAt = await this.data.sessionCreatedAt(caller.sessionId);
      if (!signedInAt || Date.now() - signedInAt.getTime() > RECENT_LOGIN_MS) {
        throw new DomainError(ErrorCode.RecentLoginRequired, 403, 'Recent sign-in required', 'This account has no password: sign in again (within the last 5 minutes) to erase it.');
      }
    }
    if (user.role === 'admin' && (await this.users.countByRole('admin')) <= 1) {
      throw new ConflictError(ErrorCode.Conflict, 'The only administrator cannot erase their account: make someone else an administrator first.');
    }
    const mode = this.config.erasure.mode;
    const { sessionIds, apiKeyIds, records } = await this.data.erase(user.id, mode, 'self-service');
    // Committed: now refuse every token of the account, here at once and on every other node through Redis.
    await this.revocations.userCutOff(user.id);
    await this.revocations.sessionsEnded(sessionIds);
    await this.apiKeys.deleted(apiKeyIds);
    // As a record write does: one generation bump per event appended (one per record), before answering; Redis away, the relay bumps.
    await this.cache.bumpWritten(records.flatMap((r) => Array<string>(r.count).fill(r.collection))).catch(() => undefined);
    const summary = records.map((r) => `${r.count} ${r.action} in ${r.collection}`).join(', ');
    this.logger.log(`account ${user.id} erased (${mode})${summary ? `; records: ${summary}` : ''}`);
  }
}

function wrongPassword(message: string): DomainError {
  return new DomainError(ErrorCode.WrongPassword, 400, 'Wrong password', 'The password is needed to erase the account.', [{ field: 'password', message }]);
}
