import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { normaliseEmail } from 'src/modules/users/users.service';
import { ACCOUNT_LOCK_LISTENER, type AccountLockListener } from './account-lock.listener';
import { RateCounters } from './rate-counters';

export interface LoginAttempt {
  email: string;
  ip: string;
  accountKey: string;
  addressKey: string;
  /** The account's failure count including this attempt. */
  accountFailures: number;
}

/** 429 with Retry-After; one wording for every case, so it tells nothing about the account. */
export class TooManyLoginAttemptsError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      ErrorCode.TooManyLoginAttempts,
      429,
      'Too many requests',
      `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} seconds.`,
    );
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/**
 * Brute-force protection for password and second-factor checks (login,
 * password change, MFA), on RateCounters: per account (the normalised email,
 * whether or not it is registered, so the answers do not reveal which emails
 * exist) and per client address. Every attempt is counted up front; over
 * either threshold every attempt answers 429 without checking anything. A
 * success resets the account's count (not the address's: one valid account
 * must not launder an address's failures).
 *
 * When Redis cannot be reached the check fails closed (503): brute-force
 * protection is not silently switched off.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('LoginThrottle');

  constructor(
    private readonly config: AppConfig,
    private readonly counters: RateCounters,
    @Optional() @Inject(ACCOUNT_LOCK_LISTENER) private readonly listener?: AccountLockListener,
  ) {}

  /** Reserves an attempt, or throws 429 (locked) or 503 (Redis unreachable). */
  async begin(email: string, ip: string | undefined): Promise<LoginAttempt> {
    const normalised = normaliseEmail(email);
    const address = ip || 'unknown';
    const { maxFailuresPerAccount, maxFailuresPerIp, lockSeconds } = this.config.login;
    const reserved = await this.counters.reserve(
      this.counters.key('login', 'account', normalised),
      this.counters.key('login', 'ip', address),
      { maxPerSubject: maxFailuresPerAccount, maxPerAddress: maxFailuresPerIp, windowSeconds: lockSeconds },
      'Signing in is unavailable for a moment; try again shortly.',
    );
    if (!reserved.allowed) throw new TooManyLoginAttemptsError(reserved.retryAfterSeconds);
    return { email: normalised, ip: address, accountKey: reserved.subjectKey, addressKey: reserved.addressKey, accountFailures: reserved.subjectCount };
  }

  /** The attempt failed (it is already counted); tells the listener when it locked the account. */
  failed(attempt: LoginAttempt, userId: string | null): void {
    const { maxFailuresPerAccount, lockSeconds } = this.config.login;
    if (attempt.accountFailures !== maxFailuresPerAccount || !this.listener) return;
    const event = { email: attempt.email, userId, failures: maxFailuresPerAccount, lockedUntil: new Date(Date.now() + lockSeconds * 1000), ip: attempt.ip };
    setImmediate(() => {
      Promise.resolve()
        .then(() => this.listener!.accountLocked(event))
        .catch((error: Error) => this.logger.error({ err: error }, 'the account-lock listener failed'));
    });
  }

  /** The password was right: the account's count starts over. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.counters.forgive({ subjectKey: attempt.accountKey, addressKey: attempt.addressKey });
  }
}
