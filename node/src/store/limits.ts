/**
 * The bounds of one store. Writes that would cross one are rejected as a whole with
 * `resource-exhausted` naming the flag that sets it, so an operator knows what to raise.
 */
import { MAX_BYTES_CEILING, MAX_DEPTH_CEILING } from '../data/index.js';

import { StoreInvariantError, StoreOpError } from './errors.js';

/** Limits of one store; every field is a positive integer (maxDepth may be 0). */
export interface StoreLimits {
  /** Largest binary encoding of a key, in bytes (`--max-key-bytes`). */
  readonly maxKeyBytes: number;
  /** Largest binary encoding of a value, in bytes (`--max-value-bytes`). */
  readonly maxValueBytes: number;
  /** Most keys in the store (`--max-store-keys`). */
  readonly maxKeys: number;
  /** Most bytes of keys plus values, as encoded, in the store (`--max-store-bytes`). */
  readonly maxBytes: number;
  /** Deepest container nesting of a key or value; a scalar is 0 (`--max-depth`). */
  readonly maxDepth: number;
}

/** The flag that sets each limit, for error messages. */
export const LIMIT_FLAGS: Readonly<Record<keyof StoreLimits, string>> = Object.freeze({
  maxKeyBytes: '--max-key-bytes',
  maxValueBytes: '--max-value-bytes',
  maxKeys: '--max-store-keys',
  maxBytes: '--max-store-bytes',
  maxDepth: '--max-depth',
});

/** Defaults: 4 KiB keys, 1 MiB values, a million keys, 1 GiB, Broker data's 64 levels. */
export const DEFAULT_STORE_LIMITS: StoreLimits = Object.freeze({
  maxKeyBytes: 4096,
  maxValueBytes: 1024 * 1024,
  maxKeys: 1_000_000,
  maxBytes: 1024 * 1024 * 1024,
  maxDepth: 64,
});

/** Most keys a store may be configured for (the snapshot format counts keys in 32 bits). */
export const MAX_KEYS_CEILING = 0xffff_ffff;
/** Most bytes a store may be configured for: the largest exactly representable integer. */
export const MAX_STORE_BYTES_CEILING = Number.MAX_SAFE_INTEGER;

/**
 * Checks every field and returns a frozen copy.
 * @throws StoreInvariantError naming the field and its allowed range.
 */
export function validateStoreLimits(limits: StoreLimits): StoreLimits {
  const check = (name: keyof StoreLimits, min: number, max: number): number => {
    const v = (limits as unknown as Record<string, unknown>)[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new StoreInvariantError(
        `store limit ${name} (${LIMIT_FLAGS[name]}) must be an integer in ${min}..${max}, got ${String(v)}`
      );
    }
    return v;
  };
  if (typeof limits !== 'object' || limits === null) {
    throw new StoreInvariantError('store limits must be an object');
  }
  return Object.freeze({
    maxKeyBytes: check('maxKeyBytes', 1, MAX_BYTES_CEILING),
    maxValueBytes: check('maxValueBytes', 1, MAX_BYTES_CEILING),
    maxKeys: check('maxKeys', 1, MAX_KEYS_CEILING),
    maxBytes: check('maxBytes', 1, MAX_STORE_BYTES_CEILING),
    maxDepth: check('maxDepth', 0, MAX_DEPTH_CEILING),
  });
}

/** The rejection of a write that would cross `limit`, naming its flag. */
export function limitError(
  limit: keyof StoreLimits,
  max: number,
  what: string,
  i?: number
): StoreOpError {
  return new StoreOpError(
    'resource-exhausted',
    `${LIMIT_FLAGS[limit]} (${max}) exceeded: ${what}`,
    i
  );
}
