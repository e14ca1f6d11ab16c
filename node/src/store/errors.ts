/**
 * The errors of the store state machine. Every one names what was wrong, so the gRPC layer
 * can hand the message to the client unchanged.
 */

/** Why a write was rejected; maps one to one onto the gRPC status of the same name. */
export type StoreOpErrorCode =
  'invalid-argument' | 'resource-exhausted' | 'failed-precondition' | 'not-found';

/**
 * A write command was rejected as a whole: nothing of its batch changed the state. Returned
 * (not thrown) by `StoreState.apply`, because a rejected write is an expected outcome that
 * every replica must reach identically.
 */
export class StoreOpError extends Error {
  readonly code: StoreOpErrorCode;
  /** Position in the batch of the operation that failed; absent for batch-wide limits. */
  readonly opIndex?: number;
  constructor(code: StoreOpErrorCode, message: string, opIndex?: number, options?: ErrorOptions) {
    super(opIndex === undefined ? message : `op ${opIndex}: ${message}`, options);
    this.name = 'StoreOpError';
    this.code = code;
    if (opIndex !== undefined) this.opIndex = opIndex;
  }
}

/** Bytes that are not a valid encoded store command, or a command that cannot be encoded. */
export class StoreCommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreCommandError';
  }
}

/** Bytes that are not a valid store snapshot (damaged, truncated, or another format). */
export class StoreSnapshotError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreSnapshotError';
  }
}

/**
 * A caller broke the state machine's contract (an index that does not increase, limits out
 * of range). The replica that sees it cannot trust its state any more.
 */
export class StoreInvariantError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreInvariantError';
  }
}
