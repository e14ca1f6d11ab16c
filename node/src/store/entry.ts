/** The stored form of one key, shared by the state machine and the snapshot codec. */
import type { Data } from '../data/index.js';

/** One stored key. Immutable: a write replaces the entry, so events may keep old values. */
export interface Entry {
  readonly key: Data;
  readonly value: Data;
  /** Log index of the entry that last wrote the key. Invariant: 1 <= version <= appliedIndex. */
  readonly version: number;
  /** Deadline, ns since the epoch; undefined = never expires. */
  readonly expiresAt: bigint | undefined;
  /** Encoded sizes; `bytes` of the store is the sum of both over all entries. */
  readonly keyBytes: number;
  readonly valueBytes: number;
}
