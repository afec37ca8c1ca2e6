/**
 * What Redis answers to a lease request: how many requests it granted
 * (0 when the budget is spent), the window's count after the grant, and the
 * window's remaining ms.
 */
export interface LeaseGrant {
  granted: number;
  count: number;
  resetMs: number;
}

export type LeaseRequester = (key: string, want: number, limit: number) => Promise<LeaseGrant>;

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  resetMs: number;
}

/** Share of the budget left that one lease takes, and its ceiling: leases shrink as the budget runs out. */
const LEASE_SHARE = 16;
const MAX_LEASE = 100;

/** How many requests to reserve at once, given what is known to be spent. Pure. */
export function leaseSize(limit: number, spent: number): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor((limit - spent) / LEASE_SHARE)));
}

interface Bucket {
  /** Reserved in Redis and not yet spent here. */
  tokens: number;
  /** The window's cluster-wide count at the last lease (every node's reservations). */
  spent: number;
  resetAt: number;
  /** Redis refused a lease: nothing more until the window ends, without asking again. */
  exhausted: boolean;
  leasing?: Promise<void>;
}

/**
 * Each node reserves requests from the shared Redis counter in leases and
 * spends them locally, so most requests cost no network call. The counter is
 * only ever raised by what was granted, so the cluster never admits more than
 * the limit; the price is that tokens reserved by a node the caller stops
 * using go unspent until the window ends, which leases shrinking near the
 * limit keep small.
 */
export class LeaseBook {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly requestLease: LeaseRequester,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string, limit: number): Promise<RateDecision> {
    const bucket = this.current(key);
    for (;;) {
      if (bucket.tokens > 0) {
        bucket.tokens -= 1;
        return { allowed: true, remaining: Math.max(0, limit - bucket.spent + bucket.tokens), resetMs: bucket.resetAt - this.now() };
      }
      if (bucket.exhausted) return { allowed: false, remaining: 0, resetMs: bucket.resetAt - this.now() };
      // Concurrent requests of one caller share a lease request instead of each asking Redis.
      bucket.leasing ??= this.lease(key, bucket, limit).finally(() => (bucket.leasing = undefined));
      await bucket.leasing;
    }
  }

  /** Forgets buckets whose window is over, so the book holds only active callers. */
  sweep(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.resetAt <= now && !bucket.leasing) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }

  private current(key: string): Bucket {
    const known = this.buckets.get(key);
    if (known && (known.resetAt > this.now() || known.leasing)) return known;
    const fresh: Bucket = { tokens: 0, spent: 0, resetAt: 0, exhausted: false };
    this.buckets.set(key, fresh);
    return fresh;
  }

  private async lease(key: string, bucket: Bucket, limit: number): Promise<void> {
    const grant = await this.requestLease(key, leaseSize(limit, bucket.spent), limit);
    bucket.tokens += grant.granted;
    bucket.spent = grant.count;
    bucket.resetAt = this.now() + grant.resetMs;
    bucket.exhausted = grant.granted === 0;
  }
}
