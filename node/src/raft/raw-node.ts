import { encodeConfChange } from './conf-change-codec.js';
import { validateConfig } from './config.js';
import { ProposalDroppedError, StepError, UsageError } from './errors.js';
import { checkPeerMessage } from './message-check.js';
import type { ProgressState } from './progress.js';
import { Raft, type ProposalPosition } from './raft.js';
import {
  EntryType,
  MessageType,
  StateType,
  type Config,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Ready,
  type SoftState,
} from './types.js';

export type { ProposalPosition } from './raft.js';

/** A follower's replication state as seen by the leader. */
export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly paused: boolean;
  readonly inflight: number;
  readonly inflightBytes: number;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
  readonly pendingSnapshot: number;
}

/** Where a batch of proposals landed in the leader's log: indexes first..last, all in `term`. */
export interface ProposalRange {
  readonly first: number;
  readonly last: number;
  readonly term: number;
}

/** The cheap part of Status (no per-peer progress): safe to call on every loop. */
export interface BasicStatus {
  readonly id: string;
  readonly group: string;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: number;
  readonly lastIndex: number;
  readonly leadTransferee: string;
}

/** A point-in-time view of a node, for diagnostics and tests. */
export interface Status {
  readonly id: string;
  readonly group: string;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: number;
  readonly lastIndex: number;
  readonly config: ConfState;
  readonly leadTransferee: string;
  /** Only on the leader: every peer's progress, keyed by id. */
  readonly progress: ReadonlyMap<string, ProgressStatus>;
}

const REMOTE_ONLY_FORBIDDEN: ReadonlySet<number> = new Set([MessageType.SnapshotResponse]);
const RESPONSES: ReadonlySet<number> = new Set([
  MessageType.AppendResponse,
  MessageType.HeartbeatResponse,
  MessageType.VoteResponse,
  MessageType.PreVoteResponse,
  MessageType.ReadIndexResponse,
]);

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/**
 * The synchronous, single-threaded face of the Raft state machine (etcd's RawNode).
 *
 * Loop: feed tick()/step()/propose(); when hasReady(), take ready(), persist it, send its
 * messages, apply it, then call advance(). Exactly one Ready is outstanding at a time.
 */
export class RawNode {
  /** Exposed for tests and the multi-group host; not part of the stable API. */
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | undefined;

  constructor(config: Config) {
    this.raft = new Raft(validateConfig(config));
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  get id(): string {
    return this.raft.id;
  }

  get group(): string {
    return this.raft.group;
  }

  /** Advances the logical clock by one tick. */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (pre-election first when preVote is on). */
  campaign(): void {
    this.raft.hup(this.raft.cfg.preVote ? 'pre-election' : 'election');
  }

  /**
   * Proposes `data` for the log. On the leader returns where it was appended: the proposal
   * took effect iff a committed entry later shows up at that index with that term. On a
   * follower it is forwarded to the leader and undefined is returned (the outcome is seen only
   * in the committed entries). Throws ProposalDroppedError when there is no leader, when
   * forwarding is disabled, during a leadership transfer, or when the uncommitted budget is
   * exhausted.
   */
  propose(data: Uint8Array): ProposalPosition | undefined {
    return this.proposeEntry({ term: 0, index: 0, type: EntryType.Normal, data });
  }

  /**
   * Proposes several commands as ONE step: the leader appends them together and sends one
   * append per follower for the whole batch. On the leader returns the range they occupy
   * (`first`..`last`, all in `term`); otherwise as propose(). All or nothing: a refusal
   * (ProposalDroppedError) appends none of them.
   */
  proposeBatch(data: readonly Uint8Array[]): ProposalRange | undefined {
    if (data.length === 0) throw new UsageError('proposeBatch() needs at least one command');
    const r = this.raft;
    const wasLeader = r.state === StateType.Leader;
    r.lastProposal = undefined;
    const entries = data.map((d) => ({ term: 0, index: 0, type: EntryType.Normal, data: d }));
    r.step(this.local(MessageType.Propose, { entries }));
    const last = r.lastProposal as ProposalPosition | undefined;
    if (!wasLeader || last === undefined) return undefined;
    return { first: last.index - data.length + 1, last: last.index, term: last.term };
  }

  /** Proposes a membership change. Same outcomes as propose(), plus refusal while one is pending. */
  proposeConfChange(cc: ConfChangeV2): ProposalPosition | undefined {
    return this.proposeEntry({
      term: 0,
      index: 0,
      type: EntryType.ConfChange,
      data: encodeConfChange(cc),
    });
  }

  private proposeEntry(e: Entry): ProposalPosition | undefined {
    const r = this.raft;
    const wasLeader = r.state === StateType.Leader;
    r.lastProposal = undefined;
    r.step(this.local(MessageType.Propose, { entries: [e] }));
    if (!wasLeader) return undefined;
    return r.lastProposal;
  }

  /** Applies a committed conf change; call it when the entry is applied. Returns the new ConfState. */
  applyConfChange(cc: ConfChangeV2): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Feeds a message received from a peer. Messages of another group, local-only types and
   * responses from unknown peers are rejected with StepError. A forwarded proposal or read that
   * this node refuses is dropped silently, even when it bounced back to its origin (the
   * requester sees it in the absence of a commit or ReadState).
   */
  step(m: Message): void {
    if (m.group !== this.raft.group) {
      throw new StepError(`message for group ${m.group} stepped into group ${this.raft.group}`);
    }
    if (m.to !== this.raft.id) {
      throw new StepError(`message for ${m.to} stepped into node ${this.raft.id}`);
    }
    if (typeof m.from !== 'string' || m.from === '') throw new StepError('message has no sender');
    if (m.term === 0 && m.type !== MessageType.Propose && m.type !== MessageType.ReadIndex) {
      // Term 0 marks a local message; only forwarded proposals and reads may come from peers.
      throw new StepError(`message type ${m.type} from ${m.from} has no term`);
    }
    checkPeerMessage(m);
    if (REMOTE_ONLY_FORBIDDEN.has(m.type)) {
      throw new StepError(`message type ${m.type} is local-only and cannot come from the network`);
    }
    if (RESPONSES.has(m.type) && !this.raft.trk.progress.has(m.from)) {
      throw new StepError(`response from ${m.from}, which is not in the configuration`);
    }
    try {
      this.raft.step(m);
    } catch (e) {
      // Whatever arrives through step() came from the network, even with from === our id (a
      // forwarded proposal or read can bounce back to its origin): a refusal is not the
      // transport's problem. Local callers get their errors from propose()/readIndex().
      if (e instanceof ProposalDroppedError) {
        this.raft.cfg.logger.debug(
          `${this.raft.id} dropped forwarded request from ${m.from}: ${e.message}`
        );
        return;
      }
      throw e;
    }
  }

  /**
   * Requests a linearizable read. `ctx` must be unique per request; it comes back in a
   * ReadState of a later Ready, whose index the state machine must have applied before the
   * read is served.
   */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(this.local(MessageType.ReadIndex, { context: ctx }));
  }

  /** Asks the leader to hand leadership to `transferee` (after catching it up). */
  transferLeader(transferee: string): void {
    this.raft.step({ ...this.local(MessageType.TransferLeader, {}), from: transferee });
  }

  /** Follower only: forget the current leader (see etcd's ForgetLeader). */
  forgetLeader(): void {
    this.raft.forgetLeader();
  }

  /** The transport could not reach `id`: stop pipelining to it until it answers again. */
  reportUnreachable(id: string): void {
    this.raft.reportUnreachable(id);
  }

  /** Outcome of sending a snapshot message to `id` (the transport knows when it finished). */
  reportSnapshot(id: string, ok: boolean): void {
    this.raft.step({ ...this.local(MessageType.SnapshotResponse, { reject: !ok }), from: id });
  }

  private local(type: MessageType, extra: Partial<Message>): Message {
    return {
      group: this.raft.group,
      type,
      from: this.raft.id,
      to: this.raft.id,
      term: 0,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      ...extra,
    };
  }

  /** Whether ready() would return something. False while a Ready is outstanding. */
  hasReady(): boolean {
    if (this.outstanding) return false;
    // Called for every group on every host loop: compare fields, allocate nothing.
    const r = this.raft;
    if (r.lead !== this.prevSoftState.lead || r.state !== this.prevSoftState.state) return true;
    const h = this.prevHardState;
    if (r.term !== h.term || r.vote !== h.vote || r.raftLog.committed !== h.commit) return true;
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.raftLog.unstable.entries.length > 0) return true;
    return r.raftLog.hasNextCommittedEntries();
  }

  /**
   * Collects what the caller must do next. Throws UsageError if the previous Ready was not
   * advanced yet.
   */
  ready(): Ready {
    if (this.outstanding) throw new UsageError('ready() called again before advance()');
    const r = this.raft;
    const ss = r.softState();
    const hs = r.hardState();
    const entries = r.raftLog.unstableEntries();
    const snapshot = r.raftLog.unstable.snapshot;
    const softChanged =
      ss.lead !== this.prevSoftState.lead || ss.state !== this.prevSoftState.state;
    const hardChanged = !sameHardState(hs, this.prevHardState);
    const rd: Ready = {
      ...(softChanged ? { softState: ss } : {}),
      ...(hardChanged ? { hardState: hs } : {}),
      readStates: r.readStates,
      entries,
      ...(snapshot ? { snapshot } : {}),
      committedEntries: r.raftLog.nextCommittedEntries(),
      messages: r.msgs,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hs.term !== this.prevHardState.term ||
        hs.vote !== this.prevHardState.vote,
    };
    r.msgs = [];
    r.readStates = [];
    if (softChanged) this.prevSoftState = ss;
    this.outstanding = rd;
    return rd;
  }

  /** The outstanding Ready has been persisted, sent and applied. */
  advance(): void {
    const rd = this.outstanding;
    if (!rd) throw new UsageError('advance() called without an outstanding ready()');
    this.outstanding = undefined;
    const r = this.raft;
    if (rd.hardState) this.prevHardState = rd.hardState;
    const lastEnt = rd.entries[rd.entries.length - 1];
    if (lastEnt) r.raftLog.stableTo(lastEnt.index, lastEnt.term);
    if (rd.snapshot) r.raftLog.stableSnapTo(rd.snapshot.meta.index);
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (r.state === StateType.Leader) r.reduceUncommittedSize(rd.committedEntries);
    if (lastCommitted) r.appliedTo(lastCommitted.index);
    else if (rd.snapshot && rd.snapshot.meta.index > r.raftLog.applied)
      r.appliedTo(rd.snapshot.meta.index);
  }

  /** Term, vote, commit, role, leader, applied and last index, without per-peer progress. */
  basicStatus(): BasicStatus {
    const r = this.raft;
    return {
      id: r.id,
      group: r.group,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      leadTransferee: r.leadTransferee,
    };
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<string, ProgressStatus>();
    if (r.state === StateType.Leader) {
      r.trk.visit((id, pr) => {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          paused: pr.isPaused(),
          inflight: pr.inflights.count,
          inflightBytes: pr.inflights.bytes,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
          pendingSnapshot: pr.pendingSnapshot,
        });
      });
    }
    return {
      id: r.id,
      group: r.group,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      config: r.trk.confState(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }
}
