import { decodeConfChange, EMPTY_CONF_STATE, MemoryStorage } from '../../node/src/raft/index.js';
import type { RawNode } from '../../node/src/raft/index.js';
import type {
  ConfState,
  Entry,
  GroupId,
  HardState,
  NodeId,
  Ready,
  Snapshot,
  SoftState,
} from '../../node/src/raft/types.js';
import { EntryType, StateType } from '../../node/src/raft/types.js';
import type { MemoryLogStore, RecoveredGroup } from '../../node/src/storage/index.js';
import { InvariantViolationError } from './errors.js';
import { entryDigest, type InvariantTracker } from './invariants.js';
import { decodeCommand, KvStateMachine } from './kv-state-machine.js';
import type { NodeEvents } from './sim-node.js';

/**
 * One Raft group's volatile side on one simulated host: its MemoryStorage, state machine and
 * what the invariants need to remember about it. The host owns the shared store and the
 * RaftHost; a replica is rebuilt from the store's durable view of its group at every start.
 * The Ready contract is split into the phases a host runs across all its groups:
 * observe, persist (into the shared store, no sync), afterSync, apply.
 */
export class GroupReplica {
  readonly storage = new MemoryStorage();
  sm = new KvStateMachine();
  /** Invariant: never decreases while the process lives; starts at the snapshot index. */
  applied = 0;
  confState: ConfState = EMPTY_CONF_STATE;
  soft: SoftState = { lead: '', state: StateType.Follower };
  /** The hard state the library reported last (not what was persisted, under a mutation). */
  hard: HardState;
  /** The commit index found in durable storage at this start: commit never goes below it. */
  readonly durableCommit: number;
  /** Highest index whose committed entry was reported to the tracker by this process. */
  private checkedCommit: number;

  constructor(
    readonly node: NodeId,
    readonly group: GroupId,
    private readonly tracker: InvariantTracker,
    rec: RecoveredGroup | undefined
  ) {
    if (rec !== undefined) {
      if (rec.snapshot !== undefined) {
        this.storage.applySnapshot(rec.snapshot);
        this.sm = KvStateMachine.restore(rec.snapshot.data);
        this.applied = rec.snapshot.meta.index;
        this.confState = rec.snapshot.meta.confState;
      }
      this.storage.setHardState(rec.hardState);
      this.storage.append(rec.entries);
      this.checkDurable(rec.hardState, rec.entries);
    }
    const hs = this.storage.initialState().hardState;
    tracker.observeTerm(hs.term);
    this.durableCommit = hs.commit;
    this.checkedCommit = Math.min(hs.commit, this.applied);
    this.hard = hs;
  }

  private get who(): string {
    return `${this.node}/${this.group}`;
  }

  private checkDurable(hs: HardState, entries: readonly Entry[]): void {
    if (hs.commit > this.storage.lastIndex()) {
      throw new InvariantViolationError(
        'committed-durable',
        `${this.who} restarts with commit ${hs.commit} beyond its durable last index ${this.storage.lastIndex()}`
      );
    }
    for (const e of entries) {
      if (e.index > hs.commit) break;
      this.tracker.committedEntry(this.node, e.index, e.term, entryDigest(e));
    }
  }

  /** The term of entry i in this replica's persisted log, undefined where compacted or absent. */
  termAt(i: number): number | undefined {
    const s = this.storage;
    if (i < s.firstIndex() - 1 || i > s.lastIndex()) return undefined;
    return s.term(i);
  }

  /** Checks the Ready's hard state against what this process reported before; true if the role changed. */
  observe(rd: Ready): boolean {
    if (rd.softState !== undefined) this.soft = rd.softState;
    if (rd.hardState !== undefined) {
      const hs = rd.hardState;
      if (hs.commit < this.hard.commit || hs.commit < this.durableCommit) {
        throw new InvariantViolationError(
          'commit-monotonic',
          `${this.who} commit went from ${Math.max(this.hard.commit, this.durableCommit)} to ${hs.commit}`
        );
      }
      if (hs.term < this.hard.term) {
        throw new InvariantViolationError(
          'term-monotonic',
          `${this.who} term went from ${this.hard.term} to ${hs.term}`
        );
      }
      this.tracker.observeTerm(hs.term);
      this.tracker.singleVote(this.node, hs.term, hs.vote);
      this.hard = hs;
    }
    return rd.softState !== undefined;
  }

  /**
   * Stages the Ready's writes in the shared store (snapshot, entries, then the hard state that
   * may refer to them) and mirrors them into the MemoryStorage. Nothing is synced here.
   */
  persist(store: MemoryLogStore, rd: Ready, persistHard: (hs: HardState) => HardState): void {
    if (rd.snapshot !== undefined) {
      store.saveSnapshot(this.group, rd.snapshot);
      this.storage.applySnapshot(rd.snapshot);
    }
    if (rd.entries.length > 0) {
      store.append(this.group, rd.entries);
      this.storage.append(rd.entries);
      for (const e of rd.entries) {
        if (e.index >= this.storage.firstIndex())
          this.tracker.logMatching(this.node, e, this.termAt(e.index - 1));
      }
    }
    if (rd.hardState !== undefined) {
      store.setHardState(this.group, persistHard(rd.hardState));
      this.storage.setHardState(rd.hardState);
    }
  }

  /** Entries at or below the reported commit index must be the committed ones (after the sync). */
  checkCommitted(): void {
    const commit = this.hard.commit;
    if (commit <= this.checkedCommit) return;
    const from = Math.max(this.checkedCommit + 1, this.storage.firstIndex());
    if (commit > this.storage.lastIndex()) {
      throw new InvariantViolationError(
        'commit-in-log',
        `${this.who} reports commit ${commit} past its persisted last index ${this.storage.lastIndex()}`
      );
    }
    if (from <= commit) {
      for (const e of this.storage.entries(from, commit + 1, Infinity)) {
        this.tracker.committedEntry(this.node, e.index, e.term, entryDigest(e));
      }
    }
    this.checkedCommit = commit;
  }

  /**
   * Applies the Ready's snapshot and committed entries. `target` is the state machine commands
   * go to: this replica's own, except under the cross-apply harness mutation.
   */
  apply(raw: RawNode, rd: Ready, events: NodeEvents, target: () => KvStateMachine): void {
    if (rd.snapshot !== undefined) {
      const meta = rd.snapshot.meta;
      if (meta.index <= this.applied) {
        throw new InvariantViolationError(
          'apply-contiguous',
          `${this.who} was handed a snapshot at ${meta.index} to apply after ${this.applied}`
        );
      }
      this.sm = KvStateMachine.restore(rd.snapshot.data);
      this.applied = meta.index;
      this.confState = meta.confState;
      this.tracker.snapshotState(this.node, meta.index, rd.snapshot.data);
      events.restoredSnapshot(this.node, meta.index, this.sm);
    }
    for (const e of rd.committedEntries) this.applyEntry(raw, e, events, target);
    for (const rs of rd.readStates) events.readState(this.node, rs);
  }

  private applyEntry(
    raw: RawNode,
    e: Entry,
    events: NodeEvents,
    target: () => KvStateMachine
  ): void {
    if (e.index !== this.applied + 1) {
      throw new InvariantViolationError(
        'apply-contiguous',
        `${this.who} was handed entry ${e.index} to apply after ${this.applied}`
      );
    }
    this.tracker.appliedEntry(this.node, e);
    this.tracker.committedEntry(this.node, e.index, e.term, entryDigest(e));
    this.applied = e.index;
    if (e.type === EntryType.ConfChange) {
      this.confState = raw.applyConfChange(decodeConfChange(e.data));
      events.appliedIndex(this.node, e.index, undefined);
      return;
    }
    if (e.data.length === 0) {
      events.appliedIndex(this.node, e.index, undefined);
      return;
    }
    const cmd = decodeCommand(e.data);
    const out = target().apply(cmd);
    events.appliedIndex(this.node, e.index, cmd.id);
    events.applied(this.node, cmd.id, e.index, out);
  }

  /** Election safety and leader completeness, once the host has handled its Readies. */
  checkLeader(): void {
    if (this.soft.state !== StateType.Leader) return;
    const term = this.hard.term;
    this.tracker.electionSafety(this.node, term);
    if (this.tracker.needsCompleteness(this.node, term)) {
      this.tracker.leaderCompleteness(this.node, term, (i) => this.termAt(i));
    }
  }

  /**
   * Takes a snapshot at the applied index and compacts up to `compactTo` (<= applied). The
   * caller syncs: snapshots are written out of band, like a snapshot file.
   */
  snapshotAndCompact(store: MemoryLogStore, compactTo: number): string {
    const storage = this.storage;
    const snapIndex = storage.snapshot().meta.index;
    if (this.applied <= snapIndex || this.applied > storage.lastIndex())
      return 'skip (nothing new)';
    const data = this.sm.snapshot();
    this.tracker.snapshotState(this.node, this.applied, data);
    const snap: Snapshot = storage.createSnapshot(this.applied, this.confState, data);
    store.saveSnapshot(this.group, snap);
    const to = Math.max(snapIndex + 1, Math.min(compactTo, this.applied));
    storage.compact(to);
    store.compact(this.group, to);
    return `snapshot at ${this.applied}, compact to ${to}`;
  }
}
