/**
 * The messages Basalt sends: a subject, a plain-text body and a simple HTML
 * body per template. Pure code: the processor renders at send time, so a
 * queued job carries only the template name and its data.
 */
export const MailTemplate = {
  VerifyEmail: 'verify-email',
  PasswordReset: 'password-reset',
  AccountLocked: 'account-locked',
  PasswordChanged: 'password-changed',
  WebhookDisabled: 'webhook-disabled',
  Alert: 'alert',
} as const;

export type MailTemplate = (typeof MailTemplate)[keyof typeof MailTemplate];

export const MAIL_TEMPLATES: readonly MailTemplate[] = Object.values(MailTemplate);

/** What each template needs. Dates travel as ISO 8601 strings (job data is JSON). */
export interface MailTemplateData {
  'verify-email': { name?: string | null; link: string; expiresInSeconds: number };
  'password-reset': { name?: string | null; link: string; expiresInSeconds: number };
  'account-locked': { name?: string | null; lockedUntil?: string | null };
  'password-changed': { name?: string | null; changedAt: string };
  'webhook-disabled': { name?: string | null; url: string; failures: number; lastError: string };
  alert: { name?: string | null; kind: 'fired' | 'resolved'; rule: string; severity: string; condition: string; value: number | null; at: string; eventsUrl: string };
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph of the body: plain text, optionally with a link shown as a button in HTML and as a bare URL in text. */
type Block = string | { link: string; label: string };

export function isMailTemplate(value: unknown): value is MailTemplate {
  return typeof value === 'string' && (MAIL_TEMPLATES as readonly string[]).includes(value);
}

export function renderMail<T extends MailTemplate>(template: T, data: MailTemplateData[T]): RenderedMail {
  const { subject, blocks } = compose(template, data);
  const greeting = data.name ? `Hello ${data.name},` : 'Hello,';
  const all: Block[] = [greeting, ...blocks];
  return { subject, text: renderText(all), html: renderHtml(subject, all) };
}

function compose(template: MailTemplate, data: MailTemplateData[MailTemplate]): { subject: string; blocks: Block[] } {
  switch (template) {
    case MailTemplate.VerifyEmail: {
      const d = data as MailTemplateData['verify-email'];
      return {
        subject: 'Confirm your email address',
        blocks: [
          'Please confirm that this is your email address by opening this link:',
          { link: d.link, label: 'Confirm my email address' },
          `The link works once and expires in ${formatDuration(d.expiresInSeconds)}. If you did not create an account, you can ignore this message.`,
        ],
      };
    }
    case MailTemplate.PasswordReset: {
      const d = data as MailTemplateData['password-reset'];
      return {
        subject: 'Reset your password',
        blocks: [
          'Someone asked to reset the password of your account. To choose a new password, open this link:',
          { link: d.link, label: 'Choose a new password' },
          `The link works once and expires in ${formatDuration(d.expiresInSeconds)}. Resetting the password signs out every device. If you did not ask for this, ignore this message: your password stays as it is.`,
        ],
      };
    }
    case MailTemplate.AccountLocked: {
      const d = data as MailTemplateData['account-locked'];
      const until = d.lockedUntil ? ` until ${formatInstant(d.lockedUntil)}` : ' for a while';
      return {
        subject: 'Your account was locked after failed sign-ins',
        blocks: [
          `There were several failed attempts to sign in to your account, so sign-in is blocked${until}.`,
          'If that was you, wait and try again. If it was not, someone may be guessing your password: consider choosing a new one.',
        ],
      };
    }
    case MailTemplate.PasswordChanged: {
      const d = data as MailTemplateData['password-changed'];
      return {
        subject: 'Your password was changed',
        blocks: [
          `The password of your account was changed at ${formatInstant(d.changedAt)}, and every device was signed out.`,
          'If you did this, there is nothing else to do. If you did not, reset your password now and check your account.',
        ],
      };
    }
    case MailTemplate.WebhookDisabled: {
      const d = data as MailTemplateData['webhook-disabled'];
      return {
        subject: 'A webhook was disabled after repeated failures',
        blocks: [
          `Your webhook to ${d.url} failed ${d.failures} deliveries in a row, so Basalt disabled it. The last error: ${d.lastError}`,
          'Check the receiver and the delivery log (GET /api/v1/webhooks/<id>/deliveries), then set the webhook active again; failed deliveries can be replayed.',
        ],
      };
    }
    case MailTemplate.Alert: {
      const d = data as MailTemplateData['alert'];
      const value = d.value === null ? 'no data' : String(d.value);
      return d.kind === 'fired'
        ? {
            subject: `[${d.severity.toUpperCase()}] Alert firing: ${d.rule}`,
            blocks: [`The alert "${d.rule}" fired at ${formatInstant(d.at)}: ${d.condition} holds (value now ${value}).`, 'A second message follows when it resolves. The alert history:', { link: d.eventsUrl, label: 'Alert history' }],
          }
        : {
            subject: `[RESOLVED] ${d.rule}`,
            blocks: [`The alert "${d.rule}" resolved at ${formatInstant(d.at)}: ${d.condition} no longer holds (value now ${value}).`, { link: d.eventsUrl, label: 'Alert history' }],
          };
    }
  }
}

function renderText(blocks: Block[]): string {
  return `${blocks.map((block) => (typeof block === 'string' ? block : block.link)).join('\n\n')}\n`;
}

function renderHtml(title: string, blocks: Block[]): string {
  const body = blocks
    .map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block)}</p>`
        : `<p><a href="${escapeHtml(block.link)}" style="display:inline-block;padding:10px 16px;background:#2d3748;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(block.label)}</a></p>\n<p style="font-size:12px;color:#555555">Or copy this address into your browser: ${escapeHtml(block.link)}</p>`,
    )
    .join('\n');
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body style="font-family:sans-serif;line-height:1.5;color:#1a202c">\n${body}\n</body></html>\n`;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** 172800 → "48 hours", 3600 → "1 hour", 90 → "2 minutes", 2 → "2 seconds". */
export function formatDuration(seconds: number): string {
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (seconds >= 3600 && seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds >= 3600) return unit(Math.round(seconds / 360) / 10, 'hour');
  if (seconds >= 60) return unit(Math.round(seconds / 60), 'minute');
  return unit(Math.max(0, Math.round(seconds)), 'second');
}

function formatInstant(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
