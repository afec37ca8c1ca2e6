import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, type QueryRunner } from 'typeorm';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ConflictError, NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { dialectOf } from 'src/infra/database/dialect';
import { toSchema, type CollectionDefinition, type CollectionSchema } from './collection-schema';
import { CollectionsRegistry } from './collections.registry';
import { DataChecks } from './data-checks';
import { Ddl } from './ddl';
import { checkDefinition } from './definition-rules';
import { CollectionResponse, type SchemaEventListResponse } from './dto/collection.response';
import type { CreateCollectionDto, UpdateCollectionDto } from './dto/collection-definition.dto';
import { diffCollection, type FieldInput, type SchemaChange } from './schema-diff';
import { inSchemaTransaction, recordSchemaEvent } from './schema-transaction';
import { OutboxService } from 'src/modules/outbox/outbox.service';
import { searchVectorSql } from 'src/modules/records/query/search-vector';

/** Creating, changing and dropping collections: real DDL, checked first, recorded as schema events. */
@Injectable()
export class CollectionsService {
  private readonly dialect;
  private readonly ddl;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: CollectionsRegistry,
    private readonly outbox: OutboxService,
  ) {
    this.dialect = dialectOf(dataSource);
    this.ddl = new Ddl(this.dialect, searchVectorSql);
  }

  list(): { data: CollectionResponse[] } {
    return { data: this.registry.all().map(CollectionResponse.from) };
  }

  get(name: string): CollectionResponse {
    return CollectionResponse.from(this.require(name));
  }

  async create(dto: CreateCollectionDto, actor: AuthUser): Promise<CollectionResponse> {
    const definition: CollectionDefinition = { name: dto.name, fields: stripUndefined(dto.fields), indexes: dto.indexes ?? [], softDelete: dto.softDelete ?? false, ownerField: dto.ownerField };
    this.assertValid(definition, (f) => f.renamedFrom !== undefined);
    await inSchemaTransaction(this.dataSource, this.dialect, async (runner) => {
      if (await this.load(runner, definition.name)) throw new ConflictError(ErrorCode.CollectionExists, `A collection "${definition.name}" already exists.`);
      await this.assertTargetsExist(runner, definition);
      const now = new Date();
      const schema = toSchema(definition, 1, now, now);
      await this.run(runner, this.ddl.createTable(schema));
      await runner.query(this.sql('INSERT INTO collections (name, definition, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'), [definition.name, JSON.stringify(definition), 1, now, now]);
      await recordSchemaEvent(runner, this.dialect, { collection: definition.name, action: 'create', changes: definition, actorId: actor.id, definition });
    });
    await this.registry.changed();
    this.outbox.nudge();
    return this.get(definition.name);
  }

  async update(name: string, dto: UpdateCollectionDto, actor: AuthUser): Promise<CollectionResponse> {
    const fields = stripUndefined(dto.fields);
    const next = { fields, indexes: dto.indexes ?? [], softDelete: dto.softDelete ?? false };
    this.assertValid({ name, ...next, fields: fields.map(({ renamedFrom: _r, ...f }) => f), ownerField: dto.ownerField }, () => false);
    await inSchemaTransaction(this.dataSource, this.dialect, async (runner) => {
      const current = await this.load(runner, name);
      if (!current) throw new NotFoundError(`No collection "${name}".`);
      const diff = diffCollection(current, next);
      if (diff.errors.length > 0) throw new ValidationFailedError(diff.errors, 'This change cannot be applied.');
      // The owner field is metadata (no DDL), but a change of it is a schema change like any other: versioned and recorded.
      if ((current.ownerField ?? null) !== (dto.ownerField ?? null)) diff.changes.push({ kind: 'owner-field', ownerField: dto.ownerField ?? null });
      if (diff.changes.length === 0) return;
      const definition: CollectionDefinition = { name, fields: fields.map(({ renamedFrom: _r, ...f }) => f), indexes: next.indexes, softDelete: next.softDelete, ownerField: dto.ownerField };
      await this.assertTargetsExist(runner, definition);
      await new DataChecks(runner, this.dialect, current).check(diff.changes);
      const after = toSchema(definition, current.version + 1, new Date(current.createdAt), new Date());
      await this.run(runner, this.statementsFor(current, after, diff.changes, diff.searchChanged));
      await runner.query(this.sql('UPDATE collections SET definition = ?, version = ?, updated_at = ? WHERE name = ?'), [JSON.stringify(definition), after.version, new Date(), name]);
      await recordSchemaEvent(runner, this.dialect, { collection: name, action: 'update', changes: diff.changes, actorId: actor.id, definition });
    });
    await this.registry.changed();
    this.outbox.nudge();
    return this.get(name);
  }

  async drop(name: string, actor: AuthUser): Promise<void> {
    await inSchemaTransaction(this.dataSource, this.dialect, async (runner) => {
      const current = await this.load(runner, name);
      if (!current) throw new NotFoundError(`No collection "${name}".`);
      const dependants = (await this.loadAll(runner)).filter((s) => s.name !== name && s.fields.some((f) => f.type === 'relation' && f.target === name));
      if (dependants.length > 0) {
        throw new ConflictError(ErrorCode.CollectionInUse, `Relations in ${dependants.map((s) => `"${s.name}"`).join(', ')} point to "${name}"; drop those fields first.`);
      }
      await this.run(runner, this.ddl.dropTable(current));
      await runner.query(this.sql('DELETE FROM collections WHERE name = ?'), [name]);
      await recordSchemaEvent(runner, this.dialect, { collection: name, action: 'delete', changes: { name }, actorId: actor.id, definition: null });
    });
    await this.registry.changed();
    this.outbox.nudge();
  }

  async history(name: string): Promise<SchemaEventListResponse> {
    const rows: { version: number; collection: string; action: string; changes: string; actor_id: string | null; created_at: Date | string }[] = await this.dataSource.query(
      this.sql('SELECT version, collection, action, changes, actor_id, created_at FROM schema_events WHERE collection = ? ORDER BY version'),
      [name],
    );
    if (rows.length === 0) throw new NotFoundError(`No collection "${name}" has ever existed.`);
    return {
      data: rows.map((r) => ({ version: Number(r.version), collection: r.collection, action: r.action, changes: JSON.parse(r.changes), actorId: r.actor_id, createdAt: new Date(r.created_at).toISOString() })),
    };
  }

  private statementsFor(before: CollectionSchema, after: CollectionSchema, changes: SchemaChange[], searchChanged: boolean): string[] {
    const statements: string[] = searchChanged ? this.ddl.dropSearchIndex(before) : [];
    // Indexes go first so a dropped or renamed field is no longer in one.
    for (const change of changes) if (change.kind === 'drop-index') statements.push(this.ddl.dropIndex(before, change.index));
    for (const change of changes) {
      switch (change.kind) {
        case 'drop-field':
          statements.push(...this.ddl.dropField(before, change.field));
          break;
        case 'rename-field':
          statements.push(...this.ddl.renameField(before, change.from, change.to));
          break;
        case 'alter-field':
          statements.push(...this.ddl.alterField(after, change.before, change.after));
          break;
        case 'add-field':
          statements.push(...this.ddl.addField(after, change.field));
          break;
        case 'soft-delete':
          statements.push(...(change.enabled ? this.ddl.addSoftDelete(after) : this.ddl.dropSoftDelete(before)));
          break;
        default:
          break;
      }
    }
    for (const change of changes) if (change.kind === 'add-index') statements.push(this.ddl.createIndex(after, change.index));
    if (searchChanged) statements.push(...this.ddl.createSearchIndex(after));
    return statements;
  }

  private async run(runner: QueryRunner, statements: string[]): Promise<void> {
    for (const statement of statements) {
      try {
        await runner.query(statement);
      } catch (error) {
        throw mapDdlError(error);
      }
    }
  }

  private assertValid(definition: CollectionDefinition, forbidden: (field: FieldInput) => boolean): void {
    const errors = checkDefinition(definition, (target) => this.registry.get(target) !== undefined);
    (definition.fields as FieldInput[]).forEach((field, index) => {
      if (forbidden(field)) errors.push({ field: `fields[${index}].renamedFrom`, message: 'only applies when changing a collection' });
    });
    if (errors.length > 0) throw new ValidationFailedError(errors, 'The collection definition is invalid.');
  }

  /** The registry may lag another node's change by a moment: check relation targets under the lock. */
  private async assertTargetsExist(runner: QueryRunner, definition: CollectionDefinition): Promise<void> {
    const names = new Set((await this.loadAll(runner)).map((s) => s.name));
    names.add(definition.name);
    const errors = definition.fields.flatMap((field, index) => (field.type === 'relation' && !names.has(field.target!) ? [{ field: `fields[${index}].target`, message: `no collection "${field.target}"` }] : []));
    if (errors.length > 0) throw new ValidationFailedError(errors, 'The collection definition is invalid.');
  }

  private async load(runner: QueryRunner, name: string): Promise<CollectionSchema | undefined> {
    const rows = await runner.query(this.sql('SELECT definition, version, created_at, updated_at FROM collections WHERE name = ?'), [name]);
    if (rows.length === 0) return undefined;
    return toSchema(JSON.parse(rows[0].definition), Number(rows[0].version), new Date(rows[0].created_at), new Date(rows[0].updated_at));
  }

  private async loadAll(runner: QueryRunner): Promise<CollectionSchema[]> {
    const rows = await runner.query('SELECT definition, version, created_at, updated_at FROM collections');
    return rows.map((row: { definition: string; version: number; created_at: Date; updated_at: Date }) => toSchema(JSON.parse(row.definition), Number(row.version), new Date(row.created_at), new Date(row.updated_at)));
  }

  private require(name: string): CollectionSchema {
    const schema = this.registry.get(name);
    if (!schema) throw new NotFoundError(`No collection "${name}".`);
    return schema;
  }

  /** Writes `?` placeholders; PostgreSQL gets `$n`. */
  private sql(text: string): string {
    if (this.dialect === 'mysql') return text;
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  }
}

function stripUndefined<T extends object>(items: T[]): T[] {
  return items.map((item) => Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as T);
}

function mapDdlError(error: unknown): unknown {
  if (!(error instanceof QueryFailedError)) return error;
  const driver = error.driverError as { code?: string; errno?: number; message?: string };
  if (driver.code === '23505' || driver.errno === 1062) return new ConflictError(ErrorCode.SchemaConflict, 'Existing records have duplicate values, so this cannot be made unique.');
  if (driver.code === '23502' || driver.errno === 1138) return new ConflictError(ErrorCode.SchemaConflict, `Existing records do not satisfy the change: ${driver.message}`);
  if (driver.code === '23503' || driver.errno === 1452) return new ConflictError(ErrorCode.SchemaConflict, `Existing records point to missing records: ${driver.message}`);
  return error;
}
