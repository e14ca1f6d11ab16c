import { WaitTimeoutError } from './errors.js';

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. */
  readonly timeoutMs: number;
  /** Pause between two checks (default 100 ms). */
  readonly intervalMs?: number;
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, and returns it.
 * Errors thrown by `check` count as "not yet" (the last one is attached as `cause` on timeout),
 * because the checks here talk to servers that are still starting.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new WaitTimeoutError(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${detail}`,
        {
          cause: lastError,
        }
      );
    }
    await sleep(interval);
  }
}

/** Resolves after `ms` milliseconds (pacing a poll loop, never as synchronisation). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
