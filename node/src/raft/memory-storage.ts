import { EMPTY_CONF_STATE } from './conf-state.js';
import { sliceLimited } from './entry-size.js';
import {
  CompactedError,
  InvariantError,
  SnapshotOutOfDateError,
  UnavailableError,
} from './errors.js';
import type { ConfState, Entry, HardState, Snapshot, Storage } from './types.js';

const EMPTY = new Uint8Array(0);

/**
 * An in-memory Storage, like etcd's MemoryStorage. The host fills it from its WAL at start and
 * appends each Ready's entries to it after they are durable. Not durable itself.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: '', commit: 0 };
  private snap: Snapshot;
  /**
   * ents[0] is a dummy standing for the last compacted entry (index and term of the latest
   * snapshot, or 0/0). Invariant: ents[k].index === ents[0].index + k.
   */
  private ents: Entry[];

  /**
   * @param initialConfState membership of a brand-new group, recorded as the confState of an
   *   empty snapshot at index 0 so that initialState() reports it.
   */
  constructor(initialConfState: ConfState = EMPTY_CONF_STATE) {
    this.snap = { meta: { index: 0, term: 0, confState: initialConfState }, data: EMPTY };
    this.ents = [{ index: 0, term: 0, type: 0, data: EMPTY }];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private get offset(): number {
    return (this.ents[0] as Entry).index;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.offset;
    if (lo <= offset)
      throw new CompactedError(`entries: index ${lo} is compacted (first ${offset + 1})`);
    if (hi > this.lastIndex() + 1) {
      throw new UnavailableError(`entries: hi ${hi} is past last index ${this.lastIndex()}`);
    }
    if (this.ents.length === 1) throw new UnavailableError('entries: log is empty');
    return sliceLimited(this.ents, lo - offset, hi - offset, maxSize);
  }

  term(i: number): number {
    const offset = this.offset;
    if (i < offset) throw new CompactedError(`term: index ${i} is compacted (first ${offset + 1})`);
    const e = this.ents[i - offset];
    if (e === undefined)
      throw new UnavailableError(`term: index ${i} is past last index ${this.lastIndex()}`);
    return e.term;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole content with a snapshot (received from a leader, or loaded at start). */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) {
      throw new SnapshotOutOfDateError(
        `applySnapshot: snapshot at ${snap.meta.index} is not newer than ${this.snap.meta.index}`
      );
    }
    this.snap = snap;
    this.ents = [{ index: snap.meta.index, term: snap.meta.term, type: 0, data: EMPTY }];
  }

  /**
   * Records a snapshot of the state machine as of applied index `i`; follow with compact(i) to
   * drop the log prefix. `confState` must be the membership as of `i`.
   */
  createSnapshot(i: number, cs: ConfState | undefined, data: Uint8Array): Snapshot {
    if (i <= this.snap.meta.index) {
      throw new SnapshotOutOfDateError(
        `createSnapshot: index ${i} is not newer than snapshot ${this.snap.meta.index}`
      );
    }
    if (i > this.lastIndex()) {
      throw new UnavailableError(
        `createSnapshot: index ${i} is past last index ${this.lastIndex()}`
      );
    }
    const term = this.term(i);
    this.snap = { meta: { index: i, term, confState: cs ?? this.snap.meta.confState }, data };
    return this.snap;
  }

  /** Drops entries up to and including `compactIndex`. */
  compact(compactIndex: number): void {
    const offset = this.offset;
    if (compactIndex <= offset)
      throw new CompactedError(`compact: index ${compactIndex} is already compacted`);
    if (compactIndex > this.lastIndex()) {
      throw new UnavailableError(
        `compact: index ${compactIndex} is past last index ${this.lastIndex()}`
      );
    }
    const i = compactIndex - offset;
    const kept = this.ents.slice(i + 1);
    this.ents = [
      { index: compactIndex, term: (this.ents[i] as Entry).term, type: 0, data: EMPTY },
      ...kept,
    ];
  }

  /**
   * Appends entries, overwriting any conflicting suffix (entries at and after entries[0].index
   * are replaced). Entries already compacted are skipped.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const e0 = (entries[0] as Entry).index;
    const last = e0 + entries.length - 1;
    if (last < first) return;
    let es = entries;
    if (first > e0) es = entries.slice(first - e0);
    const off = (es[0] as Entry).index - this.offset;
    if (off > this.ents.length) {
      throw new InvariantError(
        `append: gap, entry ${(es[0] as Entry).index} after last index ${this.lastIndex()}`
      );
    }
    if (off < this.ents.length) this.ents = this.ents.slice(0, off);
    for (const e of es) this.ents.push(e);
  }
}
