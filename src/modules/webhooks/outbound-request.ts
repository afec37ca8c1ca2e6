import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { OutboundPolicy } from './outbound-guard';

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  policy: OutboundPolicy;
  /** The whole exchange: connects, redirects and reading the answer. */
  timeoutMs: number;
  /** At most this many bytes of the answer are read; the rest is dropped. */
  maxResponseBytes: number;
  maxRedirects?: number;
}

export type OutboundResult =
  | { ok: true; statusCode: number; headers: IncomingHttpHeaders; body: Buffer }
  | { ok: false; error: string; /** The SSRF guard said no: retrying will not help. */ refused: boolean };

/** Thrown inside the request when the guard refuses an address; reported as `refused`. */
class RefusedError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * POSTs a body guarded against SSRF: every host is resolved first and each
 * address checked by the policy, and the socket connects to the checked
 * address (our `lookup` is the only resolver the request uses), so a DNS
 * answer cannot change between check and connect. Redirects are followed
 * (the same POST, at most `maxRedirects`) and each new URL checked again.
 */
export async function postGuarded(request: OutboundRequest): Promise<OutboundResult> {
  const deadline = Date.now() + request.timeoutMs;
  let url = request.url;
  for (let hop = 0; ; hop++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { ok: false, error: `timed out after ${request.timeoutMs} ms`, refused: false };
    let result: OutboundResult;
    try {
      result = await once(url, request, remaining);
    } catch (error) {
      if (error instanceof RefusedError) return { ok: false, error: error.message, refused: true };
      const message = (error as Error).message || String(error);
      return { ok: false, error: message, refused: false };
    }
    if (!result.ok || !REDIRECTS.has(result.statusCode) || typeof result.headers.location !== 'string') return result;
    if (hop >= (request.maxRedirects ?? 3)) return { ok: false, error: `more than ${request.maxRedirects ?? 3} redirects`, refused: true };
    url = new URL(result.headers.location, url).toString();
  }
}

function once(target: string, request: OutboundRequest, timeoutMs: number): Promise<OutboundResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedError(`refused ${url.protocol} URL (only http and https)`);
    const host = url.hostname;
    // An IP literal never goes through `lookup`: check it here.
    const literal = host.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !request.policy.allows(host, literal)) throw new RefusedError(refusal(host, literal));
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        const denied = addresses.find((a) => !request.policy.allows(host, a.address));
        if (denied) return callback(new RefusedError(refusal(host, denied.address)), '', 0);
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      });
    };
    const client = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body);
    const req = client.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(body.length) },
      lookup,
      agent: false,
      timeout: timeoutMs,
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${request.timeoutMs} ms`)), timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${request.timeoutMs} ms`)));
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        clearTimeout(timer);
        resolve({ ok: true, statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= request.maxResponseBytes) return;
        chunks.push(chunk.subarray(0, request.maxResponseBytes - size));
        size += chunk.length;
        // The cap is reached: stop reading, the status is what matters.
        if (size >= request.maxResponseBytes) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    req.end(body);
  });
}

function refusal(host: string, address: string): string {
  return `refused ${host} (${address}): loopback, private, link-local and metadata addresses are blocked unless BASALT_OUTBOUND_ALLOWLIST allows them`;
}
