import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stepRule, type RuleState, type Step } from './alert-state';

const timing = { forMs: 60_000, resolveMs: 30_000 };
const at = (seconds: number) => new Date(seconds * 1000);
const inactive: RuleState = { state: 'inactive', since: null, clearSince: null };

/** Runs a rule through (second, condition) observations and collects the transitions with their times. */
function run(observations: [number, boolean][], t = timing): { transitions: string[]; last: RuleState } {
  let state = inactive;
  const transitions: string[] = [];
  for (const [second, holds] of observations) {
    const step: Step = stepRule(state, holds, at(second), t);
    if (step.transition) transitions.push(`${step.transition}@${second}`);
    state = step.next;
  }
  return { transitions, last: state };
}

describe('alert state machine', () => {
  test('a condition must hold for the whole `for` before the rule fires, then it fires once', () => {
    const { transitions, last } = run([[0, true], [30, true], [59, true], [60, true], [90, true], [600, true]]);
    assert.deepEqual(transitions, ['fired@60']);
    assert.equal(last.state, 'firing');
    assert.deepEqual(last.since, at(60));
  });

  test('a break while pending starts the wait over', () => {
    const { transitions, last } = run([[0, true], [50, false], [55, true], [100, true], [115, true]]);
    assert.deepEqual(transitions, ['fired@115']);
    assert.equal(last.state, 'firing');
  });

  test('for = 0 fires on the first true evaluation', () => {
    assert.deepEqual(run([[5, true]], { forMs: 0, resolveMs: 0 }).transitions, ['fired@5']);
  });

  test('resolves once, after the condition stayed false for the resolve hold', () => {
    const { transitions, last } = run([[0, true], [60, true], [70, false], [90, false], [100, false], [200, false]]);
    assert.deepEqual(transitions, ['fired@60', 'resolved@100']);
    assert.equal(last.state, 'inactive');
  });

  test('an oscillating condition notifies once, not on every swing (hysteresis)', () => {
    const observations: [number, boolean][] = [];
    // True for 60 s, then flapping every 10 s for ten minutes (every false spell shorter than the 30 s hold), then false from 670 s.
    for (let s = 0; s <= 60; s += 10) observations.push([s, true]);
    for (let s = 70; s <= 660; s += 10) observations.push([s, Math.floor(s / 10) % 2 === 0]);
    for (let s = 670; s <= 800; s += 10) observations.push([s, false]);
    const { transitions } = run(observations);
    assert.equal(transitions.filter((t) => t.startsWith('fired')).length, 1);
    assert.equal(transitions.filter((t) => t.startsWith('resolved')).length, 1);
    assert.equal(transitions[1], 'resolved@700');
  });

  test('after resolving, a new episode must wait the full `for` again', () => {
    const { transitions } = run([[0, true], [60, true], [61, false], [91, false], [92, true], [120, true], [152, true]]);
    assert.deepEqual(transitions, ['fired@60', 'resolved@91', 'fired@152']);
  });
});
