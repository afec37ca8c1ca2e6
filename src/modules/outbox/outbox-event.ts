/**
 * What every reaction to a change (webhooks, realtime, cache invalidation,
 * audit) receives. Events are written to the outbox table in the same
 * transaction as the change, then relayed in order, in batches of consecutive
 * events: one job per batch on the `events` Bull queue (job name `batch`,
 * data `EventBatch`) and one message per batch on the Redis channel `events`
 * (RedisChannels; the message is the JSON of the batch's events array, read
 * it with parseEventsMessage). Batching keeps the relay's cost per event
 * small when writes come fast; when they come one by one a batch holds one.
 */
export const RECORD_EVENT_ACTIONS = ['create', 'update', 'delete', 'restore', 'purge'] as const;
export type RecordEventAction = (typeof RECORD_EVENT_ACTIONS)[number];

export const SCHEMA_EVENT_ACTIONS = ['create', 'update', 'delete'] as const;
export type SchemaEventAction = (typeof SCHEMA_EVENT_ACTIONS)[number];

export type EventType = `records.${RecordEventAction}` | `schema.${SchemaEventAction}`;

export interface OutboxEvent {
  /** Stable id: the outbox row's sequence number as a decimal string. Consumers deduplicate on it. */
  id: string;
  /**
   * Place in the relayed stream, strictly increasing in the order events went
   * out (gap-free). Server-Sent Events use it as the event id; a client
   * resumes with Last-Event-ID = the last position it saw.
   */
  position: number;
  type: EventType;
  collection: string;
  /** records.*: the record's id; schema.*: null. */
  recordId: string | null;
  /** The user who made the change; null for anonymous callers and Basalt itself. */
  actorId: string | null;
  /**
   * records.*: the record as written, every field (consumers apply the
   * reader's read grant before passing it on); for delete and purge, the
   * record as it was. schema.*: the collection definition (create, update) or null (delete).
   */
  data: Record<string, unknown> | null;
  /** When the change committed (ISO 8601). */
  at: string;
}

/** The Redis channel (through RedisChannels) that carries every relayed event. */
export const EVENTS_CHANNEL = 'events';

/** One relay batch: consecutive events, positions ascending without gaps. */
export interface EventBatch {
  events: OutboxEvent[];
}

/** The events of one message on EVENTS_CHANNEL, in order. */
export function parseEventsMessage(message: string): OutboxEvent[] {
  return JSON.parse(message) as OutboxEvent[];
}
