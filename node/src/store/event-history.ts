/**
 * The recent events of one store, by log index, for `watch(fromIndex)`: a bounded ring that
 * answers "every event from index i on" exactly, or says it no longer can (etcd's
 * "compacted"), so a watcher resumes without gaps or duplicates or learns it must re-read.
 */
import { StoreInvariantError } from './errors.js';
import type { StoreEvent } from './types.js';

export class EventHistory {
  /** Ring storage. Invariant: `len` events from `head`, indexes non-decreasing. */
  private readonly ring: (StoreEvent | undefined)[];
  private head = 0;
  private len = 0;
  /**
   * Every event with index >= `complete` is retained. Invariant: complete <= through + 1.
   * Starts at `startIndex + 1`: what happened before the history began is unknown.
   */
  private complete: number;
  /** Every event up to this index has been appended. */
  private through: number;

  /**
   * @param maxEvents how many events to keep (at least 1).
   * @param startIndex the log index the history begins after (a restored snapshot's).
   */
  constructor(
    private readonly maxEvents: number,
    startIndex = 0
  ) {
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
      throw new StoreInvariantError(`maxEvents must be a positive integer, got ${maxEvents}`);
    }
    if (!Number.isSafeInteger(startIndex) || startIndex < 0) {
      throw new StoreInvariantError(`startIndex must be a non-negative integer, got ${startIndex}`);
    }
    this.ring = new Array<StoreEvent | undefined>(maxEvents);
    this.through = startIndex;
    this.complete = startIndex + 1;
  }

  /** Every event up to this log index has been appended. */
  get throughIndex(): number {
    return this.through;
  }

  /** The lowest `fromIndex` that `since` can still answer. */
  get oldestIndex(): number {
    return this.complete;
  }

  /** Number of events retained. */
  get length(): number {
    return this.len;
  }

  /**
   * Records the events of the entry at `index` (none is fine: the index still advances, so
   * watchers get progress on idle stores).
   * @throws StoreInvariantError when `index` does not increase or an event names another.
   */
  append(events: readonly StoreEvent[], index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.through) {
      throw new StoreInvariantError(
        `history index ${index} must be a safe integer above ${this.through}`
      );
    }
    for (const ev of events) {
      if (ev.index !== index) {
        throw new StoreInvariantError(`an event of index ${ev.index} appended at index ${index}`);
      }
    }
    const cap = this.maxEvents;
    for (const ev of events) {
      if (this.len === cap) {
        const dropped = this.ring[this.head] as StoreEvent;
        this.ring[this.head] = undefined;
        this.head = (this.head + 1) % cap;
        this.len--;
        // Some of `dropped.index`'s events may be gone: only later indexes stay complete.
        this.complete = Math.max(this.complete, dropped.index + 1);
      }
      this.ring[(this.head + this.len) % cap] = ev;
      this.len++;
    }
    this.through = index;
  }

  /** Forgets everything and starts again after `index` (a snapshot was installed). */
  reset(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new StoreInvariantError(`reset index must be a non-negative integer, got ${index}`);
    }
    this.ring.fill(undefined);
    this.head = 0;
    this.len = 0;
    this.through = index;
    this.complete = index + 1;
  }

  /**
   * Every retained event with index >= `fromIndex`, in order; or `compacted` with the oldest
   * index still answerable when events at or after `fromIndex` were dropped. Indexes start at
   * 1: a `fromIndex` below 1 means 1.
   */
  since(fromIndex: number): StoreEvent[] | { compacted: true; oldest: number } {
    const from = Math.max(1, Math.floor(fromIndex));
    if (Number.isNaN(from)) return { compacted: true, oldest: this.complete };
    if (from < this.complete) return { compacted: true, oldest: this.complete };
    // Binary search the first retained event with index >= from.
    const cap = this.maxEvents;
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ring[(this.head + mid) % cap] as StoreEvent).index < from) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = new Array<StoreEvent>(this.len - lo);
    for (let i = lo; i < this.len; i++) {
      out[i - lo] = this.ring[(this.head + i) % cap] as StoreEvent;
    }
    return out;
  }
}
