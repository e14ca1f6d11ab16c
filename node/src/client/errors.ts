/** The client could not reach the server or the server refused a call; `code` is the gRPC status. */
export class BrokerClientError extends Error {
  override readonly name = 'BrokerClientError';
  constructor(
    message: string,
    readonly code: number | undefined,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}

/** Wraps a gRPC error (or anything thrown) in a {@link BrokerClientError}. */
export function wrapError(what: string, e: unknown): BrokerClientError {
  if (e instanceof BrokerClientError) return e;
  const err = e as { code?: number; details?: string; message?: string };
  const detail = err?.details || err?.message || String(e);
  return new BrokerClientError(
    `${what}: ${detail}`,
    typeof err?.code === 'number' ? err.code : undefined,
    { cause: e }
  );
}
