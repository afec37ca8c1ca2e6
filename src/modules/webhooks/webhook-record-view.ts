import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { modelOf } from 'src/modules/records/query/collection-model';
import { evaluateFilter } from 'src/modules/records/query/evaluate-filter';
import type { FilterNode } from 'src/modules/records/query/list-query';
import { parseFilter } from 'src/modules/records/query/parse-filter';
import { RecordVisibility } from 'src/modules/records/record-visibility';
import { UsersService } from 'src/modules/users/users.service';

type Row = Record<string, unknown>;

/**
 * What a webhook's owner gets of a record: nothing when the owner is gone or
 * disabled or may not read it (RecordVisibility: read rule, row filter,
 * field allow-list), else the record as they may read it, if it passes the
 * webhook's own filter, evaluated on that view so a filter cannot probe
 * fields the owner may not read.
 */
@Injectable()
export class WebhookRecordView {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly users: UsersService,
    private readonly visibility: RecordVisibility,
    private readonly registry: CollectionsRegistry,
  ) {}

  async owner(userId: string): Promise<AuthUser | undefined> {
    const user = await this.users.findById(userId);
    if (!user || user.disabled) return undefined;
    return { id: user.id, role: user.role, sessionId: '' };
  }

  async forOwner(owner: AuthUser, collection: string, record: Row, filter: { webhookId: string; text: string | null }): Promise<Row | undefined> {
    const visible = await this.visibility.visibleTo(owner, collection, record);
    if (!visible || !filter.text) return visible;
    const schema = this.registry.get(collection);
    if (!schema) return undefined;
    let node: FilterNode;
    try {
      node = parseFilter(JSON.parse(filter.text), schema, this.registry);
    } catch (error) {
      // The collection changed under the filter (a field was dropped): deliver nothing rather than everything.
      this.logger.warn(`webhook ${filter.webhookId}: its filter no longer applies to "${collection}": ${(error as Error).message}`);
      return undefined;
    }
    // Relation paths are refused when a filter is saved; should one appear, it matches nothing.
    return evaluateFilter(node, visible, modelOf(schema).fields, () => false) === true ? visible : undefined;
  }
}

/** Whether a parsed filter walks a relation (webhook filters may not: the related record is not in the event). */
export function usesRelation(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.nodes.some(usesRelation);
    case 'not':
      return usesRelation(node.node);
    case 'relation':
      return true;
    default:
      return false;
  }
}
