/**
 * Where a new stream starts. Positions are the outbox's gap-free sequence:
 * a client that saw position N needs N+1 onwards. When N+1 was pruned (older
 * than the retention window) the gap cannot be filled: the client is told
 * (`reset`) and the stream goes on from now, instead of silently skipping.
 */
export type ResumePlan =
  /** No Last-Event-ID: from now on. */
  | { kind: 'live' }
  /** Send every event after `after`, then go on live. */
  | { kind: 'replay'; after: number }
  /** Events after `after` are no longer kept: tell the client, then go on live. */
  | { kind: 'expired'; after: number; oldest: number | null }
  /** An id past the newest position (another installation, a restored database): tell the client, then go on live. */
  | { kind: 'unknown'; after: number };

/** `Last-Event-ID` (header) as a position; undefined when absent; null when it is not one of ours. */
export function parseLastEventId(raw: string | string[] | undefined): number | undefined | null {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/**
 * @param lastEventId the position the client saw last
 * @param oldest the oldest position still kept (null: none kept)
 * @param latest the newest position relayed so far
 */
export function planResume(lastEventId: number | undefined, oldest: number | null, latest: number): ResumePlan {
  if (lastEventId === undefined) return { kind: 'live' };
  if (lastEventId > latest) return { kind: 'unknown', after: lastEventId };
  if (lastEventId === latest) return { kind: 'replay', after: lastEventId };
  if (oldest === null || lastEventId + 1 < oldest) return { kind: 'expired', after: lastEventId, oldest };
  return { kind: 'replay', after: lastEventId };
}
