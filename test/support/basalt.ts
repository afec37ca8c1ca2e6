import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './databases';

export const ROOT = resolve(__dirname, '../..');
/** The build under test: dist/ normally; another `tsc --outDir` build when BASALT_TEST_DIST points at one. */
export const DIST = process.env.BASALT_TEST_DIST ?? join(ROOT, 'dist');
export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

export interface BasaltProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  entry?: 'main' | 'worker';
  env?: Record<string, string | undefined>;
  /** Resolve once /health/ready answers 200 instead of /health/live. */
  waitForReady?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs the built Basalt (dist/) as a real process, as a user or a load balancer sees it. */
export async function startBasalt(options: StartOptions = {}): Promise<BasaltProcess> {
  const port = Number(options.env?.PORT ?? (await freePort()));
  const entry = options.entry ?? 'main';
  const child = spawn(process.execPath, [join(DIST, 'src', `${entry}.js`)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_PATH: process.env.BASALT_TEST_DIST, LOG_LEVEL: 'warn', BASALT_DRAIN_DELAY_MS: '300', ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const basalt: BasaltProcess = {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (entry === 'worker') return basalt;
  const path = options.waitForReady ? '/health/ready' : '/health/live';
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Basalt exited with ${child.exitCode} before answering:\n${output}`);
    try {
      const response = await fetch(basalt.url + path);
      if (response.ok) return basalt;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`Basalt did not answer ${path} within 60 s:\n${output}`);
}

export interface TestEnvironment {
  database: TestDatabase;
  dataDir: string;
  env: Record<string, string | undefined>;
  cleanup(): Promise<void>;
}

/** A database, a data directory and a Redis prefix of this test file's own. */
export async function createTestEnvironment(extra: Record<string, string | undefined> = {}): Promise<TestEnvironment> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'basalt-test-'));
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.BASALT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    BASALT_REDIS_PREFIX: `t${randomBytes(5).toString('hex')}`,
    BASALT_DATA_DIR: dataDir,
    BASALT_ADMIN_EMAIL: ADMIN.email,
    BASALT_ADMIN_PASSWORD: ADMIN.password,
    // CI machines are busy: a job round trip can take seconds there without anything being wrong.
    BASALT_HEALTH_TIMEOUT_MS: '10000',
    // Test files make many requests from one address; rate-limit tests set their own limits.
    BASALT_RATE_LIMIT_ANONYMOUS: '1000000',
    BASALT_RATE_LIMIT_USER: '1000000',
    BASALT_RATE_LIMIT_API_KEY: '1000000',
    BASALT_RATE_LIMIT_AUTH: '1000000',
    ...extra,
  };
  return {
    database,
    dataDir,
    env,
    cleanup: async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
