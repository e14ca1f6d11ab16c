/** Outcome of counting votes. */
export type VoteResult = 'pending' | 'lost' | 'won';

/** Maps a voter to the highest index it acknowledged (undefined when unknown). */
export type AckedIndexer = (id: string) => number | undefined;

/** A set of voters where a decision needs a strict majority. */
export class MajorityConfig {
  readonly ids: ReadonlySet<string>;

  constructor(ids: Iterable<string> = []) {
    this.ids = new Set(ids);
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Sorted for deterministic output. */
  sorted(): string[] {
    return [...this.ids].sort();
  }

  /**
   * The largest index acknowledged by a majority. An empty config returns +Infinity so that
   * it never restricts a joint config's other half.
   */
  committedIndex(acked: AckedIndexer): number {
    const n = this.ids.size;
    if (n === 0) return Number.POSITIVE_INFINITY;
    const idx: number[] = [];
    for (const id of this.ids) idx.push(acked(id) ?? 0);
    idx.sort((a, b) => b - a);
    return idx[Math.floor(n / 2)] as number;
  }

  /** Votes: true granted, false rejected, missing pending. An empty config wins. */
  voteResult(votes: ReadonlyMap<string, boolean>): VoteResult {
    if (this.ids.size === 0) return 'won';
    let yes = 0;
    let missing = 0;
    for (const id of this.ids) {
      const v = votes.get(id);
      if (v === undefined) missing++;
      else if (v) yes++;
    }
    const q = Math.floor(this.ids.size / 2) + 1;
    if (yes >= q) return 'won';
    if (yes + missing >= q) return 'pending';
    return 'lost';
  }
}
