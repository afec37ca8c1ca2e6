import type { RateDecision } from './lease-book';

/** Route groups with limits of their own. */
export type RateLimitGroup = 'auth' | 'api';

export interface RateLimitSettings {
  /** Length of a window, ms. */
  windowMs: number;
  /** Requests per window; 0 turns a limit off. */
  anonymous: number;
  user: number;
  apiKey: number;
  /** The auth routes (login, register, refresh, password reset, …), per client address whoever calls. */
  auth: number;
}

/** Whose budget a request spends, and how big it is. */
export interface RateLimitBucket {
  group: RateLimitGroup;
  /** `ip:<address>`, `user:<id>` or `key:<id>`. */
  subject: string;
  limit: number;
}

export interface RateLimitCaller {
  userId?: string;
  apiKeyId?: string;
  ip: string;
}

/** Health checks, metrics and the API description are never limited: balancers and scrapers poll them. */
const UNLIMITED = /^\/(?:health\/|metrics$|docs(?:\/|$))/;
const AUTH = /^\/api\/v\d+\/auth\//;

/** The bucket a request counts against, or undefined when it is not limited. Pure. */
export function bucketFor(path: string, caller: RateLimitCaller, settings: RateLimitSettings): RateLimitBucket | undefined {
  if (UNLIMITED.test(path)) return undefined;
  if (AUTH.test(path)) return settings.auth > 0 ? { group: 'auth', subject: `ip:${caller.ip}`, limit: settings.auth } : undefined;
  if (caller.apiKeyId) return settings.apiKey > 0 ? { group: 'api', subject: `key:${caller.apiKeyId}`, limit: settings.apiKey } : undefined;
  if (caller.userId) return settings.user > 0 ? { group: 'api', subject: `user:${caller.userId}`, limit: settings.user } : undefined;
  return settings.anonymous > 0 ? { group: 'api', subject: `ip:${caller.ip}`, limit: settings.anonymous } : undefined;
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), plus Retry-After once refused. */
export function rateLimitHeaders(limit: number, decision: RateDecision, windowMs: number): Record<string, string> {
  const reset = String(Math.max(1, Math.ceil(decision.resetMs / 1000)));
  const headers: Record<string, string> = {
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': reset,
    'ratelimit-policy': `${limit};w=${Math.round(windowMs / 1000)}`,
  };
  if (!decision.allowed) headers['retry-after'] = reset;
  return headers;
}
