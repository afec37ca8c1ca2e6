import { call, describeAnswer, type ApiAnswer } from './basalt';
import type { Operation, Side } from './operations';
import { HOST, type Row } from './shared';

export interface CheckOutcome {
  /** False: the numbers would mean nothing (an error status, or different row counts). */
  ok: boolean;
  lines: string[];
}

async function probe(operation: Operation, side: Side): Promise<ApiAnswer> {
  const { method, path, body } = operation.probe(side);
  return call(`http://${HOST}:${side.port}${path}`, { method, token: side.token, body });
}

/** The records of an answer: a list's `data`, or the one record. */
function rowsOf(operation: Operation, answer: ApiAnswer): Row[] | undefined {
  const body = answer.body as Row | undefined;
  if (!body || typeof body !== 'object') return undefined;
  if (operation.key === 'list' || operation.key === 'expand') return Array.isArray(body.data) ? (body.data as Row[]) : undefined;
  return [body];
}

const keys = (value: unknown): string => (value && typeof value === 'object' ? Object.keys(value).sort().join(',') : typeof value);

/**
 * Before measuring: every operation answers with its success status on both
 * sides, with the same number of rows, and (reported, not fatal) the same
 * record shape. When both sides read the same database, the list pages must
 * hold the same ids in the same order.
 */
export async function checkAnswers(operations: Operation[], basalt: Side, baseline: Side, sameDatabase: boolean): Promise<CheckOutcome> {
  const lines: string[] = [];
  let ok = true;
  for (const operation of operations) {
    const [a, b] = [await probe(operation, basalt), await probe(operation, baseline)];
    const problems: string[] = [];
    const notes: string[] = [];
    if (a.status !== operation.status) problems.push(`Basalt ${describeAnswer(a)}`);
    if (b.status !== operation.status) problems.push(`baseline ${describeAnswer(b)}`);
    const [rowsA, rowsB] = [rowsOf(operation, a), rowsOf(operation, b)];
    if (problems.length === 0) {
      if (!rowsA || !rowsB) problems.push(`unexpected answer shape: Basalt ${describeAnswer(a)}; baseline ${describeAnswer(b)}`);
      else if (rowsA.length !== rowsB.length) problems.push(`row counts differ: Basalt ${rowsA.length}, baseline ${rowsB.length}`);
      else if (rowsA.length === 0) problems.push('no rows on either side: nothing would be measured');
    }
    if (problems.length === 0 && rowsA && rowsB) {
      if (keys(rowsA[0]) !== keys(rowsB[0])) notes.push(`record fields differ: Basalt {${keys(rowsA[0])}}, baseline {${keys(rowsB[0])}}`);
      if (operation.key === 'expand') {
        const expanded = (rows: Row[]) => rows.filter((row) => row.author && typeof row.author === 'object').length;
        if (expanded(rowsA) !== expanded(rowsB)) problems.push(`expanded authors differ: Basalt ${expanded(rowsA)}, baseline ${expanded(rowsB)}`);
        else if (expanded(rowsA) === 0) problems.push('no author was expanded');
        else if (keys(rowsA[0].author) !== keys(rowsB[0].author)) notes.push(`author fields differ: Basalt {${keys(rowsA[0].author)}}, baseline {${keys(rowsB[0].author)}}`);
      }
      if (keys(a.body) !== keys(b.body)) notes.push(`answer keys differ: Basalt {${keys(a.body)}}, baseline {${keys(b.body)}}`);
      if (sameDatabase && (operation.key === 'list' || operation.key === 'expand' || operation.key === 'get')) {
        const ids = (rows: Row[]) => rows.map((row) => row.id).join(',');
        notes.push(ids(rowsA) === ids(rowsB) ? 'same ids in the same order' : 'DIFFERENT ids or order (same database!)');
      }
    }
    ok &&= problems.length === 0;
    const count = rowsA && rowsB && rowsA.length === rowsB.length ? `, ${rowsA.length} row(s) each` : '';
    lines.push(`${problems.length === 0 ? 'PASS' : 'FAIL'}  ${operation.label}: ${a.status} / ${b.status}${count}${[...problems, ...notes].map((p) => `; ${p}`).join('')}`);
  }
  return { ok, lines };
}
