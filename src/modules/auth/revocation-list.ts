import type { Role } from 'src/common/decorators/roles.decorator';

/**
 * What can make an access token stop working before it expires. Every entry
 * carries `until` (ms since the epoch): after that no token it could refuse is
 * still alive, so it is forgotten.
 *
 * - `session`: every token of that session (logout, session deleted, password
 *   changed elsewhere, refresh-token reuse, account disabled).
 * - `user`: every token of that user issued at or before `cutoff` (account
 *   disabled or deleted). JWT `iat` has one-second precision, so a token issued
 *   in the same second as the cutoff is refused too: the client refreshes.
 * - `role`: the user's role is now `role` (changed at `at`), whatever older
 *   tokens claim; the latest change wins.
 */
export type Revocation =
  | { kind: 'session'; sessionId: string; until: number }
  | { kind: 'user'; userId: string; cutoff: number; until: number }
  | { kind: 'role'; userId: string; role: Role; at: number; until: number };

const ROLES: readonly string[] = ['admin', 'user'];
const ID = /^[A-Za-z0-9-]{1,64}$/;

/** The Redis sorted-set member (and pub/sub line body) for an entry; `until` travels as the score. */
export function encodeRevocation(entry: Revocation): string {
  switch (entry.kind) {
    case 'session':
      return `s|${entry.sessionId}`;
    case 'user':
      return `u|${entry.userId}|${entry.cutoff}`;
    case 'role':
      return `r|${entry.userId}|${entry.role}|${entry.at}`;
  }
}

/** Parses a member back; anything malformed is ignored (undefined), never trusted. */
export function decodeRevocation(member: string, until: number): Revocation | undefined {
  if (!Number.isFinite(until)) return undefined;
  const parts = member.split('|');
  if (!ID.test(parts[1] ?? '')) return undefined;
  if (parts[0] === 's' && parts.length === 2) return { kind: 'session', sessionId: parts[1], until };
  if (parts[0] === 'u' && parts.length === 3 && /^\d+$/.test(parts[2])) return { kind: 'user', userId: parts[1], cutoff: Number(parts[2]), until };
  if (parts[0] === 'r' && parts.length === 4 && ROLES.includes(parts[2]) && /^\d+$/.test(parts[3])) {
    return { kind: 'role', userId: parts[1], role: parts[2] as Role, at: Number(parts[3]), until };
  }
  return undefined;
}

/** Pub/sub payload: one `<until> <member>` per line, so one message can carry a whole logout-all. */
export function encodeMessage(entries: Revocation[]): string {
  return entries.map((entry) => `${entry.until} ${encodeRevocation(entry)}`).join('\n');
}

export function decodeMessage(message: string): Revocation[] {
  const entries: Revocation[] = [];
  for (const line of message.split('\n')) {
    const space = line.indexOf(' ');
    const entry = space > 0 ? decodeRevocation(line.slice(space + 1), Number(line.slice(0, space))) : undefined;
    if (entry) entries.push(entry);
  }
  return entries;
}

/**
 * The in-memory state the JWT strategy consults on every request: Map
 * lookups, no I/O. Adding is idempotent and order-independent (a later
 * cutoff, a later role change, a later `until` win), so pub/sub messages,
 * the Redis sorted set and the database can all feed it in any order.
 */
export class RevocationList {
  private readonly sessions = new Map<string, number>();
  private readonly users = new Map<string, { cutoff: number; until: number }>();
  private readonly roles = new Map<string, { role: Role; at: number; until: number }>();

  add(entry: Revocation): void {
    switch (entry.kind) {
      case 'session': {
        const known = this.sessions.get(entry.sessionId);
        if (known === undefined || known < entry.until) this.sessions.set(entry.sessionId, entry.until);
        return;
      }
      case 'user': {
        const known = this.users.get(entry.userId);
        if (!known) this.users.set(entry.userId, { cutoff: entry.cutoff, until: entry.until });
        else this.users.set(entry.userId, { cutoff: Math.max(known.cutoff, entry.cutoff), until: Math.max(known.until, entry.until) });
        return;
      }
      case 'role': {
        const known = this.roles.get(entry.userId);
        if (!known || known.at < entry.at) this.roles.set(entry.userId, { role: entry.role, at: entry.at, until: Math.max(entry.until, known?.until ?? 0) });
        return;
      }
    }
  }

  isSessionRevoked(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Whether a token of `userId` issued at `issuedAt` (JWT iat, seconds) falls before the user's cutoff. */
  isUserCutOff(userId: string, issuedAt: number | undefined): boolean {
    const entry = this.users.get(userId);
    if (!entry) return false;
    return issuedAt === undefined || issuedAt * 1000 <= entry.cutoff;
  }

  /** The user's current role when it changed recently, else undefined (the token's claim stands). */
  roleOf(userId: string): Role | undefined {
    return this.roles.get(userId)?.role;
  }

  /** Forgets entries whose tokens have all expired. */
  prune(now: number): void {
    for (const [id, until] of this.sessions) if (until <= now) this.sessions.delete(id);
    for (const [id, entry] of this.users) if (entry.until <= now) this.users.delete(id);
    for (const [id, entry] of this.roles) if (entry.until <= now) this.roles.delete(id);
  }

  get size(): number {
    return this.sessions.size + this.users.size + this.roles.size;
  }
}
