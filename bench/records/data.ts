import type { ArticleInput, AuthorInput } from './shared';

/**
 * Deterministic, realistic-looking seed data: the same seed gives the same
 * authors and articles, so Basalt and the embedded baseline hold the same
 * data shape (only the generated ids differ).
 */

/** mulberry32: small, fast and good enough for test data. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Dennis', 'Radia', 'John', 'Hedy', 'Tim', 'Karen', 'Linus', 'Sophie', 'Niklaus', 'Adele', 'Guido', 'Joan', 'Bjarne', 'Lynn', 'Leslie'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Ritchie', 'Perlman', 'McCarthy', 'Lamarr', 'Berners-Lee', 'Jones', 'Torvalds', 'Wilson', 'Wirth', 'Goldberg', 'van Rossum', 'Clarke', 'Stroustrup', 'Conway', 'Lamport'];
const OPENERS = ['How', 'Why', 'What we learned when', 'Notes on how', 'A field guide to how', 'The week', 'Ten ways', 'Inside the way'];
const SUBJECTS = ['small teams', 'city councils', 'night trains', 'open data', 'tidal power', 'community gardens', 'public libraries', 'rural clinics', 'bike lanes', 'local newsrooms', 'school kitchens', 'repair cafés', 'heat pumps', 'river cleanups', 'makerspaces', 'ferry routes'];
const VERBS = ['rethink', 'rebuild', 'fund', 'measure', 'quietly change', 'scale', 'survive', 'outgrow', 'document', 'share'];
const OBJECTS = ['their budgets', 'the way we travel', 'winter', 'the night shift', 'old buildings', 'their neighbourhoods', 'public trust', 'the supply chain', 'a decade of habits', 'the last mile'];
const WORDS = (
  'the a of and to in that it with as for on was by at from this be are or an have not which one all were when we there can more ' +
  'been has their if will would so about what up out them into some could time only other than then now its over also after ' +
  'people year work first well way even new want because any these give day most us city river council budget plan project ' +
  'energy school library garden train station market street winter summer data report survey result team member volunteer ' +
  'cost price month week morning evening neighbour community local public service network route schedule repair tool'
).split(' ');

const pick = <T>(rand: () => number, values: readonly T[]): T => values[Math.floor(rand() * values.length)];

function sentence(rand: () => number): string {
  const length = 8 + Math.floor(rand() * 14);
  const words = Array.from({ length }, () => pick(rand, WORDS));
  words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  return `${words.join(' ')}.`;
}

export function authorAt(index: number, seed = 1): AuthorInput {
  const rand = random(seed * 1_000_003 + index);
  const first = pick(rand, FIRST);
  const last = pick(rand, LAST);
  return { name: `${first} ${last}`, email: `${first}.${last.replace(/[^A-Za-z]/g, '')}.${index}@example.com`.toLowerCase() };
}

/** Ids to point articles at; index `i` of the authors array is the author seeded as `authorAt(i)`. */
export function articleAt(index: number, authorIds: readonly string[], seed = 1): ArticleInput {
  const rand = random(seed * 7_000_003 + index);
  const title = `${pick(rand, OPENERS)} ${pick(rand, SUBJECTS)} ${pick(rand, VERBS)} ${pick(rand, OBJECTS)}`;
  const paragraphs = 1 + Math.floor(rand() * 3);
  const body = Array.from({ length: paragraphs }, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => sentence(rand)).join(' ')).join('\n\n');
  const published = rand() < 0.5;
  // Spread over two years before a fixed instant, with milliseconds, so ties are rare.
  const publishedAt = published ? new Date(Date.UTC(2026, 0, 1) - Math.floor(rand() * 2 * 365 * 24 * 3600 * 1000)).toISOString() : null;
  return {
    title: title.slice(0, 200),
    body,
    status: published ? 'published' : 'draft',
    views: published ? Math.floor(rand() * 50_000) : 0,
    published_at: publishedAt,
    author: authorIds[Math.floor(rand() * authorIds.length)],
  };
}

/** The article every measured create sends: a draft, so it never enters the measured list of published articles. */
export function createPayload(authorId: string): ArticleInput {
  return {
    title: 'A new draft about night trains',
    body: 'Written during the benchmark. It stays a draft, so the published list does not change under the list runs.',
    status: 'draft',
    views: 0,
    published_at: null,
    author: authorId,
  };
}

/**
 * Splits records into arrays of at most `maxRecords` whose JSON stays under
 * `maxBytes` (Basalt's default body limit is 1 MiB; the benchmark does not
 * raise it).
 */
export function* chunks<T>(count: number, make: (index: number) => T, maxRecords: number, maxBytes: number): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 2;
  for (let i = 0; i < count; i++) {
    const record = make(i);
    const size = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (chunk.length > 0 && (chunk.length >= maxRecords || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 2;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
