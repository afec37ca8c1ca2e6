import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDist, createCollections, login, recordsApiAnswers, ROOT, startBasalt, type BasaltProcess } from '../records/basalt';
import { checkAnswers } from '../records/checks';
import { createScratchDatabase, deleteRedisKeys, freePort, queryDatabase, Scratch, startBaseline } from '../records/environment';
import { CONNECTIONS, measure, WARMUP_SECONDS, type Sample } from '../records/load';
import { OPERATIONS, type Side } from '../records/operations';
import { seed } from '../records/seed';
import { errorMessage } from '../records/shared';

/**
 * The read cache's effect: the records benchmark's list, list + expand and
 * create on PostgreSQL against three servers in one run, interleaved round by
 * round: Basalt with BASALT_CACHE off, Basalt with it on (a second process on
 * the same database and Redis prefix), and the bare Fastify + pg baseline.
 * The list URLs repeat, so with the cache on they are hits but for the
 * misses after each write; the hit ratio comes from the cached node's
 * /metrics. Run from the repository root after `npm run build`:
 *
 *   node --import tsx bench/cache/run.ts [--duration 8] [--rounds 2] [--articles 100000]
 */

type SideName = 'off' | 'on' | 'baseline';
const SIDES: SideName[] = ['off', 'on', 'baseline'];
const MEASURED = OPERATIONS.filter((operation) => operation.key !== 'get');

function settings() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      authors: { type: 'string', default: '1000' },
      articles: { type: 'string', default: '100000' },
      dist: { type: 'string' },
      'postgres-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    },
  });
  return {
    duration: Number(values.duration),
    rounds: Number(values.rounds),
    authors: Number(values.authors),
    articles: Number(values.articles),
    dist: resolve(ROOT, values.dist ?? process.env.BENCH_BASALT_DIST ?? 'dist'),
    postgresUrl: values['postgres-url']!,
    redisUrl: values['redis-url']!,
  };
}

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

/** The cached node's counters, summed over collections. */
async function cacheCounters(basalt: BasaltProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${basalt.url}/metrics`)).text();
  const counts: Record<string, number> = { hit: 0, miss: 0, bypass: 0 };
  for (const match of text.matchAll(/^basalt_cache_requests_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)) counts[match[1]] = (counts[match[1]] ?? 0) + Number(match[2]);
  return counts;
}

async function main(): Promise<void> {
  const s = settings();
  const problem = checkDist(s.dist);
  if (problem) throw new Error(problem);
  const scratch = new Scratch();
  const interrupt = () => void scratch.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  try {
    const cpu = cpus();
    console.log(`Date: ${new Date().toISOString()}  Node ${process.version}  ${cpu.length} × ${cpu[0]?.model.trim()}  ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
    console.log(`Load: autocannon, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${s.duration} s per run, ${s.rounds} rounds, order of the three sides rotating per round`);
    const databaseUrl = await createScratchDatabase(scratch, s.postgresUrl);
    const redisPrefix = `bench${randomBytes(5).toString('hex')}`;
    scratch.add('delete Basalt’s Redis keys', () => deleteRedisKeys(s.redisUrl, redisPrefix));
    // One signing secret, so the administrator's token is good on both nodes, as in a cluster.
    const secret = randomBytes(32).toString('hex');
    const common = { dist: s.dist, databaseUrl, redisUrl: s.redisUrl, redisPrefix };
    const off = await startBasalt({ ...common, port: await freePort(), dataDir: scratch.tempDir('basalt-off'), env: { BASALT_JWT_SECRET: secret } });
    scratch.add('stop Basalt (cache off)', () => off.stop());
    let token = await login(off);
    await createCollections(off, token);
    const notReady = await recordsApiAnswers(off, token);
    if (notReady) throw new Error(`the records API does not answer: ${notReady}`);
    const seeded = await seed({ name: 'Basalt', authorsUrl: `${off.url}/api/v1/collections/authors/records`, articlesUrl: `${off.url}/api/v1/collections/articles/records`, token }, s.authors, s.articles);
    console.log(`Seeded ${s.authors} authors and ${s.articles} articles in ${seeded.seconds.toFixed(0)} s; VACUUM ANALYZE`);
    await queryDatabase(databaseUrl, 'VACUUM ANALYZE "c_authors", "c_articles"');
    const on = await startBasalt({ ...common, port: await freePort(), dataDir: scratch.tempDir('basalt-on'), env: { BASALT_JWT_SECRET: secret, BASALT_CACHE: 'true' } });
    scratch.add('stop Basalt (cache on)', () => on.stop());
    const baseline = await startBaseline(scratch, ['--pg', databaseUrl]);
    token = await login(off);
    const sides: Record<SideName, Side> = {
      off: { name: 'Basalt', port: off.port, token, articleIds: seeded.articleIds, authorId: seeded.authorIds[0] },
      on: { name: 'Basalt', port: on.port, token, articleIds: seeded.articleIds, authorId: seeded.authorIds[0] },
      baseline: { name: 'baseline', port: baseline.port, articleIds: seeded.articleIds, authorId: seeded.authorIds[0] },
    };
    for (const basalt of ['off', 'on'] as const) {
      const checks = await checkAnswers(MEASURED, sides[basalt], sides.baseline, true);
      if (!checks.ok) throw new Error(`cache ${basalt}: the answers differ from the baseline's:\n${checks.lines.join('\n')}`);
    }
    console.log('Checks: both Basalt nodes answer every operation as the baseline does (same ids, same order)');

    const loadBefore = loadavg()[0];
    const results = new Map(MEASURED.map((op) => [op.key, { off: [] as Sample[], on: [] as Sample[], baseline: [] as Sample[], hitRatio: [] as number[] }]));
    for (let round = 1; round <= s.rounds; round++) {
      const order = SIDES.map((_, i) => SIDES[(i + round - 1) % SIDES.length]);
      for (const operation of MEASURED) {
        for (const side of order) {
          const before = side === 'on' ? await cacheCounters(on) : undefined;
          const sample = await measure(operation.load(sides[side]), s.duration);
          const entry = results.get(operation.key)!;
          entry[side].push(sample);
          let note = '';
          if (before) {
            const after = await cacheCounters(on);
            const hits = after.hit - before.hit;
            const misses = after.miss - before.miss;
            if (hits + misses > 0) {
              entry.hitRatio.push(hits / (hits + misses));
              note = `, hit ratio ${(hits / (hits + misses)).toFixed(3)}`;
            }
          }
          console.error(`round ${round} ${operation.label} ${side}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99Ms} ms${note}${sample.non2xx + sample.errors ? `, ${sample.non2xx} non-2xx, ${sample.errors} errors` : ''}`);
        }
      }
    }
    console.log(`1-min load average: ${loadBefore.toFixed(1)} before measuring, ${loadavg()[0].toFixed(1)} after`);
    const ratio = (a: Sample[], b: Sample[]) => mean(a.map((sample, i) => sample.rps / b[i].rps));
    const rows = [
      ['operation', 'cache off req/s', 'cache on req/s', 'baseline req/s', 'off / baseline', 'on / baseline', 'on / off', 'p99 ms off / on / baseline', 'hit ratio (on)', 'non-2xx + errors'],
    ];
    rows.push(rows[0].map(() => '---'));
    for (const operation of MEASURED) {
      const r = results.get(operation.key)!;
      const rps = (samples: Sample[]) => Math.round(mean(samples.map((x) => x.rps))).toLocaleString('en-US');
      const p99 = (samples: Sample[]) => mean(samples.map((x) => x.p99Ms)).toFixed(1);
      const failures = [...r.off, ...r.on, ...r.baseline].reduce((n, x) => n + x.non2xx + x.errors, 0);
      rows.push([
        operation.label,
        rps(r.off),
        rps(r.on),
        rps(r.baseline),
        ratio(r.off, r.baseline).toFixed(2),
        ratio(r.on, r.baseline).toFixed(2),
        `**${ratio(r.on, r.off).toFixed(2)}**`,
        `${p99(r.off)} / ${p99(r.on)} / ${p99(r.baseline)}`,
        r.hitRatio.length ? mean(r.hitRatio).toFixed(3) : 'n/a',
        String(failures),
      ]);
    }
    console.log(`\n${rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n')}`);
  } finally {
    process.removeListener('SIGINT', interrupt);
    await scratch.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exitCode = 1;
});
