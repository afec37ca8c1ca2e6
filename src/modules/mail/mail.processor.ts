import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { MailJob, QueueName } from 'src/infra/queue/queue-names';
import { MailSenderService, PermanentMailError } from './mail-sender.service';
import type { MailJobData } from './mail.queue';

/** An adapter: runs `mail` jobs through MailSenderService; Bull retries failures with backoff (MAIL_JOB_OPTIONS). */
@Processor(QueueName.Mail)
export class MailProcessor {
  private readonly logger = new Logger('Mail');

  constructor(private readonly sender: MailSenderService) {}

  @Process(MailJob.Send)
  async send(job: Job<MailJobData>): Promise<void> {
    try {
      await this.sender.deliver(job.data);
    } catch (error) {
      const attempt = job.attemptsMade + 1;
      const attempts = job.opts.attempts ?? 1;
      const permanent = error instanceof PermanentMailError;
      if (permanent) await job.discard();
      const reason = error instanceof Error ? error.message : String(error);
      // The job id and template identify the mail; never its data (it holds one-time links).
      this.logger.warn(
        { jobId: job.id, template: job.data.template, attempt, attempts },
        `mail job ${job.id} (${job.data.template}) attempt ${attempt}/${attempts} failed: ${reason}${permanent || attempt >= attempts ? '; giving up' : '; will retry'}`,
      );
      throw error;
    }
  }
}
