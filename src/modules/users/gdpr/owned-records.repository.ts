import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { ConflictError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { dialectOf, placeholder, type SqlDialect } from 'src/infra/database/dialect';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { SOFT_DELETE_COLUMN } from 'src/modules/collections/collection-schema';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { quote } from 'src/modules/collections/sql-identifiers';
import { appendEvents, type NewEvent } from 'src/modules/outbox/outbox-sql';
import { mapRow } from 'src/modules/records/query/map-row';

/** Ids per read-back statement, well under every driver's parameter limit. */
const READ_BACK_CHUNK = 1000;

/** What erasure did in one collection, kept in account_erasures.records (counts only, never data). */
export interface ErasedRecords {
  collection: string;
  action: 'deleted' | 'anonymised';
  count: number;
}

/**
 * The records of run-time collections that belong to a user: those whose
 * collection names an `ownerField` (a uuid field) holding the user's id
 * (docs/decisions/0007). Trashed records are included: they are still held.
 */
@Injectable()
export class OwnedRecordsRepository {
  private readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: CollectionsRegistry,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  /** Every owned record of every collection with an owner field, shaped as the records API returns it, by collection name. */
  async read(userId: string): Promise<Record<string, { ownerField: string; records: Record<string, unknown>[] }>> {
    const result: Record<string, { ownerField: string; records: Record<string, unknown>[] }> = {};
    for (const schema of this.owned()) {
      const rows = (await this.dataSource.query(`SELECT * FROM ${this.q(schema.table)} WHERE ${this.q(schema.ownerField!)} = ${placeholder(this.dialect, 1)} ORDER BY ${this.q('id')}`, [
        userId,
      ])) as Record<string, unknown>[];
      result[schema.name] = { ownerField: schema.ownerField!, records: rows.map((row) => mapRow(row, schema, this.dialect)) };
    }
    return result;
  }

  /**
   * Inside the erasure's transaction: deletes the user's records, or sets
   * their owner field to null (anonymise), in every collection with an
   * owner field. Collections whose relations point to another owned
   * collection go first, so the user's own records never block each other.
   * A record someone else holds that points to one of them with
   * `onDelete: restrict` stops the whole erasure (409): nothing is changed.
   * Each record removed or changed gets its outbox event in the same
   * transaction, as any record write does, so webhooks, realtime streams and
   * caches learn of it; the events name no actor.
   */
  async erase(manager: EntityManager, userId: string, mode: 'delete' | 'anonymise'): Promise<ErasedRecords[]> {
    const done: ErasedRecords[] = [];
    for (const schema of mode === 'delete' ? dependantsFirst(this.owned()) : this.owned()) {
      const table = this.q(schema.table);
      const owner = this.q(schema.ownerField!);
      const byOwner = `${owner} = ${placeholder(this.dialect, 1)}`;
      const before = (await manager.query(`SELECT * FROM ${table} WHERE ${byOwner} ORDER BY ${this.q('id')} FOR UPDATE`, [userId])) as Record<string, unknown>[];
      if (before.length === 0) continue;
      let events: NewEvent[];
      try {
        if (mode === 'delete') {
          await manager.query(`DELETE FROM ${table} WHERE ${byOwner}`, [userId]);
          events = before.map((row) => this.event(schema, row, row[SOFT_DELETE_COLUMN] ? 'purge' : 'delete'));
        } else {
          await manager.query(`UPDATE ${table} SET ${owner} = NULL, ${this.q('updated_at')} = ${this.nextUpdatedAt()} WHERE ${byOwner}`, [userId]);
          events = [];
          for (let start = 0; start < before.length; start += READ_BACK_CHUNK) {
            const ids = before.slice(start, start + READ_BACK_CHUNK).map((row) => row.id);
            const inList = ids.map((_, i) => placeholder(this.dialect, i + 1)).join(', ');
            const after = (await manager.query(`SELECT * FROM ${table} WHERE ${this.q('id')} IN (${inList}) ORDER BY ${this.q('id')}`, ids)) as Record<string, unknown>[];
            events.push(...after.map((row) => this.event(schema, row, 'update')));
          }
        }
      } catch (error) {
        throw referencedError(error, schema.name) ?? error;
      }
      for (const statement of appendEvents(this.dialect, events)) await manager.query(statement.sql, statement.params);
      done.push({ collection: schema.name, action: mode === 'delete' ? 'deleted' : 'anonymised', count: before.length });
    }
    return done;
  }

  /** The record as the records API shows it: the trash column only on trashed records. */
  private event(schema: CollectionSchema, row: Record<string, unknown>, action: 'delete' | 'purge' | 'update'): NewEvent {
    const record = mapRow(row, schema, this.dialect);
    if (!record[SOFT_DELETE_COLUMN]) delete record[SOFT_DELETE_COLUMN];
    return { type: `records.${action}`, collection: schema.name, recordId: String(record.id), actorId: null, data: record };
  }

  private owned(): CollectionSchema[] {
    return this.registry.all().filter((schema) => schema.ownerField);
  }

  /** Moves updated_at forward by at least 1 ms, as record writes do, so the change gets a new ETag. */
  private nextUpdatedAt(): string {
    return this.dialect === 'postgres'
      ? `GREATEST(date_trunc('milliseconds', now()), ${this.q('updated_at')} + interval '1 millisecond')`
      : `GREATEST(CURRENT_TIMESTAMP(3), ${this.q('updated_at')} + INTERVAL 1000 MICROSECOND)`;
  }

  private q(identifier: string): string {
    return quote(this.dialect, identifier);
  }
}

/** Collections that relate to another collection in the list come before it (a cycle keeps the remaining order). */
export function dependantsFirst(schemas: CollectionSchema[]): CollectionSchema[] {
  const remaining = [...schemas];
  const ordered: CollectionSchema[] = [];
  while (remaining.length > 0) {
    // Next: one that no other remaining collection points to.
    const index = remaining.findIndex((candidate) => !remaining.some((other) => other !== candidate && other.fields.some((f) => f.type === 'relation' && f.target === candidate.name)));
    ordered.push(...remaining.splice(index < 0 ? 0 : index, 1));
  }
  return ordered;
}

function referencedError(error: unknown, collection: string): ConflictError | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driver = error.driverError as { code?: string; errno?: number };
  // foreign_key_violation, restrict_violation (what PGlite raises for RESTRICT), MySQL's ER_ROW_IS_REFERENCED_2.
  if (driver.code !== '23503' && driver.code !== '23001' && driver.errno !== 1451) return undefined;
  return new ConflictError(
    ErrorCode.Conflict,
    `Records of "${collection}" that belong to this account are still referenced by other records through a relation with onDelete "restrict"; nothing was erased. Remove those references (or change the relation) first.`,
  );
}
