import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { MailService } from 'src/modules/mail/mail.service';
import { MailTemplate } from 'src/modules/mail/mail-templates';
import { outboundPolicy, type OutboundPolicy } from 'src/modules/webhooks/outbound-guard';
import { postGuarded } from 'src/modules/webhooks/outbound-request';
import { signWebhook } from 'src/modules/webhooks/webhook-signature';
import type { AlertEvent, NotificationOutcome } from './alert-event.entity';
import type { AlertRule } from './alert-rule.entity';

const MAX_RESPONSE_BYTES = 4096;

/** The JSON body an alert webhook receives. */
export interface AlertNotification {
  type: 'alert.fired' | 'alert.resolved';
  id: string;
  at: string;
  value: number | null;
  rule: { id: string; name: string; metric: string; queue: string | null; operator: string; threshold: number; forSeconds: number; severity: string };
}

/**
 * Tells people about one fired or resolved: a POST to every webhook (through
 * the SSRF guard, one attempt bounded by BASALT_WEBHOOK_TIMEOUT_MS, signed
 * when BASALT_ALERT_WEBHOOK_SECRET is set) and a mail to every address (the
 * mail queue retries). Never throws: each target's outcome is returned for
 * the event's record, and a failure is logged.
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger('Alerts');
  private readonly policy: OutboundPolicy;

  constructor(
    private readonly mail: MailService,
    private readonly config: AppConfig,
  ) {
    this.policy = outboundPolicy(config.outbound.allowlist);
  }

  async notify(rule: AlertRule, event: AlertEvent): Promise<NotificationOutcome[]> {
    const webhooks = unique([...(JSON.parse(rule.webhookUrls) as string[]), ...(this.config.alerts.webhookUrl ? [this.config.alerts.webhookUrl] : [])]);
    const emails = unique([...(JSON.parse(rule.emails) as string[]), ...this.config.alerts.emails]);
    const outcomes = await Promise.all([...webhooks.map((url) => this.post(url, rule, event)), ...emails.map((to) => this.email(to, rule, event))]);
    for (const failed of outcomes.filter((o) => !o.ok)) this.logger.warn(`alert "${rule.name}" ${event.kind}: ${failed.channel} ${failed.target} failed: ${failed.error}`);
    return outcomes;
  }

  private async post(url: string, rule: AlertRule, event: AlertEvent): Promise<NotificationOutcome> {
    const body = JSON.stringify(notification(rule, event));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Basalt-Alerts/1', 'x-basalt-event': `alert.${event.kind}`, 'x-basalt-delivery': event.id };
    if (this.config.alerts.webhookSecret) headers['x-basalt-signature'] = signWebhook(this.config.alerts.webhookSecret, body, Math.floor(Date.now() / 1000));
    const result = await postGuarded({ url, body, headers, policy: this.policy, timeoutMs: this.config.webhooks.timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES });
    if (!result.ok) return { channel: 'webhook', target: url, ok: false, error: result.error.slice(0, 300) };
    const ok = result.statusCode >= 200 && result.statusCode < 300;
    return { channel: 'webhook', target: url, ok, status: result.statusCode, ...(ok ? {} : { error: `HTTP ${result.statusCode}` }) };
  }

  private async email(to: string, rule: AlertRule, event: AlertEvent): Promise<NotificationOutcome> {
    try {
      await this.mail.send({
        to,
        template: MailTemplate.Alert,
        data: { kind: event.kind, rule: rule.name, severity: rule.severity, condition: condition(rule), value: event.value, at: event.at.toISOString(), eventsUrl: `${this.config.publicUrl}/api/v1/alerts/events?rule=${rule.id}` },
        key: `${event.id}.${to}`,
      });
      return { channel: 'email', target: to, ok: true };
    } catch (error) {
      return { channel: 'email', target: to, ok: false, error: (error as Error).message.slice(0, 300) };
    }
  }
}

export function notification(rule: AlertRule, event: AlertEvent): AlertNotification {
  return {
    type: `alert.${event.kind}`,
    id: event.id,
    at: event.at.toISOString(),
    value: event.value,
    rule: { id: rule.id, name: rule.name, metric: rule.metric, queue: rule.queue, operator: rule.operator, threshold: rule.threshold, forSeconds: rule.forSeconds, severity: rule.severity },
  };
}

/** `queue_backlog{queue="mail"} > 1000`. */
export function condition(rule: Pick<AlertRule, 'metric' | 'queue' | 'operator' | 'threshold'>): string {
  return `${rule.metric}${rule.queue ? `{queue="${rule.queue}"}` : ''} ${rule.operator} ${rule.threshold}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
