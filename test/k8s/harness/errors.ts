/** Errors of the Kubernetes test environment harness. */

/** The control plane binaries (or etcd) are not installed: the message says how to get them. */
export class BinariesMissingError extends Error {
  override readonly name = 'BinariesMissingError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A component did not become ready in time; the message names it and its log file. */
export class ComponentStartError extends Error {
  override readonly name = 'ComponentStartError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A condition awaited by a test or by the harness did not hold before its deadline. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
