import autocannon from 'autocannon';

/**
 * autocannon, programmatic. bench/adapter/autocannon.d.ts declares the module
 * (no @types/autocannon is installed); the few options and result fields this
 * benchmark needs beyond it are copied here.
 */
interface RequestParams {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Options extends autocannon.Options {
  /** The sequence each connection loops over; setupRequest may change a request before it is sent. */
  requests?: { setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams }[];
  /** Seconds before a request counts as timed out. */
  timeout?: number;
}

interface Result extends autocannon.Result {
  /** Seconds the run lasted. */
  duration: number;
  '2xx': number;
}

const fire = autocannon as unknown as (options: Options) => Promise<Result>;

export const CONNECTIONS = 50;
export const WARMUP_SECONDS = 2;
const REQUEST_TIMEOUT_SECONDS = 10;

/** One measured request shape against one server. */
export interface Load {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** When set, each request's path is the next one from here (round robin over all connections). */
  paths?: readonly string[];
}

export interface Sample {
  /** Successful (2xx) answers per second: a fast error is not throughput. */
  rps: number;
  p99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

function run(load: Load, seconds: number): Promise<Result> {
  const options: Options = {
    url: load.url,
    connections: CONNECTIONS,
    duration: seconds,
    method: load.method,
    headers: load.headers,
    body: load.body,
    timeout: REQUEST_TIMEOUT_SECONDS,
  };
  const paths = load.paths;
  if (paths && paths.length > 0) {
    let next = 0;
    options.requests = [
      {
        setupRequest: (request) => {
          request.path = paths[next];
          next = (next + 1) % paths.length;
          return request;
        },
      },
    ];
  }
  return fire(options);
}

/** A discarded warm-up first, so the JIT, the pools and keep-alive connections are settled before counting. */
export async function measure(load: Load, seconds: number): Promise<Sample> {
  await run(load, WARMUP_SECONDS);
  const result = await run(load, seconds);
  return {
    rps: result['2xx'] / result.duration,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
