import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { modelOf, type CollectionModel } from './collection-model';
import { checkText, invalid } from './coerce-value';
import { decodeCursor } from './cursor';
import type { CursorValue, ListQuery, ListQueryOptions, SchemaLookup } from './list-query';
import { parseAggregate } from './parse-aggregate';
import { parseFilterParam } from './parse-filter';
import { parseProjection } from './parse-projection';
import { parseSort } from './parse-sort';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_SEARCH_LENGTH } from './query-limits';

/** The query string as the HTTP layer hands it over: a repeated parameter arrives as an array. */
export type RawListQuery = Readonly<Record<string, string | string[] | undefined>>;

export const LIST_PARAMETERS: readonly string[] = ['filter', 'sort', 'fields', 'expand', 'limit', 'offset', 'cursor', 'count', 'search', 'aggregate', 'group_by'];
const KNOWN = new Set(LIST_PARAMETERS);
/** An aggregate answers with groups, not records: these have nothing to act on. */
const NOT_WITH_AGGREGATE = ['fields', 'expand', 'cursor', 'count'];

/**
 * A list request's parameters, checked against the collection and turned into
 * a typed query. Every problem is a ValidationFailedError naming the
 * parameter (for filters, the field: `filter.views`). Identifiers in the
 * result all come from the schema; values are typed and end up as SQL
 * parameters.
 */
export function parseListQuery(collection: CollectionSchema, raw: RawListQuery, schemas: SchemaLookup, options: ListQueryOptions = {}): ListQuery {
  const params = presentParameters(raw);
  const trash = options.trash === true;
  if (trash && !collection.softDelete) throw invalid('trash', `"${collection.name}" does not keep deleted records`);
  const model = modelOf(collection);
  const fields = trash ? model.trashFields : model.fields;
  const filterText = params.get('filter');
  const base = {
    collection: collection.name,
    trash,
    filter: filterText === undefined ? undefined : parseFilterParam(filterText, collection, schemas, { trash }),
    search: parseSearch(params.get('search'), model),
    limit: integerParameter(params, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: integerParameter(params, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
  const aggregate = params.get('aggregate');
  if (aggregate !== undefined) {
    const clash = NOT_WITH_AGGREGATE.find((name) => params.has(name));
    if (clash) throw invalid(clash, 'cannot be combined with aggregate');
    return { ...base, sort: [], projection: { expand: [] }, count: false, aggregate: parseAggregate(aggregate, params.get('group_by'), params.get('sort'), fields) };
  }
  if (params.has('group_by')) throw invalid('group_by', 'only applies together with aggregate');
  const sort = parseSort(params.get('sort'), fields);
  let cursor: CursorValue[] | undefined;
  const cursorText = params.get('cursor');
  if (cursorText !== undefined) {
    if (params.has('offset')) throw invalid('cursor', 'cannot be combined with offset');
    const optional = sort.find((key) => fields.get(key.field)!.nullable);
    if (optional) {
      throw invalid(
        'cursor',
        `cannot page by "${optional.field}": it is optional, and records without a value have no place in a keyset. Sort by required fields to use a cursor, or page with offset`,
      );
    }
    cursor = decodeCursor(cursorText, collection.name, sort, fields);
  }
  return {
    ...base,
    sort,
    projection: parseProjection(params.get('fields'), params.get('expand'), model, schemas, trash),
    cursor,
    count: booleanParameter(params, 'count'),
  };
}

/** Known parameters with a value; an empty value counts as absent (forms send `?search=`). */
function presentParameters(raw: RawListQuery): Map<string, string> {
  const present = new Map<string, string>();
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (!KNOWN.has(name)) throw invalid(name, `is not a list parameter; use ${LIST_PARAMETERS.join(', ')}`);
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw invalid(name, 'must be given once');
    present.set(name, value);
  }
  return present;
}

function parseSearch(value: string | undefined, model: CollectionModel): string | undefined {
  const text = value === undefined ? '' : checkText(value, 'search').trim();
  if (text === '') return undefined;
  if (text.length > MAX_SEARCH_LENGTH) throw invalid('search', `must be at most ${MAX_SEARCH_LENGTH} characters`);
  if (model.searchable.length === 0) throw invalid('search', `"${model.schema.name}" has no string or text fields to search`);
  if (!/[\p{L}\p{N}]/u.test(text)) throw invalid('search', 'must contain at least one word');
  return text;
}

function integerParameter(params: Map<string, string>, name: string, fallback: number, min: number, max: number): number {
  const text = params.get(name);
  if (text === undefined) return fallback;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw invalid(name, max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`);
  return value;
}

function booleanParameter(params: Map<string, string>, name: string): boolean {
  const text = params.get(name);
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  throw invalid(name, 'must be true or false');
}
