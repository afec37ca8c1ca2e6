import { createHash } from 'node:crypto';

// PostgreSQL cuts prepared-statement names at 63 bytes; two shapes sharing a prefix would then collide.
const MAX_NAME = 63;

export function statementName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  return `${name.slice(0, MAX_NAME - 17)}_${createHash('sha1').update(name).digest('hex').slice(0, 16)}`;
}
