import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { ADMIN, ARTICLES_DEFINITION, AUTHORS_DEFINITION, errorMessage, HOST, REQUEST_TIMEOUT_MS, sleep } from './shared';

export const ROOT = resolve(__dirname, '../..');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;

/**
 * Where the built Basalt is: `--dist <dir>`, else `BENCH_BASALT_DIST`, else
 * `./dist` (what `npm run build` writes). Returns a reason when it cannot be
 * used: missing, without the records API, or older than the sources.
 */
export function checkDist(dist: string): string | undefined {
  const main = join(dist, 'src', 'main.js');
  if (!existsSync(main)) return `${main} does not exist: run \`npm run build\` first (or pass --dist <dir> of another build).`;
  if (!existsSync(join(dist, 'src', 'modules', 'records', 'records.module.js'))) {
    return `${dist} has no records API (src/modules/records/records.module.js): rebuild with \`npm run build\`.`;
  }
  const built = statSync(main).mtimeMs;
  const newer = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'migrations'))].filter((file) => statSync(file).mtimeMs > built + 1_000);
  if (newer.length > 0) {
    const shown = newer.slice(0, 3).map((file) => file.slice(ROOT.length + 1));
    return `${dist} is older than ${newer.length} source file(s) (${shown.join(', ')}${newer.length > 3 ? ', …' : ''}): run \`npm run build\` (or pass --allow-stale to measure it anyway).`;
  }
  return undefined;
}

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) yield path;
  }
}

export interface BasaltProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export interface BasaltOptions {
  dist: string;
  port: number;
  /** Unset: the embedded database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  redisUrl: string;
  /** Every Redis key Basalt writes starts with it, so the run can delete them afterwards. */
  redisPrefix: string;
  /** More configuration (bench/cache turns the read cache on with it). */
  env?: Record<string, string>;
}

/** The built Basalt as its own process, configured as a deployment would be; resolves once /health/live answers. */
export async function startBasalt(options: BasaltOptions): Promise<BasaltProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // Lets a plain `tsc --outDir` build elsewhere resolve its `src/...` and `migrations/...` imports (nest build
    // rewrites them) and find the repository's node_modules.
    NODE_PATH: [options.dist, join(ROOT, 'node_modules')].join(delimiter),
    NODE_ENV: 'production',
    BASALT_JWT_SECRET: randomBytes(32).toString('hex'),
    PORT: String(options.port),
    HOST,
    LOG_LEVEL: 'warn',
    REDIS_URL: options.redisUrl,
    BASALT_REDIS_PREFIX: options.redisPrefix,
    BASALT_DATA_DIR: options.dataDir,
    BASALT_ADMIN_EMAIL: ADMIN.email,
    BASALT_ADMIN_PASSWORD: ADMIN.password,
    BASALT_DRAIN_DELAY_MS: '0',
    // The load comes from one user at thousands of requests a second: a limit it never reaches, so the limiter's cost is measured.
    BASALT_RATE_LIMIT_USER: '1000000000',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [join(options.dist, 'src', 'main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const url = `http://${HOST}:${options.port}`;
  const basalt: BasaltProcess = {
    url,
    port: options.port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Basalt exited with ${child.exitCode} before answering:\n${output}`);
    try {
      const response = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return basalt;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await basalt.stop();
  throw new Error(`Basalt did not answer /health/live within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** One bounded JSON call. */
export async function call(url: string, init: { method?: string; token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(init.timeoutMs ?? REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body };
}

export function describeAnswer(answer: ApiAnswer): string {
  return `HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 600)}`;
}

export async function login(basalt: BasaltProcess): Promise<string> {
  const answer = await call(`${basalt.url}/api/v1/auth/login`, { method: 'POST', body: ADMIN });
  const token = (answer.body as { accessToken?: string }).accessToken;
  if (answer.status !== 200 || !token) throw new Error(`login as the administrator failed: ${describeAnswer(answer)}`);
  return token;
}

export async function createCollections(basalt: BasaltProcess, token: string): Promise<void> {
  for (const definition of [AUTHORS_DEFINITION, ARTICLES_DEFINITION]) {
    const answer = await call(`${basalt.url}/api/v1/collections`, { method: 'POST', token, body: definition, timeoutMs: 60_000 });
    if (answer.status !== 201) throw new Error(`creating collection ${definition.name} failed: ${describeAnswer(answer)}`);
  }
}

/** True once the records API answers a list on `articles` (it may not exist in this build yet). */
export async function recordsApiAnswers(basalt: BasaltProcess, token: string): Promise<string | undefined> {
  try {
    const answer = await call(`${basalt.url}/api/v1/collections/articles/records?limit=1`, { token });
    return answer.status === 200 ? undefined : describeAnswer(answer);
  } catch (error) {
    return errorMessage(error);
  }
}
