import autocannon from 'autocannon';
import { AUTHORIZATION, HOST } from './shared';

export interface Route {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export const ROUTES: Route[] = [
  { label: 'GET /api/v1/items/:id', method: 'GET', path: '/api/v1/items/42' },
  { label: 'GET /api/v1/items?limit=20', method: 'GET', path: '/api/v1/items?limit=20' },
  {
    label: 'POST /api/v1/items',
    method: 'POST',
    path: '/api/v1/items',
    body: JSON.stringify({ sku: 'SKU-NEW', name: 'New item', priceCents: 2500, currency: 'EUR', stock: 3, tags: ['new'], active: true }),
  },
];

export const CONNECTIONS = 50;
export const WARMUP_SECONDS = 2;
export const MEASURE_SECONDS = 8;

export interface Sample {
  rps: number;
  p99Ms: number;
  /** Errors, timeouts and non-2xx answers; anything but 0 makes the sample suspect. */
  failures: number;
}

function fire(port: number, route: Route, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://${HOST}:${port}${route.path}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: route.method,
    headers: route.body ? { authorization: AUTHORIZATION, 'content-type': 'application/json' } : { authorization: AUTHORIZATION },
    body: route.body,
  });
}

/** A discarded warm-up first, so the JIT and keep-alive connections are settled before counting. */
export async function measure(port: number, route: Route): Promise<Sample> {
  await fire(port, route, WARMUP_SECONDS);
  const result = await fire(port, route, MEASURE_SECONDS);
  return {
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}
