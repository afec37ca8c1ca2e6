import assert from 'node:assert/strict';
import type { ApiResponse, Client } from './http';

/** A record as the API returns it: system fields plus the collection's own. */
export type Rec = Record<string, any> & { id: string; created_at: string; updated_at: string };

export interface ListBody<T = Rec> {
  data: T[];
  meta: { limit: number; offset?: number; nextCursor?: string; total?: number };
}

/** UUIDv7: version nibble 7, RFC 4122 variant. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** ISO 8601 UTC with exactly milliseconds: what created_at and updated_at look like. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A well-formed UUID (v4) that no record will ever have. */
export const MISSING_ID = '3b241101-e2bb-4255-8caf-4136c566a962';

/** `?a=1&b=…`: strings as they are, everything else as JSON; undefined values left out; every value URL-encoded. */
export function qs(params: Record<string, unknown> = {}): string {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Asserts an RFC 9457 problem of this status (and code, when given). */
export function assertProblem(response: ApiResponse, status: number, code?: string, context = ''): void {
  const where = context ? `${context}: ` : '';
  assert.equal(response.status, status, `${where}expected ${status}, got ${response.status}: ${response.text.slice(0, 500)}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, `${where}content-type of ${response.text.slice(0, 200)}`);
  assert.equal(response.body?.status, status, `${where}problem status`);
  assert.match(String(response.body?.type), /^urn:basalt:problem:[a-z-]+$/, `${where}problem type`);
  if (code) assert.equal(response.body.type, `urn:basalt:problem:${code}`, `${where}problem type`);
}

/** Asserts a 4xx problem (any client error) — what a request the API refuses must get, never a 5xx. */
export function assertClientError(response: ApiResponse, context = ''): void {
  assert.ok(response.status >= 400 && response.status < 500, `${context}: expected a 4xx, got ${response.status}: ${response.text.slice(0, 500)}`);
  assertProblem(response, response.status, undefined, context);
}

/** Asserts a 400 validation-failed whose errors name every one of `fields` (and possibly more). */
export function assertInvalid(response: ApiResponse, fields: string[], context = ''): void {
  assertProblem(response, 400, 'validation-failed', context);
  const named = errorFields(response);
  for (const field of fields) assert.ok(named.includes(field), `${context ? `${context}: ` : ''}errors should name "${field}", named: ${JSON.stringify(response.body.errors)}`);
}

export function errorFields(response: ApiResponse): string[] {
  assert.ok(Array.isArray(response.body?.errors), `errors[] in ${response.text.slice(0, 500)}`);
  return response.body.errors.map((e: { field: string }) => e.field);
}

/** Whether a problem names `word` somewhere a client would read: its detail or its errors. */
export function problemMentions(response: ApiResponse, word: string): boolean {
  const errors = Array.isArray(response.body?.errors) ? response.body.errors : [];
  return String(response.body?.detail ?? '').includes(word) || errors.some((e: { field?: string; message?: string }) => String(e.field).includes(word) || String(e.message).includes(word));
}

export async function createCollection(admin: Client, definition: Record<string, unknown>): Promise<void> {
  const response = await admin.post('/api/v1/collections', definition);
  assert.equal(response.status, 201, `create collection ${String(definition.name)}: ${response.text}`);
}

/** The records routes of one collection, through an authenticated client. */
export function recordsOf(api: Client, collection: string) {
  const path = `/api/v1/collections/${collection}/records`;
  const self = {
    path,
    create: (body: unknown, headers?: Record<string, string>) => api.post(path, body, { headers }),
    get: (id: string, headers?: Record<string, string>) => api.get(`${path}/${id}`, { headers }),
    patch: (id: string, body: unknown, headers?: Record<string, string>) => api.request('PATCH', `${path}/${id}`, { body, headers }),
    delete: (id: string, headers?: Record<string, string>) => api.request('DELETE', `${path}/${id}`, { headers }),
    list: <T = Rec>(params: Record<string, unknown> = {}, headers?: Record<string, string>) => api.get<ListBody<T>>(path + qs(params), { headers }),

    /** Creates one record and asserts 201. */
    async add(body: Record<string, unknown>): Promise<Rec> {
      const response = await self.create(body);
      assert.equal(response.status, 201, `create in ${collection}: ${response.text}`);
      return response.body;
    },

    /** Creates records with one array request (in chunks of 500) and asserts 201. */
    async addMany(items: Record<string, unknown>[]): Promise<Rec[]> {
      const created: Rec[] = [];
      for (let i = 0; i < items.length; i += 500) {
        const response = await self.create(items.slice(i, i + 500));
        assert.equal(response.status, 201, `bulk create in ${collection}: ${response.text.slice(0, 1000)}`);
        assert.ok(Array.isArray(response.body), 'a bulk create answers an array');
        assert.equal(response.body.length, Math.min(500, items.length - i));
        created.push(...response.body);
      }
      return created;
    },

    /** A list request that must answer 200; returns its body. */
    async ok<T = Rec>(params: Record<string, unknown> = {}): Promise<ListBody<T>> {
      const response = await self.list<T>(params);
      assert.equal(response.status, 200, `list ${collection}${qs(params)}: ${response.text.slice(0, 1000)}`);
      assert.ok(Array.isArray(response.body.data), `data[] in ${response.text.slice(0, 300)}`);
      return response.body;
    },

    /** Ids of a list answer, in order. */
    async ids(params: Record<string, unknown> = {}): Promise<string[]> {
      return (await self.ok(params)).data.map((r) => (r as Rec).id);
    },

    /** Every live record (at most 500), by id. */
    async all(): Promise<Rec[]> {
      return (await self.ok({ limit: 500 })).data.sort(byId);
    },
  };
  return self;
}

export type Records = ReturnType<typeof recordsOf>;

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function sortedIds(records: { id: string }[]): string[] {
  return records.map((r) => r.id).sort();
}

/** Compares ids as sets, with a readable message. */
export function assertSameIds(actual: string[], expected: string[], message = ''): void {
  assert.deepEqual([...actual].sort(), [...expected].sort(), message);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives
 * the same sequence on every run, so a failing case can be replayed.
 */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random = {
    /** [0, 1) */
    next,
    /** An integer in [0, n). */
    int: (n: number): number => Math.floor(next() * n),
    /** An integer in [min, max]. */
    between: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number): boolean => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    /** Up to `max` distinct items, in random order. */
    some: <T>(items: readonly T[], max: number): T[] => {
      const pool = [...items];
      const count = Math.floor(next() * (Math.min(max, pool.length) + 1));
      const out: T[] = [];
      for (let i = 0; i < count; i++) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
      return out;
    },
    string: (length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string => {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
  };
  return random;
}

export type Random = ReturnType<typeof seededRandom>;

/** Runs `work` over `items` with at most `concurrency` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
