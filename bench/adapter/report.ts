import type { Sample } from './load';
import type { ServerKind } from './shared';

/** Samples per route label, then per server, one per round. */
export type Results = Map<string, Map<ServerKind, Sample[]>>;

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
const rps = (value: number): string => Math.round(value).toLocaleString('en-US');

/**
 * Throughput of `samples` relative to `baseline`, paired round by round: runs in the same
 * round were taken back to back, so this cancels drift that a ratio of overall means would keep.
 */
function pairedRatio(samples: Sample[], baseline: Sample[]): number {
  return mean(samples.map((sample, round) => sample.rps / baseline[round].rps));
}

function samplesOf(byServer: Map<ServerKind, Sample[]>, kind: ServerKind): Sample[] {
  return byServer.get(kind) ?? [];
}

/** A Markdown table, so a run can be pasted into the decision record as is. */
export function formatTable(results: Results, rounds: number): string {
  const roundHeaders = Array.from({ length: rounds }, (_, i) => `req/s r${i + 1}`);
  const header = ['Route', 'Server', ...roundHeaders, 'mean req/s', 'mean p99 ms', 'vs bare', 'failed'];
  const rows = [header, header.map(() => '---')];

  for (const [route, byServer] of results) {
    const bare = samplesOf(byServer, 'bare');
    for (const [kind, samples] of byServer) {
      rows.push([
        route,
        kind,
        ...samples.map((s) => rps(s.rps)),
        rps(mean(samples.map((s) => s.rps))),
        mean(samples.map((s) => s.p99Ms)).toFixed(1),
        `${(pairedRatio(samples, bare) * 100).toFixed(0)}%`,
        String(samples.reduce((sum, s) => sum + s.failures, 0)),
      ]);
    }
  }
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The number the decision turns on: how much faster one Nest adapter is than the other. */
export function formatHeadToHead(results: Results): string {
  return [...results]
    .map(([route, byServer]) => {
      const ratio = pairedRatio(samplesOf(byServer, 'fastify'), samplesOf(byServer, 'express'));
      return `${route}: Fastify = ${ratio.toFixed(2)}× Express`;
    })
    .join('\n');
}
