import { BrokerClientError } from './errors.js';

/** gRPC status names by number (grpc/status.h); the index is the code. */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** The name of a gRPC status code, e.g. `UNAVAILABLE`. */
export type StatusName = (typeof STATUS_NAMES)[number];

/** The status name of a numeric code; `UNKNOWN` for anything outside 0..16. */
export function statusName(code: number | undefined): StatusName {
  return (code !== undefined && STATUS_NAMES[code]) || 'UNKNOWN';
}

/** The numeric code of a status name. */
export function statusCode(name: StatusName): number {
  return STATUS_NAMES.indexOf(name);
}

/**
 * What a failed request did to the store:
 * - `not-applied`: it certainly did not and will not take effect (safe to retry);
 * - `unknown`: it may or may not have taken effect (retry only idempotent requests).
 */
export type Outcome = 'not-applied' | 'unknown';

/** The trailer a node sets on every failed write (proto/broker/v1/store.proto). */
export const OUTCOME_TRAILER = 'broker-outcome';

/**
 * Sets `name` on an instance: {@link BrokerClientError} declares `name` as its literal
 * type, so subclasses cannot redeclare it as a field.
 */
function nameAs(e: Error, name: string): void {
  Object.defineProperty(e, 'name', { value: name, enumerable: false, configurable: true });
}

/**
 * Codes a node only returns after deciding not to run a request, so even without the trailer
 * (an older node, a proxy) nothing was applied. Everything else without a trailer is unknown,
 * except the UNAVAILABLE cases of {@link neverSent}.
 */
const REFUSAL_CODES: ReadonlySet<StatusName> = new Set([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'UNAUTHENTICATED',
]);

/**
 * Whether grpc-js failed the call before it had a transport stream, so no byte of the request
 * left this process. grpc-js does not expose that directly (its internal `progress` field is
 * stripped before the application sees the status), but these two failures happen only in
 * name resolution and in the load balancer's pick, both before a stream is created: the
 * pick-first picker's "No connection established" (also prefixed `round_robin: ` and
 * `weighted_round_robin: ` by those policies) and the DNS resolver's "Name resolution
 * failed". A connection that breaks after the stream started says "Connection dropped",
 * ECONNRESET or an RST_STREAM, which stay `unknown`. test/client-store checks the first
 * case against a real grpc-js channel to a closed port.
 */
export function neverSent(details: string): boolean {
  return /^(?:[a-z_]+: )?No connection established\b|^Name resolution failed\b/.test(details);
}

/** The facts about a failed call that decide its {@link Outcome}. */
export interface FailureFacts {
  readonly status: StatusName;
  /** The `broker-outcome` trailer values, if the node sent any. */
  readonly trailer: readonly string[];
  /** The status details text. */
  readonly details: string;
  /** Reads change nothing: their outcome is always `not-applied`. */
  readonly isRead: boolean;
}

/** Decides the outcome of a failed call (pure; the rules are in docs/cli.md). */
export function classifyOutcome(f: FailureFacts): Outcome {
  if (f.isRead) return 'not-applied';
  // The node's own word wins; an unrecognised value is treated as no word at all.
  const said = f.trailer.find((t) => t === 'not-applied' || t === 'unknown');
  if (said === 'not-applied' || said === 'unknown') return said;
  if (REFUSAL_CODES.has(f.status)) return 'not-applied';
  if (f.status === 'UNAVAILABLE' && neverSent(f.details)) return 'not-applied';
  return 'unknown';
}

/**
 * A store request failed. `code` is the numeric gRPC status (as on every
 * {@link BrokerClientError}), `status` its name, and `outcome` says whether the request may
 * have taken effect anyway.
 */
export class StoreError extends BrokerClientError {
  constructor(
    message: string,
    readonly status: StatusName,
    readonly outcome: Outcome,
    options?: ErrorOptions
  ) {
    super(message, statusCode(status), options);
    nameAs(this, 'StoreError');
  }
}

/** A request was refused by the client before sending: a bad store name, key, value or option. */
export class StoreArgumentError extends StoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_ARGUMENT', 'not-applied', options);
    nameAs(this, 'StoreArgumentError');
  }
}

/** The node sent a response the client cannot decode (a key or value that is not valid Data). */
export class StoreResponseError extends StoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'DATA_LOSS', 'unknown', options);
    nameAs(this, 'StoreResponseError');
  }
}

/**
 * A watch asked for changes the node no longer retains (its log was compacted past them):
 * etcd's "compacted". `oldestIndex` is the oldest index the node still has, when it said.
 */
export class WatchCompactedError extends StoreError {
  constructor(
    message: string,
    readonly fromIndex: bigint,
    readonly oldestIndex: bigint | undefined,
    options?: ErrorOptions
  ) {
    super(message, 'OUT_OF_RANGE', 'not-applied', options);
    nameAs(this, 'WatchCompactedError');
  }
}

/** An admin request failed; `status` and `outcome` as on {@link StoreError}. */
export class AdminError extends BrokerClientError {
  constructor(
    message: string,
    readonly status: StatusName,
    readonly outcome: Outcome,
    options?: ErrorOptions
  ) {
    super(message, statusCode(status), options);
    nameAs(this, 'AdminError');
  }
}

/** An admin request was refused by the client before sending: a bad id, address or option. */
export class AdminArgumentError extends AdminError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_ARGUMENT', 'not-applied', options);
    nameAs(this, 'AdminArgumentError');
  }
}

/** The parts of a grpc-js ServiceError this module reads. */
interface GrpcFailure {
  code?: unknown;
  details?: unknown;
  message?: unknown;
  metadata?: { get(key: string): unknown[] };
}

/** The facts of a thrown grpc-js error (or anything else thrown). */
export function failureFacts(e: unknown, isRead: boolean): FailureFacts {
  const g = (typeof e === 'object' && e !== null ? e : {}) as GrpcFailure;
  const code = typeof g.code === 'number' ? g.code : undefined;
  let trailer: string[] = [];
  try {
    trailer = (g.metadata?.get(OUTCOME_TRAILER) ?? []).map((v) => String(v));
  } catch {
    trailer = [];
  }
  const details =
    typeof g.details === 'string' && g.details !== ''
      ? g.details
      : typeof g.message === 'string'
        ? g.message
        : String(e);
  return { status: statusName(code), trailer, details, isRead };
}

/** Wraps a failed store call in a {@link StoreError} naming the store and the request. */
export function storeError(what: string, e: unknown, isRead: boolean): StoreError {
  if (e instanceof StoreError) return e;
  const f = failureFacts(e, isRead);
  return new StoreError(`${what}: ${f.status}: ${f.details}`, f.status, classifyOutcome(f), {
    cause: e,
  });
}

/** Wraps a failed admin call in an {@link AdminError}. */
export function adminError(what: string, e: unknown, isRead: boolean): AdminError {
  if (e instanceof AdminError) return e;
  const f = failureFacts(e, isRead);
  return new AdminError(`${what}: ${f.status}: ${f.details}`, f.status, classifyOutcome(f), {
    cause: e,
  });
}

/** The oldest retained index in an OUT_OF_RANGE message: its last decimal number, if any. */
export function oldestIndexFrom(details: string): bigint | undefined {
  const all = details.match(/\d+/g);
  const last = all?.[all.length - 1];
  return last === undefined ? undefined : BigInt(last);
}
