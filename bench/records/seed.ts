import { call, describeAnswer } from './basalt';
import { articleAt, authorAt, chunks } from './data';
import { SEED_REQUEST_TIMEOUT_MS, type Row } from './shared';

/** Basalt takes arrays of up to 1,000 records per request, within its default 1 MiB body limit. */
const MAX_RECORDS = 1_000;
const MAX_BYTES = 900 * 1024;
/** Arrays in flight at once (each is one transaction on the server). */
const CONCURRENCY = 2;
/** How many article ids to keep for the get runs. */
const SAMPLE_IDS = 1_000;

export interface SeedTarget {
  name: string;
  authorsUrl: string;
  articlesUrl: string;
  token?: string;
}

export interface Seeded {
  authorIds: string[];
  /** Up to 1,000 article ids spread over the whole table. */
  articleIds: string[];
  seconds: number;
}

async function post(target: SeedTarget, url: string, records: unknown[]): Promise<Row[]> {
  const answer = await call(url, { method: 'POST', token: target.token, body: records, timeoutMs: SEED_REQUEST_TIMEOUT_MS });
  if (answer.status !== 201 || !Array.isArray(answer.body) || answer.body.length !== records.length) {
    throw new Error(`seeding ${target.name} failed: ${describeAnswer(answer)}`);
  }
  return answer.body as Row[];
}

/** Seeds authors, then articles pointing at them, through the target's own create endpoint (arrays, one request each). */
export async function seed(target: SeedTarget, authors: number, articles: number): Promise<Seeded> {
  const started = performance.now();
  const authorIds: string[] = [];
  for (const chunk of chunks(authors, (i) => authorAt(i), MAX_RECORDS, MAX_BYTES)) {
    authorIds.push(...(await post(target, target.authorsUrl, chunk)).map((row) => String(row.id)));
  }

  const articleIds: string[] = [];
  const every = Math.max(1, Math.floor(articles / SAMPLE_IDS));
  const pending = chunks(articles, (i) => articleAt(i, authorIds), MAX_RECORDS, MAX_BYTES);
  let done = 0;
  let lastReport = performance.now();
  // A fixed number of workers, each taking the next array until none is left.
  const worker = async () => {
    for (let next = pending.next(); !next.done; next = pending.next()) {
      const rows = await post(target, target.articlesUrl, next.value);
      for (const row of rows) if (done++ % every === 0 && articleIds.length < SAMPLE_IDS) articleIds.push(String(row.id));
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        console.error(`  ${target.name}: ${done.toLocaleString('en-US')} / ${articles.toLocaleString('en-US')} articles, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { authorIds, articleIds, seconds: (performance.now() - started) / 1000 };
}
