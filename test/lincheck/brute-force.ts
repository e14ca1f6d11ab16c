import type { Model, Operation } from './types.js';

/**
 * A deliberately naive reference checker for small histories, used to test the real one:
 * it ignores partitions, chooses outright which unknown-outcome operations took effect, and
 * tries every order of the chosen operations that respects real time (a before b when a
 * returned before b was called).
 */
export function bruteForceLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[]
): boolean {
  const known = history.filter((op) => op.return !== Infinity);
  const unknown = history.filter((op) => op.return === Infinity);
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...known, ...unknown.filter((_, i) => (mask & (1 << i)) !== 0)];
    if (someOrder(model, chosen, new Array<boolean>(chosen.length).fill(false), model.init(), 0)) {
      return true;
    }
  }
  return false;
}

function someOrder<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  used: boolean[],
  state: S,
  placed: number
): boolean {
  if (placed === ops.length) return true;
  for (let i = 0; i < ops.length; i++) {
    if (used[i]) continue;
    const op = ops[i]!;
    // op may go next only if no other unplaced operation finished before op started.
    const blocked = ops.some((other, j) => !used[j] && j !== i && other.return < op.call);
    if (blocked) continue;
    const next = model.step(state, op.input, op.output);
    if (next === undefined) continue;
    used[i] = true;
    const ok = someOrder(model, ops, used, next, placed + 1);
    used[i] = false;
    if (ok) return true;
  }
  return false;
}
