import type { CollectionSchema } from 'src/modules/collections/collection-schema';

/** Where the parser and compiler find collections: the registry, or a map in tests. */
export interface SchemaLookup {
  get(name: string): CollectionSchema | undefined;
}

/**
 * A value a filter compares with, already checked against its field's type:
 * integer and number fields hold numbers, boolean fields booleans, datetime
 * fields Dates, json fields the JSON text of the value, everything else a
 * string (dates as YYYY-MM-DD, uuids in lower case).
 */
export type FilterValue = string | number | boolean | Date;

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike';

/**
 * A parsed filter. Field names are those of the collection the node applies
 * to; a `relation` node moves to the relation's target collection.
 */
export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly nodes: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly node: FilterNode }
  | { readonly kind: 'compare'; readonly field: string; readonly op: ComparisonOperator; readonly value: FilterValue }
  | { readonly kind: 'in'; readonly field: string; readonly negated: boolean; readonly values: readonly FilterValue[] }
  | { readonly kind: 'null'; readonly field: string; readonly isNull: boolean }
  /** The record's relation `field` points to a `target` record matching `node`. */
  | { readonly kind: 'relation'; readonly field: string; readonly target: string; readonly node: FilterNode };

export interface SortKey {
  readonly field: string;
  readonly descending: boolean;
}

/** What to return of a collection's records. */
export interface Projection {
  /** The collection's own fields to return, in order; undefined: all of them. */
  readonly fields?: readonly string[];
  /** Related records to attach, each under its own name. */
  readonly expand: readonly Expansion[];
}

export interface Expansion {
  /** The key it appears under: the relation field, or `<collection>_via_<field>` for a reverse relation. */
  readonly name: string;
  /** forward: `field` of the parent points to one `collection` record; reverse: `field` of many `collection` records points to the parent. */
  readonly kind: 'forward' | 'reverse';
  readonly collection: string;
  readonly field: string;
  readonly projection: Projection;
}

/** A keyset value: numbers, booleans, and strings (datetimes as ISO 8601 UTC with up to microseconds). */
export type CursorValue = string | number | boolean;

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';

export interface AggregateColumn {
  readonly fn: AggregateFunction;
  /** Absent for count, which counts rows. */
  readonly field?: string;
  /** Output column: `count` or `<fn>_<field>`. */
  readonly alias: string;
}

export interface AggregateSortKey {
  /** A group_by field or an aggregate column's alias. */
  readonly column: string;
  readonly descending: boolean;
}

export interface AggregateQuery {
  readonly columns: readonly AggregateColumn[];
  readonly groupBy: readonly string[];
  readonly sort: readonly AggregateSortKey[];
}

export interface ListQuery {
  readonly collection: string;
  /** Only soft-deleted records (the trash) instead of only live ones. */
  readonly trash: boolean;
  readonly filter?: FilterNode;
  readonly search?: string;
  /** As asked; the compiler appends `id` as the tie-breaker. */
  readonly sort: readonly SortKey[];
  readonly projection: Projection;
  readonly limit: number;
  readonly offset: number;
  /** Values of the full ordering (the sort keys, then id) on the last row of the previous page. */
  readonly cursor?: readonly CursorValue[];
  readonly count: boolean;
  /** Set when the request asks for aggregates instead of records. */
  readonly aggregate?: AggregateQuery;
}

export interface ListQueryOptions {
  /** List the trash (soft-deleted records only). */
  readonly trash?: boolean;
}

/** Conditions the caller adds to a list (the permission layer's row filter), ANDed with the request's own. */
export interface ExtraConditions {
  readonly where?: FilterNode;
}
