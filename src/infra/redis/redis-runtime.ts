import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { AppConfig } from 'src/config/app-config';

const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
// A unix socket path longer than this is refused by the kernel (sun_path is 108 bytes).
const MAX_SOCKET_PATH = 100;

export class RedisUnavailableError extends Error {}

/**
 * Where Basalt's Redis is, and the embedded redis-server it started, if any.
 *
 * REDIS_URL set: that server, and it must answer now.
 * Unset: a Redis answering on 127.0.0.1:6379, else the embedded mode.
 * Embedded (also REDIS_URL=embedded): a redis-server child process whose
 * append-only file lives in the data directory, so queued jobs survive a
 * restart; it listens only on a unix socket in that directory.
 */
export class RedisRuntime {
  private constructor(
    readonly url: string,
    readonly mode: 'external' | 'embedded',
    private readonly child?: ChildProcess,
  ) {}

  static async start(config: AppConfig, log: (message: string) => void): Promise<RedisRuntime> {
    if (config.redis.mode === 'url') {
      const url = config.redis.url!;
      await assertAnswers(url, `REDIS_URL (${redactUrl(url)}) does not answer`);
      return new RedisRuntime(url, 'external');
    }
    if (config.redis.mode === 'auto' && (await answers(LOCAL_REDIS_URL))) {
      log(`REDIS_URL is not set; using the Redis answering on ${LOCAL_REDIS_URL}`);
      return new RedisRuntime(LOCAL_REDIS_URL, 'external');
    }
    return RedisRuntime.startEmbedded(config, log);
  }

  private static async startEmbedded(config: AppConfig, log: (message: string) => void): Promise<RedisRuntime> {
    const dir = join(config.dataDir, 'redis');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const socket = join(dir, 'redis.sock');
    if (socket.length > MAX_SOCKET_PATH) {
      throw new RedisUnavailableError(`embedded Redis: the socket path ${socket} is too long; choose a shorter BASALT_DATA_DIR`);
    }
    const url = `redis+socket://${socket}`;
    if (await answers(url)) {
      // A redis-server left by a previous run that did not exit cleanly: reuse it.
      log(`embedded Redis: reusing the server already listening on ${socket}`);
      return new RedisRuntime(url, 'embedded');
    }
    rmSync(socket, { force: true });
    const child = spawn(
      config.redis.serverBin,
      [
        '--port', '0',
        '--unixsocket', socket,
        '--unixsocketperm', '700',
        '--dir', dir,
        '--appendonly', 'yes',
        '--appendfsync', 'everysec',
        '--save', '',
        '--pidfile', join(dir, 'redis.pid'),
        '--daemonize', 'no',
        '--logfile', join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (error) => resolve(error));
    });
    if (spawned) {
      throw new RedisUnavailableError(
        `no Redis: REDIS_URL is not set, nothing answers on 127.0.0.1:6379, and the embedded mode could not start ` +
          `"${config.redis.serverBin}" (${spawned.message}). Set REDIS_URL, or install redis-server ` +
          `(Debian: apt-get install redis-server), or point BASALT_REDIS_SERVER_BIN at it.`,
      );
    }
    for (let waited = 0; waited < 10_000; waited += 100) {
      if (child.exitCode !== null) break;
      if (existsSync(socket) && (await answers(url))) {
        log(`embedded Redis: started ${config.redis.serverBin} (pid ${child.pid}) with its data in ${dir}`);
        return new RedisRuntime(url, 'embedded', child);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new RedisUnavailableError(`embedded Redis did not start; see ${join(dir, 'redis.log')}: ${tail(join(dir, 'redis.log'))}`);
  }

  /** Stops the embedded server (which flushes its append-only file); external servers are left alone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** ioredis options for a URL, including the unix-socket form the embedded mode uses. */
export function redisOptions(url: string): { path: string } | { url: string } {
  return url.startsWith('redis+socket://') ? { path: url.slice('redis+socket://'.length) } : { url };
}

export function createRedisClient(url: string, extra: Record<string, unknown> = {}): Redis {
  const target = redisOptions(url);
  return 'path' in target ? new Redis({ path: target.path, ...extra }) : new Redis(target.url, extra);
}

async function answers(url: string): Promise<boolean> {
  try {
    await assertAnswers(url, 'no answer');
    return true;
  } catch {
    return false;
  }
}

async function assertAnswers(url: string, message: string): Promise<void> {
  const client = createRedisClient(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new RedisUnavailableError(`${message}: ${(error as Error).message}`);
  } finally {
    client.disconnect();
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return 'no log';
  }
}
