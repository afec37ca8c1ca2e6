import { placeholder, type SqlDialect } from 'src/infra/database/dialect';
import type { EventType } from './outbox-event';

/** An event as a writer appends it; the relay adds id, position and time. */
export interface NewEvent {
  type: EventType;
  collection: string;
  recordId: string | null;
  actorId: string | null;
  data: Record<string, unknown> | null;
}

/**
 * PostgreSQL: `write` (a data-modifying statement ending in RETURNING *)
 * appends its event in the same statement, one outbox row per row written,
 * so the change and its event commit together at no extra round trip.
 * `dataOf` is the event's data as a SQL expression over the written row `w`;
 * `output` what the statement answers (the rows written, as `write` would).
 */
export function withEvent(write: string, event: { type: EventType; collection: string; actorParam: number; dataOf: string; output: string }): string {
  return (
    `WITH w AS (${write}), e AS (INSERT INTO outbox_events (type, collection, record_id, actor_id, data) ` +
    `SELECT ${literal(event.type)}, ${literal(event.collection)}, w.id, $${event.actorParam}::uuid, ${event.dataOf} FROM w) SELECT ${event.output} FROM w`
  );
}

/** The statement that appends one event by itself (MySQL's record writes, schema changes everywhere), and its parameters. */
export function appendEvent(dialect: SqlDialect, event: NewEvent): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO outbox_events (type, collection, record_id, actor_id, data) VALUES (${[1, 2, 3, 4, 5].map((n) => placeholder(dialect, n)).join(', ')})`,
    params: [event.type, event.collection, event.recordId, event.actorId, event.data === null ? null : JSON.stringify(event.data)],
  };
}

/** Many events in one statement per chunk: erasure can remove thousands of records in one transaction. */
export function appendEvents(dialect: SqlDialect, events: NewEvent[], chunkSize = 500): { sql: string; params: unknown[] }[] {
  const statements: { sql: string; params: unknown[] }[] = [];
  for (let start = 0; start < events.length; start += chunkSize) {
    const chunk = events.slice(start, start + chunkSize);
    const rows = chunk.map((_, i) => `(${[1, 2, 3, 4, 5].map((n) => placeholder(dialect, i * 5 + n)).join(', ')})`);
    statements.push({
      sql: `INSERT INTO outbox_events (type, collection, record_id, actor_id, data) VALUES ${rows.join(', ')}`,
      params: chunk.flatMap((event) => appendEvent(dialect, event).params),
    });
  }
  return statements;
}

/** Types and collection names are Basalt's own strict identifiers; quoting still doubles any quote. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
