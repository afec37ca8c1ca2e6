/**
 * Probe for the embedded default database (docs/decisions/0002-embedded-database.md).
 *
 *   node --import tsx bench/embedded-db/probe.ts
 *
 * Runs the same checks and micro-benchmarks against SQLite (TypeORM's
 * better-sqlite3 driver) and PGlite (through Basalt's own adapter), each on a
 * fresh temp dir, and prints a markdown summary at the end. Raw SQL only: tsx
 * emits no decorator metadata, and the records query compiler speaks raw SQL
 * anyway, so raw-SQL behaviour is what matters.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DataSource, type EntityManager } from 'typeorm';
import { EmbeddedDatabase, embeddedPgDriver } from 'src/infra/database/pglite-pool';

const CONCURRENT_TX = 200;
const BENCH_SECONDS = 2.5;
const BENCH_MAX_OPS = 200_000;
const BENCH_CALLERS = 50;
const CHECK_TIMEOUT_MS = 60_000;
// The whole run must finish; a hung driver is itself a result, so report and leave.
const WATCHDOG_MS = 175_000;

type Status = 'PASS' | 'FAIL' | 'INFO';
interface Outcome {
  status: Status;
  detail: string;
}

/** What differs between the two candidates: connection, placeholders, types, catalog queries. */
interface Candidate {
  name: string;
  dir: string;
  p(n: number): string;
  types: { id: string; json: string; bool: string; timestamp: string };
  open(options?: { acquireTimeoutMs?: number }): Promise<DataSource>;
  settings(ds: DataSource): Promise<string>;
  tableExists(q: Queryable, table: string): Promise<boolean>;
  columns(q: Queryable, table: string): Promise<string[]>;
  indexExists(q: Queryable, index: string): Promise<boolean>;
  fullText(ds: DataSource): Promise<Outcome>;
}

type Queryable = Pick<EntityManager, 'query'> | Pick<DataSource, 'query'>;

class IntendedRollback extends Error {
  constructor() {
    super('intended rollback');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];
const describe = (value: unknown) =>
  value === null ? 'null' : value instanceof Date ? `Date(${value.toISOString()})` : `${typeof value} ${JSON.stringify(value)}`;

async function rollingBack(ds: DataSource, work: (m: EntityManager) => Promise<void>): Promise<void> {
  try {
    await ds.transaction(async (m) => {
      await work(m);
      throw new IntendedRollback();
    });
  } catch (error) {
    if (!(error instanceof IntendedRollback)) throw error;
  }
}

// ---------------------------------------------------------------- candidates

function sqlite(): Candidate {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-sqlite-'));
  return {
    name: 'SQLite (better-sqlite3)',
    dir,
    p: () => '?',
    types: { id: 'integer PRIMARY KEY', json: 'text', bool: 'boolean', timestamp: 'datetime' },
    // WAL is what any server deployment of SQLite would turn on; synchronous stays at its default.
    open: () => new DataSource({ type: 'better-sqlite3', database: join(dir, 'basalt.db'), enableWAL: true }).initialize(),
    async settings(ds) {
      const [{ v }] = await ds.query('SELECT sqlite_version() AS v');
      const [{ journal_mode }] = await ds.query('PRAGMA journal_mode');
      const [{ synchronous }] = await ds.query('PRAGMA synchronous');
      return `SQLite ${v}, journal_mode=${journal_mode}, synchronous=${['OFF', 'NORMAL', 'FULL', 'EXTRA'][synchronous] ?? synchronous}`;
    },
    async tableExists(q, table) {
      return (await q.query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, [table])).length > 0;
    },
    async columns(q, table) {
      return (await q.query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, [table])).map((r: { name: string }) => r.name);
    },
    async indexExists(q, index) {
      return (await q.query(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`, [index])).length > 0;
    },
    async fullText(ds) {
      await ds.query(`CREATE VIRTUAL TABLE fts_docs USING fts5(body, tokenize = 'porter unicode61')`);
      for (const [id, body] of FTS_DOCS) await ds.query(`INSERT INTO fts_docs (rowid, body) VALUES (?, ?)`, [id, body]);
      const rows = await ds.query(`SELECT rowid AS id FROM fts_docs WHERE fts_docs MATCH ? ORDER BY bm25(fts_docs)`, [FTS_QUERY]);
      return ftsOutcome('FTS5 virtual table (porter), bm25', rows);
    },
  };
}

function pglite(): Candidate {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-pglite-'));
  return {
    name: 'PGlite (adapter)',
    dir,
    p: (n) => `$${n}`,
    types: { id: 'serial PRIMARY KEY', json: 'jsonb', bool: 'boolean', timestamp: 'timestamptz' },
    // Exactly how src/infra/database/data-source-options.ts wires it.
    open: ({ acquireTimeoutMs } = {}) =>
      new DataSource({ type: 'postgres', database: 'postgres', driver: embeddedPgDriver(new EmbeddedDatabase({ dataDir: dir }), acquireTimeoutMs) } as never).initialize(),
    async settings(ds) {
      const [{ server_version }] = await ds.query('SHOW server_version');
      const [{ fsync }] = await ds.query('SHOW fsync');
      const [{ synchronous_commit }] = await ds.query('SHOW synchronous_commit');
      return `PostgreSQL ${server_version} (PGlite), fsync=${fsync}, synchronous_commit=${synchronous_commit}`;
    },
    async tableExists(q, table) {
      const [{ found }] = await q.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [table]);
      return found;
    },
    async columns(q, table) {
      const rows = await q.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table]);
      return rows.map((r: { column_name: string }) => r.column_name);
    },
    async indexExists(q, index) {
      return (await q.query(`SELECT 1 FROM pg_indexes WHERE indexname = $1`, [index])).length > 0;
    },
    async fullText(ds) {
      await ds.query(
        `CREATE TABLE fts_docs (id integer PRIMARY KEY, body text NOT NULL,
           tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED)`,
      );
      await ds.query(`CREATE INDEX fts_docs_tsv ON fts_docs USING gin (tsv)`);
      for (const [id, body] of FTS_DOCS) await ds.query(`INSERT INTO fts_docs (id, body) VALUES ($1, $2)`, [id, body]);
      const rows = await ds.query(
        `SELECT id FROM fts_docs, websearch_to_tsquery('english', $1) q WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC`,
        [FTS_QUERY],
      );
      return ftsOutcome("tsvector ('english' stemming) + GIN index, ts_rank", rows);
    },
  };
}

const FTS_DOCS: [number, string][] = [
  [1, 'The quick brown fox jumps over the lazy dog'],
  [2, 'A fox sleeps all day'],
  [3, 'Dogs jump high'],
];
// Needs stemming on both words (jumping→jump, foxes→fox) and AND semantics: only doc 1 qualifies.
const FTS_QUERY = 'jumping foxes';

function ftsOutcome(how: string, rows: { id: number }[]): Outcome {
  const ids = rows.map((r) => Number(r.id));
  return { status: isDeepStrictEqual(ids, [1]) ? 'PASS' : 'FAIL', detail: `${how}; '${FTS_QUERY}' matched ids [${ids.join(', ')}] (expected [1])` };
}

// ---------------------------------------------------------------- checks

/** (a) Runtime DDL inside a transaction that rolls back must leave the schema as it was. */
async function ddlRollback(c: Candidate, ds: DataSource): Promise<Outcome> {
  await ds.query(`CREATE TABLE ddl_base (id ${c.types.id}, name text)`);
  await rollingBack(ds, async (m) => {
    await m.query(`CREATE TABLE ddl_new (id ${c.types.id})`);
    await m.query(`ALTER TABLE ddl_new ADD COLUMN extra text`);
    await m.query(`ALTER TABLE ddl_base ADD COLUMN added text`);
    await m.query(`ALTER TABLE ddl_base RENAME COLUMN name TO title`);
    await m.query(`ALTER TABLE ddl_base DROP COLUMN added`);
    await m.query(`CREATE UNIQUE INDEX ddl_base_title ON ddl_base (title)`);
    // Prove the DDL really happened inside the transaction before it is undone.
    if (!(await c.tableExists(m, 'ddl_new'))) throw new Error('CREATE TABLE not visible inside its own transaction');
  });
  const leftNew = await c.tableExists(ds, 'ddl_new');
  const columns = await c.columns(ds, 'ddl_base');
  const leftIndex = await c.indexExists(ds, 'ddl_base_title');
  const clean = !leftNew && isDeepStrictEqual(columns, ['id', 'name']) && !leftIndex;
  return {
    status: clean ? 'PASS' : 'FAIL',
    detail: `create table+add/rename/drop column+unique index rolled back: ddl_new ${leftNew ? 'still exists' : 'gone'}, ddl_base columns [${columns.join(', ')}], index ${leftIndex ? 'still exists' : 'gone'}`,
  };
}

/** (b) A JSON document must come back equal; report what JS type the driver hands back. */
async function jsonRoundTrip(c: Candidate, ds: DataSource): Promise<Outcome> {
  const doc = { a: 1, big: 9007199254740991, s: 'é ✓ "quoted"', nested: { b: [1, 'x', null, true] }, empty: {} };
  await ds.query(`CREATE TABLE json_probe (id integer PRIMARY KEY, doc ${c.types.json})`);
  // Serialised by the caller, as the query compiler would; better-sqlite3 cannot bind objects at all.
  await ds.query(`INSERT INTO json_probe (id, doc) VALUES (1, ${c.p(1)})`, [JSON.stringify(doc)]);
  const [{ doc: back }] = await ds.query(`SELECT doc FROM json_probe WHERE id = 1`);
  const path = c.name.startsWith('SQLite') ? `json_extract(doc, '$.nested.b[1]')` : `doc->'nested'->'b'->>1`;
  const [{ v }] = await ds.query(`SELECT ${path} AS v FROM json_probe WHERE id = 1`);
  const native = typeof back === 'object' && back !== null;
  const value = native ? back : JSON.parse(back);
  return {
    status: isDeepStrictEqual(value, doc) && v === 'x' ? 'PASS' : 'FAIL',
    detail: `comes back as ${native ? 'object (parsed by driver)' : `${typeof back} (caller must JSON.parse)`}; equal after that: ${isDeepStrictEqual(value, doc)}; path query -> ${JSON.stringify(v)}`,
  };
}

/** (c) Booleans and timestamps must come back as boolean and Date without per-column fixups. */
async function boolAndTime(c: Candidate, ds: DataSource): Promise<Outcome> {
  const at = new Date('2024-02-29T12:34:56.789Z');
  await ds.query(`CREATE TABLE bt_probe (id integer PRIMARY KEY, flag ${c.types.bool}, off ${c.types.bool}, at ${c.types.timestamp})`);
  // ISO text for the timestamp because better-sqlite3 cannot bind a Date; PostgreSQL casts it.
  await ds.query(`INSERT INTO bt_probe (id, flag, off, at) VALUES (1, ${c.p(1)}, ${c.p(2)}, ${c.p(3)})`, [true, false, at.toISOString()]);
  const [row] = await ds.query(`SELECT flag, off, at FROM bt_probe WHERE id = 1`);
  const ok = row.flag === true && row.off === false && row.at instanceof Date && row.at.getTime() === at.getTime();
  return { status: ok ? 'PASS' : 'FAIL', detail: `true -> ${describe(row.flag)}, false -> ${describe(row.off)}, timestamp -> ${describe(row.at)}` };
}

/**
 * (d) Concurrent transactions, a third of them rolling back, must leave exactly
 * the committed rows. Checked in-session and again after reopening, since a
 * transaction left open on a shared connection would look fine until then.
 */
async function concurrentTransactions(c: Candidate, ds: DataSource): Promise<Outcome & { ds: DataSource }> {
  await ds.query(`CREATE TABLE tx_probe (id integer PRIMARY KEY, note text NOT NULL)`);
  const committed = new Set<number>();
  const errors = new Map<string, number>();
  let rolledBack = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT_TX }, async (_, i) => {
      try {
        await ds.transaction(async (m) => {
          await m.query(`INSERT INTO tx_probe (id, note) VALUES (${c.p(1)}, 'pending')`, [i]);
          await sleep(1);
          await m.query(`UPDATE tx_probe SET note = 'done' WHERE id = ${c.p(1)}`, [i]);
          await sleep(1);
          if (i % 3 === 0) throw new IntendedRollback();
        });
        committed.add(i);
      } catch (error) {
        if (error instanceof IntendedRollback) rolledBack++;
        else {
          const key = message(error).replace(/\d+/g, 'N');
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  const rowsOf = async (q: Queryable) => (await q.query(`SELECT id, note FROM tx_probe ORDER BY id`)) as { id: number; note: string }[];
  const inSession = await rowsOf(ds);
  await ds.destroy();
  ds = await c.open();
  const durable = await rowsOf(ds);

  const expected = CONCURRENT_TX - Math.ceil(CONCURRENT_TX / 3);
  const ids = durable.map((r) => Number(r.id));
  const missing = [...committed].filter((id) => !ids.includes(id)).length;
  const extra = ids.filter((id) => !committed.has(id));
  const notDone = durable.filter((r) => r.note !== 'done').length;
  const ok = committed.size === expected && missing === 0 && extra.length === 0 && notDone === 0 && inSession.length === durable.length;
  const errorText = errors.size === 0 ? 'none' : [...errors].map(([m, n]) => `${n}× "${m}"`).join('; ');
  return {
    ds,
    status: ok ? 'PASS' : 'FAIL',
    detail:
      `${CONCURRENT_TX} tx in ${elapsed.toFixed(0)} ms: committed ${committed.size}/${expected}, rolled back ${rolledBack}; ` +
      `rows in session ${inSession.length}, after reopen ${durable.length} (missing ${missing}, not committed ${extra.length}${extra.length ? ` [ids ${extra.slice(0, 5).join(', ')}]` : ''}, half-done ${notDone}); errors: ${errorText}`,
  };
}

/** (f) Data written, then the database closed and reopened from the same file/dir. */
async function persistence(c: Candidate, ds: DataSource): Promise<Outcome & { ds: DataSource }> {
  await ds.query(`CREATE TABLE keep_probe (id integer PRIMARY KEY, v text)`);
  await ds.query(`INSERT INTO keep_probe (id, v) VALUES (1, 'survives')`);
  await ds.destroy();
  const started = performance.now();
  ds = await c.open();
  const reopenMs = performance.now() - started;
  const rows = await ds.query(`SELECT v FROM keep_probe WHERE id = 1`);
  return { ds, status: rows[0]?.v === 'survives' ? 'PASS' : 'FAIL', detail: `after close+reopen (${reopenMs.toFixed(0)} ms): ${JSON.stringify(rows)}` };
}

/**
 * (g) Not pass/fail: what happens to code that holds a transaction and then
 * asks the DataSource (not its transaction manager) for another query.
 */
async function borrowInsideTransaction(c: Candidate, ds: DataSource): Promise<{ ds: DataSource; outcome: Outcome }> {
  const timeout = 1_000;
  await ds.destroy();
  ds = await c.open({ acquireTimeoutMs: timeout });
  await ds.query(`CREATE TABLE borrow_probe (id integer PRIMARY KEY)`);
  let detail = '';
  await rollingBack(ds, async (m) => {
    await m.query(`INSERT INTO borrow_probe (id) VALUES (1)`);
    const started = performance.now();
    try {
      const [{ n }] = await ds.query(`SELECT count(*) AS n FROM borrow_probe`);
      detail = `second query ran at once (${(performance.now() - started).toFixed(0)} ms) and saw ${n} uncommitted row(s): it joined the open transaction`;
    } catch (error) {
      detail = `second query failed after ${(performance.now() - started).toFixed(0)} ms (acquire timeout ${timeout} ms): ${message(error)}`;
    }
  });
  return { ds, outcome: { status: 'INFO', detail } };
}

// ---------------------------------------------------------------- benchmarks

/** Runs `op` from `callers` concurrent loops until the time or op budget runs out; returns ops/s. */
async function measure(callers: number, op: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + BENCH_SECONDS * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline && done < BENCH_MAX_OPS) {
        done++;
        await op();
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function benchmarks(c: Candidate, ds: DataSource): Promise<Record<string, number>> {
  await ds.query(`CREATE TABLE bench_rows (id ${c.types.id}, name text NOT NULL, n integer NOT NULL)`);
  const insert = () => ds.query(`INSERT INTO bench_rows (name, n) VALUES (${c.p(1)}, ${c.p(2)})`, ['row', 42]);
  const results: Record<string, number> = {};
  results['insert/s, sequential'] = await measure(1, insert);
  results[`insert/s, ${BENCH_CALLERS} concurrent`] = await measure(BENCH_CALLERS, insert);
  const [{ max }] = await ds.query(`SELECT max(id) AS max FROM bench_rows`);
  const select = async () => {
    const rows = await ds.query(`SELECT id, name, n FROM bench_rows WHERE id = ${c.p(1)}`, [1 + Math.floor(Math.random() * Number(max))]);
    if (rows.length !== 1) throw new Error('primary-key select found no row');
  };
  results['pk select/s, sequential'] = await measure(1, select);
  results[`pk select/s, ${BENCH_CALLERS} concurrent`] = await measure(BENCH_CALLERS, select);
  return results;
}

// ---------------------------------------------------------------- driver

const CHECKS = ['(a) DDL rolled back', '(b) JSON round-trip', '(c) boolean + timestamp', '(d) 200 concurrent tx', '(e) full-text search', '(f) survives reopen', '(g) query outside the held tx'] as const;
const report = new Map<string, Map<string, string>>();
const candidates: Candidate[] = [];

function record(c: Candidate, check: string, value: string) {
  if (!report.has(check)) report.set(check, new Map());
  report.get(check)!.set(c.name, value);
  console.log(`[${c.name}] ${check}: ${value}`);
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function probe(c: Candidate): Promise<void> {
  let started = performance.now();
  let ds = await c.open();
  record(c, 'first open', `${(performance.now() - started).toFixed(0)} ms`);
  record(c, 'engine', await c.settings(ds));

  const check = async (label: string, run: () => Promise<Outcome>) => {
    try {
      const { status, detail } = await withTimeout(run(), label);
      record(c, label, `${status}: ${detail}`);
    } catch (error) {
      record(c, label, `FAIL: ${message(error)}`);
    }
  };
  // Checks that reopen the database hand back the new DataSource; keep it even when they fail half-way.
  const reopening = (run: () => Promise<Outcome & { ds: DataSource }>) => async () => {
    const result = await run();
    ds = result.ds;
    return result;
  };
  const ensureOpen = async () => {
    if (!ds.isInitialized) ds = await c.open();
  };

  await check(CHECKS[0], () => ddlRollback(c, ds));
  await check(CHECKS[1], () => jsonRoundTrip(c, ds));
  await check(CHECKS[2], () => boolAndTime(c, ds));
  await check(CHECKS[3], reopening(() => concurrentTransactions(c, ds)));
  await ensureOpen();
  await check(CHECKS[4], () => c.fullText(ds));
  await check(CHECKS[5], reopening(() => persistence(c, ds)));
  await ensureOpen();
  await check(CHECKS[6], reopening(async () => {
    const { ds: next, outcome } = await borrowInsideTransaction(c, ds);
    return { ds: next, ...outcome };
  }));
  await ensureOpen();

  started = performance.now();
  try {
    const results = await withTimeout(benchmarks(c, ds), 'benchmarks');
    for (const [label, perSecond] of Object.entries(results)) record(c, label, Math.round(perSecond).toLocaleString('en-US'));
  } catch (error) {
    record(c, 'benchmarks', `FAIL: ${message(error)}`);
  }
  record(c, 'benchmark wall time', `${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (ds.isInitialized) await ds.destroy();
}

function printSummary() {
  const names = candidates.map((c) => c.name);
  console.log(`\n## Results (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch})\n`);
  console.log(`| | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---').join('|')}|`);
  for (const [check, byCandidate] of report) {
    console.log(`| ${check} | ${names.map((n) => (byCandidate.get(n) ?? '—').replace(/\|/g, '\\|')).join(' | ')} |`);
  }
}

function cleanup() {
  for (const c of candidates) rmSync(c.dir, { recursive: true, force: true });
}

async function main() {
  const watchdog = setTimeout(() => {
    console.error(`\nwatchdog: probe still running after ${WATCHDOG_MS / 1000} s, giving up`);
    printSummary();
    cleanup();
    process.exit(2);
  }, WATCHDOG_MS);
  try {
    for (const make of [sqlite, pglite]) {
      const c = make();
      candidates.push(c);
      await probe(c);
    }
    printSummary();
  } finally {
    clearTimeout(watchdog);
    cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  cleanup();
  process.exitCode = 1;
});
