import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import pg from 'pg';
import { HOST, type ReadyMessage } from './shared';

/** Scratch resources of one run, and the undo for each, run in reverse order whatever happens. */
export class Scratch {
  private readonly undo: { what: string; run: () => Promise<void> | void }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.undo.push({ what, run });
  }

  async cleanup(): Promise<void> {
    while (this.undo.length > 0) {
      const { what, run } = this.undo.pop()!;
      try {
        await run();
      } catch (error) {
        console.error(`cleanup: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  tempDir(label: string): string {
    const dir = mkdtempSync(join(tmpdir(), `basalt-bench-${label}-`));
    this.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function withPostgres<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database on the PostgreSQL server, dropped at cleanup. Returns its URL. */
export async function createScratchDatabase(scratch: Scratch, adminUrl: string): Promise<string> {
  const name = `basalt_bench_${randomBytes(5).toString('hex')}`;
  await withPostgres(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  scratch.add(`drop database ${name}`, () => withPostgres(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function queryDatabase<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  return withPostgres(url, async (client) => (await client.query(sql)).rows as T[]);
}

/** Deletes the keys a Basalt left under its prefix (Bull's queues). Bounded: SCAN pages until the cursor wraps. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  await redis.connect();
  try {
    let cursor = '0';
    for (let page = 0; page < 10_000; page++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}

export interface Baseline {
  port: number;
  description: string;
  child: ChildProcess;
}

const BASELINE_START_TIMEOUT_MS = 90_000;

/** The baseline server in its own process, so it never shares an event loop with the load generator. */
export function startBaseline(scratch: Scratch, args: string[]): Promise<Baseline> {
  const child = fork(join(__dirname, 'baseline', 'server.ts'), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  scratch.add('stop the baseline', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the baseline did not start within ${BASELINE_START_TIMEOUT_MS / 1000} s`)), BASELINE_START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the baseline exited (code ${code}) before listening`));
    });
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      resolve({ port: message.port, description: message.description, child });
    });
  });
}
