import { MajorityConfig, type AckedIndexer, type VoteResult } from './majority-config.js';

/**
 * Two majority configs; a decision needs both. Outside a joint change `outgoing` is empty,
 * which makes it neutral.
 */
export class JointConfig {
  readonly incoming: MajorityConfig;
  readonly outgoing: MajorityConfig;

  constructor(
    incoming: MajorityConfig = new MajorityConfig(),
    outgoing: MajorityConfig = new MajorityConfig()
  ) {
    this.incoming = incoming;
    this.outgoing = outgoing;
  }

  isJoint(): boolean {
    return this.outgoing.size > 0;
  }

  /** Union of both halves, sorted. */
  ids(): string[] {
    const s = new Set<string>(this.incoming.ids);
    for (const id of this.outgoing.ids) s.add(id);
    return [...s].sort();
  }

  has(id: string): boolean {
    return this.incoming.has(id) || this.outgoing.has(id);
  }

  committedIndex(acked: AckedIndexer): number {
    return Math.min(this.incoming.committedIndex(acked), this.outgoing.committedIndex(acked));
  }

  voteResult(votes: ReadonlyMap<string, boolean>): VoteResult {
    const a = this.incoming.voteResult(votes);
    const b = this.outgoing.voteResult(votes);
    if (a === b) return a;
    if (a === 'lost' || b === 'lost') return 'lost';
    return 'pending';
  }
}
