import { limitSize, sliceLimited } from './entry-size.js';
import { CompactedError, InvariantError, UnavailableError } from './errors.js';
import type { Entry, Snapshot, Storage } from './types.js';
import { UnstableLog } from './unstable-log.js';

/**
 * The node's view of the log: the persisted part (Storage) followed by the unstable part.
 * Invariant: applied <= committed <= lastIndex().
 */
export class RaftLog {
  readonly storage: Storage;
  readonly unstable: UnstableLog;
  /** Highest index known to be stored on a quorum. Never decreases. */
  committed: number;
  /** Highest index the caller has applied (confirmed through advance()). */
  applied: number;
  private readonly maxCommittedSize: number;

  constructor(storage: Storage, maxCommittedSize: number) {
    this.storage = storage;
    this.maxCommittedSize = maxCommittedSize;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    // The log starts right after the last compaction: everything before is applied.
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** Term of entry i. Throws CompactedError/UnavailableError when i is not held. */
  term(i: number): number {
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new CompactedError(`term: index ${i} is compacted`);
    if (i > this.lastIndex()) throw new UnavailableError(`term: index ${i} is past last index`);
    return this.storage.term(i);
  }

  /**
   * term(i), or undefined when i is not held. The hot paths (conflict search, commit) use this
   * rather than catching errors: building an Error with its stack costs microseconds.
   */
  termOrUndefined(i: number): number | undefined {
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return undefined;
      throw e;
    }
  }

  /** term(i), or 0 when i is not held (compacted or past the end). */
  zeroTermOnOutOfBounds(i: number): number {
    return this.termOrUndefined(i) ?? 0;
  }

  matchTerm(i: number, t: number): boolean {
    return this.termOrUndefined(i) === t;
  }

  /**
   * Appends `ents` after (index, logTerm) if the log matches there, truncating a conflicting
   * suffix, and advances commit to min(committed, last new index). Returns the last new
   * index, or undefined if the log does not match at `index`.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    committed: number,
    ents: readonly Entry[]
  ): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new InvariantError(
          `entry ${ci} conflicts with committed entry (committed ${this.committed})`
        );
      }
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = (ents[0] as Entry).index - 1;
    if (after < this.committed) {
      throw new InvariantError(`append after ${after} is below committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * Index of the first entry in `ents` whose term differs from ours (or that we lack), or 0
   * when every entry is already present.
   */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term. Used on both sides of
   * a rejected append to skip a whole term per round trip instead of one entry. Returns
   * [index, 0] when our term at `index` is unknown (compacted).
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = index; i > 0; i--) {
      const ours = this.termOrUndefined(i);
      if (ours === undefined) return [i, 0];
      if (ours <= term) return [i, ours];
    }
    return [0, 0];
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Committed entries not yet applied, bounded by maxCommittedSizePerReady. */
  nextCommittedEntries(): Entry[] {
    if (this.hasPendingSnapshot()) return [];
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= off) return [];
    return this.slice(off, this.committed + 1, this.maxCommittedSize);
  }

  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false;
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(toCommit: number): void {
    if (this.committed >= toCommit) return;
    if (this.lastIndex() < toCommit) {
      throw new InvariantError(`commit ${toCommit} is past last index ${this.lastIndex()}`);
    }
    this.committed = toCommit;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new InvariantError(`applied ${i} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries from i on, bounded by maxSize (at least one if any). */
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  /**
   * Commits up to maxIndex only if that entry is from `term` (the leader's current term):
   * counting replicas of an older term's entry is not enough (Raft paper figure 8).
   */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.zeroTermOnOutOfBounds(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  /** Entries in [lo, hi) bounded by maxSize. Throws CompactedError when lo is compacted. */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError(`slice: index ${lo} is compacted (first ${first})`);
    if (hi > this.lastIndex() + 1 || lo > hi) {
      throw new UnavailableError(`slice[${lo},${hi}) out of bounds (last ${this.lastIndex()})`);
    }
    if (lo === hi) return [];
    let ents: Entry[] = [];
    const uoff = this.unstable.offset;
    if (lo < uoff) {
      const stored = this.storage.entries(lo, Math.min(hi, uoff), maxSize);
      if (stored.length < Math.min(hi, uoff) - lo) return stored;
      ents = stored;
    }
    if (hi > uoff) {
      // Only copy as much of the unstable part as the size budget can take.
      const from = Math.max(lo, uoff);
      const u = this.unstable.entries;
      // In bounds: from >= uoff by construction and hi <= lastIndex()+1 was checked above.
      const part = sliceLimited(u, from - uoff, hi - uoff, maxSize);
      ents = ents.length > 0 ? ents.concat(part) : part;
    }
    return limitSize(ents, maxSize);
  }
}
