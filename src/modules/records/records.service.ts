import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import type { ReadConsistency } from 'src/infra/database/read-replicas';
import { SOFT_DELETE_COLUMN, type CollectionSchema } from 'src/modules/collections/collection-schema';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { UUID } from 'src/modules/collections/definition-rules';
import type { Grant } from 'src/modules/access/access.types';
import type { RecordEventAction } from 'src/modules/outbox/outbox-event';
import { appendEvent } from 'src/modules/outbox/outbox-sql';
import { OutboxService } from 'src/modules/outbox/outbox.service';
import { ReadCache } from 'src/modules/read-cache/read-cache.service';
import { preconditionFailed, type IfMatch } from './etag';
import { mapRow } from './query/map-row';
import { withFreshSchema } from './fresh-schema';
import { RecordAccess, both, type Caller } from './record-access';
import { mapWriteError } from './record-errors';
import { RecordValidator } from './record-validator';
import { toParams } from './record-values';
import { SqlExecutor, type SqlRunner } from './sql-executor';
import { statementName } from './statement-name';
import { buildWriteStatements, type Statement, type WriteStatements } from './write-statements';

export type RecordData = Record<string, unknown>;

/**
 * Writes records and reads them by id. Each operation compiles nothing per
 * request: statements and validators exist once per collection version.
 * Every write appends its outbox event in the same transaction (on
 * PostgreSQL in the same statement) and wakes the relay once committed.
 */
@Injectable()
export class RecordsService {
  private readonly statements = new Map<string, WriteStatements>();

  constructor(
    private readonly registry: CollectionsRegistry,
    private readonly executor: SqlExecutor,
    private readonly validator: RecordValidator,
    private readonly access: RecordAccess,
    private readonly outbox: OutboxService,
    private readonly cache: ReadCache,
  ) {}

  collection(name: string): CollectionSchema {
    const schema = this.registry.get(name);
    if (!schema) throw new NotFoundError(`No collection "${name}".`);
    return schema;
  }

  /** `consistency`: a request's, whose read may then be served by a replica; internal calls read the primary. */
  async get(name: string, id: string, trash = false, consistency?: ReadConsistency): Promise<RecordData> {
    const runner = this.executor.reading(consistency);
    return withFreshSchema(this.registry, name, async (schema) => {
      const statement = trash ? this.writes(schema).getDeletedById : this.writes(schema).getById;
      const row = await this.one(runner, statement, [this.id(schema, id)]);
      if (!row) throw this.notFound(schema, id);
      return present(mapRow(row, schema, this.executor.dialect), trash);
    });
  }

  /** `caller`: whose permissions apply (none for internal calls and administrators). */
  create(name: string, payload: unknown, caller?: Caller): Promise<RecordData> {
    const actor = actorOf(caller);
    if (!this.access.restricted(caller)) return withFreshSchema(this.registry, name, (schema) => this.writing([name], (runner) => this.insert(runner, schema, payload, '', actor)));
    const grant = this.access.authorize(caller, name, 'create');
    const data = this.access.writable(payload, grant, '');
    return withFreshSchema(this.registry, name, async (schema) => {
      const record = await this.writing([name], async (runner) => {
        const created = await this.insert(runner, schema, data, '', actor);
        if (grant.check) await this.access.checkWritten(runner, schema, created.id as string, grant, 'create', '');
        return created;
      }, grant.check !== undefined);
      return this.access.present(caller, name, record);
    });
  }

  /** All or nothing: one transaction for the whole array. */
  createMany(name: string, payloads: unknown[], caller?: Caller): Promise<RecordData[]> {
    if (payloads.length === 0) throw new ValidationFailedError([{ field: 'body', message: 'must hold at least one record' }]);
    if (payloads.length > 1000) throw new ValidationFailedError([{ field: 'body', message: 'at most 1000 records per request' }]);
    let data = payloads;
    let grant: Grant | undefined;
    if (this.access.restricted(caller)) {
      const granted = (grant = this.access.authorize(caller, name, 'create'));
      data = payloads.map((payload, index) => this.access.writable(payload, granted, `[${index}]`));
    }
    return withFreshSchema(this.registry, name, async (schema) => {
      this.validator.validateAll(schema, 'create', data.map((payload, index) => ({ payload, path: `[${index}]` })));
      const records = await this.writing(data.map(() => name), async (tx) => {
        const created: RecordData[] = [];
        for (const [index, payload] of data.entries()) {
          const record = await this.insert(tx, schema, payload, `[${index}]`, actorOf(caller));
          if (grant) await this.access.checkWritten(tx, schema, record.id as string, grant, 'create', `[${index}]`);
          created.push(record);
        }
        return created;
      }, true);
      return this.access.restricted(caller) ? records.map((record) => this.access.present(caller, name, record)) : records;
    });
  }

  update(name: string, id: string, payload: unknown, ifMatch: IfMatch, caller?: Caller): Promise<RecordData> {
    const actor = actorOf(caller);
    if (!this.access.restricted(caller)) return withFreshSchema(this.registry, name, (schema) => this.writing([name], (runner) => this.change(runner, schema, id, payload, ifMatch, '', actor)));
    const read = this.access.authorize(caller, name, 'read', id);
    const grant = this.access.authorize(caller, name, 'update', id);
    const data = this.access.writable(payload, { writable: grant.writable }, '');
    return withFreshSchema(this.registry, name, async (schema) => {
      const record = await this.writing([name], async (tx) => {
        await this.access.lockVisible(tx, schema, this.id(schema, id), both(read.where, grant.where));
        const changed = await this.change(tx, schema, id, data, ifMatch, '', actor);
        await this.access.checkWritten(tx, schema, this.id(schema, id), grant, 'update', '');
        return changed;
      }, true);
      return this.access.shape(record, read);
    });
  }

  remove(name: string, id: string, ifMatch: IfMatch, caller?: Caller): Promise<void> {
    const actor = actorOf(caller);
    if (!this.access.restricted(caller)) return withFreshSchema(this.registry, name, (schema) => this.writing([name], (runner) => this.delete(runner, schema, id, ifMatch, actor)));
    const read = this.access.authorize(caller, name, 'read', id);
    const grant = this.access.authorize(caller, name, 'delete', id);
    return withFreshSchema(this.registry, name, (schema) =>
      this.writing([name], async (tx) => {
        await this.access.lockVisible(tx, schema, this.id(schema, id), both(read.where, grant.where));
        await this.delete(tx, schema, id, ifMatch, actor);
      }, true),
    );
  }

  async restore(name: string, id: string, caller?: Caller): Promise<RecordData> {
    return withFreshSchema(this.registry, name, (schema) => {
      this.requireSoftDelete(schema);
      return this.writing([name], async (runner) => {
        const result = await this.run(runner, this.writes(schema).restore, this.withActor([this.id(schema, id)], actorOf(caller)), schema);
        if (result.affected === 0) throw this.notFound(schema, id, 'in the trash');
        const record = await this.reread(runner, schema, result.rows[0], id);
        await this.appendOnMysql(runner, 'restore', schema, record, actorOf(caller));
        return record;
      });
    });
  }

  async purge(name: string, id: string, caller?: Caller): Promise<void> {
    return withFreshSchema(this.registry, name, (schema) => {
      this.requireSoftDelete(schema);
      return this.writing([name], async (runner) => {
        const before = await this.beforeOnMysql(runner, this.writes(schema).getDeletedById, schema, this.id(schema, id), true);
        const result = await this.run(runner, this.writes(schema).purge, this.withActor([this.id(schema, id)], actorOf(caller)), schema);
        if (result.affected === 0) throw this.notFound(schema, id, 'in the trash');
        if (before) await this.appendOnMysql(runner, 'purge', schema, before, actorOf(caller));
      });
    });
  }

  /**
   * Runs one write and, once it committed, moves the read cache generations
   * of `collections` (one per event the write appends) on before answering
   * (read-your-writes on every node), and wakes the relay. A single statement needs no transaction on
   * PostgreSQL (its event is in the statement); MySQL appends the event
   * separately, so it always gets one.
   */
  async writing<T>(collections: readonly string[], work: (runner: SqlRunner) => Promise<T>, transaction = false): Promise<T> {
    const result = transaction || this.executor.dialect === 'mysql' ? await this.executor.transaction(work) : await work(this.executor);
    // The write is committed, so it is answered as such even if Redis is away: the relay moves the generations on when it relays the event.
    await this.cache.bumpWritten(collections).catch(() => undefined);
    this.outbox.nudge();
    return result;
  }

  /** The building blocks the batch endpoint runs inside its own transaction. `actor`: who the events name. */
  async insert(runner: SqlRunner, schema: CollectionSchema, payload: unknown, path: string, actor: string | null): Promise<RecordData> {
    const data = this.validator.validate(schema, 'create', payload, path);
    const statements = this.writes(schema);
    const params = this.withActor([uuidv7(), ...toParams(schema, data, statements.columns, true)], actor);
    const result = await this.run(runner, statements.insert, params, schema, path);
    const record = present(mapRow(result.rows[0], schema, runner.dialect), false);
    await this.appendOnMysql(runner, 'create', schema, record, actor);
    return record;
  }

  async change(runner: SqlRunner, schema: CollectionSchema, id: string, payload: unknown, ifMatch: IfMatch, path: string, actor: string | null): Promise<RecordData> {
    const data = this.validator.validate(schema, 'update', payload, path);
    const fields = Object.keys(data).sort();
    const versioned = ifMatch !== undefined && !ifMatch.any;
    const params = this.withActor([...toParams(schema, data, fields, false), this.id(schema, id), ...(versioned ? [ifMatch.updatedAt] : [])], actor);
    const result = await this.run(runner, this.writes(schema).update(fields, versioned), params, schema, path);
    if (result.affected === 0) return this.explainMiss(runner, schema, id, ifMatch);
    const record = await this.reread(runner, schema, result.rows[0], id);
    await this.appendOnMysql(runner, 'update', schema, record, actor);
    return record;
  }

  async delete(runner: SqlRunner, schema: CollectionSchema, id: string, ifMatch: IfMatch, actor: string | null): Promise<void> {
    const versioned = ifMatch !== undefined && !ifMatch.any;
    const statements = this.writes(schema);
    const before = schema.softDelete ? undefined : await this.beforeOnMysql(runner, statements.getById, schema, this.id(schema, id), false);
    const statement = schema.softDelete ? statements.softDelete(versioned) : statements.delete(versioned);
    const result = await this.run(runner, statement, this.withActor([this.id(schema, id), ...(versioned ? [ifMatch.updatedAt] : [])], actor), schema);
    if (result.affected === 0) await this.explainMiss(runner, schema, id, ifMatch);
    if (runner.dialect !== 'mysql') return;
    const deleted = before ?? (await this.beforeOnMysql(runner, statements.getDeletedById, schema, this.id(schema, id), true));
    if (deleted) await this.appendOnMysql(runner, 'delete', schema, deleted, actor);
  }

  /** PostgreSQL's statements take the actor as their last parameter (their event is in the statement). */
  private withActor(params: unknown[], actor: string | null): unknown[] {
    return this.executor.dialect === 'postgres' ? [...params, actor] : params;
  }

  /** MySQL: the event goes in as its own statement of the same transaction. */
  private async appendOnMysql(runner: SqlRunner, action: RecordEventAction, schema: CollectionSchema, record: RecordData, actor: string | null): Promise<void> {
    if (runner.dialect !== 'mysql') return;
    const event = appendEvent('mysql', { type: `records.${action}`, collection: schema.name, recordId: String(record.id), actorId: actor, data: record });
    await runner.run('outbox_append', event.sql, event.params);
  }

  /** MySQL cannot return a deleted row: read (and lock) it first, as the event carries it. */
  private async beforeOnMysql(runner: SqlRunner, statement: Statement, schema: CollectionSchema, id: string, trash: boolean): Promise<RecordData | undefined> {
    if (runner.dialect !== 'mysql') return undefined;
    const row = await this.one(runner, { name: `${statement.name}_lock`, sql: `${statement.sql} FOR UPDATE` }, [id]);
    return row ? present(mapRow(row, schema, runner.dialect), trash) : undefined;
  }

  private async explainMiss(runner: SqlRunner, schema: CollectionSchema, id: string, ifMatch: IfMatch): Promise<never> {
    const exists = await this.one(runner, this.writes(schema).getById, [this.id(schema, id)]);
    if (exists && ifMatch) throw preconditionFailed();
    throw this.notFound(schema, id);
  }

  /** MySQL's UPDATE returns no row: read it back in the same transaction or connection. */
  private async reread(runner: SqlRunner, schema: CollectionSchema, row: Record<string, unknown> | undefined, id: string): Promise<RecordData> {
    const current = row ?? (await this.one(runner, this.writes(schema).getById, [id])) ?? (await this.one(runner, this.writes(schema).getDeletedById, [id]));
    if (!current) throw this.notFound(schema, id);
    return present(mapRow(current, schema, runner.dialect), false);
  }

  private async run(runner: SqlRunner, statement: Statement, params: unknown[], schema: CollectionSchema, path = '') {
    try {
      return await runner.run<Record<string, unknown>>(statementName(statement.name), statement.sql, params);
    } catch (error) {
      throw mapWriteError(error, schema, path);
    }
  }

  private async one(runner: SqlRunner, statement: Statement, params: unknown[]): Promise<Record<string, unknown> | undefined> {
    return (await runner.run<Record<string, unknown>>(statementName(statement.name), statement.sql, params)).rows[0];
  }



  private writes(schema: CollectionSchema): WriteStatements {
    const key = `${schema.name}@${schema.version}`;
    let statements = this.statements.get(key);
    if (!statements) {
      statements = buildWriteStatements(schema, this.executor.dialect);
      for (const old of this.statements.keys()) if (old.startsWith(`${schema.name}@`)) this.statements.delete(old);
      this.statements.set(key, statements);
    }
    return statements;
  }

  /** Ids that are not UUIDs cannot exist; answering 404 early also keeps PostgreSQL from a cast error. */
  private id(schema: CollectionSchema, id: string): string {
    if (!UUID.test(id)) throw this.notFound(schema, id);
    return id.toLowerCase();
  }

  private requireSoftDelete(schema: CollectionSchema): void {
    if (!schema.softDelete) throw new NotFoundError(`"${schema.name}" has no trash (soft delete is off).`);
  }

  private notFound(schema: CollectionSchema, id: string, where = ''): NotFoundError {
    return new NotFoundError(`No record ${JSON.stringify(id)} in "${schema.name}"${where ? ` ${where}` : ''}.`);
  }
}

function actorOf(caller: Caller | undefined): string | null {
  return caller?.user?.id ?? null;
}

/** Live records do not show the trash column; trashed ones do, to say when they were deleted. */
function present(record: RecordData, trash: boolean): RecordData {
  if (!trash) delete record[SOFT_DELETE_COLUMN];
  return record;
}
