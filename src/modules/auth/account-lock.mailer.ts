import { Injectable } from '@nestjs/common';
import { MailTemplate } from 'src/modules/mail/mail-templates';
import { MailService } from 'src/modules/mail/mail.service';
import { UsersService } from 'src/modules/users/users.service';
import type { AccountLockEvent, AccountLockListener } from './account-lock.listener';

/**
 * Tells an account's owner by email that failed sign-ins locked it
 * (provided as ACCOUNT_LOCK_LISTENER). Emails nobody registered get nothing.
 */
@Injectable()
export class AccountLockMailer implements AccountLockListener {
  constructor(
    private readonly users: UsersService,
    private readonly mail: MailService,
  ) {}

  async accountLocked(event: AccountLockEvent): Promise<void> {
    if (!event.userId) return;
    const user = await this.users.findById(event.userId);
    if (!user || user.disabled) return;
    await this.mail.send({
      to: user.email,
      template: MailTemplate.AccountLocked,
      data: { name: user.name, lockedUntil: event.lockedUntil.toISOString() },
      // One mail per lock, however many nodes or retries report it.
      key: `${user.id}.${event.lockedUntil.getTime()}`,
    });
  }
}
