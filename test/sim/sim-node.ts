import {
  decodeConfChange,
  EMPTY_CONF_STATE,
  MemoryStorage,
  RawNode,
} from '../../node/src/raft/index.js';
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ReadState,
  Snapshot,
  SoftState,
} from '../../node/src/raft/types.js';
import { EntryType, StateType } from '../../node/src/raft/types.js';
import { MemoryLogStore } from '../../node/src/storage/index.js';
import type { KvOutput } from '../lincheck/index.js';
import { InvariantViolationError } from './errors.js';
import { entryDigest, type InvariantTracker } from './invariants.js';
import { decodeCommand, KvStateMachine } from './kv-state-machine.js';
import { Prng } from './prng.js';

/**
 * Harness-side faults that model a broken host, for checking that the simulation notices:
 * `drop-vote` persists every HardState without its vote; `stale-read` answers reads from the
 * local state machine at once instead of waiting for the read index.
 */
export type Mutation = 'none' | 'drop-vote' | 'stale-read';
export const MUTATIONS: readonly Mutation[] = ['none', 'drop-vote', 'stale-read'];

export interface RaftKnobs {
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
}

/** What the node tells the simulation while it handles a Ready. */
export interface NodeEvents {
  send(msg: Message): void;
  /** A command was applied (or found already applied) with this result. */
  applied(node: NodeId, id: string, index: number, output: KvOutput): void;
  /** A normal entry was applied at `index` (every entry, commands or not). */
  appliedIndex(node: NodeId, index: number, commandId: string | undefined): void;
  /** The node installed a snapshot covering everything up to `index`. */
  restoredSnapshot(node: NodeId, index: number, sm: KvStateMachine): void;
  readState(node: NodeId, rs: ReadState): void;
  /** The node's role or known leader changed (for the trace). */
  roleChanged(node: NodeId, soft: SoftState, term: number): void;
}

export const GROUP = 'sim';

/**
 * One simulated process: a durable MemoryLogStore that outlives crashes, and the volatile
 * part (RawNode, its MemoryStorage, the state machine) that a crash throws away and a restart
 * rebuilds from what the store made durable. Ready handling follows the contract:
 * persist (sync when mustSync), send, apply, advance.
 */
export class SimNode {
  readonly store = new MemoryLogStore();
  raw: RawNode | undefined;
  storage: MemoryStorage | undefined;
  sm: KvStateMachine | undefined;
  /** Invariant: never decreases while the process lives; starts at the snapshot index. */
  applied = 0;
  confState: ConfState = EMPTY_CONF_STATE;
  soft: SoftState = { lead: '', state: StateType.Follower };
  /** The hard state the library reported last (not what was persisted, under a mutation). */
  hard: HardState = { term: 0, vote: '', commit: 0 };
  /** The commit index found in durable storage at the last restart: commit never goes below it. */
  durableCommit = 0;
  /** Highest index whose committed entry was reported to the tracker by this process. */
  private checkedCommit = 0;
  restarts = 0;

  constructor(
    readonly id: NodeId,
    private readonly knobs: RaftKnobs,
    private readonly seed: number,
    private readonly tracker: InvariantTracker,
    private readonly mutation: Mutation
  ) {}

  get alive(): boolean {
    return this.raw !== undefined;
  }

  /** Writes the durable state of a founding member: a snapshot at index 1 holding the initial voters. */
  bootstrap(voters: readonly NodeId[]): void {
    const snap: Snapshot = {
      meta: { index: 1, term: 1, confState: { ...EMPTY_CONF_STATE, voters: [...voters] } },
      data: new KvStateMachine().snapshot(),
    };
    this.store.saveSnapshot(GROUP, snap);
    this.store.setHardState(GROUP, { term: 1, vote: '', commit: 1 });
    this.store.syncNow();
  }

  /** Starts (or restarts) the process from what its store holds durably. */
  start(): void {
    const rec = this.store.load().get(GROUP);
    const storage = new MemoryStorage();
    let sm = new KvStateMachine();
    let applied = 0;
    let cs = EMPTY_CONF_STATE;
    if (rec !== undefined) {
      if (rec.snapshot !== undefined) {
        storage.applySnapshot(rec.snapshot);
        sm = KvStateMachine.restore(rec.snapshot.data);
        applied = rec.snapshot.meta.index;
        cs = rec.snapshot.meta.confState;
      }
      storage.setHardState(rec.hardState);
      storage.append(rec.entries);
      this.checkDurable(rec.hardState, rec.entries, storage);
    }
    const hs = storage.initialState().hardState;
    this.tracker.observeTerm(hs.term);
    this.durableCommit = hs.commit;
    this.checkedCommit = Math.min(hs.commit, applied);
    this.hard = hs;
    this.soft = { lead: '', state: StateType.Follower };
    this.storage = storage;
    this.sm = sm;
    this.applied = applied;
    this.confState = cs;
    const rng = new Prng((this.seed + Math.imul(this.restarts, 0x9e3779b1)) >>> 0);
    this.raw = new RawNode({
      id: this.id,
      group: GROUP,
      electionTick: this.knobs.electionTick,
      heartbeatTick: this.knobs.heartbeatTick,
      storage,
      applied,
      checkQuorum: this.knobs.checkQuorum,
      preVote: this.knobs.preVote,
      maxSizePerMsg: this.knobs.maxSizePerMsg,
      maxInflightMsgs: this.knobs.maxInflightMsgs,
      random: () => rng.next(),
    });
    this.restarts++;
  }

  /** The process dies: volatile state is gone, unsynced writes are lost (a torn prefix may stay). */
  crash(rng: Prng | undefined): void {
    this.store.crash(rng === undefined ? undefined : () => rng.next());
    this.raw = undefined;
    this.storage = undefined;
    this.sm = undefined;
  }

  /**
   * Takes the pending Ready and stages its writes without syncing, as a process that dies
   * inside its persist step would; nothing is sent or applied. Returns the number of writes.
   */
  stageReadyWithoutSync(): number {
    const rd = this.raw!.ready();
    let writes = 0;
    if (rd.snapshot !== undefined) {
      this.store.saveSnapshot(GROUP, rd.snapshot);
      writes++;
    }
    if (rd.entries.length > 0) {
      this.store.append(GROUP, rd.entries);
      writes++;
    }
    if (rd.hardState !== undefined) {
      this.store.setHardState(GROUP, this.toPersist(rd.hardState));
      writes++;
    }
    return writes;
  }

  private toPersist(hs: HardState): HardState {
    return this.mutation === 'drop-vote' ? { ...hs, vote: '' } : hs;
  }

  /** What durable storage says after a restart must agree with what is known committed. */
  private checkDurable(hs: HardState, entries: readonly Entry[], storage: MemoryStorage): void {
    if (hs.commit > storage.lastIndex()) {
      throw new InvariantViolationError(
        'committed-durable',
        `${this.id} restarts with commit ${hs.commit} beyond its durable last index ${storage.lastIndex()}`
      );
    }
    for (const e of entries) {
      if (e.index > hs.commit) break;
      this.tracker.committedEntry(this.id, e.index, e.term, entryDigest(e));
    }
  }

  /** The term of entry i in this node's persisted log, undefined where compacted or absent. */
  termAt(i: number): number | undefined {
    const s = this.storage;
    if (s === undefined) return undefined;
    if (i < s.firstIndex() - 1 || i > s.lastIndex()) return undefined;
    return s.term(i);
  }

  /** Handles every pending Ready. */
  drain(events: NodeEvents): void {
    const raw = this.raw;
    if (raw === undefined) return;
    while (raw.hasReady()) this.handleReady(raw, events);
    this.checkLeader();
  }

  private handleReady(raw: RawNode, events: NodeEvents): void {
    const storage = this.storage!;
    const rd = raw.ready();
    if (rd.softState !== undefined) this.soft = rd.softState;
    const roleChanged = rd.softState !== undefined;
    if (rd.hardState !== undefined) {
      const hs = rd.hardState;
      if (hs.commit < this.hard.commit || hs.commit < this.durableCommit) {
        throw new InvariantViolationError(
          'commit-monotonic',
          `${this.id} commit went from ${Math.max(this.hard.commit, this.durableCommit)} to ${hs.commit}`
        );
      }
      if (hs.term < this.hard.term) {
        throw new InvariantViolationError(
          'term-monotonic',
          `${this.id} term went from ${this.hard.term} to ${hs.term}`
        );
      }
      this.tracker.observeTerm(hs.term);
      this.tracker.singleVote(this.id, hs.term, hs.vote);
      this.hard = hs;
    }
    if (roleChanged) events.roleChanged(this.id, this.soft, this.hard.term);

    // 1. Persist: snapshot, then entries, then the hard state that may refer to them.
    if (rd.snapshot !== undefined) {
      this.store.saveSnapshot(GROUP, rd.snapshot);
      storage.applySnapshot(rd.snapshot);
    }
    if (rd.entries.length > 0) {
      this.store.append(GROUP, rd.entries);
      storage.append(rd.entries);
      for (const e of rd.entries) {
        if (e.index >= storage.firstIndex())
          this.tracker.logMatching(this.id, e, this.termAt(e.index - 1));
      }
    }
    if (rd.hardState !== undefined) {
      this.store.setHardState(GROUP, this.toPersist(rd.hardState));
      storage.setHardState(rd.hardState);
    }
    if (rd.mustSync) this.store.syncNow();
    this.checkCommitted(storage);

    // 2. Send.
    for (const m of rd.messages) events.send(m);

    // 3. Apply.
    if (rd.snapshot !== undefined) {
      const meta = rd.snapshot.meta;
      if (meta.index <= this.applied) {
        throw new InvariantViolationError(
          'apply-contiguous',
          `${this.id} was handed a snapshot at ${meta.index} to apply after ${this.applied}`
        );
      }
      this.sm = KvStateMachine.restore(rd.snapshot.data);
      this.applied = meta.index;
      this.confState = meta.confState;
      this.tracker.snapshotState(this.id, meta.index, rd.snapshot.data);
      events.restoredSnapshot(this.id, meta.index, this.sm);
    }
    for (const e of rd.committedEntries) this.applyEntry(raw, e, events);
    for (const rs of rd.readStates) events.readState(this.id, rs);

    // 4. Advance.
    raw.advance();
  }

  private applyEntry(raw: RawNode, e: Entry, events: NodeEvents): void {
    if (e.index !== this.applied + 1) {
      throw new InvariantViolationError(
        'apply-contiguous',
        `${this.id} was handed entry ${e.index} to apply after ${this.applied}`
      );
    }
    this.tracker.appliedEntry(this.id, e);
    this.tracker.committedEntry(this.id, e.index, e.term, entryDigest(e));
    this.applied = e.index;
    if (e.type === EntryType.ConfChange) {
      this.confState = raw.applyConfChange(decodeConfChange(e.data));
      events.appliedIndex(this.id, e.index, undefined);
      return;
    }
    if (e.data.length === 0) {
      events.appliedIndex(this.id, e.index, undefined);
      return;
    }
    const cmd = decodeCommand(e.data);
    const out = this.sm!.apply(cmd);
    events.appliedIndex(this.id, e.index, cmd.id);
    events.applied(this.id, cmd.id, e.index, out);
  }

  /** Entries at or below the reported commit index must be the committed ones. */
  private checkCommitted(storage: MemoryStorage): void {
    const commit = this.hard.commit;
    if (commit <= this.checkedCommit) return;
    const from = Math.max(this.checkedCommit + 1, storage.firstIndex());
    if (commit > storage.lastIndex()) {
      throw new InvariantViolationError(
        'commit-in-log',
        `${this.id} reports commit ${commit} past its persisted last index ${storage.lastIndex()}`
      );
    }
    if (from <= commit) {
      for (const e of storage.entries(from, commit + 1, Infinity)) {
        this.tracker.committedEntry(this.id, e.index, e.term, entryDigest(e));
      }
    }
    this.checkedCommit = commit;
  }

  private checkLeader(): void {
    if (this.soft.state !== StateType.Leader) return;
    const term = this.hard.term;
    this.tracker.electionSafety(this.id, term);
    if (this.tracker.needsCompleteness(this.id, term)) {
      this.tracker.leaderCompleteness(this.id, term, (i) => this.termAt(i));
    }
  }

  /** Takes a snapshot at the applied index and compacts the log up to `compactTo` (<= applied). */
  snapshotAndCompact(compactTo: number): string {
    const storage = this.storage;
    const sm = this.sm;
    if (storage === undefined || sm === undefined) return 'skip (down)';
    const snapIndex = storage.snapshot().meta.index;
    if (this.applied <= snapIndex || this.applied > storage.lastIndex())
      return 'skip (nothing new)';
    const data = sm.snapshot();
    this.tracker.snapshotState(this.id, this.applied, data);
    const snap = storage.createSnapshot(this.applied, this.confState, data);
    this.store.saveSnapshot(GROUP, snap);
    const to = Math.max(snapIndex + 1, Math.min(compactTo, this.applied));
    storage.compact(to);
    this.store.compact(GROUP, to);
    // Snapshots are written out of band and synced on their own, like a snapshot file.
    this.store.syncNow();
    return `snapshot at ${this.applied}, compact to ${to}`;
  }
}
