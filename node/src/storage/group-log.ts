/**
 * The state of one group's log as the store sees it, and the rules that change it. Both the
 * in-memory store and the WAL's recovery replay go through this, so "what a sequence of writes
 * means" is defined once.
 */
import type { Entry, GroupId, HardState, Snapshot } from '../raft/types.js';
import { InvalidLogWriteError } from './errors.js';
import { EMPTY_HARD_STATE, type RecoveredGroup } from './types.js';
import {
  validateEntries,
  validateHardState,
  validateIndex,
  validateSnapshotMeta,
} from './validate.js';

/** One group's log, hard state, snapshot and compaction point, with the rules that change them. */
export class GroupLog {
  readonly group: GroupId;
  hardState: HardState = EMPTY_HARD_STATE;
  /** The latest snapshot. Invariant: compacted <= snapshot.meta.index (0 without a snapshot). */
  snapshot: Snapshot | undefined;
  /**
   * Retained entries. Invariant: contiguous; when non-empty the first index is above
   * `compacted` and at most base + 1 (base = snapshot index or 0), so entries after the
   * snapshot follow it with no gap. Entries at or below the snapshot index are kept until
   * compacted (a lagging follower may still need them).
   */
  entries: Entry[] = [];
  /** Entries at or below this index were reclaimed. */
  compacted = 0;

  constructor(group: GroupId) {
    this.group = group;
  }

  /** The snapshot's index, or 0. */
  base(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  /** The highest index known: the last entry, or the snapshot's index when there is none past it. */
  lastIndex(): number {
    const last = this.entries[this.entries.length - 1];
    return Math.max(last?.index ?? 0, this.base());
  }

  /** The term of entry `i` if the log (or the snapshot at exactly `i`) knows it. */
  termAt(i: number): number | undefined {
    const first = this.entries[0];
    if (first !== undefined && i >= first.index) {
      const e = this.entries[i - first.index];
      if (e !== undefined) return e.term;
    }
    if (this.snapshot !== undefined && i === this.snapshot.meta.index)
      return this.snapshot.meta.term;
    return undefined;
  }

  /**
   * See LogStoreWriter.append. Throws before changing anything. `prevalidated`: the caller
   * already ran validateEntries on this batch.
   */
  append(entries: readonly Entry[], prevalidated = false): void {
    if (entries.length === 0) return;
    if (!prevalidated) validateEntries(this.group, entries);
    const first = entries[0] as Entry;
    const base = this.base();
    const skip = Math.max(0, base + 1 - first.index);
    if (skip >= entries.length) return;
    const from = entries[skip] as Entry;
    const last = this.lastIndex();
    if (from.index > last + 1) {
      throw new InvalidLogWriteError(
        this.group,
        `gap: last index is ${last}, append starts at ${from.index}`
      );
    }
    const prevTerm = this.termAt(from.index - 1);
    if (prevTerm !== undefined && prevTerm > from.term) {
      throw new InvalidLogWriteError(
        this.group,
        `term decreases: entry ${from.index - 1} has term ${prevTerm}, appended entry ${from.index} term ${from.term}`
      );
    }
    const head = this.entries[0];
    if (head !== undefined) this.entries.length = Math.max(0, from.index - head.index);
    for (let i = skip; i < entries.length; i++) this.entries.push(entries[i] as Entry);
  }

  /**
   * Recovery only: adopts `entries` as the start of a log whose earlier segments were deleted
   * (their entries were compacted, and the snapshot that covers them is recorded later in the
   * log). The caller checks at the end of replay that a snapshot closed the hole.
   */
  adoptHead(entries: readonly Entry[]): void {
    validateEntries(this.group, entries);
    this.entries = entries.slice();
  }

  setHardState(hs: HardState): void {
    validateHardState(this.group, hs);
    this.hardState = hs;
  }

  /**
   * See LogStoreWriter.saveSnapshot. Returns whether the log was kept (it matched the
   * snapshot) or discarded. Recovery passes the writer's recorded decision as `keep` instead of
   * recomputing it: the entries that decided it may live in segments deleted since. A recorded
   * "keep" that contradicts a known entry throws. `restated` (recovery only): a checkpoint's
   * restatement, which may name an older snapshot than the one replayed so far (the store fell
   * back to an older file when the newest was unusable).
   */
  saveSnapshot(snapshot: Snapshot, keep?: boolean, restated = false): boolean {
    const meta = snapshot.meta;
    validateSnapshotMeta(this.group, meta);
    if (!(snapshot.data instanceof Uint8Array)) {
      throw new InvalidLogWriteError(this.group, 'snapshot data is not a Uint8Array');
    }
    const current = this.base();
    if (meta.index < current && !restated) {
      throw new InvalidLogWriteError(
        this.group,
        `snapshot at ${meta.index} is older than the current one at ${current}`
      );
    }
    const known = this.termAt(meta.index);
    if (keep === true && known !== undefined && known !== meta.term) {
      throw new InvalidLogWriteError(
        this.group,
        `snapshot ${meta.index}/${meta.term} recorded as matching the log, whose entry ${meta.index} has term ${known}`
      );
    }
    const kept = keep ?? known === meta.term;
    if (!kept) this.entries = [];
    this.snapshot = snapshot;
    return kept;
  }

  /** See LogStoreWriter.compact. */
  compact(index: number): void {
    validateIndex(this.group, 'compaction index', index);
    if (index > this.base()) {
      throw new InvalidLogWriteError(
        this.group,
        `cannot compact to ${index}: the snapshot only covers up to ${this.base()}`
      );
    }
    if (index <= this.compacted) return;
    const head = this.entries[0];
    if (head !== undefined) this.entries.splice(0, Math.max(0, index - head.index + 1));
    this.compacted = index;
  }

  /** A copy that shares the (immutable) entries but not the arrays. */
  clone(): GroupLog {
    const c = new GroupLog(this.group);
    c.hardState = this.hardState;
    c.snapshot = this.snapshot;
    c.entries = this.entries.slice();
    c.compacted = this.compacted;
    return c;
  }

  /** What a restart rebuilds from: entries after the snapshot only. */
  recovered(): RecoveredGroup {
    const head = this.entries[0];
    const base = this.base();
    const entries =
      head === undefined ? [] : this.entries.slice(Math.max(0, base + 1 - head.index));
    return this.snapshot === undefined
      ? { hardState: this.hardState, entries }
      : { hardState: this.hardState, snapshot: this.snapshot, entries };
  }
}
