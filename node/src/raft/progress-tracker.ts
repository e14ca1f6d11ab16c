import { Inflights } from './inflights.js';
import { JointConfig } from './joint-config.js';
import type { VoteResult } from './majority-config.js';
import { Progress } from './progress.js';
import type { ConfState } from './types.js';

/**
 * Membership as the tracker sees it. Invariants: learners ∩ voters = ∅;
 * learnersNext ⊆ voters.outgoing; autoLeave only while joint.
 */
export interface TrackerConfig {
  readonly voters: JointConfig;
  readonly autoLeave: boolean;
  readonly learners: ReadonlySet<string>;
  /** Outgoing voters that become learners when the joint config is left. */
  readonly learnersNext: ReadonlySet<string>;
}

/** No members at all (a node that has not learned its group's membership). */
export const EMPTY_TRACKER_CONFIG: TrackerConfig = {
  voters: new JointConfig(),
  autoLeave: false,
  learners: new Set(),
  learnersNext: new Set(),
};

/** Membership plus the leader's per-peer Progress and the votes of the current election. */
export class ProgressTracker {
  config: TrackerConfig = EMPTY_TRACKER_CONFIG;
  /** One entry per voter (incoming or outgoing) and learner. */
  progress: Map<string, Progress> = new Map();
  readonly votes: Map<string, boolean> = new Map();
  readonly maxInflight: number;
  readonly maxInflightBytes: number;
  private sortedIds: string[] = [];

  constructor(maxInflight: number, maxInflightBytes: number) {
    this.maxInflight = maxInflight;
    this.maxInflightBytes = maxInflightBytes;
  }

  newProgress(match: number, next: number, isLearner: boolean): Progress {
    return new Progress(
      match,
      next,
      new Inflights(this.maxInflight, this.maxInflightBytes),
      isLearner
    );
  }

  /** Installs a new configuration and progress map (from the Changer). */
  setConfig(config: TrackerConfig, progress: Map<string, Progress>): void {
    this.config = config;
    this.progress = progress;
    this.sortedIds = [...progress.keys()].sort();
  }

  confState(): ConfState {
    const c = this.config;
    return {
      voters: c.voters.incoming.sorted(),
      votersOutgoing: c.voters.outgoing.sorted(),
      learners: [...c.learners].sort(),
      learnersNext: [...c.learnersNext].sort(),
      autoLeave: c.autoLeave,
    };
  }

  /** Exactly one voter (and not joint): commit and elections need nobody else. */
  isSingleton(): boolean {
    return this.config.voters.incoming.size === 1 && !this.config.voters.isJoint();
  }

  /** Every tracked peer, in sorted id order (deterministic message order). */
  visit(fn: (id: string, pr: Progress) => void): void {
    for (const id of this.sortedIds) {
      const pr = this.progress.get(id);
      if (pr) fn(id, pr);
    }
  }

  /** Largest index replicated on a quorum (per the joint rule). */
  committed(): number {
    return this.config.voters.committedIndex((id) => this.progress.get(id)?.match);
  }

  /** Whether a quorum of voters was recently active. */
  quorumActive(): boolean {
    const votes = new Map<string, boolean>();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) votes.set(id, pr.recentActive);
    }
    return this.config.voters.voteResult(votes) === 'won';
  }

  voterIds(): string[] {
    return this.config.voters.ids();
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote; the first answer of a peer in an election counts. */
  recordVote(id: string, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      const v = this.votes.get(id);
      if (v === undefined) continue;
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected, result: this.config.voters.voteResult(this.votes) };
  }
}
