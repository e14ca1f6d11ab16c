import type { Entry } from './types.js';

/**
 * Fixed per-entry overhead counted on top of the payload when bounding message and Ready
 * sizes: term, index and type as they would cost on the wire (varints, tags), rounded up.
 */
export const ENTRY_OVERHEAD_BYTES = 24;

/** Size of an entry as counted against maxSizePerMsg, maxInflightBytes and Ready bounds. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** Sum of payload bytes only, as counted against maxUncommittedEntriesSize (like etcd). */
export function payloadSize(entries: readonly Entry[]): number {
  let s = 0;
  for (const e of entries) s += e.data.byteLength;
  return s;
}

/**
 * The longest prefix of `entries` whose total entrySize stays within maxSize, but always at
 * least one entry so that a single oversized entry still makes progress.
 */
export function limitSize<T extends Entry>(entries: T[], maxSize: number): T[] {
  if (entries.length === 0) return entries;
  let size = entrySize(entries[0] as T);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySize(entries[n] as T);
    if (size > maxSize) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

/**
 * Like limitSize(entries.slice(lo, hi), maxSize) without copying the part that would be cut:
 * a follower far behind must not cost a copy of the whole log per message.
 */
export function sliceLimited<T extends Entry>(
  entries: readonly T[],
  lo: number,
  hi: number,
  maxSize: number
): T[] {
  if (lo >= hi) return [];
  let size = entrySize(entries[lo] as T);
  let end = lo + 1;
  while (end < hi) {
    size += entrySize(entries[end] as T);
    if (size > maxSize) break;
    end++;
  }
  return entries.slice(lo, end);
}
