import { Injectable } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { normaliseEmail } from 'src/modules/users/users.service';
import { RateCounters } from './rate-counters';

export type EmailRequestKind = 'password-reset' | 'verify-email';

/** 429 with Retry-After; the same words whether or not the email belongs to an account. */
export class TooManyEmailRequestsError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.TooManyEmailRequests, 429, 'Too many requests', `Too many emails were requested. Try again in ${retryAfterSeconds} seconds.`);
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/**
 * Limits the requests that make Basalt send an email (password reset,
 * verification link), so nobody can flood a mailbox or burn the mail
 * quota: per target email and per client address, each kind apart, on
 * RateCounters. Every request counts, before anything is looked up, and
 * the target email counts whether or not it is registered: an unknown email
 * gets exactly the answers a known one gets, 202 then 429.
 */
@Injectable()
export class EmailRequestThrottle {
  constructor(
    private readonly config: AppConfig,
    private readonly counters: RateCounters,
  ) {}

  /** Counts one request, or throws 429 (over a limit) or 503 (Redis unreachable). */
  async hit(kind: EmailRequestKind, email: string, ip: string | undefined): Promise<void> {
    const { maxPerEmail, maxPerIp, windowSeconds } = this.config.emailRequests;
    const reserved = await this.counters.reserve(
      this.counters.key(`email:${kind}`, 'account', normaliseEmail(email)),
      this.counters.key(`email:${kind}`, 'ip', ip || 'unknown'),
      { maxPerSubject: maxPerEmail, maxPerAddress: maxPerIp, windowSeconds },
      'Sending email is unavailable for a moment; try again shortly.',
    );
    if (!reserved.allowed) throw new TooManyEmailRequestsError(reserved.retryAfterSeconds);
  }
}
