import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { deepStrictEqual } from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { sha256, type UploadReceipt } from './nest/upload-receipt';
import { AUTHORIZATION, itemFor, SSE_EVENT_COUNT } from './shared';

export interface CheckResult {
  ok: boolean;
  detail: string;
}

const TIMEOUT_MS = 5_000;
const MIN_SSE_EVENTS = 3;
const UPLOAD_BYTES = 100 * 1024;

/**
 * The version of multer that @nestjs/platform-express resolves, or undefined.
 * Without it the Express adapter cannot even load (its index imports multer), so this is checked first.
 */
export function multerVersion(): string | undefined {
  const fromExpressAdapter = createRequire(require.resolve('@nestjs/platform-express/package.json'));
  try {
    return (fromExpressAdapter('multer/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Reads the stream as it arrives and stops after a few events, proving they were streamed, not buffered. */
export async function checkSse(baseUrl: string): Promise<CheckResult> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    headers: { authorization: AUTHORIZATION, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !type.startsWith('text/event-stream') || !response.body) {
    return { ok: false, detail: `HTTP ${response.status}, content-type ${type || 'none'}` };
  }

  const arrivals: number[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('data:')) arrivals.push(performance.now() - started);
    if (arrivals.length >= MIN_SSE_EVENTS) break; // leaving the loop cancels the stream
  }

  const ok = arrivals.length >= MIN_SSE_EVENTS;
  const timing = arrivals.map((ms) => `${ms.toFixed(0)}`).join(', ');
  return { ok, detail: `${arrivals.length} of ${SSE_EVENT_COUNT} data: events read, at ${timing} ms` };
}

export async function checkMultipart(baseUrl: string): Promise<CheckResult> {
  const payload = randomBytes(UPLOAD_BYTES);
  const form = new FormData();
  form.append('file', new Blob([payload], { type: 'application/octet-stream' }), 'sample.bin');
  const response = await fetch(`${baseUrl}/api/v1/uploads`, {
    method: 'POST',
    headers: { authorization: AUTHORIZATION },
    body: form,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (response.status !== 201) return { ok: false, detail: `HTTP ${response.status}: ${await response.text()}` };

  const receipt = (await response.json()) as UploadReceipt;
  const expected: UploadReceipt = { field: 'file', filename: 'sample.bin', size: payload.length, sha256: sha256(payload) };
  const ok = isDeepStrictEqual(receipt, expected);
  return { ok, detail: ok ? `${receipt.size} bytes, sha256 matches` : `got ${JSON.stringify(receipt)}` };
}

/**
 * Fails loudly if a server answers the measured routes differently, since a fast 404 or 401
 * would make a meaningless number.
 */
export async function assertSameAnswers(baseUrl: string): Promise<void> {
  const get = async (path: string, authorization?: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      headers: authorization ? { authorization } : {},
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return { status: response.status, body: await response.json() };
  };
  deepStrictEqual(await get('/api/v1/items/42', AUTHORIZATION), { status: 200, body: itemFor(42) });
  const list = await get('/api/v1/items?limit=20', AUTHORIZATION);
  deepStrictEqual([list.status, (list.body as unknown[]).length], [200, 20]);
  deepStrictEqual((await get('/api/v1/items/42')).status, 401);

  const created = await fetch(`${baseUrl}/api/v1/items`, {
    method: 'POST',
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'probe' }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  deepStrictEqual([created.status, ((await created.json()) as { name: string }).name], [201, 'probe']);
}
