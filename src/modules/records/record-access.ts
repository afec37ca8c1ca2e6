import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { DomainError, NotFoundError, ValidationFailedError, type FieldError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { UUID } from 'src/modules/collections/definition-rules';
import { AccessService } from 'src/modules/access/access.service';
import { SYSTEM_FIELDS, type AccessAction, type Grant } from 'src/modules/access/access.types';
import { compileList } from './query/compile-list';
import type { Expansion, FilterNode, ListQuery, Projection } from './query/list-query';
import { parseListQuery } from './query/parse-list-query';
import type { RecordData } from './records.service';
import type { SqlRunner } from './sql-executor';
import { statementName } from './statement-name';

/**
 * Who a records request acts for. Absent (internal calls): no rule applies.
 * `user` undefined: an anonymous caller (role 'public').
 */
export interface Caller {
  readonly user: AuthUser | undefined;
}

/**
 * A read grant resolved for one request. `expansions` holds the read grants
 * of expanded collections by expansion path (their `where` filters the
 * expanded records); `filter` is the request's filter with each relation
 * path narrowed to the related records the caller may read.
 */
export interface ReadAccess {
  readonly grant: Grant;
  readonly expansions: ReadonlyMap<Expansion, Grant>;
  readonly filter?: FilterNode;
}

/** Applies AccessService grants to the records routes: query checks, row checks, field allow-lists, presets. */
@Injectable()
export class RecordAccess {
  constructor(
    private readonly access: AccessService,
    private readonly registry: CollectionsRegistry,
  ) {}

  /** Undefined: the caller bypasses every rule (internal calls, administrators). */
  restricted(caller: Caller | undefined): caller is Caller {
    return caller !== undefined && !AccessService.unrestricted(caller.user);
  }

  authorize(caller: Caller, collection: string, action: AccessAction, recordId?: string): Grant {
    return this.access.authorize(caller.user, collection, action, recordId === undefined ? {} : { recordId });
  }

  /**
   * A list or get query may only name readable fields (filter, sort, fields,
   * group_by, aggregates), may not search when some fields are hidden, and
   * may only expand (or filter through) collections the caller may read.
   * A related collection read through a row filter is not refused: its
   * records the caller may not read are left out of expansions (null, or
   * absent from a reverse list) and match no relation-path filter, so they
   * can neither be seen nor probed. Refusals are 400s naming the parameter.
   */
  checkQuery(caller: Caller, query: ListQuery, schema: CollectionSchema, grant: Grant): ReadAccess {
    const errors: FieldError[] = [];
    const hidden = (g: Grant, field: string) => g.readable !== undefined && !(SYSTEM_FIELDS as readonly string[]).includes(field) && !g.readable.includes(field);
    const filter = query.filter && this.checkFilter(caller, query.filter, schema.name, grant, errors, hidden, 'filter.');
    for (const key of query.sort) if (hidden(grant, key.field)) errors.push({ field: 'sort', message: `you may not read "${key.field}"` });
    if (query.search !== undefined && grant.readable !== undefined) errors.push({ field: 'search', message: 'is not available to you on this collection (some of its fields are hidden)' });
    if (query.aggregate) {
      for (const field of query.aggregate.groupBy) if (hidden(grant, field)) errors.push({ field: 'group_by', message: `you may not read "${field}"` });
      for (const column of query.aggregate.columns) if (column.field && hidden(grant, column.field)) errors.push({ field: 'aggregate', message: `you may not read "${column.field}"` });
    }
    const expansions = new Map<Expansion, Grant>();
    const visit = (projection: Projection, g: Grant, at: string) => {
      for (const field of projection.fields ?? []) if (hidden(g, field)) errors.push({ field: 'fields', message: `you may not read "${at}${field}"` });
      for (const expansion of projection.expand) {
        const name = `${at}${expansion.name}`;
        if (expansion.kind === 'forward' && hidden(g, expansion.field)) {
          errors.push({ field: 'expand', message: `you may not read "${name}"` });
          continue;
        }
        const related = this.readGrant(caller, expansion.collection);
        if (!related) {
          errors.push({ field: 'expand', message: `you may not expand "${name}": you may not read "${expansion.collection}"` });
          continue;
        }
        if (expansion.kind === 'reverse' && hidden(related, expansion.field)) {
          errors.push({ field: 'expand', message: `you may not read "${name}"` });
          continue;
        }
        expansions.set(expansion, related);
        visit(expansion.projection, related, `${name}.`);
      }
    };
    visit(query.projection, grant, '');
    if (errors.length > 0) throw new ValidationFailedError(errors);
    return filter ? { grant, expansions, filter } : { grant, expansions };
  }

  /** Drops the fields the grant hides (system fields always show). */
  shape(record: RecordData, grant: Grant | undefined): RecordData {
    if (!grant?.readable) return record;
    const out: RecordData = {};
    for (const [field, value] of Object.entries(record)) {
      if ((SYSTEM_FIELDS as readonly string[]).includes(field) || grant.readable.includes(field)) out[field] = value;
    }
    return out;
  }

  /** How a written record is answered: through the caller's read grant, or only its id when the caller cannot read the collection. */
  present(caller: Caller, collection: string, record: RecordData): RecordData {
    const grant = this.readGrant(caller, collection);
    return grant ? this.shape(record, grant) : { id: record.id };
  }

  /**
   * The payload of a create or update as the caller may send it: every field
   * outside `writable`, and every preset field, is refused (400 naming it);
   * presets are then applied.
   */
  writable(payload: unknown, grant: Grant, path: string): unknown {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
    const errors: FieldError[] = [];
    for (const field of Object.keys(payload)) {
      const named = path ? `${path}.${field}` : field;
      if (grant.presets && Object.hasOwn(grant.presets, field)) errors.push({ field: named, message: 'is set by the server; you may not send it' });
      else if (grant.writable && !grant.writable.includes(field)) errors.push({ field: named, message: 'is not writable by you' });
    }
    if (errors.length > 0) throw new ValidationFailedError(errors, 'The request sets fields you may not write.');
    return grant.presets ? { ...payload, ...grant.presets } : payload;
  }

  /**
   * Inside the transaction that then writes: locks the record if it is live
   * and matches `where`, else 404 — the caller cannot tell a record it may
   * not touch from a missing one.
   */
  async lockVisible(runner: SqlRunner, schema: CollectionSchema, id: string, where: FilterNode | undefined): Promise<void> {
    if (!where) return;
    if (!UUID.test(id)) throw new NotFoundError(`No record ${JSON.stringify(id)} in "${schema.name}".`);
    const query = parseListQuery(schema, { fields: 'id', limit: '1' }, this.registry);
    const compiled = compileList(query, schema, this.registry, runner.dialect, { where: { kind: 'and', nodes: [{ kind: 'compare', field: 'id', op: 'eq', value: id.toLowerCase() }, where] } });
    const result = await runner.run(statementName(`${compiled.shapeKey}:lock`), `${compiled.sql} FOR UPDATE`, compiled.params);
    if (result.rows.length === 0) throw new NotFoundError(`No record ${JSON.stringify(id)} in "${schema.name}".`);
  }

  /**
   * After a create or update, in its transaction: the record as written must
   * match the grant's check, else 403 and the caller's transaction rolls the
   * write back (PostgreSQL's WITH CHECK).
   */
  async checkWritten(runner: SqlRunner, schema: CollectionSchema, id: string, grant: Grant, action: 'create' | 'update', path: string): Promise<void> {
    if (!grant.check) return;
    const query = parseListQuery(schema, { fields: 'id', limit: '1' }, this.registry);
    const compiled = compileList(query, schema, this.registry, runner.dialect, { where: { kind: 'and', nodes: [{ kind: 'compare', field: 'id', op: 'eq', value: id.toLowerCase() }, grant.check] } });
    const result = await runner.run(statementName(`${compiled.shapeKey}:check`), compiled.sql, compiled.params);
    if (result.rows.length > 0) return;
    const detail = `The record as written does not match the check of your permission to ${action} records of "${schema.name}"; nothing was written.`;
    throw new DomainError(ErrorCode.PermissionCheckFailed, 403, 'Forbidden by a permission check', detail, [{ field: path || 'body', message: `violates the ${action} check of "${schema.name}"` }]);
  }

  /** The read grant, or undefined when the caller may not read the collection at all. */
  private readGrant(caller: Caller, collection: string): Grant | undefined {
    try {
      return this.access.authorize(caller.user, collection, 'read');
    } catch (error) {
      if (error instanceof DomainError && (error.status === 403 || error.status === 404)) return undefined;
      throw error;
    }
  }

  /**
   * Relation paths in a filter reach other collections: the caller must be
   * allowed to read them and the fields named. Returns the filter with each
   * relation's condition ANDed with the related collection's row filter, so
   * the relation's subquery only sees records the caller may read.
   */
  private checkFilter(caller: Caller, node: FilterNode, collection: string, grant: Grant, errors: FieldError[], hidden: (g: Grant, field: string) => boolean, at: string): FilterNode {
    switch (node.kind) {
      case 'and':
      case 'or':
        return { kind: node.kind, nodes: node.nodes.map((child) => this.checkFilter(caller, child, collection, grant, errors, hidden, at)) };
      case 'not':
        return { kind: 'not', node: this.checkFilter(caller, node.node, collection, grant, errors, hidden, at) };
      case 'relation': {
        if (hidden(grant, node.field)) errors.push({ field: `${at}${node.field}`, message: `you may not read "${node.field}"` });
        const related = this.readGrant(caller, node.target);
        if (!related) {
          errors.push({ field: `${at}${node.field}`, message: `you may not filter through "${node.field}": you may not read "${node.target}"` });
          return node;
        }
        const inner = this.checkFilter(caller, node.node, node.target, related, errors, hidden, `${at}${node.field}.`);
        return { ...node, node: both(inner, related.where)! };
      }
      default:
        if (hidden(grant, node.field)) errors.push({ field: `${at}${node.field}`, message: `you may not read "${node.field}" of "${collection}"` });
        return node;
    }
  }
}

/** `a AND b`, either of which may be absent. */
export function both(a: FilterNode | undefined, b: FilterNode | undefined): FilterNode | undefined {
  if (!a) return b;
  if (!b) return a;
  return { kind: 'and', nodes: [a, b] };
}
