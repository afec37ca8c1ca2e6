import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { PGlite, types, type Results } from '@electric-sql/pglite';

/**
 * A `pg`-compatible pool over one PGlite instance, handed to TypeORM's
 * postgres driver as its `driver`.
 *
 * PGlite is a single PostgreSQL session. Two interleaved transactions would
 * share it, and one's ROLLBACK would undo the other's work; so this pool lends
 * its one client to one borrower at a time, in arrival order: a transaction
 * holds the database until it commits or rolls back, and everyone else waits.
 * A borrower that never gives it back would stall every request, so a waiter
 * gives up after `acquireTimeoutMs` with a clear error.
 */
export interface EmbeddedPoolOptions {
  dataDir: string;
  acquireTimeoutMs?: number;
}

type PgCallback = (error: Error | null, result?: unknown) => void;

interface PgResult {
  rows: unknown[];
  rowCount: number;
  command: string;
  fields: { name: string; dataTypeID: number }[];
}

// Same wire-to-JS mapping as node-postgres, so rows look alike on both drivers.
const PARSERS = {
  [types.INT8]: (value: string) => value,
  [types.NUMERIC]: (value: string) => value,
  [types.DATE]: (value: string) => value,
};

export class EmbeddedDatabase {
  private instance?: Promise<PGlite>;

  constructor(private readonly options: EmbeddedPoolOptions) {}

  open(): Promise<PGlite> {
    this.instance ??= (async () => {
      mkdirSync(this.options.dataDir, { recursive: true });
      const db = await PGlite.create({ dataDir: this.options.dataDir, parsers: PARSERS });
      await db.exec("SET TIME ZONE 'UTC'");
      return db;
    })();
    return this.instance;
  }

  async close(): Promise<void> {
    if (!this.instance) return;
    const db = await this.instance;
    this.instance = undefined;
    if (!db.closed) await db.close();
  }
}

class EmbeddedClient extends EventEmitter {
  constructor(private readonly database: EmbeddedDatabase) {
    super();
  }

  query(text: string | { text: string; values?: unknown[] }, params?: unknown[] | PgCallback, callback?: PgCallback): Promise<PgResult> {
    const sql = typeof text === 'string' ? text : text.text;
    let values = typeof text === 'string' ? undefined : text.values;
    let done = callback;
    if (typeof params === 'function') done = params;
    else if (params) values = params;
    const run = this.run(sql, values);
    if (done) run.then((result) => done!(null, result), (error: Error) => done!(error));
    return run;
  }

  private async run(sql: string, values?: unknown[]): Promise<PgResult> {
    const db = await this.database.open();
    if (values && values.length > 0) return toPgResult(sql, await db.query(sql, values.map(toPgValue)));
    // exec() accepts several statements (TypeORM's migrations send some); its last result is the answer.
    const results = await db.exec(sql);
    return toPgResult(sql, results[results.length - 1] ?? { rows: [], fields: [] });
  }
}

export class EmbeddedPool extends EventEmitter {
  private readonly client: EmbeddedClient;
  private busy = false;
  private readonly waiters: Array<() => void> = [];
  private readonly acquireTimeoutMs: number;

  constructor(private readonly database: EmbeddedDatabase, acquireTimeoutMs = 30_000) {
    super();
    this.client = new EmbeddedClient(database);
    this.acquireTimeoutMs = acquireTimeoutMs;
  }

  get totalCount(): number {
    return 1;
  }

  get waitingCount(): number {
    return this.waiters.length;
  }

  get idleCount(): number {
    return this.busy ? 0 : 1;
  }

  connect(callback?: (error: Error | null, client?: EmbeddedClient, release?: (error?: unknown) => void) => void): Promise<EmbeddedClient & { release: () => void }> | void {
    const acquired = this.acquire().then(async () => {
      await this.database.open();
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.releaseLock();
      };
      return Object.assign(this.client, { release }) as EmbeddedClient & { release: () => void };
    });
    if (!callback) return acquired;
    acquired.then((client) => callback(null, client, client.release), (error: Error) => callback(error));
  }

  async query(text: string, params?: unknown[] | PgCallback, callback?: PgCallback): Promise<PgResult> {
    await this.acquire();
    try {
      return await this.client.query(text, params, callback);
    } finally {
      this.releaseLock();
    }
  }

  end(callback?: (error?: Error | null) => void): Promise<void> {
    const closing = this.database.close();
    if (callback) closing.then(() => callback(null), (error: Error) => callback(error));
    return closing;
  }

  private acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`embedded database busy: no turn within ${this.acquireTimeoutMs} ms`));
      }, this.acquireTimeoutMs);
      this.waiters.push(waiter);
    });
  }

  private releaseLock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy = false;
  }
}

/** What TypeORM's postgres driver expects of the `pg` module. */
export function embeddedPgDriver(database: EmbeddedDatabase, acquireTimeoutMs?: number) {
  return {
    Pool: class extends EmbeddedPool {
      constructor() {
        super(database, acquireTimeoutMs);
      }
    },
  };
}

function toPgValue(value: unknown): unknown {
  // node-postgres sends plain objects as JSON text; PGlite would reject them for json columns.
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
    return JSON.stringify(value);
  }
  return value;
}

function toPgResult(sql: string, result: Results): PgResult {
  const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  return {
    rows: result.rows,
    // node-postgres counts the rows a statement answers; PGlite's affectedRows counts
    // the rows changed, which for `WITH w AS (UPDATE ...) SELECT ... FROM w` is not the answer's size.
    rowCount: command === 'SELECT' || result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0),
    command,
    fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  };
}
