import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { MailService } from 'src/modules/mail/mail.service';
import { MailTemplate } from 'src/modules/mail/mail-templates';
import { UsersService } from 'src/modules/users/users.service';
import { outboundPolicy, type OutboundPolicy } from './outbound-guard';
import { postGuarded, type OutboundResult } from './outbound-request';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { isRetryable } from './webhook-retry';
import { signWebhook } from './webhook-signature';
import { Webhook } from './webhook.entity';

/** At most this much of an answer is read; the first EXCERPT_BYTES of it are logged. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
const EXCERPT_BYTES = 1024;

export type AttemptOutcome = 'done' | 'retry';

/**
 * One attempt of one delivery: sign, POST through the SSRF guard, log the
 * attempt, then settle the delivery (delivered, retry later, or dead). A
 * webhook whose deliveries keep dying is disabled and its owner emailed.
 */
@Injectable()
export class WebhookSenderService {
  private readonly logger = new Logger('Webhooks');
  private readonly policy: OutboundPolicy;

  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectRepository(WebhookAttempt) private readonly attempts: Repository<WebhookAttempt>,
    private readonly users: UsersService,
    private readonly mail: MailService,
    private readonly config: AppConfig,
  ) {
    this.policy = outboundPolicy(config.outbound.allowlist);
  }

  /** `last`: no retry follows this attempt whatever happens. */
  async attempt(deliveryId: string, last: boolean): Promise<AttemptOutcome> {
    const delivery = await this.deliveries.findOneBy({ id: deliveryId });
    if (!delivery || delivery.status !== 'pending') return 'done';
    const webhook = await this.webhooks.createQueryBuilder('w').addSelect('w.secret').where('w.id = :id', { id: delivery.webhookId }).getOne();
    if (!webhook) return 'done';
    if (!webhook.active) {
      await this.deliveries.update({ id: delivery.id, status: 'pending' }, { status: 'skipped', updatedAt: new Date() });
      return 'done';
    }

    const attempt = delivery.attempts + 1;
    const started = Date.now();
    const result = await postGuarded({
      url: webhook.url,
      body: delivery.payload,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Basalt-Webhooks/1',
        'x-basalt-event': delivery.eventType,
        'x-basalt-delivery': delivery.id,
        'x-basalt-signature': signWebhook(webhook.secret, delivery.payload, Math.floor(Date.now() / 1000)),
      },
      policy: this.policy,
      timeoutMs: this.config.webhooks.timeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    const durationMs = Date.now() - started;
    const succeeded = result.ok && result.statusCode >= 200 && result.statusCode < 300;
    const error = succeeded ? null : describeFailure(result);
    await this.attempts.insert({
      id: randomUUID(),
      deliveryId: delivery.id,
      attempt,
      statusCode: result.ok ? result.statusCode : null,
      durationMs,
      responseExcerpt: result.ok ? result.body.subarray(0, EXCERPT_BYTES).toString('utf8') : null,
      error: error?.slice(0, 500) ?? null,
      at: new Date(),
    });

    const retry = !succeeded && !last && isRetryable(result.ok ? { statusCode: result.statusCode } : { refused: result.refused });
    const status = succeeded ? 'delivered' : retry ? 'pending' : 'dead';
    await this.deliveries.update({ id: delivery.id }, { status, attempts: attempt, updatedAt: new Date() });
    if (succeeded) {
      if (webhook.consecutiveFailures > 0) await this.webhooks.update({ id: webhook.id }, { consecutiveFailures: 0 });
    } else if (status === 'dead') {
      this.logger.warn(`webhook ${webhook.id}: delivery ${delivery.id} (event ${delivery.eventId}) dead after ${attempt} attempt(s): ${error}`);
      await this.deadLettered(webhook, error!);
    }
    return retry ? 'retry' : 'done';
  }

  private async deadLettered(webhook: Webhook, lastError: string): Promise<void> {
    await this.webhooks.increment({ id: webhook.id }, 'consecutiveFailures', 1);
    const failures = webhook.consecutiveFailures + 1;
    if (failures < this.config.webhooks.disableAfter) return;
    const reason = `disabled after ${failures} failed deliveries in a row; last error: ${lastError}`.slice(0, 300);
    // Only the update that flips `active` notifies, so the owner gets one mail per disabling.
    const flipped = await this.webhooks.update({ id: webhook.id, active: true }, { active: false, disabledReason: reason, updatedAt: new Date() });
    if (!flipped.affected) return;
    this.logger.warn(`webhook ${webhook.id} ${reason}`);
    const owner = await this.users.findById(webhook.userId);
    if (!owner) return;
    await this.mail.send({ to: owner.email, template: MailTemplate.WebhookDisabled, data: { name: owner.name, url: webhook.url, failures, lastError }, key: `${webhook.id}.${Date.now()}` });
  }
}

function describeFailure(result: OutboundResult): string {
  return result.ok ? `HTTP ${result.statusCode}` : result.error;
}
