import { Inflights } from './inflights.js';

/**
 * How the leader replicates to a follower:
 * - probe: one append per heartbeat interval until the match point is found;
 * - replicate: optimistic pipelining inside the inflight window;
 * - snapshot: a snapshot is on its way, appends are paused.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one follower. Invariant: 0 <= match < next. */
export class Progress {
  /** Highest index known to be in the follower's log. */
  match: number;
  /** Index of the next entry to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In snapshot state: index of the snapshot sent. 0 otherwise. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round (or since becoming leader). */
  recentActive = false;
  /** In probe state: an append was sent and we wait for its answer or a heartbeat response. */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(match: number, next: number, inflights: Inflights, isLearner: boolean) {
    this.match = match;
    this.next = next;
    this.inflights = inflights;
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      // The follower may have applied the snapshot: probe right after it.
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append with `entries` entries totalling `bytes` was sent starting at next. */
  sentEntries(entries: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (entries > 0) {
        this.next += entries;
        this.inflights.add(this.next - 1, bytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === 'probe') {
      if (entries > 0) this.msgAppFlowPaused = true;
    }
  }

  /** Follower acknowledged up to n. Returns whether match advanced. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * The follower rejected an append at `rejected`; `matchHint` is the best guess of the last
   * matching index. Returns false when the rejection is stale (ignored).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether the leader must not send appends right now (heartbeats still go out). */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.msgAppFlowPaused;
      case 'replicate':
        return this.msgAppFlowPaused;
      case 'snapshot':
        return true;
    }
  }
}
