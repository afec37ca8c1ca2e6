import type { FilterNode } from 'src/modules/records/query/list-query';

export const ACCESS_ACTIONS = ['read', 'create', 'update', 'delete'] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/** Fields every record shows whatever the read allow-list says. */
export const SYSTEM_FIELDS = ['id', 'created_at', 'updated_at'] as const;

/**
 * What a caller may do, as AccessService.authorize answers it. An empty
 * grant (administrators) restricts nothing.
 */
export interface Grant {
  /** Only records matching this (variables substituted) are visible / changeable. */
  readonly where?: FilterNode;
  /** read: the collection's own fields the caller may see (system fields always); undefined: all. */
  readonly readable?: readonly string[];
  /** create/update: the fields the caller may send; undefined: all. */
  readonly writable?: readonly string[];
  /** create: values set on the new record, variables substituted. */
  readonly presets?: Readonly<Record<string, unknown>>;
  /** create/update: the record as written must match this (variables substituted), else the write is undone. */
  readonly check?: FilterNode;
}

/** What one role's rules allow on one collection, for documentation: per action, the allow-list (null: all) and the preset fields. */
export type CollectionView = Partial<Record<AccessAction, { readonly fields: readonly string[] | null; readonly presets: readonly string[] }>>;
