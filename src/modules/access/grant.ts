import { ConflictError, ForbiddenError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import type { FilterNode, SchemaLookup } from 'src/modules/records/query/list-query';
import { parseFilter } from 'src/modules/records/query/parse-filter';
import { effectiveCheck, mergeRules, substitute, type RuleParts, type Variables } from './access-rules';
import type { AccessAction, Grant } from './access.types';

/** A stored rule as AccessService keeps it in memory. */
export interface StoredRule {
  readonly id: string;
  readonly role: string;
  readonly collection: string;
  readonly action: AccessAction;
  readonly rowFilter: Record<string, unknown> | null;
  readonly fields: string[] | null;
  readonly presets: Record<string, unknown> | null;
  readonly check: Record<string, unknown> | null;
  readonly createdAt: Date;
}

/**
 * The grant of the rules (one per role the caller holds, at least one) for
 * `action` on `schema`, variables substituted. Pure: no Nest, no database.
 * A rule whose filter no longer parses (a field was dropped) grants nothing
 * and is reported to `stale`; none left is a 403. Conflicting create presets
 * are a 409.
 */
export function buildGrant(rules: readonly StoredRule[], action: AccessAction, schema: CollectionSchema, lookup: SchemaLookup, vars: Variables, stale: (rule: StoredRule, error: Error) => void = () => undefined): Grant {
  const parts: RuleParts<FilterNode>[] = [];
  for (const rule of rules) {
    try {
      const where = rule.rowFilter ? parseFilter(substitute(rule.rowFilter, vars), schema, lookup, { param: 'permission' }) : null;
      const check = rule.check ? parseFilter(substitute(rule.check, vars), schema, lookup, { param: 'permission' }) : null;
      parts.push({ where, fields: rule.fields, presets: rule.presets, check: effectiveCheck(action, where, check) });
    } catch (error) {
      stale(rule, error as Error);
    }
  }
  if (parts.length === 0) throw new ForbiddenError(`The permission to ${action} records of "${schema.name}" is out of date; an administrator must fix it.`);
  const merged = mergeRules(parts);
  const grant: { where?: FilterNode; readable?: string[]; writable?: string[]; presets?: Record<string, unknown>; check?: FilterNode } = {};
  if (merged.where) grant.where = any(merged.where);
  if (merged.fields && action === 'read') grant.readable = merged.fields;
  if (merged.fields && (action === 'create' || action === 'update')) grant.writable = merged.fields;
  if (merged.presets && action === 'create') {
    if (merged.conflicts.length > 0) {
      const fields = merged.conflicts.map((f) => `"${f}"`).join(', ');
      throw new ConflictError(ErrorCode.PresetConflict, `Your roles preset ${fields} of "${schema.name}" to different values, so a create is ambiguous; an administrator must align them.`);
    }
    grant.presets = substitute(merged.presets, vars) as Record<string, unknown>;
  }
  if (merged.checks && (action === 'create' || action === 'update')) grant.check = any(merged.checks);
  return grant;
}

/** OR of one or more filters. */
function any(nodes: FilterNode[]): FilterNode {
  return nodes.length === 1 ? nodes[0] : { kind: 'or', nodes };
}
