/** A safety invariant of Raft (or of the harness's contract with it) did not hold. */
export class InvariantViolationError extends Error {
  constructor(
    /** Short stable name of the invariant, e.g. `election-safety`. */
    readonly invariant: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(`${invariant}: ${message}`, options);
    this.name = 'InvariantViolationError';
  }
}

/** Malformed data met by the harness (entry payloads, snapshot bytes). */
export class SimInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimInputError';
  }
}

/** A bad command-line argument or simulation option. */
export class SimUsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimUsageError';
  }
}
