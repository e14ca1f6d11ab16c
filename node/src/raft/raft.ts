import {
  Changer,
  enterJointMode,
  isLeaveJoint,
  restoreConfig,
  type ChangeResult,
} from './confchange.js';
import { decodeConfChange, encodeConfChange } from './conf-change-codec.js';
import type { ResolvedConfig } from './config.js';
import { entrySize, payloadSize } from './entry-size.js';
import {
  CompactedError,
  ConfChangeError,
  ConfigError,
  InvariantError,
  ProposalDroppedError,
  SnapshotTemporarilyUnavailableError,
} from './errors.js';
import type { Progress } from './progress.js';
import { messageTypeName } from './message-names.js';
import { ProgressTracker } from './progress-tracker.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly, ctxKey } from './read-only.js';
import {
  EntryType,
  MessageType,
  StateType,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.js';

const EMPTY = new Uint8Array(0);
/** Vote-request context marking an election started by a leadership transfer (skips lease checks). */
const CAMPAIGN_TRANSFER = new TextEncoder().encode('raft/campaign-transfer');
const TRANSFER_KEY = ctxKey(CAMPAIGN_TRANSFER);

type CampaignType = 'pre-election' | 'election' | 'transfer';

/** The fields of a Message that callers inside the core set; the rest get defaults. */
type MessageInit = Partial<Message> & { type: MessageType; to: string };

function voteRespType(t: MessageType): MessageType {
  if (t === MessageType.Vote) return MessageType.VoteResponse;
  if (t === MessageType.PreVote) return MessageType.PreVoteResponse;
  throw new InvariantError(`not a vote message: ${t}`);
}

/** Where a proposal landed in the leader's log. */
export interface ProposalPosition {
  readonly index: number;
  readonly term: number;
}

/**
 * The Raft state machine of one node in one group. Pure: input is step()/tick(), output is
 * accumulated in `msgs`, `readStates` and the log, collected by RawNode into a Ready.
 */
export class Raft {
  readonly id: string;
  readonly group: string;
  term = 0;
  vote: string | '' = '';
  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;
  state: StateType = StateType.Follower;
  /** Whether this node is a learner in the current config (never campaigns). */
  isLearner = false;
  /** Outbound messages since the last Ready. Bounded by the Ready cadence of the caller. */
  msgs: Message[] = [];
  /** Confirmed reads since the last Ready. */
  readStates: ReadState[] = [];
  /** The leader of `term` as far as we know, '' if none. */
  lead: string | '' = '';
  /** Target of an ongoing leadership transfer ('' if none). While set, proposals are dropped. */
  leadTransferee: string | '' = '';
  /**
   * Index of the latest conf change in the log; a new one is only accepted once the applied
   * index has reached it (one pending change at a time).
   */
  pendingConfIndex = 0;
  /** Payload bytes of uncommitted entries appended by this leader (bounded). */
  uncommittedSize = 0;
  readOnly: ReadOnly;
  /** ReadIndex requests received before this leader committed an entry in its term. */
  private pendingReadIndexMessages: Message[] = [];
  /** Ticks since the last election timeout (leader/candidate) or since hearing from the leader. */
  electionElapsed = 0;
  private heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  readonly cfg: ResolvedConfig;
  private tickFn: () => void = () => this.tickElection();
  private stepFn: (m: Message) => void = (m) => this.stepFollower(m);
  /** Set by the leader's propose path: where the last proposal was appended. */
  lastProposal: ProposalPosition | undefined;

  constructor(cfg: ResolvedConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.group = cfg.group;
    this.raftLog = new RaftLog(cfg.storage, cfg.maxCommittedSizePerReady);
    this.trk = new ProgressTracker(cfg.maxInflightMsgs, cfg.maxInflightBytes);
    this.readOnly = new ReadOnly(cfg.readOnlyOption);
    const { hardState, confState } = cfg.storage.initialState();
    const [tc, prs] = restoreConfig(this.trk, confState, this.raftLog.lastIndex());
    this.trk.setConfig(tc, prs);
    this.isLearner = this.trk.progress.get(this.id)?.isLearner ?? false;
    if (hardState.term !== 0 || hardState.vote !== '' || hardState.commit !== 0)
      this.loadState(hardState);
    if (cfg.applied > this.raftLog.committed) {
      throw new ConfigError(
        `raft config: applied (${cfg.applied}) is past the persisted commit index (${this.raftLog.committed})`
      );
    }
    if (cfg.applied > 0) this.raftLog.appliedTo(Math.max(cfg.applied, this.raftLog.applied));
    this.becomeFollower(this.term, '');
    cfg.logger.info(
      `${this.id} newRaft term=${this.term} commit=${this.raftLog.committed} applied=${this.raftLog.applied} last=${this.raftLog.lastIndex()}`
    );
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new InvariantError(
        `${this.id} hardState.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`
      );
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  // ---------------------------------------------------------------- sending

  private send(init: MessageInit): void {
    const t = init.type;
    let term: number;
    if (
      t === MessageType.Vote ||
      t === MessageType.VoteResponse ||
      t === MessageType.PreVote ||
      t === MessageType.PreVoteResponse
    ) {
      // Vote traffic carries an explicit term (a pre-vote is for term+1).
      term = init.term ?? 0;
      if (term === 0) throw new InvariantError(`term must be set on ${t}`);
    } else {
      if (init.term !== undefined && init.term !== 0) {
        throw new InvariantError(`term must not be preset on message type ${t}`);
      }
      // Forwarded proposals and reads carry term 0: the receiver treats them as local.
      term = t === MessageType.Propose || t === MessageType.ReadIndex ? 0 : this.term;
    }
    const m: Message = {
      group: this.group,
      from: init.from ?? this.id,
      to: init.to,
      type: t,
      term,
      logTerm: init.logTerm ?? 0,
      index: init.index ?? 0,
      entries: init.entries ?? [],
      commit: init.commit ?? 0,
      reject: init.reject ?? false,
      rejectHint: init.rejectHint ?? 0,
      ...(init.snapshot ? { snapshot: init.snapshot } : {}),
      ...(init.context ? { context: init.context } : {}),
    };
    this.msgs.push(m);
  }

  /** Sends an append (or a snapshot) if the follower is not paused. */
  sendAppend(to: string): void {
    this.maybeSendAppend(to, true);
  }

  maybeSendAppend(to: string, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    let prevTerm: number;
    let ents: Entry[];
    try {
      prevTerm = this.raftLog.term(prevIndex);
      // With a full window only an empty append goes out (after a heartbeat response): if every
      // message in the window was lost, its answer (ack or reject) clears the window again.
      ents =
        pr.state === 'replicate' && pr.inflights.full()
          ? []
          : this.raftLog.entries(pr.next, this.cfg.maxSizePerMsg);
    } catch (e) {
      // Only a compacted prefix calls for a snapshot; anything else is a broken invariant.
      if (e instanceof CompactedError) return this.maybeSendSnapshot(to, pr);
      throw e;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    let bytes = 0;
    for (const e of ents) bytes += entrySize(e);
    this.send({
      to,
      type: MessageType.Append,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: this.raftLog.committed,
    });
    pr.sentEntries(ents.length, bytes);
    return true;
  }

  private maybeSendSnapshot(to: string, pr: Progress): boolean {
    if (!pr.recentActive) {
      this.cfg.logger.debug(`${this.id} not sending snapshot to inactive ${to}`);
      return false;
    }
    let snap: Snapshot;
    try {
      snap = this.raftLog.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) return false;
      throw e;
    }
    if (snap.meta.index === 0) throw new InvariantError('need a non-empty snapshot');
    pr.becomeSnapshot(snap.meta.index);
    this.cfg.logger.debug(`${this.id} sends snapshot ${snap.meta.index} to ${to}`);
    this.send({ to, type: MessageType.Snapshot, snapshot: snap });
    return true;
  }

  private sendHeartbeat(to: string, ctx: Uint8Array | undefined): void {
    const pr = this.trk.progress.get(to);
    // Never tell a follower a commit index beyond what it is known to hold.
    const commit = Math.min(pr?.match ?? 0, this.raftLog.committed);
    this.send({ to, type: MessageType.Heartbeat, commit, ...(ctx ? { context: ctx } : {}) });
  }

  bcastAppend(): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendAppend(id);
    });
  }

  bcastHeartbeat(): void {
    const ctx = this.readOnly.lastPendingRequestCtx();
    this.bcastHeartbeatWithCtx(ctx);
  }

  private bcastHeartbeatWithCtx(ctx: Uint8Array | undefined): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    });
  }

  // ---------------------------------------------------------------- commit & append

  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.trk.committed(), this.term);
  }

  /** Appends entries as leader. Returns false (nothing appended) if the uncommitted bound is hit. */
  appendEntry(es: Entry[]): boolean {
    const li = this.raftLog.lastIndex();
    const ents = es.map((e, i) => ({ ...e, term: this.term, index: li + 1 + i }));
    if (!this.increaseUncommittedSize(ents)) return false;
    const last = this.raftLog.append(ents);
    // Counting our own unpersisted entries is safe: the caller persists a Ready's entries before
    // it sends any message, and applies committed entries only after that.
    this.trk.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
    return true;
  }

  private increaseUncommittedSize(ents: readonly Entry[]): boolean {
    const s = payloadSize(ents);
    // An empty log of uncommitted entries always accepts one proposal, whatever its size.
    if (
      this.uncommittedSize > 0 &&
      s > 0 &&
      this.uncommittedSize + s > this.cfg.maxUncommittedEntriesSize
    ) {
      return false;
    }
    this.uncommittedSize += s;
    return true;
  }

  reduceUncommittedSize(ents: readonly Entry[]): void {
    if (this.uncommittedSize === 0) return;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - payloadSize(ents));
  }

  // ---------------------------------------------------------------- role changes

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = '';
    }
    this.lead = '';
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = '';
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    this.trk.visit((id, pr) => {
      pr.match = id === this.id ? last : 0;
      pr.next = last + 1;
      pr.state = 'probe';
      pr.pendingSnapshot = 0;
      pr.recentActive = false;
      pr.msgAppFlowPaused = false;
      pr.inflights.reset();
    });
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly(this.cfg.readOnlyOption);
    this.pendingReadIndexMessages = [];
  }

  private resetRandomizedElectionTimeout(): void {
    const r = this.cfg.random();
    const f = Number.isFinite(r) && r >= 0 && r < 1 ? r : 0;
    this.randomizedElectionTimeout = this.cfg.electionTick + Math.floor(f * this.cfg.electionTick);
  }

  becomeFollower(term: number, lead: string): void {
    this.stepFn = (m) => this.stepFollower(m);
    this.reset(term);
    this.tickFn = () => this.tickElection();
    this.lead = lead;
    this.state = StateType.Follower;
    this.cfg.logger.info(`${this.id} became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    if (this.state === StateType.Leader)
      throw new InvariantError('invalid transition leader -> candidate');
    this.stepFn = (m) => this.stepCandidate(m);
    this.reset(this.term + 1);
    this.tickFn = () => this.tickElection();
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.cfg.logger.info(`${this.id} became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    if (this.state === StateType.Leader)
      throw new InvariantError('invalid transition leader -> pre-candidate');
    // No term or vote change: a pre-election must not disturb anyone. Clearing lead matters
    // with checkQuorum: a node that campaigns no longer believes in its leader's lease.
    this.stepFn = (m) => this.stepCandidate(m);
    this.trk.resetVotes();
    this.tickFn = () => this.tickElection();
    this.lead = '';
    this.state = StateType.PreCandidate;
    this.cfg.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    if (this.state === StateType.Follower)
      throw new InvariantError('invalid transition follower -> leader');
    this.stepFn = (m) => this.stepLeader(m);
    this.reset(this.term);
    this.tickFn = () => this.tickHeartbeat();
    this.lead = this.id;
    this.state = StateType.Leader;
    const self = this.trk.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Conf changes proposed by an earlier leader may be in the log uncommitted: accept a new
    // one only after everything up to here is applied.
    this.pendingConfIndex = this.raftLog.lastIndex();
    if (!this.appendEntry([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }])) {
      throw new InvariantError('empty entry was dropped');
    }
    // The no-op does not count against the proposal budget.
    this.uncommittedSize = 0;
    this.cfg.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    this.tickFn();
  }

  private promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  private pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.hup(this.cfg.preVote ? 'pre-election' : 'election');
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.checkQuorum();
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== '') this.abortLeaderTransfer();
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private checkQuorum(): void {
    if (!this.trk.quorumActive()) {
      this.cfg.logger.warn(`${this.id} stepped down at term ${this.term}: quorum not active`);
      this.becomeFollower(this.term, '');
      return;
    }
    this.trk.visit((id, pr) => {
      if (id !== this.id) pr.recentActive = false;
    });
  }

  // ---------------------------------------------------------------- elections

  /** Starts an election (or pre-election) if this node may. */
  hup(t: CampaignType): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) {
      this.cfg.logger.warn(`${this.id} is not promotable, not campaigning`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.cfg.logger.warn(`${this.id} has unapplied conf changes, not campaigning`);
      return;
    }
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    const log = this.raftLog;
    if (log.applied >= log.committed) return false;
    let lo = Math.max(log.applied + 1, log.firstIndex());
    const hi = log.committed + 1;
    while (lo < hi) {
      const ents = log.slice(lo, hi, this.cfg.maxCommittedSizePerReady);
      if (ents.length === 0) return false;
      for (const e of ents) if (e.type === EntryType.ConfChange) return true;
      lo = (ents[ents.length - 1] as Entry).index + 1;
    }
    return false;
  }

  private campaign(t: CampaignType): void {
    let voteMsg: MessageType;
    let term: number;
    if (t === 'pre-election') {
      this.becomePreCandidate();
      voteMsg = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.Vote;
      term = this.term;
    }
    const { result } = this.poll(this.id, true);
    if (result === 'won') {
      // A single-voter group wins its own election.
      if (t === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.trk.voterIds()) {
      if (id === this.id) continue;
      this.cfg.logger.info(
        `${this.id} [logterm: ${lastTerm}, index: ${lastIndex}] sent ${t === 'pre-election' ? 'PreVote' : 'Vote'} request to ${id} at term ${this.term}`
      );
      this.send({
        to: id,
        type: voteMsg,
        term,
        index: lastIndex,
        logTerm: lastTerm,
        ...(t === 'transfer' ? { context: CAMPAIGN_TRANSFER } : {}),
      });
    }
  }

  private poll(id: string, granted: boolean): ReturnType<ProgressTracker['tallyVotes']> {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes();
  }

  // ---------------------------------------------------------------- step

  /** Feeds one message. Throws ProposalDroppedError for refused proposals. */
  step(m: Message): void {
    if (m.term === 0) {
      // Local message (or a forwarded proposal/read): no term handling.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = ctxKey(m.context) === TRANSFER_KEY;
        const inLease =
          this.cfg.checkQuorum && this.lead !== '' && this.electionElapsed < this.cfg.electionTick;
        if (!force && inLease) {
          // We heard from a leader within the minimum election timeout: a vote now could
          // only depose a healthy leader.
          this.cfg.logger.info(
            `${this.id} ignored ${messageTypeName(m.type)} from ${m.from} at term ${m.term}: lease not expired`
          );
          return;
        }
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResponse && !m.reject) {
        // Granted pre-votes carry the future term; ours changes only if the election follows.
      } else if (
        m.type === MessageType.Append ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snapshot
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, '');
      }
    } else if (m.term < this.term) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.Append)
      ) {
        // A stale leader (e.g. back from a partition) learns the new term from this, which it
        // would otherwise never do: with prevote/checkQuorum we ignore its higher-term votes.
        this.send({ to: m.from, type: MessageType.AppendResponse });
      } else if (m.type === MessageType.PreVote) {
        this.send({ to: m.from, type: MessageType.PreVoteResponse, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      const canVote =
        this.vote === m.from ||
        (this.vote === '' && this.lead === '') ||
        (m.type === MessageType.PreVote && m.term > this.term);
      const what = m.type === MessageType.Vote ? 'Vote' : 'PreVote';
      const desc = `${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ${this.raftLog.lastIndex()}, vote: ${this.vote || 'none'}]`;
      if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
        this.cfg.logger.info(
          `${desc} cast ${what} for ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`
        );
        this.send({ to: m.from, type: voteRespType(m.type), term: m.term });
        if (m.type === MessageType.Vote) {
          this.electionElapsed = 0;
          this.vote = m.from;
        }
      } else {
        this.cfg.logger.info(
          `${desc} rejected ${what} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`
        );
        this.send({ to: m.from, type: voteRespType(m.type), term: this.term, reject: true });
      }
      return;
    }
    this.stepFn(m);
  }

  // ---------------------------------------------------------------- leader

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Propose:
        this.leaderPropose(m);
        return;
      case MessageType.ReadIndex:
        this.leaderReadIndex(m);
        return;
      default:
        break;
    }
    const pr = this.trk.progress.get(m.from);
    if (!pr) {
      this.cfg.logger.debug(`${this.id} no progress for ${m.from}`);
      return;
    }
    switch (m.type) {
      case MessageType.AppendResponse:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResponse:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.SnapshotResponse:
        // Local report (reportSnapshot): m.reject means the snapshot failed.
        if (pr.state !== 'snapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response before probing, so a failing peer is not hammered.
        pr.msgAppFlowPaused = true;
        return;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m, pr);
        return;
      default:
        return;
    }
  }

  private leaderPropose(m: Message): void {
    if (m.entries.length === 0) throw new ProposalDroppedError('proposal has no entries');
    if (!this.trk.progress.has(this.id)) {
      throw new ProposalDroppedError(
        `${this.id} was removed from the configuration; not accepting proposals`
      );
    }
    if (this.leadTransferee !== '') {
      throw new ProposalDroppedError(
        `${this.id} is transferring leadership to ${this.leadTransferee}; proposal dropped`
      );
    }
    const ents = m.entries.slice();
    let confIndex = 0;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i] as Entry;
      if (e.type === EntryType.Normal) continue;
      if (e.type !== EntryType.ConfChange) {
        throw new ProposalDroppedError(`proposal has an entry of unknown type ${String(e.type)}`);
      }
      if (confIndex !== 0) throw new ProposalDroppedError('one conf change per proposal');
      const refused = this.confChangeRefusal(e);
      if (refused !== undefined) throw new ProposalDroppedError(refused);
      confIndex = this.raftLog.lastIndex() + i + 1;
    }
    if (!this.appendEntry(ents)) {
      throw new ProposalDroppedError(
        `uncommitted entries exceed maxUncommittedEntriesSize (${this.cfg.maxUncommittedEntriesSize} bytes); proposal dropped`
      );
    }
    if (confIndex !== 0) this.pendingConfIndex = confIndex;
    this.lastProposal = { index: this.raftLog.lastIndex(), term: this.term };
    this.bcastAppend();
  }

  /** Why a conf change cannot be appended now, or undefined if it can. */
  private confChangeRefusal(e: Entry): string | undefined {
    if (this.pendingConfIndex > this.raftLog.applied) {
      return `a conf change is already pending (index ${this.pendingConfIndex}, applied ${this.raftLog.applied})`;
    }
    let cc: ConfChangeV2;
    try {
      cc = decodeConfChange(e.data);
    } catch (cause) {
      return `conf change data is invalid: ${String(cause)}`;
    }
    const joint = this.trk.config.voters.isJoint();
    const wantsLeave = isLeaveJoint(cc);
    if (joint && !wantsLeave) return 'configuration is joint; leave it before another change';
    if (!joint && wantsLeave) return 'configuration is not joint; nothing to leave';
    // Dry run against the current configuration (no conf change is pending, so it is the one
    // the change will be applied to): refuse now what every node would refuse on apply.
    try {
      this.computeConfChange(cc);
    } catch (e) {
      if (e instanceof ConfChangeError) return `invalid conf change: ${e.message}`;
      throw e;
    }
    return undefined;
  }

  private leaderReadIndex(m: Message): void {
    if (this.trk.isSingleton()) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // The commit index of a fresh leader may lag behind what earlier leaders committed;
      // answering now could return a stale index.
      if (this.pendingReadIndexMessages.length >= this.cfg.maxPendingReadIndex) {
        throw new ProposalDroppedError(
          `too many pending read-index requests (${this.cfg.maxPendingReadIndex})`
        );
      }
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.sendReadIndexResponse(m);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.zeroTermOnOutOfBounds(this.raftLog.committed) === this.term;
  }

  private sendReadIndexResponse(m: Message): void {
    if (this.readOnly.option === 'lease-based') {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    if (this.readOnly.size >= this.cfg.maxPendingReadIndex) {
      throw new ProposalDroppedError(
        `too many pending read-index requests (${this.cfg.maxPendingReadIndex})`
      );
    }
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeatWithCtx(m.context);
  }

  private respondToReadIndex(m: Message, index: number): void {
    const ctx = m.context ?? EMPTY;
    if (m.from === '' || m.from === this.id) {
      this.readStates.push({ index, requestCtx: ctx });
    } else {
      this.send({ to: m.from, type: MessageType.ReadIndexResponse, index, context: ctx });
    }
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) {
      try {
        this.sendReadIndexResponse(m);
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
      }
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let nextProbeIdx = m.rejectHint;
      if (m.logTerm > 0) {
        // Skip every entry of ours whose term the follower cannot have at that position.
        nextProbeIdx = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm)[0];
      }
      if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    // An ack of exactly our match point in probe state also ends the probe (e.g. a caught-up
    // follower probed after reportUnreachable); otherwise it would stay in probe for good.
    const probeDone = pr.state === 'probe' && pr.match === m.index;
    if (!pr.maybeUpdate(m.index) && !probeDone) {
      if (oldPaused && !pr.isPaused()) this.sendAppend(m.from);
      return;
    }
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match + 1 >= this.raftLog.firstIndex()) {
      // The follower caught up past our compaction point: resume normal replication.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else if (oldPaused) {
      this.sendAppend(m.from);
    }
    // Fill the window: keep sending while there are entries and room.
    while (this.maybeSendAppend(m.from, false)) {
      /* loop until paused or nothing left */
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
      this.sendTimeoutNow(m.from);
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.msgAppFlowPaused = false;
    if (pr.match < this.raftLog.lastIndex() || pr.state === 'probe') this.sendAppend(m.from);
    if (this.readOnly.option !== 'safe' || !m.context || m.context.byteLength === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (!acks) return;
    const votes = new Map<string, boolean>();
    for (const id of acks) votes.set(id, true);
    if (this.trk.config.voters.voteResult(votes) !== 'won') return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
  }

  private handleTransferLeader(m: Message, pr: Progress): void {
    if (pr.isLearner) {
      this.cfg.logger.info(`${this.id} ignores transfer to learner ${m.from}`);
      return;
    }
    const transferee = m.from;
    if (this.leadTransferee !== '') {
      if (this.leadTransferee === transferee) return;
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) return;
    // The transfer must finish within one election timeout (checked in tickHeartbeat).
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    this.cfg.logger.info(
      `${this.id} starts to transfer leadership to ${transferee} at term ${this.term}`
    );
    if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  private sendTimeoutNow(to: string): void {
    this.send({ to, type: MessageType.TimeoutNow });
  }

  abortLeaderTransfer(): void {
    if (this.leadTransferee !== '') {
      this.cfg.logger.info(`${this.id} abandons transfer of leadership to ${this.leadTransferee}`);
    }
    this.leadTransferee = '';
  }

  // ---------------------------------------------------------------- candidate & follower

  private stepCandidate(m: Message): void {
    const myResp =
      this.state === StateType.PreCandidate
        ? MessageType.PreVoteResponse
        : MessageType.VoteResponse;
    switch (m.type) {
      case MessageType.Propose:
        throw new ProposalDroppedError(
          `${this.id} is campaigning at term ${this.term}: no leader; proposal dropped`
        );
      case MessageType.ReadIndex:
        throw new ProposalDroppedError(`${this.id} is campaigning: no leader; read dropped`);
      case MessageType.TransferLeader:
        throw new ProposalDroppedError(`${this.id} is campaigning: no leader to transfer from`);
      case MessageType.Append:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snapshot:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myResp: {
        const { granted, rejected, result } = this.poll(m.from, !m.reject);
        this.cfg.logger.info(
          `${this.id} has received ${granted} ${myResp === MessageType.PreVoteResponse ? 'PreVote' : 'Vote'} votes and ${rejected} rejections`
        );
        if (result === 'won') {
          if (this.state === StateType.PreCandidate) {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          // A lost pre-election keeps our term: m.term may be the pre-vote's future term.
          this.becomeFollower(this.term, '');
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Propose:
        if (this.lead === '') {
          throw new ProposalDroppedError(
            `${this.id} has no leader at term ${this.term}; proposal dropped`
          );
        }
        if (this.cfg.disableProposalForwarding) {
          throw new ProposalDroppedError(
            `${this.id} is not the leader (leader is ${this.lead}) and proposal forwarding is disabled`
          );
        }
        this.send({ ...m, to: this.lead, term: 0 });
        return;
      case MessageType.Append:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snapshot:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === '')
          throw new ProposalDroppedError(`${this.id} has no leader; transfer dropped`);
        this.send({ ...m, to: this.lead, term: 0 });
        return;
      case MessageType.TimeoutNow:
        this.cfg.logger.info(`${this.id} received TimeoutNow from ${m.from}: campaigning`);
        // Transfer campaigns skip pre-vote: the old leader asked for it explicitly.
        this.hup('transfer');
        return;
      case MessageType.ReadIndex:
        if (this.lead === '')
          throw new ProposalDroppedError(`${this.id} has no leader; read dropped`);
        this.send({ ...m, to: this.lead, term: 0 });
        return;
      case MessageType.ReadIndexResponse:
        this.readStates.push({ index: m.index, requestCtx: m.context ?? EMPTY });
        return;
      default:
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send({ to: m.from, type: MessageType.AppendResponse, index: this.raftLog.committed });
      return;
    }
    const last = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (last !== undefined) {
      this.send({ to: m.from, type: MessageType.AppendResponse, index: last });
      return;
    }
    // Reject with a hint: the largest index <= m.index whose term is <= m.logTerm. The leader
    // can then skip all its entries of terms we cannot have.
    const hintIndex = Math.min(m.index, this.raftLog.lastIndex());
    const [hi, ht] = this.raftLog.findConflictByTerm(hintIndex, m.logTerm);
    this.send({
      to: m.from,
      type: MessageType.AppendResponse,
      index: m.index,
      reject: true,
      rejectHint: hi,
      logTerm: ht,
    });
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    this.send({
      to: m.from,
      type: MessageType.HeartbeatResponse,
      ...(m.context ? { context: m.context } : {}),
    });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (!s) return;
    if (this.restore(s)) {
      this.send({ to: m.from, type: MessageType.AppendResponse, index: this.raftLog.lastIndex() });
    } else {
      this.send({ to: m.from, type: MessageType.AppendResponse, index: this.raftLog.committed });
    }
  }

  /** Installs a snapshot from the leader. Returns false if it is stale or already covered. */
  restore(s: Snapshot): boolean {
    if (s.meta.index <= this.raftLog.committed) return false;
    if (this.state !== StateType.Follower) {
      // Only a leader of a newer term sends snapshots; be defensive anyway.
      this.becomeFollower(this.term + 1, '');
      return false;
    }
    const cs = s.meta.confState;
    const member = [...cs.voters, ...cs.learners, ...cs.votersOutgoing].includes(this.id);
    if (!member) {
      // Only a leader that tracks us sends snapshots, so the conf change adding us comes after
      // the snapshot in its log; we become a member when we apply it. Refusing here (as etcd
      // does) would leave us in snapshot state at the leader for good.
      this.cfg.logger.info(
        `${this.id} restores snapshot ${s.meta.index} predating its membership; joins on applying the later conf change`
      );
    }
    if (this.raftLog.matchTerm(s.meta.index, s.meta.term)) {
      // We already have the entry: just fast-forward the commit index.
      this.raftLog.commitTo(s.meta.index);
      return false;
    }
    this.raftLog.restore(s);
    const [tc, prs] = restoreConfig(this.trk, cs, this.raftLog.lastIndex());
    this.switchToConfig(tc, prs);
    const self = this.trk.progress.get(this.id);
    if (self) self.maybeUpdate(this.raftLog.lastIndex());
    return true;
  }

  // ---------------------------------------------------------------- membership

  /** Applies a committed conf change (called by the host after commit). Returns the new ConfState. */
  applyConfChange(cc: ConfChangeV2): ConfState {
    const c = this.trk.config;
    if (c.voters.incoming.size === 0 && !c.voters.isJoint() && c.learners.size === 0) {
      // Every group starts with a non-empty membership (initial ConfState or a snapshot's).
      // A node without one is replaying the log without knowing where it starts: applying
      // "add-voter self" to nothing would make it a single-voter group of its own.
      throw new ConfigError(
        `${this.id} applies a conf change without knowing the group's membership: start it with the group's initial ConfState, or let it catch up from a snapshot`
      );
    }
    let res: ChangeResult;
    try {
      res = this.computeConfChange(cc);
    } catch (e) {
      if (!(e instanceof ConfChangeError)) throw e;
      // Every node applies the same committed change to the same configuration and refuses it
      // the same way, so ignoring it keeps all members in agreement (etcd would panic here).
      this.cfg.logger.warn(`${this.id} ignores invalid committed conf change: ${e.message}`);
      return this.trk.confState();
    }
    Changer.commit(res);
    return this.switchToConfig(res[0], res[1]);
  }

  /** The configuration `cc` leads to; throws ConfChangeError, touches nothing. */
  private computeConfChange(cc: ConfChangeV2): ChangeResult {
    const changer = new Changer(this.trk, this.raftLog.lastIndex());
    if (isLeaveJoint(cc)) return changer.leaveJoint();
    const { joint, autoLeave } = enterJointMode(cc);
    return joint ? changer.enterJoint(autoLeave, cc.changes) : changer.simple(cc.changes);
  }

  private switchToConfig(tc: ProgressTracker['config'], prs: Map<string, Progress>): ConfState {
    this.trk.setConfig(tc, prs);
    const cs = this.trk.confState();
    this.cfg.logger.info(`${this.id} switched to configuration ${describeConfState(cs)}`);
    const pr = this.trk.progress.get(this.id);
    this.isLearner = pr?.isLearner ?? false;
    if ((!pr || this.isLearner) && this.state === StateType.Leader) {
      // Removed or demoted: stop leading. The remaining voters elect a new leader after an
      // election timeout (sooner if the host transfers leadership before removing us).
      this.becomeFollower(this.term, '');
      return cs;
    }
    if (this.state !== StateType.Leader || cs.voters.length === 0) return cs;
    // The quorum changed: an entry may now be committed, and new peers need appends.
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      this.trk.visit((id, pr) => {
        // A peer never heard from (just added) gets an empty probe at once rather than at the
        // next heartbeat, so it starts catching up immediately.
        if (id !== this.id) this.maybeSendAppend(id, pr.match === 0 && pr.state === 'probe');
      });
    }
    if (this.leadTransferee !== '' && !this.trk.config.voters.has(this.leadTransferee)) {
      this.abortLeaderTransfer();
    }
    return cs;
  }

  /**
   * The caller applied up to `applied`. A leader in an auto-leave joint config proposes the
   * leave once the entering change is applied.
   */
  appliedTo(applied: number): void {
    this.raftLog.appliedTo(applied);
    if (
      this.trk.config.autoLeave &&
      applied >= this.pendingConfIndex &&
      this.state === StateType.Leader
    ) {
      const data = encodeConfChange({ transition: 'auto', changes: [] });
      if (!this.appendEntry([{ term: 0, index: 0, type: EntryType.ConfChange, data }])) {
        throw new InvariantError('auto-leave entry was dropped');
      }
      this.pendingConfIndex = this.raftLog.lastIndex();
      this.bcastAppend();
    }
  }

  /** Unreachable peer: stop optimistic pipelining to it. */
  reportUnreachable(id: string): void {
    const pr = this.trk.progress.get(id);
    if (this.state === StateType.Leader && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  /** Forgets the leader (follower only), so that a pre-vote from a peer can be granted at once. */
  forgetLeader(): void {
    if (this.state === StateType.Follower && this.lead !== '') this.lead = '';
  }
}

/** One-line form of a ConfState for logs: voters=(1 2)&&(1 2 3) learners=(4) learners_next=(3) autoleave. */
export function describeConfState(cs: ConfState): string {
  let out = `voters=(${cs.voters.join(' ')})`;
  if (cs.votersOutgoing.length > 0) out += `&&(${cs.votersOutgoing.join(' ')})`;
  if (cs.learners.length > 0) out += ` learners=(${cs.learners.join(' ')})`;
  if (cs.learnersNext.length > 0) out += ` learners_next=(${cs.learnersNext.join(' ')})`;
  if (cs.autoLeave) out += ' autoleave';
  return out;
}
