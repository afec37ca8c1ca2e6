/**
 * The Nagios plugin contract (also what Zabbix and Icinga agents run): one
 * status line, perfdata after a pipe, exit 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN.
 */
export const NagiosStatus = { Ok: 0, Warning: 1, Critical: 2, Unknown: 3 } as const;
export type NagiosStatus = (typeof NagiosStatus)[keyof typeof NagiosStatus];

const LABELS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface CheckResult {
  status: NagiosStatus;
  line: string;
}

export interface ProbeOutcome {
  /** HTTP status; undefined when there was no answer. */
  httpStatus?: number;
  /** The parsed body (Terminus' format for health endpoints). */
  body?: unknown;
  elapsedMs: number;
  /** Why there was no answer. */
  error?: string;
}

export interface Thresholds {
  warningMs: number;
  criticalMs: number;
}

/** Judges a health probe: down or unreachable is CRITICAL, slow is WARNING or CRITICAL by the thresholds. */
export function judgeHealth(what: 'live' | 'ready', outcome: ProbeOutcome, thresholds: Thresholds): CheckResult {
  const seconds = (outcome.elapsedMs / 1000).toFixed(3);
  const perf = `time=${seconds}s;${thresholds.warningMs / 1000};${thresholds.criticalMs / 1000};0`;
  if (outcome.httpStatus === undefined) return result(NagiosStatus.Critical, `${what}: no answer (${outcome.error ?? 'unknown error'})`, perf);
  const body = outcome.body as { status?: string; error?: Record<string, { message?: string }>; info?: Record<string, unknown> } | undefined;
  if (outcome.httpStatus !== 200 || body?.status !== 'ok') {
    const failing = Object.entries(body?.error ?? {}).map(([name, detail]) => (detail?.message ? `${name} (${detail.message})` : name));
    return result(NagiosStatus.Critical, `${what}: HTTP ${outcome.httpStatus}${failing.length > 0 ? `, down: ${failing.join(', ')}` : ''}`, perf);
  }
  const up = Object.keys(body.info ?? {});
  const summary = `${what}${up.length > 0 ? ` (${up.join(', ')} up)` : ''} in ${seconds} s`;
  if (outcome.elapsedMs >= thresholds.criticalMs) return result(NagiosStatus.Critical, `${summary}, slower than ${thresholds.criticalMs} ms`, perf);
  if (outcome.elapsedMs >= thresholds.warningMs) return result(NagiosStatus.Warning, `${summary}, slower than ${thresholds.warningMs} ms`, perf);
  return result(NagiosStatus.Ok, summary, perf);
}

export function unknown(message: string): CheckResult {
  return result(NagiosStatus.Unknown, message);
}

function result(status: NagiosStatus, message: string, perf?: string): CheckResult {
  return { status, line: `BASALT ${LABELS[status]} - ${message}${perf ? ` | ${perf}` : ''}` };
}
