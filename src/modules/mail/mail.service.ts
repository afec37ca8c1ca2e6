import { createHash } from 'node:crypto';
import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { MAIL_JOB_OPTIONS, MailJob, QueueName } from 'src/infra/queue/queue-names';
import type { MailTemplate, MailTemplateData } from './mail-templates';
import type { MailJobData } from './mail.queue';

export interface MailRequest<T extends MailTemplate> {
  to: string;
  template: T;
  data: MailTemplateData[T];
  /**
   * What makes this mail unique (a token id, an event id): the job id is
   * `<template>.<key>`, so enqueuing the same mail twice sends it once.
   * Without one, a digest of the recipient, template and data is used.
   */
  key?: string;
}

/** Outgoing email for every module: enqueues a job on the `mail` queue; a processor renders and sends it. */
@Injectable()
export class MailService {
  constructor(@InjectQueue(QueueName.Mail) private readonly queue: Queue<MailJobData>) {}

  /** Resolves once the job is safely in Redis (not when the mail is delivered); returns the job id. */
  async send<T extends MailTemplate>(request: MailRequest<T>): Promise<string> {
    const jobId = mailJobId(request);
    const data: MailJobData<T> = { to: request.to, template: request.template, data: request.data };
    await this.queue.add(MailJob.Send, data, { ...MAIL_JOB_OPTIONS, jobId });
    return jobId;
  }
}

export function mailJobId(request: MailRequest<MailTemplate>): string {
  const key = request.key ?? createHash('sha256').update(JSON.stringify([request.to, request.template, request.data])).digest('hex').slice(0, 32);
  return `${request.template}.${key}`;
}
