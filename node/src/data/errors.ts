/**
 * The errors of the data module. Every failure names what was wrong and where, so that a
 * bad frame or a bad JSON document can be reported to whoever sent it.
 */

/** A value handed to a builder (or found in a hand-built `Data`) breaks an invariant. */
export class DataValueError extends Error {
  /** Where in the value the problem is, as a path like `$[2].key`. */
  readonly path: string;
  constructor(message: string, path = '$', options?: ErrorOptions) {
    super(path === '$' ? message : `${message} at ${path}`, options);
    this.name = 'DataValueError';
    this.path = path;
  }
}

/** A value cannot be encoded: too deep, too large, or not a valid `Data`. */
export class DataEncodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataEncodeError';
  }
}

/**
 * Bytes that are not a valid binary-encoded `Data`. The decoder never throws anything else.
 */
export class DataDecodeError extends Error {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  /** A stable short code of the problem, for tests and metrics (e.g. `unknown-tag`). */
  readonly reason: DataDecodeReason;
  constructor(reason: DataDecodeReason, message: string, offset: number, options?: ErrorOptions) {
    super(`${message} (${reason} at byte ${offset})`, options);
    this.name = 'DataDecodeError';
    this.reason = reason;
    this.offset = offset;
  }
}

/** Every way a binary input can be rejected. */
export type DataDecodeReason =
  | 'empty-input'
  | 'unknown-tag'
  | 'truncated'
  | 'length-beyond-input'
  | 'bad-varint'
  | 'depth-limit'
  | 'size-limit'
  | 'invalid-utf8'
  | 'bad-boolean'
  | 'bad-prefix-length'
  | 'subnet-host-bits'
  | 'bad-port-protocol'
  | 'set-not-canonical'
  | 'table-not-canonical'
  | 'trailing-bytes'
  | 'malformed';

/** A JSON document that is not a valid Broker JSON `Data`. */
export class DataJsonError extends Error {
  /** JSON path of the offending value, like `$.data[3].key`. */
  readonly path: string;
  constructor(message: string, path: string, options?: ErrorOptions) {
    super(`${message} at ${path}`, options);
    this.name = 'DataJsonError';
    this.path = path;
  }
}

/** A protobuf `Data` message that does not describe a valid `Data`. */
export class DataProtoError extends Error {
  /** Path of the offending field, like `$.vector.elements[1].port`. */
  readonly path: string;
  constructor(message: string, path: string, options?: ErrorOptions) {
    super(`${message} at ${path}`, options);
    this.name = 'DataProtoError';
    this.path = path;
  }
}
