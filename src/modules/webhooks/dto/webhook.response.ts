import type { DeliveryStatus } from '../webhook-delivery.entity';

/** A webhook as listed: never its secret. */
export class WebhookResponse {
  id: string;
  userId: string;
  url: string;
  events: string[];
  filter: Record<string, unknown> | null;
  active: boolean;
  /** Set when Basalt disabled the webhook after repeated failures. */
  disabledReason: string | null;
  /** Dead-lettered deliveries since the last success. */
  consecutiveFailures: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The webhook as created: `secret` is shown this once and never again. */
export class CreatedWebhookResponse extends WebhookResponse {
  /** The HMAC-SHA256 key of `X-Basalt-Signature`. */
  secret: string;
}

export class WebhookListResponse {
  data: WebhookResponse[];
}

export class WebhookAttemptResponse {
  attempt: number;
  /** The receiver's HTTP status; null when no answer came (network error, timeout, refused). */
  statusCode: number | null;
  durationMs: number;
  /** The first bytes of the answer. */
  responseExcerpt: string | null;
  error: string | null;
  at: Date;
}

export class WebhookDeliveryResponse {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  /** Every attempt, oldest first. */
  attemptLog: WebhookAttemptResponse[];
}

export class WebhookDeliveryListResponse {
  data: WebhookDeliveryResponse[];
}
