import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dialectOf, placeholder, type SqlDialect } from 'src/infra/database/dialect';
import type { OutboxEvent } from './outbox-event';
import { EVENT_COLUMNS, isoTime, toEvent, type EventRow } from './outbox-rows';
import { OutboxRelay } from './outbox-relay';

const PRUNE_BATCH = 5000;

export interface OutboxLag {
  /** Events committed but not yet relayed. */
  pending: number;
  /** Age of the oldest of them, ms (0 when none). */
  oldestPendingMs: number;
}

/** Reading the relayed event stream (realtime resume), pruning it, and waking the relay after a write. */
@Injectable()
export class OutboxService {
  private readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  /** A change committed on this node: relay its events now rather than at the next poll. */
  nudge(): void {
    this.relay.nudge();
  }

  /** Relayed events after `afterPosition`, in order, at most `limit`. */
  async readSince(afterPosition: number, limit: number): Promise<OutboxEvent[]> {
    const rows: EventRow[] = await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM outbox_events WHERE position > ${placeholder(this.dialect, 1)} ORDER BY position LIMIT ${Math.max(1, Math.floor(limit))}`,
      [afterPosition],
    );
    // Not rows.map(toEvent): map would pass the index as toEvent's position argument.
    return rows.map((row) => toEvent(row));
  }

  /** The first position still kept, or null when nothing relayed is kept. */
  async oldestPosition(): Promise<number | null> {
    const [row] = await this.dataSource.query('SELECT min(position) AS position FROM outbox_events WHERE position IS NOT NULL');
    return row?.position === null || row?.position === undefined ? null : Number(row.position);
  }

  /** The last position handed out (0 before the first event). */
  async latestPosition(): Promise<number> {
    const [row] = await this.dataSource.query('SELECT position FROM outbox_relay WHERE id = 1');
    return Number(row?.position ?? 0);
  }

  /** Deletes relayed events relayed before `olderThan`, in batches; answers how many. */
  async prune(olderThan: Date): Promise<number> {
    const sql =
      this.dialect === 'mysql'
        ? `DELETE FROM outbox_events WHERE position IS NOT NULL AND relayed_at < ? ORDER BY seq LIMIT ${PRUNE_BATCH}`
        : `DELETE FROM outbox_events WHERE seq IN (SELECT seq FROM outbox_events WHERE position IS NOT NULL AND relayed_at < $1 ORDER BY seq LIMIT ${PRUNE_BATCH})`;
    let total = 0;
    for (;;) {
      const deleted = affected(await this.dataSource.query(sql, [olderThan]));
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }

  /** How far the relay is behind. */
  async lag(): Promise<OutboxLag> {
    const [row] = await this.dataSource.query('SELECT count(*) AS pending, min(created_at) AS oldest FROM outbox_events WHERE position IS NULL');
    const pending = Number(row?.pending ?? 0);
    const oldest = row?.oldest ? new Date(isoTime(row.oldest)).getTime() : undefined;
    return { pending, oldestPendingMs: pending > 0 && oldest !== undefined ? Math.max(0, Date.now() - oldest) : 0 };
  }
}

/** pg answers a DELETE with [rows, count]; mysql2 with a result header. */
function affected(result: unknown): number {
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return Number((result as { affectedRows?: number })?.affectedRows ?? 0);
}
