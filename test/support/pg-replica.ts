import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './basalt';

const PRIMARY = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const PRIMARY_URL = `postgres://${PRIMARY.user}@${PRIMARY.host}:${PRIMARY.port}/postgres`;

export interface PgStandby {
  port: number;
  /** The standby's URL for one database of the primary's cluster. */
  url(database: string): string;
  /** Runs one statement on the standby's `postgres` database. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the standby (fast shutdown); start() brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

/** Why no standby can be made on this machine (the server binaries are missing), or undefined. */
export function standbyUnavailable(): string | undefined {
  try {
    binary('pg_basebackup');
    binary('postgres');
    return undefined;
  } catch {
    return 'PostgreSQL server binaries (pg_basebackup, postgres) are not installed under /usr/lib/postgresql/*/bin';
  }
}

/**
 * A hot standby of the primary at 127.0.0.1:5432, made with pg_basebackup -R
 * into a temporary directory and run on a free port. A physical standby
 * replicates the whole cluster, so databases created on the primary later
 * appear on it too.
 *
 * The primary must let 127.0.0.1 open replication connections: when no
 * pg_hba rule of its allows that, one `host replication all 127.0.0.1/32
 * trust` line is appended to its pg_hba.conf and the configuration reloaded
 * (idempotent; the same trust the primary already gives 127.0.0.1).
 */
export async function startStandby(): Promise<PgStandby> {
  const [settings] = await primaryQuery<{ senders: string; level: string }>(`SELECT current_setting('max_wal_senders') AS senders, current_setting('wal_level') AS level`);
  if (Number(settings.senders) === 0 || settings.level === 'minimal') {
    throw new Error(`the primary cannot stream to a standby (max_wal_senders=${settings.senders}, wal_level=${settings.level}; changing either needs a restart)`);
  }
  await allowLocalReplication();
  const dir = mkdtempSync(join(tmpdir(), 'basalt-standby-'));
  const data = join(dir, 'data');
  const owner = serverUser();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  asServerUser(binary('pg_basebackup'), ['-h', PRIMARY.host, '-p', String(PRIMARY.port), '-U', PRIMARY.user, '-D', data, '-R', '-X', 'stream', '-c', 'fast']);
  // Debian keeps postgresql.conf and pg_hba.conf in /etc, so the copy has neither.
  writeFileSync(join(data, 'postgresql.conf'), '');
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
  writeFileSync(join(data, 'pg_ident.conf'), '');
  for (const file of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) {
    if (owner) chownSync(join(data, file), owner.uid, owner.gid);
    chmodSync(join(data, file), 0o600);
  }
  const port = await freePort();
  let server: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    log = '';
    const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'hot_standby=on', '-c', 'logging_collector=off'];
    server = spawn(binary('postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...owner });
    server.stdout!.on('data', (chunk) => (log += chunk));
    server.stderr!.on('data', (chunk) => (log += chunk));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (server.exitCode !== null) throw new Error(`the standby exited with ${server.exitCode}:\n${log}`);
      try {
        await standbyQuery(port, 'SELECT 1');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`the standby did not accept connections within 30 s:\n${log}`);
  };

  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    // SIGINT: a fast shutdown.
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (error) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: (database) => `postgres://${PRIMARY.user}@127.0.0.1:${port}/${database}`,
    query: (sql, params) => standbyQuery(port, sql, params),
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function allowLocalReplication(): Promise<void> {
  const rules = await primaryQuery<{ ok: boolean }>(
    `SELECT true AS ok FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND type = 'host' AND auth_method = 'trust' AND (address = '127.0.0.1' OR address = 'all')`,
  );
  if (rules.length > 0) return;
  const [{ hba_file }] = await primaryQuery<{ hba_file: string }>('SHOW hba_file');
  appendFileSync(hba_file, '\n# Basalt tests: a local streaming standby\nhost replication all 127.0.0.1/32 trust\n');
  await primaryQuery('SELECT pg_reload_conf()');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const loaded = await primaryQuery<{ ok: boolean }>(`SELECT true AS ok FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND address = '127.0.0.1'`);
    if (loaded.length > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** PostgreSQL refuses to run as root: then the server files belong to, and the server runs as, the postgres user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) };
}

function asServerUser(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: 'pipe', ...serverUser() });
}

function binary(name: string): string {
  const found = execFileSync('sh', ['-c', `ls -d /usr/lib/postgresql/*/bin/${name} 2>/dev/null | sort -V | tail -1`]).toString().trim();
  if (!found) throw new Error(`${name} not found`);
  return found;
}

async function primaryQuery<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: PRIMARY_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function standbyQuery<T extends pg.QueryResultRow>(port: number, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: PRIMARY.user, database: 'postgres', connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
