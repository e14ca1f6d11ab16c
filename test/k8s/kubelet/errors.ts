/** Errors of the test kubelet. */

/** A container image that the kubelet's image table does not know (or whose program is not built). */
export class UnknownImageError extends Error {
  override readonly name = 'UnknownImageError';
  constructor(
    message: string,
    /** Pod status reason: UnknownImage, or ImageNotBuilt when the mapped program is missing. */
    readonly reason: 'UnknownImage' | 'ImageNotBuilt' = 'UnknownImage',
    options?: ErrorOptions
  ) {
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

/** A malformed DNS message reached the cluster DNS; the message says what was wrong. */
export class DnsFormatError extends Error {
  override readonly name = 'DnsFormatError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
