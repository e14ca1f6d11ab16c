/** brokerctl's exit codes. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The node refused the request (bad topic, limit, ...), or another failure. */
  failed: 1,
  /** Bad command line or bad input (flags, JSON). */
  usage: 2,
  /** The node could not be reached. */
  unavailable: 3,
  /** The subscription was ended by the node (overflow policy, shutdown) before --count. */
  subscriptionEnded: 4,
  /**
   * A store or cluster write whose outcome is unknown (DEADLINE_EXCEEDED after sending, a
   * connection lost mid-call, or the node's `broker-outcome: unknown`): it may or may not have
   * taken effect.
   */
  outcomeUnknown: 5,
} as const;

/** A failure that maps to an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}
