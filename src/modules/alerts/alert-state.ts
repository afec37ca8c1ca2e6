/** Where a rule stands. `resolved` is not a state: resolving notifies once and goes back to inactive. */
export type AlertState = 'inactive' | 'pending' | 'firing';

export interface RuleState {
  state: AlertState;
  /** When the current state began (pending: when the condition turned true; firing: when it fired). */
  since: Date | null;
  /** While firing: since when the condition has been false without a break (null while it holds). */
  clearSince: Date | null;
}

export interface Timing {
  /** The condition must hold this long before the rule fires. */
  forMs: number;
  /** A firing rule resolves only after the condition has been false this long without a break. */
  resolveMs: number;
}

export interface Step {
  next: RuleState;
  /** What to notify, at most one per step. */
  transition?: 'fired' | 'resolved';
}

/**
 * One evaluation of one rule. `holds` is whether the condition is true now
 * (no data counts as false). The resolve hold is the hysteresis: a firing
 * rule whose condition flaps stays firing as long as each false spell is
 * shorter than `resolveMs`, so an oscillating signal notifies once when it
 * starts and once when it has really stopped.
 */
export function stepRule(current: RuleState, holds: boolean, now: Date, timing: Timing): Step {
  switch (current.state) {
    case 'inactive':
      if (!holds) return { next: current };
      return promote({ state: 'pending', since: now, clearSince: null }, now, timing);
    case 'pending':
      if (!holds) return { next: { state: 'inactive', since: now, clearSince: null } };
      return promote(current, now, timing);
    case 'firing': {
      if (holds) return { next: current.clearSince ? { ...current, clearSince: null } : current };
      const clearSince = current.clearSince ?? now;
      if (now.getTime() - clearSince.getTime() >= timing.resolveMs) return { next: { state: 'inactive', since: now, clearSince: null }, transition: 'resolved' };
      return { next: { ...current, clearSince } };
    }
  }
}

function promote(pending: RuleState, now: Date, timing: Timing): Step {
  if (now.getTime() - pending.since!.getTime() >= timing.forMs) return { next: { state: 'firing', since: now, clearSince: null }, transition: 'fired' };
  return { next: pending };
}
