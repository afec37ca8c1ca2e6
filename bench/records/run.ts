import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDist, createCollections, login, recordsApiAnswers, ROOT, startBasalt } from './basalt';
import { BASELINE_DDL, EXPLAIN_LIST_SQL, SCHEMA_FINGERPRINT_SQL } from './baseline/schema';
import { checkAnswers } from './checks';
import { createScratchDatabase, deleteRedisKeys, freePort, queryDatabase, Scratch, startBaseline } from './environment';
import { CONNECTIONS, measure, WARMUP_SECONDS } from './load';
import { OPERATIONS, type Side } from './operations';
import { formatTable, type Results } from './report';
import { seed } from './seed';
import { errorMessage, HOST } from './shared';

/**
 * Basalt's records API against a bare Fastify + SQL baseline on the same data.
 * Run from the repository root, after `npm run build`:
 *
 *   node --import tsx bench/records/run.ts [--db postgres|embedded|both] [--duration 8]
 *
 * See bench/records/README.md for every option and what the numbers mean.
 */

const USAGE = `usage: node --import tsx bench/records/run.ts [options]
  --db postgres|embedded|both   which database(s) to run on (default postgres)
  --duration <s>                measured seconds per run (default 8; each run has a ${WARMUP_SECONDS} s warm-up first)
  --rounds <n>                  rounds; each alternates Basalt and the baseline per operation (default 2)
  --authors <n>                 authors to seed (default 1000)
  --articles <n>                articles to seed on PostgreSQL (default 100000)
  --embedded-articles <n>       articles to seed on the embedded database (default 100000)
  --dist <dir>                  the Basalt build to run (default $BENCH_BASALT_DIST or ./dist)
  --allow-stale                 run a build older than src/ anyway
  --postgres-url <url>          the PostgreSQL server's admin URL (default postgres://postgres@127.0.0.1:5432/postgres)
  --redis-url <url>             Redis for Basalt (default redis://127.0.0.1:6379)
  --accept-encoding <value>     send this Accept-Encoding on every measured request (default none: nothing is compressed)`;

interface Settings {
  databases: ('postgres' | 'embedded')[];
  duration: number;
  rounds: number;
  authors: number;
  articles: { postgres: number; embedded: number };
  dist: string;
  allowStale: boolean;
  postgresUrl: string;
  redisUrl: string;
  acceptEncoding?: string;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'postgres' },
      duration: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      authors: { type: 'string', default: '1000' },
      articles: { type: 'string', default: '100000' },
      'embedded-articles': { type: 'string', default: '100000' },
      dist: { type: 'string' },
      'allow-stale': { type: 'boolean', default: false },
      'postgres-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
      'accept-encoding': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, raw: string, max: number): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be an integer from 1 to ${max}\n${USAGE}`);
    return value;
  };
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const db = values.db ?? 'postgres';
  if (!['postgres', 'embedded', 'both'].includes(db)) throw new Error(`--db must be postgres, embedded or both\n${USAGE}`);
  return {
    databases: db === 'both' ? ['postgres', 'embedded'] : [db as 'postgres' | 'embedded'],
    duration: positive('duration', values.duration!, 600),
    rounds: positive('rounds', values.rounds!, 10),
    authors: positive('authors', values.authors!, 100_000),
    articles: { postgres: positive('articles', values.articles!, 10_000_000), embedded: positive('embedded-articles', values['embedded-articles']!, 10_000_000) },
    dist: resolve(ROOT, values.dist ?? process.env.BENCH_BASALT_DIST ?? 'dist'),
    allowStale: values['allow-stale'] ?? false,
    postgresUrl: values['postgres-url']!,
    redisUrl: values['redis-url']!,
    acceptEncoding: values['accept-encoding'],
  };
}

/** On PostgreSQL the baseline reads Basalt's own tables; this checks that the DDL the embedded baseline uses still matches them. */
async function schemaDifferences(databaseUrl: string): Promise<string[]> {
  const { PGlite } = await import('@electric-sql/pglite');
  const lite = await PGlite.create();
  try {
    for (const statement of BASELINE_DDL) await lite.exec(statement);
    const ours = new Set((await lite.query<{ item: string }>(SCHEMA_FINGERPRINT_SQL)).rows.map((r) => r.item));
    const basalts = new Set((await queryDatabase<{ item: string }>(databaseUrl, SCHEMA_FINGERPRINT_SQL)).map((r) => r.item));
    return [...[...basalts].filter((item) => !ours.has(item)).map((item) => `only Basalt: ${item}`), ...[...ours].filter((item) => !basalts.has(item)).map((item) => `only baseline DDL: ${item}`)];
  } finally {
    await lite.close();
  }
}

/** The commit the sources are at, and whether src/ or migrations/ have changes on top (a private build includes them). */
function sourceVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'migrations');
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? `, with ${dirty.split('\n').length} uncommitted change(s) in src/ or migrations/` : ''}`;
  } catch {
    return 'commit unknown';
  }
}

interface DatabaseRun {
  database: 'postgres' | 'embedded';
  lines: string[];
  table?: string;
  failed?: string;
}

async function runOn(database: 'postgres' | 'embedded', s: Settings): Promise<DatabaseRun> {
  const scratch = new Scratch();
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.error(line);
  };
  const interrupt = () => {
    console.error('interrupted: cleaning up');
    void scratch.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const articles = s.articles[database];
    const databaseUrl = database === 'postgres' ? await createScratchDatabase(scratch, s.postgresUrl) : undefined;
    const redisPrefix = `bench${randomBytes(5).toString('hex')}`;
    scratch.add('delete Basalt’s Redis keys', () => deleteRedisKeys(s.redisUrl, redisPrefix));

    // startBasalt stops the process itself when it fails to start.
    const basalt = await startBasalt({ dist: s.dist, port: await freePort(), databaseUrl, dataDir: scratch.tempDir('basalt-data'), redisUrl: s.redisUrl, redisPrefix });
    scratch.add('stop Basalt', () => basalt.stop());
    let token = await login(basalt);
    await createCollections(basalt, token);
    const notReady = await recordsApiAnswers(basalt, token);
    if (notReady) throw new Error(`the records API does not answer in this build: ${notReady}`);

    say(`Seeding Basalt through POST /api/v1/collections/{authors,articles}/records (arrays of up to 1,000): ${s.authors.toLocaleString('en-US')} authors, ${articles.toLocaleString('en-US')} articles`);
    const recordsUrl = (collection: string) => `${basalt.url}/api/v1/collections/${collection}/records`;
    const seededBasalt = await seed({ name: 'Basalt', authorsUrl: recordsUrl('authors'), articlesUrl: recordsUrl('articles'), token }, s.authors, articles);
    say(`  Basalt seeded in ${seededBasalt.seconds.toFixed(0)} s (${Math.round(articles / seededBasalt.seconds).toLocaleString('en-US')} articles/s)`);

    let baselineSide: Pick<Side, 'articleIds' | 'authorId'>;
    let baselineArgs: string[];
    if (databaseUrl) {
      await queryDatabase(databaseUrl, 'VACUUM ANALYZE "c_authors", "c_articles"');
      say('  VACUUM ANALYZE on both tables (the baseline reads the same tables)');
      const differences = await schemaDifferences(databaseUrl);
      say(differences.length === 0 ? '  Basalt’s tables match the baseline’s DDL (columns, indexes, constraints)' : `  NOTE: Basalt’s tables differ from the embedded baseline’s DDL:\n    ${differences.join('\n    ')}`);
      const plan = await queryDatabase<{ 'QUERY PLAN': string }>(databaseUrl, EXPLAIN_LIST_SQL);
      say(`  list plan: ${plan.map((row) => row['QUERY PLAN'].trim().replace(/\s+\(cost=.*$/, '')).join(' / ')}`);
      baselineArgs = ['--pg', databaseUrl];
      baselineSide = { articleIds: seededBasalt.articleIds, authorId: seededBasalt.authorIds[0] };
    } else {
      baselineArgs = ['--pglite', scratch.tempDir('baseline-pglite')];
    }
    const baseline = await startBaseline(scratch, baselineArgs);
    say(`Baseline: ${baseline.description}`);
    if (!databaseUrl) {
      const base = `http://${HOST}:${baseline.port}`;
      const seeded = await seed({ name: 'baseline', authorsUrl: `${base}/authors`, articlesUrl: `${base}/articles` }, s.authors, articles);
      say(`  baseline seeded with the same data shape in ${seeded.seconds.toFixed(0)} s (multi-row INSERTs)`);
      baselineSide = { articleIds: seeded.articleIds, authorId: seeded.authorIds[0] };
    }

    // A fresh token: seeding a large embedded database can outlast the default 15 min access-token lifetime.
    token = await login(basalt);
    const sides: Side[] = [
      { name: 'Basalt', port: basalt.port, token, articleIds: seededBasalt.articleIds, authorId: seededBasalt.authorIds[0], acceptEncoding: s.acceptEncoding },
      { name: 'baseline', port: baseline.port, ...baselineSide!, acceptEncoding: s.acceptEncoding },
    ];
    const checks = await checkAnswers(OPERATIONS, sides[0], sides[1], Boolean(databaseUrl));
    for (const line of checks.lines) say(line);
    if (!checks.ok) throw new Error('the answers differ (see FAIL above): nothing measured');

    // Other work on the machine (builds, test suites) skews single runs; the load average shows it happened.
    const loadBefore = loadavg()[0];
    const results: Results = new Map(OPERATIONS.map((op) => [op.key, { basalt: [], baseline: [] }]));
    const total = s.rounds * OPERATIONS.length * 2;
    let done = 0;
    for (let round = 1; round <= s.rounds; round++) {
      // Who goes first alternates between rounds, so neither side always runs on a warmer or cooler machine.
      const order = round % 2 === 1 ? sides : [...sides].reverse();
      for (const operation of OPERATIONS) {
        for (const side of order) {
          const sample = await measure(operation.load(side), s.duration);
          results.get(operation.key)![side.name === 'Basalt' ? 'basalt' : 'baseline'].push(sample);
          const failed = sample.non2xx + sample.errors > 0 ? `, ${sample.non2xx} non-2xx, ${sample.errors} errors` : '';
          console.error(`[${database} ${++done}/${total}] round ${round} ${operation.label} ${side.name}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99Ms} ms${failed}`);
        }
      }
    }
    say(`1-min load average: ${loadBefore.toFixed(1)} before measuring, ${loadavg()[0].toFixed(1)} after (${cpus().length} cores; this run itself keeps about 2-3 busy)`);
    return { database, lines, table: formatTable(results, OPERATIONS) };
  } catch (error) {
    return { database, lines, failed: errorMessage(error) };
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    await scratch.cleanup();
  }
}

async function main(): Promise<void> {
  const s = settings();
  const problem = checkDist(s.dist);
  if (problem && !(s.allowStale && !problem.includes('does not exist') && !problem.includes('no records API'))) {
    console.error(problem);
    process.exitCode = 2;
    return;
  }
  if (problem) console.error(`WARNING (--allow-stale): ${problem}`);

  const cpu = cpus();
  const perRun = WARMUP_SECONDS + s.duration;
  const runs = s.rounds * OPERATIONS.length * 2;
  const header = [
    `Date: ${new Date().toISOString()}  Node ${process.version}  ${cpu.length} × ${cpu[0]?.model.trim()}  ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `Basalt: ${s.dist}/src/main.js, sources at ${sourceVersion()} (NODE_ENV=production, LOG_LEVEL=warn, default pool of 10), called as the administrator with a bearer token`,
    `Load: autocannon in this process, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${s.duration} s measured per run, ` +
      `${s.rounds} rounds alternating Basalt and the baseline per operation: ${runs} runs (~${Math.ceil((runs * perRun) / 60)} min per database after seeding)`,
  ];
  console.log(header.join('\n'));

  const outcomes: DatabaseRun[] = [];
  for (const database of s.databases) {
    console.error(`\n== ${database} ==`);
    outcomes.push(await runOn(database, s));
  }

  for (const outcome of outcomes) {
    const title = outcome.database === 'postgres' ? 'PostgreSQL (Basalt and the baseline on the same scratch database)' : 'Embedded database (Basalt on its PGlite; the baseline is Fastify + its own PGlite)';
    console.log(`\n### ${title}\n\n${outcome.lines.join('\n')}\n`);
    if (outcome.table) console.log(outcome.table);
    else {
      console.log(`FAILED: ${outcome.failed}`);
      process.exitCode = 1;
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
