/**
 * What every reaction to a change (webhooks, realtime, cache invalidation,
 * audit) receives. Events are written to the outbox table in the same
 * transaction as the change, then relayed in order to the `events` Bull queue
 * (job name `event`, jobId `event:<id>`) and to the Redis channel `events`
 * (RedisChannels, message = JSON of this object).
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
