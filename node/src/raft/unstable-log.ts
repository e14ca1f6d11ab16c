import { InvariantError } from './errors.js';
import type { Entry, Snapshot } from './types.js';

/**
 * Entries (and possibly one snapshot) that the node has accepted but the caller has not yet
 * confirmed as persisted (via advance()).
 */
export class UnstableLog {
  /** A snapshot received from the leader and not yet persisted. */
  snapshot: Snapshot | undefined;
  /** Invariant: entries[k].index === offset + k. */
  entries: Entry[] = [];
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.meta.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.meta.index === i) return this.snapshot.meta.term;
      return undefined;
    }
    const e = this.entries[i - this.offset];
    return e?.term;
  }

  /** Entries up to (i, t) are persisted: drop them, unless the log changed in between. */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === undefined || gt !== t || i < this.offset) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.meta.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const after = (ents[0] as Entry).index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // The new entries replace everything unstable, and may even start before it.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  /** Entries in [lo, hi); both must lie within the unstable range. */
  slice(lo: number, hi: number): Entry[] {
    const upper = this.offset + this.entries.length;
    if (lo > hi || lo < this.offset || hi > upper) {
      throw new InvariantError(
        `unstable.slice[${lo},${hi}) out of bounds [${this.offset},${upper})`
      );
    }
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
