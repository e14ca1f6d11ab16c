/**
 * The contract between the replication engine and the layer above it (the cluster: meta group,
 * store groups): state machines, peer addressing, options, observer hooks and status views.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../config/logger.js';
import type { ConfState } from '../raft/types.js';

/** The replicated state of one group, driven by the host in log order. */
export interface GroupStateMachine {
  /**
   * A committed normal entry, in log order, exactly once per index (also after restart:
   * entries above the restored snapshot are re-applied). Deterministic. The return value is
   * handed to the local proposer of that entry (if any). Empty entries (leader no-ops) are
   * not passed.
   */
  apply(index: number, data: Uint8Array): unknown;
  /** The state at the last applied index (for automatic and forced snapshots). */
  snapshot(): Uint8Array;
  /** Replace the state with a snapshot's (on restart and on InstallSnapshot). */
  restore(index: number, data: Uint8Array): void;
  /** Told about applied membership changes (also the ConfState of a restored snapshot). */
  onConfState?(cs: ConfState): void;
  /** Told when this replica learns of a new leader (or loses it: undefined). */
  onLeaderChange?(leaderReplicaId: string | undefined, term: number): void;
}

/** Where a member listens for BrokerReplication calls. */
export interface PeerDirectory {
  /** HOST:PORT, or undefined while the member's address is unknown (its traffic is dropped). */
  address(memberId: string): string | undefined;
}

/** Test faults: traffic to or from a blocked member is dropped (both Raft and snapshots). */
export interface LinkFilter {
  blocked(memberId: string): boolean;
}

/** Why a message or frame was dropped (the `reason` of ReplicationObserver.dropped). */
export type DropReason =
  | 'queue-full'
  | 'unreachable'
  | 'no-address'
  | 'link-blocked'
  | 'too-large'
  | 'invalid'
  | 'wrong-sender'
  | 'step-error'
  | 'unknown-group'
  | 'broken';

/** How a proposal ended, for metrics. */
export type ProposalOutcome =
  'applied' | 'not-leader' | 'rejected' | 'busy' | 'too-large' | 'timeout' | 'closed';

/** Metrics hooks; every one is optional and must not throw. */
export interface ReplicationObserver {
  proposal?(group: string, outcome: ProposalOutcome): void;
  /** Propose to applied on this (leader) replica, seconds. */
  applyLatency?(group: string, seconds: number): void;
  /** One WAL sync covering a Ready round of every group, seconds. */
  fsyncLatency?(seconds: number): void;
  snapshotSent?(group: string, bytes: number): void;
  snapshotReceived?(group: string, bytes: number): void;
  /** Receiver side: bytes of an incoming snapshot held so far (after each chunk). */
  snapshotProgress?(group: string, bytes: number, total: number): void;
  /** A transfer started (sender side) at `offset` > 0: it resumed a partial one. */
  snapshotResumed?(group: string, to: string, offset: number, total: number): void;
  /** Sender side: a transfer to `to` failed (Raft retries after the next heartbeat). */
  snapshotFailed?(group: string, to: string, reason: string): void;
  leaderChange?(group: string, leaderReplicaId: string | undefined, term: number): void;
  brokenReplica?(group: string, reason: string): void;
  /** A broken replica was rebuilt from a leader's snapshot. */
  replicaRebuilt?(group: string, snapshotIndex: number): void;
  dropped?(reason: DropReason, count: number): void;
}

/** Everything ReplicaHost.open() needs; bounds are checked (ReplicationConfigError). */
export interface ReplicaHostOptions {
  readonly memberId: string;
  /** The WAL lives in `<dataDir>/raft` (one WalLogStore for all groups). */
  readonly dataDir: string;
  /** Default 100. */
  readonly tickMs?: number;
  /** Default 10 / 1. PreVote and CheckQuorum are always on. */
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Automatic snapshot after this many applied entries since the last one. Default 10,000. */
  readonly snapshotEntries?: number;
  /** ... or after this many bytes of applied entry data. Default 64 MiB. */
  readonly snapshotBytes?: number;
  /** Entries kept behind a snapshot for slightly lagging followers. Default 5,000. */
  readonly compactionTailEntries?: number;
  /** --snapshot-rate: bytes per second of snapshot data sent by this host. Default 64 MiB/s. */
  readonly snapshotRateBytesPerSec?: number;
  /** Pending proposals per group before propose() fails with ReplicaBusyError. Default 1024. */
  readonly maxPendingProposals?: number;
  /** Pending readIndex() calls per group. Default 4096. */
  readonly maxPendingReads?: number;
  /** Largest proposal accepted (EntryTooLargeError beyond). Default 4 MiB. */
  readonly maxEntryBytes?: number;
  /** Per destination member: queued bytes / messages before new messages are dropped. Defaults 64 MiB / 8192 batches. */
  readonly peerQueueBytes?: number;
  readonly peerQueueFrames?: number;
  /** Cluster secret for the peer proofs (node/src/transport/peer-auth.ts). */
  readonly secret: Uint8Array | undefined;
  /**
   * The hook for mutual TLS: when there is no secret, this decides whether the caller of an
   * inbound stream is `claimedId` (e.g. by its certificate). Without a secret AND without this
   * hook open() refuses to start.
   */
  readonly verifyPeerIdentity?: (
    call: grpc.ServerDuplexStream<unknown, unknown>,
    claimedId: string
  ) => boolean;
  /** For dialing peers (TLS or insecure). */
  readonly channelCredentials: grpc.ChannelCredentials;
  readonly directory: PeerDirectory;
  readonly linkFilter?: LinkFilter;
  /**
   * The member hosting a replica. Default: the replica id up to its first '/' (replica ids are
   * `<memberId>` or `<memberId>/<anything>`, e.g. a generation).
   */
  readonly memberOfReplica?: (replicaId: string) => string;
  readonly log: Logger;
  readonly observer?: ReplicationObserver;
  /**
   * A message for a group not hosted here (rate-limited: at most once per group per second).
   * The cluster layer may create the replica.
   */
  readonly onUnknownGroup?: (group: string, fromReplicaId: string) => void;
  /**
   * The host stopped for good (its WAL failed: after a failed fsync nothing written can be
   * trusted). Every call fails from then on; the process should exit and recover on restart.
   */
  readonly onFatal?: (err: Error) => void;
}

/** A follower's replication state as the leader sees it. */
export interface FollowerProgressView {
  readonly id: string;
  readonly match: number;
  readonly next: number;
  /** probe, replicate or snapshot. */
  readonly state: string;
  readonly learner: boolean;
  /** Entries behind the leader's last index. */
  readonly lag: number;
}

/** A point-in-time view of one hosted group. */
export interface GroupStatusView {
  readonly group: string;
  readonly replicaId: string;
  /** leader, follower, candidate, pre-candidate, learner, or broken (being rebuilt). */
  readonly role: 'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'learner' | 'broken';
  readonly term: number;
  readonly leader: string | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly firstIndex: number;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  /** On the leader only. */
  readonly followers: readonly FollowerProgressView[];
  readonly broken: boolean;
  readonly brokenReason: string | undefined;
  /** An incoming snapshot: bytes received of total. */
  readonly restore: { readonly bytes: number; readonly total: number } | undefined;
  readonly pendingProposals: number;
}
