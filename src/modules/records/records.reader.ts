import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { UUID } from 'src/modules/collections/definition-rules';
import { compileAggregate } from './query/compile-aggregate';
import type { Grant } from 'src/modules/access/access.types';
import { compileExpandFetch, compileReverseExpandFetch, type ExpandFilter } from './query/compile-expand';
import { compileCount, compileList } from './query/compile-list';
import type { CompiledQuery } from './query/compiled-query';
import { encodeCursor } from './query/cursor';
import type { Expansion, FilterNode, ListQuery } from './query/list-query';
import { aggregateRowMapper, mapRow } from './query/map-row';
import { parseListQuery, type RawListQuery } from './query/parse-list-query';
import { withFreshSchema } from './fresh-schema';
import { RecordAccess, both, type Caller, type ReadAccess } from './record-access';
import type { RecordData } from './records.service';
import type { ReadConsistency } from 'src/infra/database/read-replicas';
import { SqlExecutor, type SqlRunner } from './sql-executor';
import { statementName } from './statement-name';

export type RawQuery = RawListQuery;

export interface ListAnswer {
  data: RecordData[];
  meta: { limit?: number; offset?: number; nextCursor?: string; total?: number };
}

type Row = Record<string, unknown>;

/** Lists, aggregates and expands: parse, compile to one statement per shape, run, map. */
@Injectable()
export class RecordsReader {
  constructor(
    private readonly registry: CollectionsRegistry,
    private readonly executor: SqlExecutor,
    private readonly access: RecordAccess,
  ) {}

  /**
   * `caller`: whose permissions apply (none for internal calls and
   * administrators). `consistency`: a request's, whose reads may then be
   * served by a replica; internal calls read the primary.
   */
  list(name: string, raw: RawQuery, trash: boolean, caller?: Caller, consistency?: ReadConsistency): Promise<ListAnswer> {
    const runner = this.executor.reading(consistency);
    const grant = this.access.restricted(caller) ? this.access.authorize(caller, name, 'read') : undefined;
    return withFreshSchema(this.registry, name, async (schema) => {
      const parsed = parseListQuery(schema, raw, this.registry, { trash });
      const read = grant && this.access.restricted(caller) ? this.access.checkQuery(caller, parsed, schema, grant) : undefined;
      // Relation paths narrowed to what the caller may read: lists, counts and aggregates alike.
      const query = read?.filter ? { ...parsed, filter: read.filter } : parsed;
      const extra = { where: grant?.where };
      if (query.aggregate) {
        const rows = await this.run(runner, compileAggregate(query, schema, this.registry, this.executor.dialect, extra));
        const map = aggregateRowMapper(query, schema, this.executor.dialect);
        return { data: rows.map(map), meta: {} };
      }
      const compiled = compileList(query, schema, this.registry, this.executor.dialect, extra);
      const [rows, total] = await Promise.all([this.run(runner, compiled), query.count ? this.count(runner, query, schema, extra.where) : undefined]);
      const page = rows.slice(0, query.limit);
      const records = page.map((row) => mapRow(row, schema, this.executor.dialect));
      await this.expand(runner, records, query.projection.expand, read);
      const meta: ListAnswer['meta'] = { limit: query.limit };
      if (!query.cursor) meta.offset = query.offset;
      if (rows.length > query.limit && this.cursorable(schema, query)) meta.nextCursor = encodeCursor(page[page.length - 1], query);
      if (total !== undefined) meta.total = total;
      return { data: records.map((record) => this.access.shape(pick(record, compiled.outputFields), grant)), meta };
    });
  }

  /** One record with `fields` and `expand`; the same compiler as lists, narrowed to the id. */
  get(name: string, id: string, raw: RawQuery, caller?: Caller, consistency?: ReadConsistency): Promise<RecordData> {
    const runner = this.executor.reading(consistency);
    const unknown = Object.keys(raw).find((key) => key !== 'fields' && key !== 'expand');
    if (unknown) throw new ValidationFailedError([{ field: unknown, message: 'is not a parameter of this route (fields and expand are)' }]);
    // A record the caller may not read is missing to them: 404, never 403.
    const grant = this.access.restricted(caller) ? this.access.authorize(caller, name, 'read', id) : undefined;
    return withFreshSchema(this.registry, name, async (schema) => {
      if (!UUID.test(id)) throw notFound(schema, id);
      const query = parseListQuery(schema, { fields: raw.fields, expand: raw.expand, limit: '1' }, this.registry);
      const read = grant && this.access.restricted(caller) ? this.access.checkQuery(caller, query, schema, grant) : undefined;
      const where = both({ kind: 'compare', field: 'id', op: 'eq', value: id.toLowerCase() }, grant?.where);
      const compiled = compileList(query, schema, this.registry, this.executor.dialect, { where });
      const rows = await this.run(runner, compiled);
      if (rows.length === 0) throw notFound(schema, id);
      const records = [mapRow(rows[0], schema, this.executor.dialect)];
      await this.expand(runner, records, query.projection.expand, read);
      return this.access.shape(pick(records[0], compiled.outputFields), grant);
    });
  }

  /**
   * Whether a live `collection` record matches `where` (no permissions
   * apply): the one with id `id`, or, with `id` undefined, any. One
   * `SELECT id … LIMIT 1`; RecordVisibility resolves relation paths with it,
   * for events just committed: on the primary.
   */
  exists(collection: string, where: FilterNode, id: string | undefined): Promise<boolean> {
    return withFreshSchema(this.registry, collection, async (schema) => {
      const query = parseListQuery(schema, { fields: 'id', limit: '1' }, this.registry);
      const compiled = compileList(query, schema, this.registry, this.executor.dialect, { where: id === undefined ? where : both({ kind: 'compare', field: 'id', op: 'eq', value: id }, where) });
      return (await this.run(this.executor, compiled)).length > 0;
    });
  }

  /** One query per expansion level, for the whole page. */
  private async expand(runner: SqlRunner, records: RecordData[], expansions: readonly Expansion[], read: ReadAccess | undefined): Promise<void> {
    for (const expansion of expansions) {
      const related = this.registry.get(expansion.collection)!;
      const grant = read?.expansions.get(expansion);
      if (expansion.kind === 'forward') {
        const ids = records.map((r) => r[expansion.field]).filter((v): v is string => typeof v === 'string');
        const byId = new Map<string, RecordData>();
        if (ids.length > 0) {
          const compiled = compileExpandFetch(related, ids, this.executor.dialect, expansion.projection, this.expandFilter(grant));
          const children = (await this.run(runner, compiled)).map((row) => mapRow(row, related, this.executor.dialect));
          await this.expand(runner, children, expansion.projection.expand, read);
          for (const child of children) byId.set(child.id as string, this.access.shape(pick(child, compiled.outputFields), grant));
        }
        for (const record of records) record[expansion.name] = byId.get(record[expansion.field] as string) ?? null;
      } else {
        const byParent = new Map<string, RecordData[]>();
        if (records.length > 0) {
          const compiled = compileReverseExpandFetch(related, expansion.field, records.map((r) => r.id as string), this.executor.dialect, expansion.projection, this.expandFilter(grant));
          const children = (await this.run(runner, compiled)).map((row) => mapRow(row, related, this.executor.dialect));
          await this.expand(runner, children, expansion.projection.expand, read);
          for (const child of children) {
            const siblings = byParent.get(child[expansion.field] as string) ?? [];
            if (siblings.length < compiled.perParentLimit) siblings.push(this.access.shape(pick(child, compiled.outputFields), grant));
            byParent.set(child[expansion.field] as string, siblings);
          }
        }
        for (const record of records) record[expansion.name] = byParent.get(record.id as string) ?? [];
      }
    }
  }

  /** The related collection's row filter: records the caller may not read stay out of expansions. */
  private expandFilter(grant: Grant | undefined): ExpandFilter | undefined {
    return grant?.where ? { where: grant.where, schemas: this.registry } : undefined;
  }

  private async count(runner: SqlRunner, query: ListQuery, schema: CollectionSchema, where: FilterNode | undefined): Promise<number> {
    const [row] = await this.run(runner, compileCount(query, schema, this.registry, this.executor.dialect, { where }));
    return Number(row.count);
  }

  /** A cursor can continue only an ordering of required fields (see parseListQuery). */
  private cursorable(schema: CollectionSchema, query: ListQuery): boolean {
    return query.sort.every((key) => ['id', 'created_at', 'updated_at'].includes(key.field) || schema.fields.some((f) => f.name === key.field && f.required));
  }

  private async run(runner: SqlRunner, compiled: CompiledQuery): Promise<Row[]> {
    return (await runner.run<Row>(statementName(compiled.shapeKey), compiled.sql, compiled.params)).rows;
  }
}

function pick(record: RecordData, fields: readonly string[]): RecordData {
  const out: RecordData = {};
  for (const field of fields) if (field in record) out[field] = record[field];
  return out;
}

function notFound(schema: CollectionSchema, id: string): NotFoundError {
  return new NotFoundError(`No record ${JSON.stringify(id)} in "${schema.name}".`);
}
