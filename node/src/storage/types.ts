/**
 * The contract of a per-process, multi-group Raft log store.
 *
 * Writes are staged synchronously (they only enter a buffer and are validated at once), and
 * become durable together at an explicit sync point. One sync covers every group, so a Ready
 * loop that serves many groups pays one fsync per round, not one per group (group commit).
 *
 * Two shapes share the staging half:
 *  - {@link LogStore}: `sync()` returns a Promise (the on-disk WAL, which must wait for fsync);
 *  - {@link SyncLogStore}: `syncNow()` returns when the writes are durable, with no event-loop
 *    turn in between (the in-memory fault-modelling store, for deterministic simulation).
 * The in-memory store implements both, so code written against `LogStore` runs on either.
 */
import type { Entry, GroupId, HardState, Snapshot } from '../raft/types.js';

/** The hard state of a group that never had one written: term 0, no vote, nothing committed. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: '', commit: 0 });

/**
 * What a restarted node needs to rebuild one group: apply `snapshot` (if any), set
 * `hardState`, then append `entries`.
 *
 * Invariant: `entries` are contiguous (index i+1 follows i); when `snapshot` is present the
 * first entry's index is `snapshot.meta.index + 1`; without a snapshot it is 1. Entries at or
 * below the snapshot's index are never returned.
 */
export interface RecoveredGroup {
  readonly hardState: HardState;
  readonly snapshot?: Snapshot;
  readonly entries: readonly Entry[];
}

/** The write half shared by every store. Each call validates and stages; nothing is durable until a sync. */
export interface LogStoreWriter {
  /**
   * Stages entries for `group`. `entries` must be contiguous with non-decreasing terms. The
   * first index may be at most one past the group's current last index; if it is lower, the
   * existing entries from that index on are replaced (a conflicting suffix is overwritten).
   * Entries at or below the group's snapshot index are ignored (they are committed already).
   * Throws InvalidLogWriteError on a gap or a malformed batch, without staging anything.
   */
  append(group: GroupId, entries: readonly Entry[]): void;
  /** Stages the group's hard state; the last one staged before a sync wins. */
  setHardState(group: GroupId, hardState: HardState): void;
  /**
   * Stages a snapshot. If the log holds the entry at `snapshot.meta.index` with the same term,
   * the log is kept (the entries after it stay valid); otherwise the whole log is discarded, as a
   * follower does when it installs a leader's snapshot. A snapshot older than the current one
   * is rejected with InvalidLogWriteError.
   */
  saveSnapshot(group: GroupId, snapshot: Snapshot): void;
  /**
   * Stages a compaction: entries at or below `index` are no longer needed and may be reclaimed.
   * `index` must not exceed the group's snapshot index (else InvalidLogWriteError), so a
   * restarted node always finds a snapshot that covers what was compacted.
   */
  compact(group: GroupId, index: number): void;
}

/**
 * The asynchronous store (the on-disk WAL).
 *
 * Usage: `load()` once after opening to rebuild every group; then per Ready round stage the
 * writes of all groups and `await sync()` once before sending the messages that depend on
 * them. Concurrent `sync()` calls coalesce: each resolves once everything staged before it was
 * called is durable.
 */
export interface LogStore extends LogStoreWriter {
  /** Makes everything staged so far durable. Rejects (and the store refuses further writes) on an I/O error. */
  sync(): Promise<void>;
  /**
   * The durable state per group. For the disk store: what recovery found when it was opened,
   * handed over once (a second call throws). For the memory store: what is durable now.
   */
  load(): Map<GroupId, RecoveredGroup>;
  /** Syncs what is staged, then releases the files. Further calls throw StorageClosedError. */
  close(): Promise<void>;
}

/** The synchronous store used by deterministic simulation: durability without awaiting. */
export interface SyncLogStore extends LogStoreWriter {
  /** Makes everything staged so far durable before returning. */
  syncNow(): void;
  /** The durable state per group, exactly what a restart after a crash would see. */
  load(): Map<GroupId, RecoveredGroup>;
}

/** Where a store reports what it repaired or skipped (a truncated torn tail, a bad snapshot file). */
export interface StorageLogger {
  info(msg: string): void;
  warn(msg: string): void;
}
