import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApiKeyAction, ApiKeyScope } from 'src/common/decorators/current-user.decorator';

export const API_KEY_PREFIX = 'bsk_';
export const API_KEY_ACTIONS: readonly ApiKeyAction[] = ['read', 'create', 'update', 'delete'];

/** `bsk_<uuid>_<43 base64url characters = 256 bits>`. */
const KEY_PATTERN = /^bsk_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  id: string;
  secret: string;
}

/** A fresh key: its id, the full key (shown once) and the SHA-256 of the secret (stored). */
export function mintApiKey(): { id: string; key: string; secretHash: string } {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares the presented secret's hash with the stored one in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * The key a request presents: `X-API-Key: <key>`, or `Authorization: Bearer
 * bsk_…`. undefined when it presents none (then it is a JWT request, or
 * anonymous). An `X-API-Key` header that is not a well-formed key is still
 * returned, so it is refused rather than ignored.
 */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  if (Array.isArray(header)) return header.join(',');
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(bsk_\S*)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

/** The scope action an HTTP method needs on the records routes. */
export function actionOfMethod(method: string): ApiKeyAction {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return 'read';
    case 'POST':
      return 'create';
    case 'PATCH':
    case 'PUT':
      return 'update';
    default:
      return 'delete';
  }
}

/** Whether any of the scopes allows `action` on `collection` (`*` matches every collection). */
export function scopesAllow(scopes: readonly ApiKeyScope[], collection: string, action: ApiKeyAction): boolean {
  return scopes.some((scope) => (scope.collection === '*' || scope.collection === collection) && scope.actions.includes(action));
}
