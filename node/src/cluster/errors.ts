import * as grpc from '@grpc/grpc-js';

/** Whether a failed write may have taken effect (the `broker-outcome` trailer). */
export type WriteOutcome = 'not-applied' | 'unknown';

/** The trailer key that tells a client whether a failed write took effect. */
export const OUTCOME_TRAILER = 'broker-outcome';

/**
 * The trailer key of a refusal by a member that cannot serve a forwarded request: the member
 * id it believes can (the group's leader as its replica knows it). A forwarding peer follows
 * it (leader-forwarder.ts).
 */
export const LEADER_HINT_TRAILER = 'broker-leader';

/**
 * A store or admin request that failed, with its gRPC status and, for writes, whether it may
 * have taken effect. Handlers turn it into a gRPC error with the outcome trailer.
 */
export class ClusterRequestError extends Error {
  override readonly name = 'ClusterRequestError';
  /** The member id that can serve the request, when this peer knows one (a refusal's hint). */
  readonly leaderHint: string | undefined;
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly outcome: WriteOutcome = 'not-applied',
    options?: { cause?: unknown; leaderHint?: string }
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.leaderHint = options?.leaderHint;
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
  if (err.leaderHint !== undefined && err.leaderHint !== '')
    metadata.set(LEADER_HINT_TRAILER, err.leaderHint);
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
