import type { EventType, OutboxEvent } from './outbox-event';

/** Outbox rows as the relay and readers select them. */
export const EVENT_COLUMNS = 'seq, position, type, collection, record_id, actor_id, data, created_at';

export interface EventRow {
  seq: string | number;
  position: string | number | null;
  type: string;
  collection: string;
  record_id: string | null;
  actor_id: string | null;
  data: string | null;
  created_at: Date | string;
}

export function toEvent(row: EventRow, position = Number(row.position)): OutboxEvent {
  return {
    id: String(row.seq),
    position,
    type: row.type as EventType,
    collection: row.collection,
    recordId: row.record_id,
    actorId: row.actor_id,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    at: isoTime(row.created_at),
  };
}

/** pg gives Dates; MariaDB (dateStrings) gives 'YYYY-MM-DD HH:MM:SS.fff' in UTC. */
export function isoTime(value: Date | string): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`).toISOString();
}

