/**
 * The deadlines of a store's keys, soonest first: a binary min-heap with lazy deletion.
 * A key that is overwritten, erased or given a new deadline leaves its old heap entry
 * behind; the owner says which entries are still live (`isLive`), stale ones are dropped
 * when they reach the top, and the heap is rebuilt when they outnumber the live ones.
 */

/** One deadline of one key (by its map key: the binary encoding as a Latin-1 string). */
export interface Deadline {
  readonly at: bigint;
  readonly mk: string;
}

/** Soonest first; equal deadlines by map key, so the order is the same on every replica. */
function before(a: Deadline, b: Deadline): boolean {
  return a.at < b.at || (a.at === b.at && a.mk < b.mk);
}

export class ExpiryQueue {
  /** Invariant: a min-heap by `before`: heap[i] is not after heap[2i+1] nor heap[2i+2]. */
  private heap: Deadline[] = [];

  /** @param isLive whether a deadline is still the key's current one. */
  constructor(private readonly isLive: (d: Deadline) => boolean) {}

  get length(): number {
    return this.heap.length;
  }

  clear(): void {
    this.heap = [];
  }

  push(d: Deadline): void {
    const h = this.heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(d, h[p] as Deadline)) break;
      h[i] = h[p] as Deadline;
      i = p;
    }
    h[i] = d;
  }

  private pop(): Deadline | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r] as Deadline, h[l] as Deadline) ? r : l;
      if (!before(h[c] as Deadline, last)) break;
      h[i] = h[c] as Deadline;
      i = c;
    }
    h[i] = last;
    return top;
  }

  /** Drops stale entries from the top; returns the soonest live deadline. */
  peek(): Deadline | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || this.isLive(top)) return top;
      this.pop();
    }
  }

  /**
   * Live deadlines at or before `now`, soonest first, at most `max`, each key once. The
   * heap keeps them: expiring is a replicated command, not this call.
   */
  due(now: bigint, max: number): Deadline[] {
    const out: Deadline[] = [];
    const seen = new Set<string>();
    const keep: Deadline[] = [];
    while (out.length < max) {
      const top = this.peek();
      if (top === undefined || top.at > now) break;
      this.pop();
      keep.push(top);
      if (!seen.has(top.mk)) {
        seen.add(top.mk);
        out.push(top);
      }
    }
    for (const d of keep) this.push(d);
    return out;
  }

  /** Rebuilds from scratch when stale entries are more than twice the `live` ones. */
  compact(live: number, all: () => Iterable<Deadline>): void {
    if (this.heap.length <= 2 * live + 64) return;
    this.heap = [];
    for (const d of all()) this.push(d);
  }
}
