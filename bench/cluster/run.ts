import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDist, createCollections, login, ROOT, startBasalt, type BasaltProcess } from '../records/basalt';
import { createScratchDatabase, deleteRedisKeys, freePort, Scratch } from '../records/environment';
import { CONNECTIONS, measure, WARMUP_SECONDS, type Sample } from '../records/load';
import { OPERATIONS, type Side } from '../records/operations';
import { seed } from '../records/seed';
import { HOST, sleep } from '../records/shared';

/**
 * The records benchmark's list, get and create through HAProxy, against one
 * Basalt node and against two, alternating in one run; prints two nodes'
 * throughput as a multiple of one node's. Run after `npm run build`:
 *
 *   node --import tsx bench/cluster/run.ts [--duration 5] [--rounds 2] [--articles 30000]
 *
 * HAProxy is Debian's package (`apt-get install haproxy`, which test/ensure-services.sh does).
 */

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    articles: { type: 'string', default: '30000' },
    'postgres-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const articles = Number(values.articles);
const MEASURED = OPERATIONS.filter((operation) => operation.key !== 'expand');

function haproxyConfig(frontPort: number, nodes: number[]): string {
  return `global
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend front
  bind ${HOST}:${frontPort}
  default_backend api
backend api
  balance roundrobin
  option httpchk GET /health/ready
  default-server inter 2s fall 2 rise 1
${nodes.map((port, i) => `  server api${i + 1} ${HOST}:${port} check`).join('\n')}
`;
}

async function startHaproxy(scratch: Scratch, nodes: BasaltProcess[], label: string): Promise<number> {
  const port = await freePort();
  const configFile = join(scratch.tempDir(`haproxy-${label}`), 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(port, nodes.map((node) => node.port)));
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', configFile], { stdio: 'ignore' });
  scratch.add(`stop HAProxy (${label})`, () => {
    child.kill('SIGTERM');
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    const answered = await fetch(`http://${HOST}:${port}/health/live`).then((response) => response.ok, () => false);
    if (answered) return port;
    await sleep(200);
  }
  throw new Error(`HAProxy (${label}) did not answer`);
}

const mean = (numbers: number[]): number => numbers.reduce((sum, n) => sum + n, 0) / numbers.length;

async function main(): Promise<void> {
  const dist = resolve(ROOT, 'dist');
  const problem = checkDist(dist);
  if (problem) throw new Error(problem);
  const scratch = new Scratch();
  try {
    const databaseUrl = await createScratchDatabase(scratch, values['postgres-url']!);
    const redisUrl = values['redis-url']!;
    const redisPrefix = `bench${randomBytes(5).toString('hex')}`;
    scratch.add('delete Basalt’s Redis keys', () => deleteRedisKeys(redisUrl, redisPrefix));
    // Tokens signed by one node must verify on the other.
    const env = { BASALT_JWT_SECRET: randomBytes(32).toString('hex') };
    const startNode = async () => {
      const node = await startBasalt({ dist, port: await freePort(), databaseUrl, dataDir: scratch.tempDir('data'), redisUrl, redisPrefix, env });
      scratch.add(`stop node ${node.port}`, () => node.stop());
      return node;
    };
    const first = await startNode();
    const token = await login(first);
    await createCollections(first, token);
    console.error(`seeding ${articles} articles`);
    const seeded = await seed({ name: 'Basalt', authorsUrl: `${first.url}/api/v1/collections/authors/records`, articlesUrl: `${first.url}/api/v1/collections/articles/records`, token }, 1000, articles);
    const second = await startNode();
    const setups = [
      { name: 'one node', port: await startHaproxy(scratch, [first], 'one') },
      { name: 'two nodes', port: await startHaproxy(scratch, [first, second], 'two') },
    ];
    const side = (port: number): Side => ({ name: 'Basalt', port, token, articleIds: seeded.articleIds, authorId: seeded.authorIds[0] });
    const results = new Map(MEASURED.map((operation) => [operation.key, setups.map(() => [] as Sample[])]));
    const loadBefore = loadavg()[0];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const operation of MEASURED) {
        for (const index of order) {
          const sample = await measure(operation.load(side(setups[index].port)), duration);
          results.get(operation.key)![index].push(sample);
          console.error(`round ${round + 1} ${operation.label} via HAProxy, ${setups[index].name}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99Ms} ms, ${sample.non2xx} non-2xx, ${sample.errors} errors`);
        }
      }
    }
    console.log(`Date: ${new Date().toISOString()}  Node ${process.version}  ${cpus().length} cores; PostgreSQL, ${articles} articles; autocannon in this process, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${duration} s per run, ${rounds} rounds`);
    console.log(`1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after\n`);
    console.log('| operation | one node req/s | p99 ms | two nodes req/s | p99 ms | two / one | non-2xx + errors |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const operation of MEASURED) {
      const [one, two] = results.get(operation.key)!;
      const ratio = mean(two.map((sample, round) => sample.rps / one[round].rps));
      const failures = [...one, ...two].reduce((sum, sample) => sum + sample.non2xx + sample.errors, 0);
      console.log(`| ${operation.label} | ${Math.round(mean(one.map((s) => s.rps)))} | ${mean(one.map((s) => s.p99Ms)).toFixed(0)} | ${Math.round(mean(two.map((s) => s.rps)))} | ${mean(two.map((s) => s.p99Ms)).toFixed(0)} | **${ratio.toFixed(2)}** | ${failures} |`);
    }
  } finally {
    await scratch.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
