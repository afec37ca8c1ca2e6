import { timingSafeEqual } from 'node:crypto';
import type { BlockList } from 'node:net';
import { inAddressList } from 'src/common/net/address-list';

/** Who may scrape /metrics: a bearer token, or a client address inside the allow-list. */
export interface MetricsAccessPolicy {
  token?: string;
  allow: BlockList;
}

/** Whether a scrape from `address` presenting `authorization` may read the metrics. */
export function mayScrape(policy: MetricsAccessPolicy, address: string | undefined, authorization: string | undefined): boolean {
  if (policy.token && authorization?.startsWith('Bearer ')) {
    const presented = Buffer.from(authorization.slice(7));
    const expected = Buffer.from(policy.token);
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) return true;
  }
  return inAddressList(policy.allow, address);
}
