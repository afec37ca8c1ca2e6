import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { isMailTemplate, renderMail } from './mail-templates';
import type { MailJobData } from './mail.queue';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';

/** A mail job that can never succeed: retrying it is pointless. */
export class PermanentMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMailError';
  }
}

/** Renders a queued mail and hands it to the transport: the logic behind the mail processor. */
@Injectable()
export class MailSenderService implements OnModuleDestroy {
  constructor(@Inject(MAIL_TRANSPORT) private readonly transport: MailTransport) {}

  async deliver(job: MailJobData): Promise<void> {
    if (!isMailTemplate(job.template)) throw new PermanentMailError(`unknown mail template "${String(job.template)}"`);
    if (typeof job.to !== 'string' || !job.to.includes('@')) throw new PermanentMailError('the job has no recipient address');
    const rendered = renderMail(job.template, job.data);
    try {
      await this.transport.send({ to: job.to, template: job.template, ...rendered });
    } catch (error) {
      // 5xx from the server (unknown mailbox, refused sender): the same message would be refused again.
      const code = (error as { responseCode?: number }).responseCode;
      if (typeof code === 'number' && code >= 500 && code < 600) throw new PermanentMailError(`the mail server refused the message (${code})`);
      throw error;
    }
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
