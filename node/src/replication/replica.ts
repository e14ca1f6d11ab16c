/**
 * The per-group state the host keeps beside its RawNode: the state machine, the in-memory Raft
 * storage filled from the WAL, pending proposals and reads, and what the group needs done at
 * the host's next safe point (no HostReady outstanding).
 */
import type { ConfState, RawNode, MemoryStorage } from '../raft/index.js';
import type { GroupStateMachine } from './types.js';

/** Separates group and replica id in the WAL's group key (neither may contain it). */
export const WAL_KEY_SEPARATOR = '\u001f';

export function walKey(group: string, replicaId: string): string {
  return `${group}${WAL_KEY_SEPARATOR}${replicaId}`;
}

export function parseWalKey(key: string): { group: string; replicaId: string } | undefined {
  const i = key.lastIndexOf(WAL_KEY_SEPARATOR);
  if (i <= 0 || i === key.length - 1) return undefined;
  return { group: key.slice(0, i), replicaId: key.slice(i + 1) };
}

export interface PendingProposal {
  readonly term: number;
  readonly kind: 'normal' | 'conf';
  readonly startedMs: number;
  readonly resolve: (v: { index: number; result: unknown }) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface PendingRead {
  /** Set when the ReadState arrived: resolve once applied >= index. */
  index: number | undefined;
  readonly resolve: (index: number) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface Deferred<T> {
  readonly resolve: (v: T) => void;
  readonly reject: (e: Error) => void;
}

export class Replica {
  readonly key: string;
  /** Undefined until the host adds it at its next safe point (RaftHost refuses adds mid-Ready). */
  node: RawNode | undefined;
  /** Membership as of `applied` (what a snapshot at `applied` records). */
  confState: ConfState;
  /** Invariant: the state machine has applied exactly the entries up to here. */
  applied: number;
  snapshotIndex: number;
  entriesSinceSnapshot = 0;
  bytesSinceSnapshot = 0;
  leader: string | undefined;
  term = 0;
  readonly proposals = new Map<number, PendingProposal>();
  readonly reads = new Map<string, PendingRead>();
  /** Set while the replica is broken (until a leader's snapshot rebuilt it). */
  broken: string | undefined;
  /** The broken replica's state still has to be destroyed and re-opened empty. */
  needsReset = false;
  wantSnapshot = false;
  /** Leader: compact at least up to here at the next snapshot (a rebuilt follower needs one). 0: no. */
  forceCompactTo = 0;
  /** Leader: when each follower last asked for a snapshot (requests are rate-limited). */
  readonly snapshotRequests = new Map<string, number>();
  /** Follower: when this (rebuilt) replica last asked its leader for a snapshot. */
  lastSnapshotRequestMs = -Infinity;
  readonly snapshotWaiters: Deferred<{ index: number; bytes: number }>[] = [];
  /** closeGroup() in progress: removed at the next safe point. */
  closing: { destroy: boolean; waiters: Deferred<void>[] } | undefined;

  constructor(
    readonly group: string,
    readonly replicaId: string,
    readonly sm: GroupStateMachine,
    public storage: MemoryStorage,
    confState: ConfState,
    applied: number
  ) {
    this.key = walKey(group, replicaId);
    this.confState = confState;
    this.applied = applied;
    this.snapshotIndex = applied;
  }
}
