/**
 * The sliding window of append messages sent to one follower and not yet acknowledged,
 * bounded both by count and by bytes (a bandwidth-delay bound). Each slot records the last
 * index of a message and its size.
 */
export class Inflights {
  private readonly capacity: number;
  private readonly maxBytes: number;
  /** Ring buffer; live slots are start .. start+count-1 (mod capacity), indexes increasing. */
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  /** Invariant: 0 <= count <= capacity. */
  count = 0;
  /** Invariant: sum of sizes of the live slots. */
  bytes = 0;

  constructor(capacity: number, maxBytes: number) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.indexes = new Array<number>(capacity).fill(0);
    this.sizes = new Array<number>(capacity).fill(0);
  }

  /** Records a message whose last entry is `index`; indexes must increase. */
  add(index: number, bytes: number): void {
    if (this.count >= this.capacity) throw new RangeError('inflights: add to a full window');
    const slot = (this.start + this.count) % this.capacity;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= `to` (they were acknowledged). */
  freeLE(to: number): void {
    while (this.count > 0 && (this.indexes[this.start] as number) <= to) {
      this.bytes -= this.sizes[this.start] as number;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  full(): boolean {
    return this.count >= this.capacity || this.bytes >= this.maxBytes;
  }

  reset(): void {
    this.count = 0;
    this.bytes = 0;
    this.start = 0;
  }
}
