/** A BrokerAdmin call that failed; `code` is the gRPC status code. */
export class AdminCallError extends Error {
  override readonly name = 'AdminCallError';
  constructor(
    readonly method: string,
    readonly address: string,
    readonly code: number,
    message: string,
    options?: ErrorOptions
  ) {
    super(`BrokerAdmin.${method} on ${address}: ${message}`, options);
  }
}
