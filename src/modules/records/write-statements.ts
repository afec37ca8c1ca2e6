import { placeholder } from 'src/infra/database/dialect';
import { SOFT_DELETE_COLUMN, type CollectionSchema } from 'src/modules/collections/collection-schema';
import { quote, type Dialect } from 'src/modules/collections/sql-identifiers';
import type { RecordEventAction } from 'src/modules/outbox/outbox-event';
import { withEvent } from 'src/modules/outbox/outbox-sql';

export interface Statement {
  /** Stable per collection version and shape: the PostgreSQL prepared-statement name. */
  name: string;
  sql: string;
}

export interface WriteStatements {
  /** Every column, in `columns` order, after id. */
  insert: Statement;
  columns: string[];
  /** Set clause for the given fields; `updated_at` moves forward by at least 1 ms so every change has a new ETag. */
  update(fields: string[], withVersionCheck: boolean): Statement;
  delete(withVersionCheck: boolean): Statement;
  softDelete(withVersionCheck: boolean): Statement;
  restore: Statement;
  purge: Statement;
  getById: Statement;
  getDeletedById: Statement;
}

/**
 * The write (and by-id read) SQL of one collection version. Built once per
 * version; values are always parameters. Timestamps come from the database
 * clock, truncated to milliseconds, so every node agrees and ETags survive a
 * round trip through JavaScript dates.
 *
 * On PostgreSQL every write also appends its outbox event in the same
 * statement (a data-modifying CTE) and takes the actor's id as its last
 * parameter; deletes then answer the deleted ids. On MySQL the statements
 * are plain and RecordsService appends the event in the same transaction.
 */
export function buildWriteStatements(schema: CollectionSchema, dialect: Dialect): WriteStatements {
  const pg = dialect === 'postgres';
  const q = (id: string) => quote(dialect, id);
  const table = q(schema.table);
  const p = (n: number) => placeholder(dialect, n);
  const now = pg ? `date_trunc('milliseconds', now())` : 'CURRENT_TIMESTAMP(3)';
  const returning = pg ? ' RETURNING *' : '';
  const alive = schema.softDelete ? ` AND ${q(SOFT_DELETE_COLUMN)} IS NULL` : '';
  const prefix = `v${schema.version}_${schema.name}`;
  const columns = schema.fields.map((f) => f.name);
  const nextUpdatedAt = pg ? `GREATEST(${now}, ${q('updated_at')} + interval '1 millisecond')` : `GREATEST(${now}, ${q('updated_at')} + INTERVAL 1000 MICROSECOND)`;

  /** PostgreSQL: the statement also appends a `records.<action>` event carrying the row as the API shows it; the actor is parameter `actorParam`. */
  const evented = (sql: string, action: RecordEventAction, actorParam: number, output: '*' | 'w.id') =>
    pg ? withEvent(sql, { type: `records.${action}`, collection: schema.name, actorParam, dataOf: eventData(schema, action, q), output }) : sql;

  const insert: Statement = {
    name: `${prefix}_insert`,
    sql: evented(`INSERT INTO ${table} (${[q('id'), q('created_at'), q('updated_at'), ...columns.map(q)].join(', ')}) VALUES (${[p(1), now, now, ...columns.map((_, i) => p(i + 2))].join(', ')}) RETURNING *`, 'create', columns.length + 2, '*'),
  };
  const byId = (extra: string, withVersion: boolean, start: number) => `${q('id')} = ${p(start)}${extra}${withVersion ? ` AND ${q('updated_at')} = ${p(start + 1)}` : ''}`;

  return {
    insert,
    columns,
    update(fields, withVersionCheck) {
      const sets = [...fields.map((f, i) => `${q(f)} = ${p(i + 1)}`), `${q('updated_at')} = ${nextUpdatedAt}`].join(', ');
      const params = fields.length + 1 + (withVersionCheck ? 2 : 1);
      return {
        name: `${prefix}_update_${fields.join('.')}${withVersionCheck ? '_ifmatch' : ''}`,
        sql: evented(`UPDATE ${table} SET ${sets} WHERE ${byId(alive, withVersionCheck, fields.length + 1)}${returning}`, 'update', params, '*'),
      };
    },
    delete: (withVersionCheck) => ({
      name: `${prefix}_delete${withVersionCheck ? '_ifmatch' : ''}`,
      sql: evented(`DELETE FROM ${table} WHERE ${byId(alive, withVersionCheck, 1)}${returning}`, 'delete', withVersionCheck ? 3 : 2, 'w.id'),
    }),
    softDelete: (withVersionCheck) => ({
      name: `${prefix}_trash${withVersionCheck ? '_ifmatch' : ''}`,
      sql: evented(`UPDATE ${table} SET ${q(SOFT_DELETE_COLUMN)} = ${now}, ${q('updated_at')} = ${nextUpdatedAt} WHERE ${byId(alive, withVersionCheck, 1)}${returning}`, 'delete', withVersionCheck ? 3 : 2, 'w.id'),
    }),
    restore: {
      name: `${prefix}_restore`,
      sql: evented(`UPDATE ${table} SET ${q(SOFT_DELETE_COLUMN)} = NULL, ${q('updated_at')} = ${nextUpdatedAt} WHERE ${q('id')} = ${p(1)} AND ${q(SOFT_DELETE_COLUMN)} IS NOT NULL${returning}`, 'restore', 2, '*'),
    },
    purge: { name: `${prefix}_purge`, sql: evented(`DELETE FROM ${table} WHERE ${q('id')} = ${p(1)} AND ${q(SOFT_DELETE_COLUMN)} IS NOT NULL${returning}`, 'purge', 2, 'w.id') },
    getById: { name: `${prefix}_get`, sql: `SELECT * FROM ${table} WHERE ${q('id')} = ${p(1)}${alive}` },
    getDeletedById: { name: `${prefix}_get_deleted`, sql: `SELECT * FROM ${table} WHERE ${q('id')} = ${p(1)} AND ${q(SOFT_DELETE_COLUMN)} IS NOT NULL` },
  };
}

/**
 * The event's data over the written row `w`, as the API shows a record:
 * datetimes as ISO 8601 UTC with milliseconds (jsonb's own text depends on
 * the session time zone), the trash column only on delete and purge.
 */
function eventData(schema: CollectionSchema, action: RecordEventAction, q: (id: string) => string): string {
  const trashed = action === 'delete' || action === 'purge';
  const datetimes = ['created_at', 'updated_at', ...(schema.softDelete && trashed ? [SOFT_DELETE_COLUMN] : []), ...schema.fields.filter((f) => f.type === 'datetime').map((f) => f.name)];
  const iso = (name: string) => `'${name}', to_char(w.${q(name)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  // jsonb_build_object takes at most 100 arguments: 50 fields per call.
  const overrides: string[] = [];
  for (let i = 0; i < datetimes.length; i += 50) overrides.push(`jsonb_build_object(${datetimes.slice(i, i + 50).map(iso).join(', ')})`);
  const row = schema.softDelete && !trashed ? `(to_jsonb(w) - '${SOFT_DELETE_COLUMN}')` : 'to_jsonb(w)';
  return `(${[row, ...overrides].join(' || ')})::text`;
}
