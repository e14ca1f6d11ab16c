/**
 * The driver's view of each group's load, built on the meta leader from the members' load
 * reports, one update per measurement. Pure: reports in, loads out.
 *
 * Two things make one raw report a poor basis for a decision:
 *
 * - A peer counts what it does itself: a write where it is proposed (the leader), a read on
 *   the replica that answers it (a request that arrives at a peer holding one is answered
 *   there). So the leader's report holds only its share of the reads, a share that depends
 *   on who leads and where other peers forward; and right after a leadership transfer the
 *   new leader's average of the writes starts from zero while the old one's fades. Either
 *   way a move would change the very figure it was decided on. The view adds up the reports
 *   of every replica (the fading and the rising average sum to the steady rate): a group's
 *   load is the same wherever it is led.
 * - A report covers a short window (one interval of a few dozen operations per store), so it
 *   is noisy even after the peer's own average. The view averages once more (EWMA, `weight`
 *   for the newest), so decisions follow load that lasts (about 2/weight measurements).
 */
import type { GroupLoad } from './types.js';

/** Weight of the newest measurement in the view. */
export const VIEW_WEIGHT = 0.05;

const ZERO: GroupLoad = Object.freeze({ writesPerSec: 0, readsPerSec: 0, bytesPerSec: 0 });

/** What one member's report says of one group (only reports of this measurement). */
export interface ReplicaRates {
  /** The member reported itself as the group's leader. */
  readonly leader: boolean;
  readonly load: GroupLoad;
}

export class GroupLoadView {
  /** The averaged load per group; a group is dropped when `retain` no longer names it. */
  private readonly loads = new Map<string, GroupLoad>();
  /** Measurements folded in per group (same keys as loads). */
  private readonly counts = new Map<string, number>();

  constructor(private readonly weight = VIEW_WEIGHT) {
    if (!(weight > 0 && weight <= 1)) throw new RangeError(`weight ${weight} is not in (0, 1]`);
  }

  /**
   * Folds one measurement's reports of `group` in and returns its load. Without a report from
   * its leader (an election, a leader that did not answer) the last load stays: a sum without
   * the member doing most of the work would look like a drop.
   */
  observe(group: string, reports: readonly ReplicaRates[]): GroupLoad {
    const prev = this.loads.get(group);
    const lead = reports.find((r) => r.leader);
    if (lead === undefined) return prev ?? ZERO;
    const sum = (f: (l: GroupLoad) => number): number => reports.reduce((a, r) => a + f(r.load), 0);
    const now: GroupLoad = {
      writesPerSec: sum((l) => l.writesPerSec),
      readsPerSec: sum((l) => l.readsPerSec),
      bytesPerSec: sum((l) => l.bytesPerSec),
    };
    // The first measurements are averaged plainly (weight 1/n), so a new view is not pulled
    // towards its first, possibly half-empty, window for long.
    const n = (this.counts.get(group) ?? 0) + 1;
    this.counts.set(group, n);
    const w = Math.max(this.weight, 1 / n);
    const mix = (old: number, x: number): number => (1 - w) * old + w * x;
    const next: GroupLoad =
      prev === undefined
        ? now
        : {
            writesPerSec: mix(prev.writesPerSec, now.writesPerSec),
            readsPerSec: mix(prev.readsPerSec, now.readsPerSec),
            bytesPerSec: mix(prev.bytesPerSec, now.bytesPerSec),
          };
    this.loads.set(group, next);
    return next;
  }

  /** The last load of `group` (zero if never seen). */
  get(group: string): GroupLoad {
    return this.loads.get(group) ?? ZERO;
  }

  /** Forgets every group not in `groups` (deleted stores). */
  retain(groups: Iterable<string>): void {
    const keep = new Set(groups);
    for (const g of [...this.loads.keys()])
      if (!keep.has(g)) {
        this.loads.delete(g);
        this.counts.delete(g);
      }
  }

  clear(): void {
    this.loads.clear();
    this.counts.clear();
  }
}
