import type { ConfState } from './types.js';

/** A ConfState with no members (a node that has not joined any configuration yet). */
export const EMPTY_CONF_STATE: ConfState = {
  voters: [],
  votersOutgoing: [],
  learners: [],
  learnersNext: [],
  autoLeave: false,
};

/** Builds a ConfState, defaulting missing lists to empty. */
export function confState(parts: Partial<ConfState>): ConfState {
  return { ...EMPTY_CONF_STATE, ...parts };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

/** Order-insensitive equality of two ConfStates. */
export function confStateEquals(a: ConfState, b: ConfState): boolean {
  return (
    a.autoLeave === b.autoLeave &&
    sameSet(a.voters, b.voters) &&
    sameSet(a.votersOutgoing, b.votersOutgoing) &&
    sameSet(a.learners, b.learners) &&
    sameSet(a.learnersNext, b.learnersNext)
  );
}
