import { createHash } from 'node:crypto';

/**
 * Pure key derivation for the read cache. An entry may be served to a caller
 * only when everything that decides its bytes is in its key: the request,
 * who may see what (the visibility), the permission rules and the schema in
 * force, and (added by the Redis lookup) the write generations of every
 * collection the answer can depend on.
 */

/**
 * What decides which records and fields a caller may see. Administrators
 * bypass every rule and share one visibility. Everyone else is seen as the
 * sorted set of roles they act with, plus their user id when a read rule of
 * those roles names `$user.id`: two callers share entries only when their
 * grants are the same by construction.
 */
export type Visibility = { readonly admin: true } | { readonly admin: false; readonly roles: readonly string[]; readonly userId: string | null };

export interface ReadRequest {
  /** 'list', 'trash' or 'get' (then `id` is the record's id). */
  readonly kind: 'list' | 'trash' | 'get';
  readonly collection: string;
  readonly id?: string;
  /** The query string as parsed (a parameter repeated is an array). */
  readonly query: Readonly<Record<string, unknown>>;
}

export interface KeyContext {
  readonly visibility: Visibility;
  /** A digest of every permission rule loaded (changes with any permission change). */
  readonly rules: string;
  /** The schema version the answer is computed against (changes with any schema change). */
  readonly schemaVersion: number;
}

/** The entry key without the generations: a digest, so its length does not grow with the query. */
export function requestKey(request: ReadRequest, context: KeyContext): string {
  const visibility = context.visibility.admin ? ['admin'] : ['roles', [...context.visibility.roles].sort(), context.visibility.userId];
  const material = JSON.stringify([request.kind, request.collection, request.id ?? null, stable(request.query), visibility, context.rules, context.schemaVersion]);
  return createHash('sha256').update(material).digest('base64url');
}

/** Parameters sorted by name (order in the URL does not change the answer); a repeated parameter keeps its order. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (typeof value === 'object' && value !== null) {
    return Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => [key, stable((value as Record<string, unknown>)[key])]);
  }
  return value;
}

/** The relations of one collection, as the schema names them. */
export interface RelationSource {
  readonly name: string;
  readonly fields: readonly { readonly type: string; readonly target?: string }[];
}

/**
 * Every collection an answer about `collection` can read: those linked to it
 * by relations in either direction, transitively (expansions, relation-path
 * filters and permission row filters all follow relations). Sorted, itself
 * included. Coarser than the collections one query touches, never finer.
 */
export function relatedCollections(collection: string, schemas: readonly RelationSource[]): string[] {
  const links = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!links.has(a)) links.set(a, new Set());
    links.get(a)!.add(b);
  };
  for (const schema of schemas) {
    for (const field of schema.fields) {
      if (field.type !== 'relation' || !field.target) continue;
      link(schema.name, field.target);
      link(field.target, schema.name);
    }
  }
  const seen = new Set([collection]);
  const queue = [collection];
  while (queue.length > 0) {
    for (const next of links.get(queue.pop()!) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return [...seen].sort();
}

/** A read rule as far as the cache cares: what its row filter refers to. */
export interface ReadRuleFilter {
  readonly rowFilter: unknown;
}

/**
 * The visibility of a non-administrator acting with `roles` under `rules`
 * (the read rules of those roles on every collection the answer can read),
 * or undefined when the answer must not be cached: a row filter naming
 * `$now` changes its answer with the clock. `$user.roles` stands for the
 * roles, which are in the key anyway.
 */
export function visibilityOf(roles: readonly string[], userId: string | null, rules: readonly ReadRuleFilter[]): Visibility | undefined {
  let byUser = false;
  for (const rule of rules) {
    if (mentions(rule.rowFilter, '$now')) return undefined;
    if (mentions(rule.rowFilter, '$user.id')) byUser = true;
  }
  return { admin: false, roles: [...roles].sort(), userId: byUser ? userId : null };
}

function mentions(value: unknown, variable: string): boolean {
  if (value === variable) return true;
  if (Array.isArray(value)) return value.some((item) => mentions(item, variable));
  if (typeof value === 'object' && value !== null) return Object.values(value).some((item) => mentions(item, variable));
  return false;
}
