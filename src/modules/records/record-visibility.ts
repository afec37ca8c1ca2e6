import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { DomainError } from 'src/common/errors/domain.error';
import { AccessService } from 'src/modules/access/access.service';
import type { Grant } from 'src/modules/access/access.types';
import { scopesAllow } from 'src/modules/api-keys/api-key-format';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { modelOf, type FieldInfo } from './query/collection-model';
import { isUuid } from './query/coerce-value';
import { evaluateFilter, type RelationNode, type Truth } from './query/evaluate-filter';
import type { FilterNode } from './query/list-query';
import { RecordAccess } from './record-access';
import { RecordsReader } from './records.reader';

type RecordData = Record<string, unknown>;

/**
 * What a user may see of a record they did not fetch themselves: the one
 * function webhooks, realtime and export call before handing a record to
 * someone. It applies the same read rule as GET: the row filter decides
 * whether the record shows at all, the field allow-list what of it shows.
 *
 * The row filter is evaluated in memory (evaluateFilter), so it works for a
 * record that is gone from the database (a delete event) or not yet
 * committed as the caller will see it. Only a rule that filters through a
 * relation (`{"project.owner": "$user.id"}`) costs queries: one
 * `SELECT id … LIMIT 1` on the related collection per relation path in the
 * rule, per call, on the related record as it is now. Like the SQL the rule
 * compiles to, those paths are not narrowed by the user's grants on the
 * related collection: the rule means what its author wrote.
 */
@Injectable()
export class RecordVisibility {
  constructor(
    private readonly access: AccessService,
    private readonly records: RecordAccess,
    private readonly reader: RecordsReader,
    private readonly registry: CollectionsRegistry,
  ) {}

  /**
   * `user` undefined: an anonymous caller (role 'public'). Undefined when the
   * user may not read the record (no read rule, the row filter does not
   * match, an API key without a read scope on the collection, or the
   * collection is gone); else a copy with only the fields they may read.
   * Administrators see everything.
   */
  async visibleTo(user: AuthUser | undefined, collection: string, record: Readonly<RecordData>): Promise<RecordData | undefined> {
    const schema = this.registry.get(collection);
    if (!schema) return undefined;
    if (user?.apiKey && !scopesAllow(user.apiKey.scopes, collection, 'read')) return undefined;
    const grant = this.readGrant(user, collection);
    if (!grant) return undefined;
    if (grant.where && (await this.matches(grant.where, record, modelOf(schema).fields)) !== true) return undefined;
    return this.records.shape({ ...record }, grant);
  }

  private readGrant(user: AuthUser | undefined, collection: string): Grant | undefined {
    try {
      return this.access.authorize(user, collection, 'read');
    } catch (error) {
      if (error instanceof DomainError && (error.status === 403 || error.status === 404)) return undefined;
      throw error;
    }
  }

  /** Resolves the filter's relation paths (one query each), then evaluates it in memory. */
  private async matches(where: FilterNode, record: Readonly<RecordData>, fields: ReadonlyMap<string, FieldInfo>): Promise<Truth> {
    const relations = new Map<RelationNode, Truth>();
    await Promise.all(
      relationsOf(where).map(async (node) => {
        const value = record[node.field];
        const id = typeof value === 'string' ? value.toLowerCase() : undefined;
        // Not an id at all (a malformed record): it points to nothing.
        if (id !== undefined && !isUuid(id)) return void relations.set(node, false);
        const found = await this.reader.exists(node.target, node.node, id);
        // SQL: `value IN (matching ids)` is true or false; `NULL IN (…)` is unknown unless nothing matches.
        relations.set(node, found ? (id === undefined ? null : true) : false);
      }),
    );
    // Every relation node was resolved above; null (unknown) is an answer, not a miss.
    return evaluateFilter(where, record, fields, (node) => relations.get(node)!);
  }
}

/** The relation nodes a filter evaluates on the record itself (deeper ones run inside their parent's query). */
function relationsOf(node: FilterNode): RelationNode[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.nodes.flatMap(relationsOf);
    case 'not':
      return relationsOf(node.node);
    case 'relation':
      return [node];
    default:
      return [];
  }
}
