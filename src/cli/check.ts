import { judgeHealth, unknown, type CheckResult } from 'src/modules/metrics/nagios-check';

const USAGE = 'usage: npm run check -- live|ready [--url http://host:port] [--warning ms] [--critical ms] [--timeout ms]';

/**
 * A Nagios-compatible check (Zabbix and Icinga agents run the same): probes
 * /health/live or /health/ready, prints one status line with perfdata and
 * exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
async function check(args: string[]): Promise<CheckResult> {
  const [what, ...rest] = args;
  if (what !== 'live' && what !== 'ready') return unknown(USAGE);
  const options: Record<string, string> = { url: 'http://127.0.0.1:3000', warning: '500', critical: '2000', timeout: '10000' };
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i]?.replace(/^--/, '');
    if (!name || !(name in options) || rest[i + 1] === undefined) return unknown(`bad option ${rest[i] ?? ''}; ${USAGE}`);
    options[name] = rest[i + 1];
  }
  const [warningMs, criticalMs, timeoutMs] = [options.warning, options.critical, options.timeout].map(Number);
  if (![warningMs, criticalMs, timeoutMs].every((n) => Number.isFinite(n) && n > 0) || warningMs > criticalMs) return unknown(`thresholds must be positive numbers with warning <= critical; ${USAGE}`);
  let url: URL;
  try {
    url = new URL(`/health/${what}`, options.url);
  } catch {
    return unknown(`--url ${options.url} is not a URL`);
  }
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return judgeHealth(what, { httpStatus: response.status, body, elapsedMs: performance.now() - started }, { warningMs, criticalMs });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return judgeHealth(what, { elapsedMs: performance.now() - started, error: cause }, { warningMs, criticalMs });
  }
}

check(process.argv.slice(2)).then(
  (result) => {
    console.log(result.line);
    process.exitCode = result.status;
  },
  (error: Error) => {
    console.log(unknown(error.message).line);
    process.exitCode = 3;
  },
);
