/** An error of the Kubernetes API that the operator could not handle where it happened. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly what: string,
    readonly status: number | undefined,
    options?: ErrorOptions
  ) {
    super(
      `${what}: ${status === undefined ? 'failed' : `HTTP ${status}`}${detail(options?.cause)}`,
      options
    );
  }
}

function detail(cause: unknown): string {
  const body = (cause as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (typeof parsed.message === 'string') return `: ${parsed.message}`;
    } catch {
      return `: ${body.slice(0, 300)}`;
    }
  }
  if (typeof body === 'object' && body !== null && 'message' in body)
    return `: ${String((body as { message: unknown }).message)}`;
  return cause instanceof Error ? `: ${cause.message}` : '';
}

/** The HTTP status of a client-node ApiException, if it is one. */
export function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => httpStatus(err) === 404;
export const isConflict = (err: unknown): boolean => httpStatus(err) === 409;

/** The operator lost its Lease: it must stop acting at once. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}
