/**
 * Where a watch stands in a store's log, so a new stream after a reconnect continues without
 * gaps or duplicates. Pure: the watch feeds it what arrives and asks it where to resume.
 *
 * Several events may share one log index (a batch, a clear) and the node may split them over
 * two messages. Resuming at `last + 1` could then lose the rest of that index, so the cursor
 * resumes at the partly delivered index itself and skips as many of its events as were
 * already delivered (the node sends an index's events in the order they were applied, on
 * every stream).
 */
export class WatchCursor {
  /**
   * Every change up to this index has been delivered (or was never wanted); -1 while
   * unknown (a watch "from now on" that no message has confirmed yet).
   * Invariant: complete < delivered, or delivered === 0 and atDelivered === 0.
   */
  private complete: bigint;
  /** Index of the last delivered event (0 = none delivered). */
  private delivered = 0n;
  /** Events delivered at index `delivered`. Invariant: > 0 when delivered > 0. */
  private atDelivered = 0;
  /** The current stream: its from index and how many of that index's events to skip. */
  private streamFrom = 0n;
  private toSkip = 0;

  /** `fromIndex` 0 means from now on (the node's current index), as on the wire. */
  constructor(fromIndex: bigint) {
    this.complete = fromIndex === 0n ? -1n : fromIndex - 1n;
  }

  /** The index to open the next stream at (0 = from now on), and sets up the skipping. */
  resume(): bigint {
    if (this.delivered > this.complete && this.delivered > 0n) {
      this.streamFrom = this.delivered;
      this.toSkip = this.atDelivered;
    } else {
      this.streamFrom = this.complete < 0n ? 0n : this.complete + 1n;
      this.toSkip = 0;
    }
    return this.streamFrom;
  }

  /**
   * Whether an event at `index` on the current stream is new (deliver it) or was delivered
   * before (drop it). Call once per event, in stream order; a true answer records it as
   * delivered.
   */
  accept(index: bigint): boolean {
    if (index < this.delivered || index <= this.complete) return false;
    if (index === this.streamFrom && this.toSkip > 0) {
      this.toSkip--;
      return false;
    }
    if (index === this.delivered) this.atDelivered++;
    else {
      this.delivered = index;
      this.atDelivered = 1;
    }
    this.toSkip = 0;
    return true;
  }

  /** The node says every change up to `index` has been sent. */
  through(index: bigint): void {
    if (index > this.complete) this.complete = index;
  }

  /** The highest index whose every event was delivered, or undefined while unknown. */
  get completeIndex(): bigint | undefined {
    return this.complete < 0n ? undefined : this.complete;
  }

  /** The index of the last delivered event (0 = none). */
  get lastDeliveredIndex(): bigint {
    return this.delivered;
  }
}
