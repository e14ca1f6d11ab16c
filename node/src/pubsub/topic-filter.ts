import { segmentPrefixes } from './topic.js';

/** Bound on the memo of topic -> match result; cleared when full (topics are unbounded). */
const MEMO_LIMIT = 4096;

/**
 * A set of subscription prefixes with reference counts (several subscribers may hold the same
 * prefix). Matching a topic looks up each of its segment prefixes, memoised per topic.
 */
export class TopicFilter {
  /** prefix -> number of holders; never holds a zero count. */
  private readonly counts = new Map<string, number>();
  /** topic -> matches; invalidated on every change of `counts`. */
  private memo = new Map<string, boolean>();

  /** Adds one holder of each prefix; returns true if the set of prefixes changed. */
  add(prefixes: Iterable<string>): boolean {
    let changed = false;
    for (const p of prefixes) {
      const n = this.counts.get(p) ?? 0;
      if (n === 0) changed = true;
      this.counts.set(p, n + 1);
    }
    if (changed) this.memo = new Map();
    return changed;
  }

  /** Removes one holder of each prefix; returns true if the set of prefixes changed. */
  remove(prefixes: Iterable<string>): boolean {
    let changed = false;
    for (const p of prefixes) {
      const n = this.counts.get(p);
      if (n === undefined) continue;
      if (n <= 1) {
        this.counts.delete(p);
        changed = true;
      } else {
        this.counts.set(p, n - 1);
      }
    }
    if (changed) this.memo = new Map();
    return changed;
  }

  /** Replaces the whole set (each prefix held once), as a peer's announcement does. */
  replace(prefixes: Iterable<string>): void {
    this.counts.clear();
    for (const p of prefixes) this.counts.set(p, 1);
    this.memo = new Map();
  }

  matches(topic: string): boolean {
    const known = this.memo.get(topic);
    if (known !== undefined) return known;
    let result = false;
    if (this.counts.size > 0) {
      for (const p of segmentPrefixes(topic)) {
        if (this.counts.has(p)) {
          result = true;
          break;
        }
      }
    }
    if (this.memo.size >= MEMO_LIMIT) this.memo = new Map();
    this.memo.set(topic, result);
    return result;
  }

  /** The prefixes, sorted. */
  prefixes(): string[] {
    return [...this.counts.keys()].sort();
  }

  /** Prefixes with their holder counts, sorted by prefix. */
  entries(): Array<[string, number]> {
    return [...this.counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  get size(): number {
    return this.counts.size;
  }
}
