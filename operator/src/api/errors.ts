/** A BrokerCluster spec the operator refuses; `field` is its JSON path, e.g. `spec.replicas`. */
export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(`${field}: ${message}`, options);
  }
}
