import type { MailTemplate, MailTemplateData } from './mail-templates';

/** What a `mail` queue job carries: who gets which template with which data (rendered when the job runs). */
export interface MailJobData<T extends MailTemplate = MailTemplate> {
  to: string;
  template: T;
  data: MailTemplateData[T];
}
