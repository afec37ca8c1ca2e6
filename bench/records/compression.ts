/**
 * How much response compression saves on the records API, and what it costs
 * per request, on the benchmark's own data (articles of about 500 characters):
 *
 *   npm run build && node --import tsx bench/records/compression.ts [--articles 2000]
 *
 * For each request it prints the bytes sent with no Accept-Encoding, with
 * gzip and with br, and the median time of 50 sequential requests each way
 * (loopback, so the time is the server's compression work, not the wire).
 * PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379, as for run.ts.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createCollections, login, ROOT, startBasalt } from './basalt';
import { createScratchDatabase, deleteRedisKeys, freePort, Scratch } from './environment';
import { seed } from './seed';
import { HOST } from './shared';

const SAMPLES = 50;
const ENCODINGS = ['identity', 'gzip', 'br'] as const;

function get(port: number, path: string, token: string, encoding: string): Promise<{ status: number; bytes: number; encoding: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: HOST, port, path, headers: { authorization: `Bearer ${token}`, 'accept-encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolvePromise({ status: res.statusCode!, bytes, encoding: String(res.headers['content-encoding'] ?? 'identity'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { articles: { type: 'string', default: '2000' } } });
  const articles = Number(values.articles);
  const scratch = new Scratch();
  const redisUrl = 'redis://127.0.0.1:6379';
  const redisPrefix = `bench${randomBytes(4).toString('hex')}`;
  try {
    const databaseUrl = await createScratchDatabase(scratch, 'postgres://postgres@127.0.0.1:5432/postgres');
    scratch.add('delete Redis keys', () => deleteRedisKeys(redisUrl, redisPrefix));
    const basalt = await startBasalt({ dist: resolve(ROOT, 'dist'), port: await freePort(), databaseUrl, dataDir: scratch.tempDir('compression'), redisUrl, redisPrefix });
    scratch.add('stop Basalt', () => basalt.stop());
    const token = await login(basalt);
    await createCollections(basalt, token);
    const seeded = await seed({ name: 'Basalt', authorsUrl: `${basalt.url}/api/v1/collections/authors/records`, articlesUrl: `${basalt.url}/api/v1/collections/articles/records`, token }, 100, articles);
    const records = '/api/v1/collections/articles/records';
    const requests: [string, string][] = [
      ['get by id', `${records}/${seeded.articleIds[0]}`],
      ['get by id, fields=title', `${records}/${seeded.articleIds[0]}?fields=title`],
      ['list of 20', `${records}?limit=20`],
      ['list of 500', `${records}?limit=500`],
      ['list of 500, expand=author', `${records}?limit=500&expand=author`],
    ];
    console.log('| request | identity bytes | gzip bytes | br bytes | median ms identity / gzip / br |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [label, path] of requests) {
      const bytes: string[] = [];
      const times: string[] = [];
      for (const encoding of ENCODINGS) {
        const first = await get(basalt.port, path, token, encoding);
        if (first.status !== 200) throw new Error(`${label}: ${first.status}`);
        const samples: number[] = [];
        for (let i = 0; i < SAMPLES; i++) samples.push((await get(basalt.port, path, token, encoding)).ms);
        bytes.push(first.encoding === encoding ? first.bytes.toLocaleString('en-US') : `${first.bytes.toLocaleString('en-US')} (${first.encoding})`);
        times.push(median(samples).toFixed(2));
      }
      console.log(`| ${label} | ${bytes.join(' | ')} | ${times.join(' / ')} |`);
    }
  } finally {
    await scratch.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
