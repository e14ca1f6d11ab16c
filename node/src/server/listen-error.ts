/**
 * A listener could not be bound (address in use, not on this host, no permission): a
 * configuration problem, reported as one plain line with exit code 2, not a crash.
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly flag: '--listen' | '--http',
    readonly address: string,
    reason: string,
    options?: ErrorOptions
  ) {
    super(`${flag} ${address}: ${reason}`, options);
  }
}

/** The readable reason of a bind failure (gRPC wraps the system error in its own text). */
export function bindReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  if (/EADDRINUSE/.test(text)) return 'address already in use';
  if (/EADDRNOTAVAIL/.test(text)) return 'address not available on this host';
  if (/EACCES/.test(text)) return 'permission denied (a port below 1024 needs privileges)';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'host name does not resolve';
  return text;
}
