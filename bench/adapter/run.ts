import { type ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { assertSameAnswers, checkMultipart, checkSse, type CheckResult, multerVersion } from './checks';
import { CONNECTIONS, MEASURE_SECONDS, measure, ROUTES, WARMUP_SECONDS } from './load';
import { formatHeadToHead, formatTable, type Results } from './report';
import { HOST, type ReadyMessage, type ServerKind } from './shared';

/**
 * Compares a bare node:http server with the same Nest app on Fastify and on Express.
 * Run from the repository root: node --import tsx bench/adapter/run.ts
 */

// Interleaved in this order every round, so drift in the machine hits all three alike.
const KINDS: ServerKind[] = ['bare', 'fastify', 'express'];
const ROUNDS = 2;
const START_TIMEOUT_MS = 30_000;

interface Server {
  kind: ServerKind;
  port: number;
  baseUrl: string;
  child: ChildProcess;
}

/** Each server gets its own process, so the load generator here never shares its event loop. */
function start(kind: ServerKind): Promise<Server> {
  const child = fork(join(__dirname, 'servers', `${kind}.ts`), [], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${kind} server did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited (code ${code}) before listening`));
    });
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      resolve({ kind, port: message.port, baseUrl: `http://${HOST}:${message.port}`, child });
    });
  });
}

async function runEssentials(servers: Server[], multer: string): Promise<boolean> {
  const checks: [string, (baseUrl: string) => Promise<CheckResult>, Record<string, string>][] = [
    ['SSE (@Sse)', checkSse, {}],
    ['multipart ~100 KB', checkMultipart, { fastify: '@fastify/multipart request.file()', express: `FileInterceptor, multer ${multer}` }],
  ];
  let allPassed = true;
  for (const server of servers.filter((s) => s.kind !== 'bare')) {
    for (const [name, check, via] of checks) {
      const result = await check(server.baseUrl).catch((error: unknown) => ({ ok: false, detail: String(error) }));
      const how = via[server.kind] ? ` via ${via[server.kind]}` : '';
      console.log(`${result.ok ? 'PASS' : 'FAIL'}  ${server.kind} ${name}${how}: ${result.detail}`);
      allPassed &&= result.ok;
    }
  }
  return allPassed;
}

async function runLoad(servers: Server[]): Promise<Results> {
  const results: Results = new Map(ROUTES.map((route) => [route.label, new Map(KINDS.map((kind) => [kind, []]))]));
  const total = ROUNDS * ROUTES.length * servers.length;
  let done = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const route of ROUTES) {
      for (const server of servers) {
        const sample = await measure(server.port, route);
        results.get(route.label)?.get(server.kind)?.push(sample);
        const failed = sample.failures ? `, ${sample.failures} FAILED` : '';
        console.error(
          `[${++done}/${total}] round ${round} ${route.label} ${server.kind}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99Ms} ms${failed}`,
        );
      }
    }
  }
  return results;
}

async function main(): Promise<void> {
  const multer = multerVersion();
  if (!multer) {
    // @nestjs/platform-express imports multer from its index, so without it the Express app cannot start at all.
    console.log('FAIL  express multipart: multer is not installed for @nestjs/platform-express; the Express adapter cannot load');
    process.exitCode = 1;
    return;
  }

  const runs = ROUNDS * ROUTES.length * KINDS.length;
  console.log(`Date: ${new Date().toISOString()}  Node ${process.version}  ${cpus().length} × ${cpus()[0]?.model.trim()}`);
  console.log(
    `Load: autocannon, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${MEASURE_SECONDS} s measured per run, ` +
      `${runs} runs (~${Math.ceil((runs * (WARMUP_SECONDS + MEASURE_SECONDS)) / 60)} min)\n`,
  );

  const servers: Server[] = [];
  try {
    for (const kind of KINDS) servers.push(await start(kind));
    for (const server of servers) await assertSameAnswers(server.baseUrl);
    const essentialsPassed = await runEssentials(servers, multer);

    const results = await runLoad(servers);
    console.log(`\n${formatTable(results, ROUNDS)}\n\n${formatHeadToHead(results)}`);
    if (!essentialsPassed) process.exitCode = 1;
  } finally {
    for (const server of servers) server.child.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
