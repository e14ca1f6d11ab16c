import type { Entry, NodeId } from '../../node/src/raft/types.js';
import { InvariantViolationError } from './errors.js';

/** A compact identity of an entry's content, for comparing entries across nodes. */
export function entryDigest(e: Entry): string {
  let s = `${e.type}:`;
  for (const b of e.data) s += String.fromCharCode(b);
  return s;
}

/** Names of the invariants the tracker and the nodes enforce (for --skip-invariant). */
export const INVARIANTS: readonly string[] = [
  'election-safety',
  'leader-completeness',
  'log-matching',
  'committed-immutable',
  'applied-prefix',
  'state-machine-agreement',
  'single-vote',
];

interface EntryRecord {
  readonly digest: string;
  /** Term of the entry just before it in the log of whoever appended it first (undefined: compacted there). */
  readonly prevTerm: number | undefined;
  readonly firstSeenAt: NodeId;
}

interface CommittedRecord {
  readonly term: number;
  readonly digest: string;
  readonly node: NodeId;
  /**
   * The highest term any node had reached when the commit became known. A leader of a higher
   * term was elected after the commit and must hold the entry; a leader of this term or lower
   * may be a deposed one that never learned of it.
   */
  readonly knownAtTerm: number;
}

/**
 * Cluster-wide memory of what every node ever reported, against which each new observation
 * is checked. All checks are incremental so that they can run after every step.
 */
export class InvariantTracker {
  /** term -> the only node ever seen leading it. */
  private readonly leaders = new Map<number, NodeId>();
  /** `index/term` -> what the first node to hold that entry held (log matching). */
  private readonly entries = new Map<string, EntryRecord>();
  /** index -> the committed entry (1-based; gaps below a bootstrap snapshot). */
  private readonly committed = new Map<number, CommittedRecord>();
  /** The highest index known committed anywhere. */
  commitIndex = 0;
  /** The highest term any node has reported. */
  private maxTerm = 0;
  /** index -> digest of the entry applied at that index (applied prefixes equal). */
  private readonly applied = new Map<number, { digest: string; node: NodeId }>();
  /** snapshot index -> state machine bytes, as a string, and who produced it. */
  private readonly snapshots = new Map<number, { data: string; node: NodeId }>();
  /** `node/term` -> the vote the node reported for that term (a node votes once per term). */
  private readonly votes = new Map<string, NodeId>();
  /** (node, term) pairs whose leader-completeness check is done. */
  private readonly completenessChecked = new Set<string>();

  /** @param disabled invariant names not to enforce (to show what the others catch). */
  constructor(private readonly disabled: ReadonlySet<string> = new Set()) {}

  private violation(invariant: string, message: string): void {
    if (!this.disabled.has(invariant)) throw new InvariantViolationError(invariant, message);
  }

  /** Every term a node reports (hard state, restart) passes through here. */
  observeTerm(term: number): void {
    if (term > this.maxTerm) this.maxTerm = term;
  }

  electionSafety(node: NodeId, term: number): void {
    const other = this.leaders.get(term);
    if (other === undefined) this.leaders.set(term, node);
    else if (other !== node) {
      this.violation('election-safety', `two leaders in term ${term}: ${other} and ${node}`);
    }
  }

  /** Whether (node, term) still needs the leader-completeness check; marks it done. */
  needsCompleteness(node: NodeId, term: number): boolean {
    const k = `${node}/${term}`;
    if (this.completenessChecked.has(k)) return false;
    this.completenessChecked.add(k);
    return true;
  }

  /**
   * A leader of `term` must hold every entry whose commit was known before its term began.
   * `termAt` answers for indexes in its log, undefined where compacted.
   */
  leaderCompleteness(node: NodeId, term: number, termAt: (i: number) => number | undefined): void {
    for (let i = 1; i <= this.commitIndex; i++) {
      const c = this.committed.get(i);
      if (c === undefined || c.knownAtTerm >= term) continue;
      const t = termAt(i);
      if (t !== undefined && t !== c.term) {
        this.violation(
          'leader-completeness',
          `${node} leads term ${term} but holds term ${t} at index ${i}, committed with term ${c.term} (seen at ${c.node})`
        );
      }
    }
  }

  /** Called for every entry a node persists, with the term of its predecessor in that node's log. */
  logMatching(node: NodeId, e: Entry, prevTerm: number | undefined): void {
    const k = `${e.index}/${e.term}`;
    const digest = entryDigest(e);
    const rec = this.entries.get(k);
    if (rec === undefined) {
      this.entries.set(k, { digest, prevTerm, firstSeenAt: node });
      return;
    }
    if (rec.digest !== digest) {
      this.violation(
        'log-matching',
        `${node} and ${rec.firstSeenAt} hold different entries at index ${e.index} term ${e.term}`
      );
    }
    if (rec.prevTerm === undefined) {
      if (prevTerm !== undefined) this.entries.set(k, { ...rec, prevTerm });
      return;
    }
    if (prevTerm !== undefined && rec.prevTerm !== prevTerm) {
      this.violation(
        'log-matching',
        `${node} and ${rec.firstSeenAt} agree on index ${e.index} term ${e.term} but not on index ${e.index - 1} (term ${prevTerm} vs ${rec.prevTerm})`
      );
    }
  }

  /** A node claims `e` is committed: it must agree with every earlier claim at that index. */
  committedEntry(node: NodeId, index: number, term: number, digest: string): void {
    const c = this.committed.get(index);
    if (c === undefined) {
      this.committed.set(index, { term, digest, node, knownAtTerm: this.maxTerm });
      if (index > this.commitIndex) this.commitIndex = index;
      return;
    }
    if (c.term !== term || c.digest !== digest) {
      this.violation(
        'committed-immutable',
        `${node} has term ${term} at committed index ${index}, but ${c.node} committed term ${c.term}${c.term === term ? ' with other data' : ''}`
      );
    }
  }

  appliedEntry(node: NodeId, e: Entry): void {
    const digest = entryDigest(e);
    const a = this.applied.get(e.index);
    if (a === undefined) this.applied.set(e.index, { digest, node });
    else if (a.digest !== digest) {
      this.violation(
        'applied-prefix',
        `${node} applied a different entry at index ${e.index} than ${a.node}`
      );
    }
  }

  snapshotState(node: NodeId, index: number, data: Uint8Array): void {
    let s = '';
    for (const b of data) s += String.fromCharCode(b);
    const prev = this.snapshots.get(index);
    if (prev === undefined) this.snapshots.set(index, { data: s, node });
    else if (prev.data !== s) {
      this.violation(
        'state-machine-agreement',
        `${node} and ${prev.node} have different state machine states at index ${index}`
      );
    }
  }

  singleVote(node: NodeId, term: number, vote: NodeId | ''): void {
    if (vote === '') return;
    const k = `${node}/${term}`;
    const prev = this.votes.get(k);
    if (prev === undefined) this.votes.set(k, vote);
    else if (prev !== vote) {
      this.violation(
        'single-vote',
        `${node} voted for ${prev} and then for ${vote} in term ${term}`
      );
    }
  }

  get leaderTerms(): number {
    return this.leaders.size;
  }
}
