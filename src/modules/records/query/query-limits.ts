/** Bounds on list queries: each keeps one request from costing the database or the parser without limit. */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 500;
export const MAX_SORT_KEYS = 8;
export const MAX_GROUP_BY = 8;
export const MAX_AGGREGATES = 20;
/** Entries in `fields` or `expand`. */
export const MAX_LIST_ENTRIES = 100;
/** Relations one path may cross, in filters, `fields` and `expand`. */
export const MAX_RELATION_DEPTH = 3;
export const MAX_FILTER_LENGTH = 20_000;
/** Nesting of $and, $or, $not and relation paths. */
export const MAX_FILTER_DEPTH = 8;
/** Comparisons in one filter. */
export const MAX_FILTER_CONDITIONS = 100;
export const MAX_IN_VALUES = 500;
export const MAX_VALUE_LENGTH = 10_000;
export const MAX_SEARCH_LENGTH = 256;
export const MAX_CURSOR_LENGTH = 4_096;
/** Rows one reverse expansion fetches for all parents together (shared out evenly between them). */
export const REVERSE_EXPAND_MAX_ROWS = 1_000;
