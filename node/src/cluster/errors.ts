import * as grpc from '@grpc/grpc-js';

/** Whether a failed write may have taken effect (the `broker-outcome` trailer). */
export type WriteOutcome = 'not-applied' | 'unknown';

/** The trailer key that tells a client whether a failed write took effect. */
export const OUTCOME_TRAILER = 'broker-outcome';

/**
 * A store or admin request that failed, with its gRPC status and, for writes, whether it may
 * have taken effect. Handlers turn it into a gRPC error with the outcome trailer.
 */
export class ClusterRequestError extends Error {
  override readonly name = 'ClusterRequestError';
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly outcome: WriteOutcome = 'not-applied',
    options?: { cause?: unknown }
  ) {
    super(message, options);
  }
}

/** The cluster layer could not start (bad data directory, no way to form or join). */
export class ClusterStartError extends Error {
  override readonly name = 'ClusterStartError';
}

/** A gRPC error object with the outcome trailer, for a handler's callback or emit. */
export function toGrpcError(e: unknown): Partial<grpc.StatusObject> & Error {
  const err =
    e instanceof ClusterRequestError
      ? e
      : new ClusterRequestError(
          grpc.status.INTERNAL,
          `internal error: ${(e as Error)?.message ?? String(e)}`,
          'unknown'
        );
  const metadata = new grpc.Metadata();
  metadata.set(OUTCOME_TRAILER, err.outcome);
  return Object.assign(new Error(err.message), {
    code: err.code,
    details: err.message,
    metadata,
  });
}

/** Reads the outcome trailer of a failed call (forwarded requests keep the remote verdict). */
export function outcomeOf(e: unknown): WriteOutcome {
  const md = (e as { metadata?: grpc.Metadata }).metadata;
  const v = md?.get(OUTCOME_TRAILER)[0];
  return v === 'not-applied' ? 'not-applied' : 'unknown';
}
