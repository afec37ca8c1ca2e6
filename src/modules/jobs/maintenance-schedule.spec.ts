import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MaintenanceJob } from 'src/infra/queue/queue-names';
import { repeatKey, schedules } from './maintenance-schedule';

const SCHEDULES = schedules({ alerts: { evaluationMs: 15_000 } as never });

test('every maintenance job has exactly one schedule', () => {
  assert.deepEqual(SCHEDULES.map((s) => s.job).sort(), Object.values(MaintenanceJob).sort());
});

test("repeat keys follow Bull's format (name:jobId:endDate:every) and differ between schedules", () => {
  assert.equal(repeatKey({ job: MaintenanceJob.AuthCleanup, every: 3600000, description: '' }), 'auth-cleanup:auth-cleanup::3600000');
  assert.equal(new Set(SCHEDULES.map(repeatKey)).size, SCHEDULES.length);
});

test('the alert evaluation runs at the configured interval', () => {
  const evaluation = schedules({ alerts: { evaluationMs: 2000 } as never }).find((s) => s.job === MaintenanceJob.AlertEvaluate)!;
  assert.equal(evaluation.every, 2000);
  assert.equal(repeatKey(evaluation), 'alert-evaluate:alert-evaluate::2000');
});
