import { SOFT_DELETE_COLUMN, type CollectionSchema } from 'src/modules/collections/collection-schema';
import { quote, type Dialect } from 'src/modules/collections/sql-identifiers';

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
 */
export function buildWriteStatements(schema: CollectionSchema, dialect: Dialect): WriteStatements {
  const pg = dialect === 'postgres';
  const q = (id: string) => quote(dialect, id);
  const table = q(schema.table);
  const p = (n: number) => (pg ? `$${n}` : '?');
  const now = pg ? `date_trunc('milliseconds', now())` : 'CURRENT_TIMESTAMP(3)';
  const returning = pg ? ' RETURNING *' : '';
  const alive = schema.softDelete ? ` AND ${q(SOFT_DELETE_COLUMN)} IS NULL` : '';
  const prefix = `v${schema.version}_${schema.name}`;
  const columns = schema.fields.map((f) => f.name);
  const nextUpdatedAt = pg ? `GREATEST(${now}, ${q('updated_at')} + interval '1 millisecond')` : `GREATEST(${now}, ${q('updated_at')} + INTERVAL 1000 MICROSECOND)`;

  const insert: Statement = {
    name: `${prefix}_insert`,
    sql: `INSERT INTO ${table} (${[q('id'), q('created_at'), q('updated_at'), ...columns.map(q)].join(', ')}) VALUES (${[p(1), now, now, ...columns.map((_, i) => p(i + 2))].join(', ')})${pg ? returning : ' RETURNING *'}`,
  };
  const byId = (extra: string, withVersion: boolean, start: number) => `${q('id')} = ${p(start)}${extra}${withVersion ? ` AND ${q('updated_at')} = ${p(start + 1)}` : ''}`;

  return {
    insert,
    columns,
    update(fields, withVersionCheck) {
      const sets = [...fields.map((f, i) => `${q(f)} = ${p(i + 1)}`), `${q('updated_at')} = ${nextUpdatedAt}`].join(', ');
      return {
        name: `${prefix}_update_${fields.join('.')}${withVersionCheck ? '_ifmatch' : ''}`,
        sql: `UPDATE ${table} SET ${sets} WHERE ${byId(alive, withVersionCheck, fields.length + 1)}${returning}`,
      };
    },
    delete: (withVersionCheck) => ({
      name: `${prefix}_delete${withVersionCheck ? '_ifmatch' : ''}`,
      sql: `DELETE FROM ${table} WHERE ${byId(alive, withVersionCheck, 1)}`,
    }),
    softDelete: (withVersionCheck) => ({
      name: `${prefix}_trash${withVersionCheck ? '_ifmatch' : ''}`,
      sql: `UPDATE ${table} SET ${q(SOFT_DELETE_COLUMN)} = ${now}, ${q('updated_at')} = ${nextUpdatedAt} WHERE ${byId(alive, withVersionCheck, 1)}`,
    }),
    restore: {
      name: `${prefix}_restore`,
      sql: `UPDATE ${table} SET ${q(SOFT_DELETE_COLUMN)} = NULL, ${q('updated_at')} = ${nextUpdatedAt} WHERE ${q('id')} = ${p(1)} AND ${q(SOFT_DELETE_COLUMN)} IS NOT NULL${returning}`,
    },
    purge: { name: `${prefix}_purge`, sql: `DELETE FROM ${table} WHERE ${q('id')} = ${p(1)} AND ${q(SOFT_DELETE_COLUMN)} IS NOT NULL` },
    getById: { name: `${prefix}_get`, sql: `SELECT * FROM ${table} WHERE ${q('id')} = ${p(1)}${alive}` },
    getDeletedById: { name: `${prefix}_get_deleted`, sql: `SELECT * FROM ${table} WHERE ${q('id')} = ${p(1)} AND ${q(SOFT_DELETE_COLUMN)} IS NOT NULL` },
  };
}
