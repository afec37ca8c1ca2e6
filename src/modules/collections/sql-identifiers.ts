import { createHash } from 'node:crypto';

export type Dialect = 'postgres' | 'mysql';

/** Quotes an identifier that has already passed IDENTIFIER_PATTERN (or is Basalt's own). */
export function quote(dialect: Dialect, identifier: string): string {
  return dialect === 'postgres' ? `"${identifier}"` : `\`${identifier}\``;
}

// PostgreSQL truncates identifiers past 63 bytes (and MySQL refuses past 64), so long ones get a stable hash.
const MAX_IDENTIFIER = 63;

/** A constraint or index name: `<table>_<part>_<suffix>`, shortened with a hash when too long. */
export function constraintName(table: string, part: string, suffix: string): string {
  const name = `${table}_${part}_${suffix}`;
  if (name.length <= MAX_IDENTIFIER) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, MAX_IDENTIFIER - suffix.length - 12)}_${hash}_${suffix}`;
}
