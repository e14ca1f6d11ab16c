/**
 * The data types of the Raft library: what goes in (messages, proposals, ticks), what comes
 * out (a Ready), and what the caller persists. They mirror etcd-raft's raftpb so that the
 * wire form in proto/broker/v1/raft.proto maps onto them one to one.
 *
 * Indexes and terms are plain numbers: JavaScript integers are exact up to 2^53, which a log
 * written at a million entries per second takes 285 years to reach.
 */

/** A peer's identity inside a group. Non-empty. */
export type NodeId = string;

/** A Raft group's identity (a store or a topic partition). Non-empty. */
export type GroupId = string;

/** Kind of a log entry: a state-machine command or a membership change. */
export const EntryType = {
  Normal: 0,
  ConfChange: 1,
} as const;
/** One of the EntryType values. */
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** A log entry. Invariant: index >= 1, term >= 1 for every entry in a log. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Normal: the application's command (empty for the leader's no-op). ConfChange: an encoded ConfChangeV2. */
  readonly data: Uint8Array;
}

/**
 * What must be on stable storage before any message that depends on it is sent.
 * vote is '' when the node has not voted in `term`.
 */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | '';
  readonly commit: number;
}

/**
 * Membership. In a joint configuration `votersOutgoing` is non-empty and a decision needs a
 * majority of `voters` AND a majority of `votersOutgoing`. `learnersNext` are nodes that are
 * voters in the outgoing config and become learners when the joint state is left.
 * Invariant: a node is in at most one of voters/learners; learnersNext ⊆ votersOutgoing.
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly learnersNext: readonly NodeId[];
  readonly autoLeave: boolean;
}

/** What a snapshot covers: the log up to and including `index` (of `term`). */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  /** Membership as of `index`, joint state included: restored from here, never guessed. */
  readonly confState: ConfState;
}

/** A state-machine snapshot plus its metadata; `data` is opaque to the library. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** Numbers equal the proto's RaftMessageType values. */
export const MessageType = {
  Append: 1,
  AppendResponse: 2,
  Vote: 3,
  VoteResponse: 4,
  PreVote: 5,
  PreVoteResponse: 6,
  Heartbeat: 7,
  HeartbeatResponse: 8,
  Snapshot: 9,
  SnapshotResponse: 10,
  TimeoutNow: 11,
  TransferLeader: 12,
  ReadIndex: 13,
  ReadIndexResponse: 14,
  Propose: 15,
} as const;
/** One of the MessageType values. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * A Raft message between two nodes of one group. Fields a type does not use are 0 / false /
 * empty. Every message the library emits has `group` = Config.group.
 */
export interface Message {
  readonly group: GroupId;
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  /** Only on MessageType.Snapshot. The transport may split `data` into bounded chunks. */
  readonly snapshot?: Snapshot;
  /** ReadIndex request context; echoed back in the ReadState. */
  readonly context?: Uint8Array;
}

/** A single membership operation on one node. */
export type ConfChangeType = 'add-voter' | 'add-learner' | 'remove';

/** One operation of a ConfChangeV2. */
export interface ConfChangeSingle {
  readonly type: ConfChangeType;
  readonly node: NodeId;
}

/**
 * etcd's ConfChangeV2. `auto`: a single change is applied directly; several changes enter a
 * joint configuration that the leader leaves automatically. `joint-implicit` /
 * `joint-explicit`: always go through a joint configuration; explicit waits for an empty
 * ConfChangeV2 proposal to leave it.
 */
export interface ConfChangeV2 {
  readonly transition: 'auto' | 'joint-implicit' | 'joint-explicit';
  readonly changes: readonly ConfChangeSingle[];
  readonly context?: Uint8Array;
}

/** The role of a node in its group. */
export const StateType = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
/** One of the StateType values. */
export type StateType = (typeof StateType)[keyof typeof StateType];

/** Volatile state worth reporting (not persisted): who leads, and our role. */
export interface SoftState {
  readonly lead: NodeId | '';
  readonly state: StateType;
}

/** A read that is linearizable once the caller has applied up to `index`. */
export interface ReadState {
  readonly index: number;
  readonly requestCtx: Uint8Array;
}

/**
 * Everything the caller must act on, in this order:
 *  1. persist `entries`, `hardState` and `snapshot` (fsync when `mustSync`);
 *  2. then send `messages`;
 *  3. then apply `snapshot` and `committedEntries` to the state machine;
 *  4. then call `advance()`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly readStates: readonly ReadState[];
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly mustSync: boolean;
}

/**
 * The read side of the log that the library consults (etcd's Storage). The caller appends to
 * it after persisting a Ready; the library never writes to it.
 */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one if any, stopping before the total size exceeds maxSize. Throws CompactedError / UnavailableError. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  /** Term of entry i; for i = firstIndex()-1 the snapshot's term. Throws CompactedError / UnavailableError. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

/** How ReadIndex confirms leadership: a heartbeat quorum (safe) or the leader lease. */
export type ReadOnlyOption = 'safe' | 'lease-based';

/** Configuration of one node in one group; checked and defaulted by validateConfig(). */
export interface Config {
  readonly id: NodeId;
  readonly group: GroupId;
  /** Ticks without hearing from a leader before a follower campaigns; randomized in [electionTick, 2*electionTick). */
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly storage: Storage;
  /** The last index the state machine has applied (on restart). */
  readonly applied?: number;
  readonly maxSizePerMsg?: number;
  readonly maxCommittedSizePerReady?: number;
  readonly maxInflightMsgs?: number;
  readonly maxInflightBytes?: number;
  readonly maxUncommittedEntriesSize?: number;
  readonly checkQuorum?: boolean;
  readonly preVote?: boolean;
  readonly readOnlyOption?: ReadOnlyOption;
  readonly disableProposalForwarding?: boolean;
  /**
   * Bound on read-index requests queued at a leader (waiting for a commit in its term or for
   * a heartbeat quorum). Further requests throw ProposalDroppedError. Default 4096.
   */
  readonly maxPendingReadIndex?: number;
  /** Seeded source of randomness in [0, 1) for election timeouts. The library never uses Math.random. */
  readonly random: () => number;
  readonly logger?: Logger;
}

/** Injected logger; the library never writes to the console itself. */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}
