/**
 * Per-group request counters turned into per-second rates, one sample per measurement. Pure:
 * the caller passes the time. Rates are an exponential moving average over samples, so one
 * burst does not look like steady load and a store that goes quiet fades out over a few
 * measurements instead of at once.
 */
import type { GroupLoad } from './types.js';

/** Weight of the newest sample in the moving average. */
const SMOOTHING = 0.5;
/** Groups tracked at most (the map's store limit, plus meta). */
const MAX_GROUPS = 4097;

interface Counters {
  writes: number;
  reads: number;
  bytes: number;
}

const ZERO: GroupLoad = Object.freeze({ writesPerSec: 0, readsPerSec: 0, bytesPerSec: 0 });

export class LoadMeter {
  /** Counts since the last sample, per group. */
  private readonly counts = new Map<string, Counters>();
  /** The moving averages, per group; a group absent here has rate 0. */
  private readonly rates = new Map<string, GroupLoad>();
  private lastSampleMs: number | undefined;

  /** A write command of `bytes` proposed on this peer as the group's leader. */
  recordWrite(group: string, bytes: number): void {
    const c = this.counter(group);
    if (c === undefined) return;
    c.writes++;
    c.bytes += bytes;
  }

  /** `ops` read queries answered from this peer's replica of the group. */
  recordRead(group: string, ops: number): void {
    const c = this.counter(group);
    if (c !== undefined) c.reads += ops;
  }

  private counter(group: string): Counters | undefined {
    let c = this.counts.get(group);
    if (c === undefined) {
      // Bounded: beyond the limit new groups go uncounted until the next sample.
      if (this.counts.size >= MAX_GROUPS) return undefined;
      c = { writes: 0, reads: 0, bytes: 0 };
      this.counts.set(group, c);
    }
    return c;
  }

  /**
   * Closes the measurement at `nowMs` and returns the rates of the groups in `groups` (the
   * groups this peer holds; others are forgotten). The first sample only starts the clock.
   */
  sample(nowMs: number, groups: readonly string[]): Map<string, GroupLoad> {
    const elapsed = this.lastSampleMs === undefined ? 0 : (nowMs - this.lastSampleMs) / 1000;
    this.lastSampleMs = nowMs;
    const keep = new Set(groups);
    for (const g of [...this.rates.keys()]) if (!keep.has(g)) this.rates.delete(g);
    if (elapsed > 0) {
      for (const g of keep) {
        const c = this.counts.get(g) ?? { writes: 0, reads: 0, bytes: 0 };
        const prev = this.rates.get(g) ?? ZERO;
        const mix = (old: number, n: number): number =>
          (1 - SMOOTHING) * old + (SMOOTHING * n) / elapsed;
        this.rates.set(g, {
          writesPerSec: mix(prev.writesPerSec, c.writes),
          readsPerSec: mix(prev.readsPerSec, c.reads),
          bytesPerSec: mix(prev.bytesPerSec, c.bytes),
        });
      }
    }
    this.counts.clear();
    const out = new Map<string, GroupLoad>();
    for (const g of keep) out.set(g, this.rates.get(g) ?? ZERO);
    return out;
  }
}
