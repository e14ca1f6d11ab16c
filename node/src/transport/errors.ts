/** The peer link broke the protocol (bad frame, unexpected sequence, credit overrun). */
export class PeerProtocolError extends Error {
  override readonly name = 'PeerProtocolError';
  constructor(
    readonly peer: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(`peer ${peer}: ${message}`, options);
  }
}

/** TLS files could not be read or do not fit together. */
export class TlsConfigError extends Error {
  override readonly name = 'TlsConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
