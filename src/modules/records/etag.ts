import { createHash } from 'node:crypto';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';

/**
 * A record's ETag is its `updated_at` in milliseconds (base 36). Writes move
 * `updated_at` forward by at least a millisecond, so every change gives a new
 * ETag, and If-Match becomes a condition in the UPDATE itself: no read first,
 * no race between the check and the write.
 */
export function recordEtag(updatedAt: string): string {
  return `"${Date.parse(updatedAt).toString(36)}"`;
}

/** Lists have no version of their own: their ETag is a digest of the body. */
export function bodyEtag(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

export type IfMatch = { any: true } | { any: false; updatedAt: Date } | undefined;

/** `If-Match` as a version to compare `updated_at` with; one that matches no version of ours is a 412 at once. */
export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  for (const candidate of header.split(',')) {
    const match = /^\s*(?:W\/)?"([0-9a-z]{1,12})"\s*$/.exec(candidate);
    const ms = match ? parseInt(match[1], 36) : NaN;
    if (Number.isSafeInteger(ms)) return { any: false, updatedAt: new Date(ms) };
  }
  throw preconditionFailed();
}

export function preconditionFailed(): DomainError {
  return new DomainError(ErrorCode.PreconditionFailed, 412, 'Precondition failed', 'The record changed since you read it (If-Match does not match its ETag). Read it again and retry.');
}

/** Whether an If-None-Match header matches the ETag about to be sent. */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}
