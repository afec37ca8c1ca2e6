import { Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type { AppConfig } from 'src/config/app-config';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** For logs only. */
  template: string;
}

/** Where rendered mail goes: an SMTP server, or the log when none is configured. */
export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export const MAIL_TRANSPORT = Symbol('MailTransport');

/** Bounds on each SMTP conversation, so a server that hangs fails the attempt (and Bull retries) instead of holding the job. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 };

export function createMailTransport(config: Pick<AppConfig, 'mail'>, logger: Pick<Logger, 'log'> = new Logger('Mail')): MailTransport {
  return config.mail.smtpUrl ? new SmtpTransport(config.mail.smtpUrl, config.mail.from) : new LogTransport(logger);
}

/** nodemailer over the BASALT_SMTP_URL server: STARTTLS when the server offers it on smtp://, TLS from the start on smtps://. */
class SmtpTransport implements MailTransport {
  readonly kind = 'smtp';
  private readonly transporter: Transporter;

  constructor(url: string, private readonly from: string) {
    this.transporter = createTransport({ url, ...SMTP_TIMEOUTS });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * No SMTP server configured (development, demos): the mail is logged as
 * sent — recipient and subject only. The body holds one-time links, which
 * must never reach a log.
 */
class LogTransport implements MailTransport {
  readonly kind = 'log';

  constructor(private readonly logger: Pick<Logger, 'log'>) {}

  async send(mail: OutgoingMail): Promise<void> {
    this.logger.log({ mailTo: mail.to, subject: mail.subject, template: mail.template }, `mail to ${mail.to}: "${mail.subject}" (not sent: BASALT_SMTP_URL is not set)`);
  }

  close(): void {
    // nothing to close
  }
}
