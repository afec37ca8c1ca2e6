/**
 * How a request weighs on the database, decided from its route and query
 * string alone (before any work is done):
 * - `exempt`: long-lived or self-limited routes (event streams, health checks) that no deadline may cut;
 * - `heavy`: requests that may hold a pool connection for long (large or deep lists, reverse expansions,
 *   counts, aggregates, full-text searches, exports); they share a capped number of slots per process;
 * - `light`: everything else.
 */
export type RequestClass = 'exempt' | 'heavy' | 'light';

export type QueryString = Readonly<Record<string, unknown>> | undefined;

/** A list page larger than this is heavy (the default page is 20, the largest 500). */
export const HEAVY_LIST_LIMIT = 100;
/** Skipping more rows than this makes the database read and discard them all. */
export const HEAVY_LIST_OFFSET = 10_000;

const EXEMPT_ROUTES = new Set(['/api/v1/realtime', '/health/live', '/health/ready']);
const LIST_ROUTES = new Set(['/api/v1/collections/:name/records', '/api/v1/collections/:name/trash']);
const EXPORT_ROUTES = new Set(['/api/v1/users/me/export']);
/** List parameters that make a query cost more than one indexed page. */
const HEAVY_LIST_PARAMETERS = ['aggregate', 'search'];
/**
 * A reverse expansion (`<collection>_via_<field>`) reads up to 1,000 rows of
 * another table per request. A forward one is a single lookup by primary key
 * for the whole page, as cheap as the page itself: common list-with-author
 * requests stay light.
 */
const REVERSE_EXPANSION = /(^|[,.])[a-z][a-z0-9_]*_via_/;

/** `route` is the matched route template (Fastify's routeOptions.url); undefined when no route matched. */
export function classifyRequest(method: string, route: string | undefined, query: QueryString): RequestClass {
  if (route === undefined) return 'light';
  if (EXEMPT_ROUTES.has(route)) return 'exempt';
  if (method !== 'GET' && method !== 'HEAD') return 'light';
  if (EXPORT_ROUTES.has(route)) return 'heavy';
  if (LIST_ROUTES.has(route)) return isHeavyList(query) ? 'heavy' : 'light';
  if (route === '/api/v1/collections/:name/records/:id') return expandsReverse(query) ? 'heavy' : 'light';
  return 'light';
}

function isHeavyList(query: QueryString): boolean {
  if (HEAVY_LIST_PARAMETERS.some((name) => present(query, name)) || expandsReverse(query)) return true;
  if (text(query, 'count') === 'true') return true;
  return above(query, 'limit', HEAVY_LIST_LIMIT) || above(query, 'offset', HEAVY_LIST_OFFSET);
}

/** A repeated or malformed parameter is refused by the list parser; here it only must not pass as light. */
function text(query: QueryString, name: string): string | undefined {
  const value = query?.[name];
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' ? value : String(value);
}

/** In `expand`, or in `fields` (a dotted path there expands too). */
function expandsReverse(query: QueryString): boolean {
  return ['expand', 'fields'].some((name) => REVERSE_EXPANSION.test(text(query, name) ?? ''));
}

function present(query: QueryString, name: string): boolean {
  return text(query, name) !== undefined;
}

function above(query: QueryString, name: string, threshold: number): boolean {
  const value = text(query, name);
  if (value === undefined) return false;
  const number = Number(value);
  return !Number.isFinite(number) || number > threshold;
}
