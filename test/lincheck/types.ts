/**
 * The vocabulary of the linearizability checker: a history of operations and a sequential
 * model that says which operations may follow which.
 */

/**
 * One client operation as observed from outside the system.
 * Invariant: `call < return`; `return` is `Infinity` when the client never learned the
 * outcome (it timed out), in which case the operation may or may not have taken effect and
 * `output` is `undefined`.
 */
export interface Operation<I, O> {
  /** The client that issued it: one client has at most one operation in flight. */
  readonly client: number;
  readonly input: I;
  /** Logical time the request was issued. */
  readonly call: number;
  /** Logical time the answer arrived, or `Infinity` for an unknown outcome. */
  readonly return: number;
  /** The answer; `undefined` exactly when the outcome is unknown. */
  readonly output: O | undefined;
}

/**
 * A sequential specification. `step` must be pure: it never mutates `state`.
 * An `undefined` output (unknown outcome) must be accepted by `step` in every state, since
 * such an operation can always be linearized at the very end where nothing observes it.
 */
export interface Model<S, I, O> {
  init(): S;
  /** The state after applying `input` with the observed `output`, or `undefined` when that output is impossible in `state`. */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A string that is equal for two states exactly when they are equal (memoisation key). */
  key(state: S): string;
  /**
   * Splits a history into independent parts (P-compositionality): the history is
   * linearizable iff every part is. Omit for a model that cannot be split.
   */
  partition?(history: readonly Operation<I, O>[]): Operation<I, O>[][];
  /** Human-readable form of an operation, for reports. */
  describe?(op: Operation<I, O>): string;
}

/** `unknown`: the search budget ran out before a verdict. */
export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface PartitionResult<I, O> {
  readonly verdict: Verdict;
  readonly operations: readonly Operation<I, O>[];
  /** The most operations of this part the search managed to linearize in one order. */
  readonly longestLinearized: readonly Operation<I, O>[];
  /** Search steps spent on this part. */
  readonly steps: number;
}

export interface CheckResult<I, O> {
  /** `illegal` if any part is illegal, else `unknown` if any ran out of budget, else `ok`. */
  readonly verdict: Verdict;
  readonly partitions: readonly PartitionResult<I, O>[];
}

export interface CheckOptions {
  /** Total search steps over all parts before giving up with `unknown`. Default 2,000,000. */
  readonly maxSteps?: number;
  /** Wall-clock budget in milliseconds, checked every 1,024 steps. Default: none. */
  readonly timeoutMs?: number;
}
