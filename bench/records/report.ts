import type { Sample } from './load';
import type { Operation } from './operations';

/** Per operation, per side, one sample per round. */
export type Results = Map<Operation['key'], { basalt: Sample[]; baseline: Sample[] }>;

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
const rps = (value: number): string => Math.round(value).toLocaleString('en-US');
const sum = (samples: Sample[], pick: (s: Sample) => number): number => samples.reduce((total, s) => total + pick(s), 0);

/**
 * Basalt's throughput as a fraction of the baseline's, paired round by round:
 * the two runs of a round were taken back to back, so this cancels drift a
 * ratio of overall means would keep.
 */
export function pairedRatio(basalt: Sample[], baseline: Sample[]): number {
  return mean(basalt.map((sample, round) => sample.rps / baseline[round].rps));
}

/** A Markdown table, so a run can be pasted into the README as is. */
export function formatTable(results: Results, operations: Operation[]): string {
  const header = ['operation', 'Basalt req/s', 'Basalt p99 ms', 'baseline req/s', 'baseline p99 ms', 'Basalt / baseline', 'per round', 'non-2xx + errors (Basalt / baseline)'];
  const rows = [header, header.map(() => '---')];
  for (const operation of operations) {
    const entry = results.get(operation.key);
    if (!entry || entry.basalt.length === 0) continue;
    const { basalt, baseline } = entry;
    rows.push([
      operation.label,
      rps(mean(basalt.map((s) => s.rps))),
      mean(basalt.map((s) => s.p99Ms)).toFixed(1),
      rps(mean(baseline.map((s) => s.rps))),
      mean(baseline.map((s) => s.p99Ms)).toFixed(1),
      `**${pairedRatio(basalt, baseline).toFixed(2)}**`,
      basalt.map((s, i) => (s.rps / baseline[i].rps).toFixed(2)).join(', '),
      `${sum(basalt, (s) => s.non2xx + s.errors)} / ${sum(baseline, (s) => s.non2xx + s.errors)}`,
    ]);
  }
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
