import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { ConflictError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { dialectOf, placeholder, type SqlDialect } from 'src/infra/database/dialect';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { quote } from 'src/modules/collections/sql-identifiers';
import { mapRow } from 'src/modules/records/query/map-row';

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
   */
  async erase(manager: EntityManager, userId: string, mode: 'delete' | 'anonymise'): Promise<ErasedRecords[]> {
    const done: ErasedRecords[] = [];
    for (const schema of mode === 'delete' ? dependantsFirst(this.owned()) : this.owned()) {
      const table = this.q(schema.table);
      const owner = this.q(schema.ownerField!);
      const [counted] = (await manager.query(`SELECT count(*) AS n FROM ${table} WHERE ${owner} = ${placeholder(this.dialect, 1)}`, [userId])) as { n: string | number }[];
      const count = Number(counted.n);
      if (count === 0) continue;
      try {
        if (mode === 'delete') await manager.query(`DELETE FROM ${table} WHERE ${owner} = ${placeholder(this.dialect, 1)}`, [userId]);
        else await manager.query(`UPDATE ${table} SET ${owner} = NULL, ${this.q('updated_at')} = ${this.nextUpdatedAt()} WHERE ${owner} = ${placeholder(this.dialect, 1)}`, [userId]);
      } catch (error) {
        throw referencedError(error, schema.name) ?? error;
      }
      done.push({ collection: schema.name, action: mode === 'delete' ? 'deleted' : 'anonymised', count });
    }
    return done;
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
