/** Errors of the test kubelet. */

/** A container image that the kubelet's image table does not know. */
export class UnknownImageError extends Error {
  override readonly name = 'UnknownImageError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A pod's volume, env source or mount cannot be prepared (yet). */
export class PodSetupError extends Error {
  override readonly name = 'PodSetupError';
  constructor(
    /** Short CamelCase reason, as shown in container waiting states. */
    readonly reason: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}

/** Creating or removing a pod's network namespace failed. */
export class PodNetworkError extends Error {
  override readonly name = 'PodNetworkError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
