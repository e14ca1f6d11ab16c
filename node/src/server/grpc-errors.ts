import * as grpc from '@grpc/grpc-js';
import {
  InvalidPayloadError,
  InvalidPoolError,
  InvalidTopicError,
  LimitExceededError,
} from '../pubsub/index.js';

/** A gRPC status error with a message for the client. */
export interface StatusError extends Error {
  code: grpc.status;
  details: string;
}

export function statusError(code: grpc.status, details: string): StatusError {
  return Object.assign(new Error(details), { code, details });
}

function isStatusError(e: unknown): e is StatusError {
  return (
    e instanceof Error &&
    typeof (e as Partial<StatusError>).code === 'number' &&
    typeof (e as Partial<StatusError>).details === 'string'
  );
}

/** The limit or check that failed, for the rejected-requests metric. */
export function rejectionLabel(e: unknown): string {
  if (e instanceof LimitExceededError) return e.limit;
  if (e instanceof InvalidTopicError) return 'topic';
  if (e instanceof InvalidPayloadError) return 'payload';
  if (e instanceof InvalidPoolError) return 'pool';
  return 'request';
}

/**
 * Maps pub/sub errors to gRPC: a limit -> RESOURCE_EXHAUSTED, except nesting depth which
 * is a property of the input -> INVALID_ARGUMENT; bad topics and payloads -> INVALID_ARGUMENT.
 */
export function toStatusError(e: unknown): StatusError {
  if (isStatusError(e)) return e;
  if (e instanceof LimitExceededError) {
    return statusError(
      e.limit === 'max-depth' ? grpc.status.INVALID_ARGUMENT : grpc.status.RESOURCE_EXHAUSTED,
      e.message
    );
  }
  if (
    e instanceof InvalidTopicError ||
    e instanceof InvalidPayloadError ||
    e instanceof InvalidPoolError
  ) {
    return statusError(grpc.status.INVALID_ARGUMENT, e.message);
  }
  return statusError(grpc.status.INTERNAL, `internal error: ${(e as Error)?.message ?? String(e)}`);
}
