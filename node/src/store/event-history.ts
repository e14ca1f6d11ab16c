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
    const p = this.page(fromIndex, Infinity);
    return 'compacted' in p ? p : p.events;
  }

  /**
   * Like {@link EventHistory.since}, at most about `max` events: the page ends at an index
   * boundary, so a watcher that resumes from `throughIndex + 1` misses nothing and sees
   * nothing twice. (An index with more than `max` events comes whole, alone.)
   */
  page(
    fromIndex: number,
    max: number
  ): { events: StoreEvent[]; throughIndex: number } | { compacted: true; oldest: number } {
    const from = Math.max(1, Math.floor(fromIndex));
    if (Number.isNaN(from) || from < this.complete) {
      return { compacted: true, oldest: this.complete };
    }
    const cap = this.maxEvents;
    const at = (i: number): StoreEvent => this.ring[(this.head + i) % cap] as StoreEvent;
    // Binary search the first retained event with index >= from.
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(mid).index < from) lo = mid + 1;
      else hi = mid;
    }
    let end = this.len;
    let through = this.through;
    if (end - lo > max) {
      end = lo + Math.max(1, Math.floor(max));
      // Back up to the start of the index the cut falls in, or forward to its end when that
      // index is the first of the page.
      const cut = at(end - 1).index;
      if (end < this.len && at(end).index === cut) {
        let b = end;
        while (b > lo && at(b - 1).index === cut) b--;
        if (b > lo) end = b;
        else while (end < this.len && at(end).index === cut) end++;
      }
      through = at(end - 1).index;
    }
    const events: StoreEvent[] = new Array<StoreEvent>(end - lo);
    for (let i = lo; i < end; i++) events[i - lo] = at(i);
    return { events, throughIndex: through };
  }
}
