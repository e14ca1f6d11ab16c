/**
 * Bounds on values that come from outside. Every decoder checks them, so a hostile input
 * costs at most `maxBytes` of reading and `maxDepth` of recursion.
 */
import { DataValueError } from './errors.js';

/** Limits for encoding and decoding. */
export interface DataLimits {
  /**
   * Maximum container nesting: a scalar has depth 0, a vector of scalars depth 1.
   * Invariant: integer in 0..{@link MAX_DEPTH_CEILING}.
   */
  readonly maxDepth: number;
  /** Maximum encoded size in bytes. Invariant: integer in 1..{@link MAX_BYTES_CEILING}. */
  readonly maxBytes: number;
}

/** The highest `maxDepth` allowed: deeper recursion risks the JavaScript stack. */
export const MAX_DEPTH_CEILING = 512;
/** The highest `maxBytes` allowed (1 GiB). */
export const MAX_BYTES_CEILING = 1 << 30;

/** Defaults: 64 levels (Zeek records nest a handful), 16 MiB per value. */
export const DEFAULT_DATA_LIMITS: DataLimits = Object.freeze({
  maxDepth: 64,
  maxBytes: 16 * 1024 * 1024,
});

/** Fills defaults and rejects out-of-range limits. */
export function resolveLimits(partial?: Partial<DataLimits>): DataLimits {
  if (partial === undefined) return DEFAULT_DATA_LIMITS;
  const maxDepth = partial.maxDepth ?? DEFAULT_DATA_LIMITS.maxDepth;
  const maxBytes = partial.maxBytes ?? DEFAULT_DATA_LIMITS.maxBytes;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_CEILING) {
    throw new DataValueError(
      `maxDepth must be an integer in 0..${MAX_DEPTH_CEILING}, got ${maxDepth}`
    );
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_BYTES_CEILING) {
    throw new DataValueError(
      `maxBytes must be an integer in 1..${MAX_BYTES_CEILING}, got ${maxBytes}`
    );
  }
  return { maxDepth, maxBytes };
}
