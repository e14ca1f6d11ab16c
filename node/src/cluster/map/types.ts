/**
 * The records and commands of the cluster map. Every value here is plain data (JSON-shaped),
 * so the map's snapshot and its log entries are the same records written out.
 */
import type { ClusterMapError } from './errors.js';

/**
 * A member's life cycle: `joining` -> `active` (promote) -> `draining` -> `removed`.
 * `removed` is terminal for that record; the same id may be added again later, with a higher
 * generation.
 */
export type MemberState = 'joining' | 'active' | 'draining' | 'removed';

export const MEMBER_STATES: readonly MemberState[] = ['joining', 'active', 'draining', 'removed'];

export interface MemberRecord {
  /** Same syntax as `broker-node --id`. Unique among all records, removed ones included. */
  readonly id: string;
  /** HOST:PORT of the member's gRPC listener. */
  readonly address: string;
  readonly state: MemberState;
  /**
   * Bumped each time the member comes back with an empty data directory (rejoin) or is added
   * again after removal. Its Raft replicas are `${id}@${generation}` (see replicaId), so a
   * replica that lost its log and vote is always a new Raft replica. Never decreases.
   */
  readonly generation: number;
  /**
   * Whether its replica of the meta group is a voter. Only `active` or `draining` members
   * have it (set-meta-voters picks active members; rejoin clears it, removal requires it off).
   */
  readonly metaVoter: boolean;
}

/** Per-store limits; 0 means the node's default (--max-store-keys / --max-store-bytes). */
export interface StoreOptions {
  readonly maxKeys: number;
  readonly maxBytes: number;
}

export interface StoreRecord {
  /** 1..128 of [A-Za-z0-9_.-]; unique among stores, deleting ones included. */
  readonly name: string;
  /**
   * The Raft group id: `s-${name}-${createdIndex}`. The creating index is part of it so that a
   * store deleted and created again under the same name is a different group: a replica of
   * the old group left on a member that was down during the delete can never vote in the new
   * one.
   */
  readonly group: string;
  /** 1..active member count at creation. */
  readonly replicationFactor: number;
  readonly options: StoreOptions;
  /**
   * Member ids that should hold a voting replica (the placement). Non-empty, no duplicates,
   * every id a known member that is not removed.
   */
  readonly replicas: readonly string[];
  /** Member ids whose replica is being added as a learner. Disjoint from `replicas`. */
  readonly learners: readonly string[];
  /** The meta log index of the create-store entry. */
  readonly createdIndex: number;
  /**
   * The Raft replica ids (`member@generation`) the group was created with: exactly these
   * replicas start with this voter set; every later replica starts empty and is caught up by
   * a snapshot. Never changes after creation.
   */
  readonly initialReplicas: readonly string[];
  /** Set by delete-store; the record goes when store-gone is applied. */
  readonly deleting: boolean;
  /**
   * The member the placement driver wants as the group's leader (set-preferred-leader); the
   * group's leader hands leadership to it once it is a caught-up voter. Absent = no
   * preference. Always one of `replicas`: set-replicas drops a preference it leaves out.
   */
  readonly preferredLeader?: string;
}

export interface ClusterMapState {
  /** '' before bootstrap; then fixed for the cluster's life. */
  readonly clusterId: string;
  /** The meta log index of the last accepted command (0 before bootstrap). */
  readonly index: number;
  /** In the order they were first added. */
  readonly members: readonly MemberRecord[];
  /** In the order they were created. */
  readonly stores: readonly StoreRecord[];
}

/** A member as given to bootstrap and add-member. */
export interface MemberAddress {
  readonly id: string;
  readonly address: string;
}

/** The entries of the meta Raft group. See docs/cluster.md for each command's rules. */
export type MetaCommand =
  | {
      readonly kind: 'bootstrap';
      readonly clusterId: string;
      /** The founders, all `active`. */
      readonly members: readonly MemberAddress[];
      /** Founders whose meta replica is a voter; default: the first metaVoterTarget(n) listed. */
      readonly metaVoters?: readonly string[];
    }
  | { readonly kind: 'add-member'; readonly id: string; readonly address: string }
  | {
      readonly kind: 'rejoin';
      readonly id: string;
      readonly address: string;
      /**
       * When given, the rejoin applies only if the member's generation is still this one, so a
       * retried rejoin does not bump the generation twice.
       */
      readonly fromGeneration?: number;
    }
  | { readonly kind: 'set-member-state'; readonly id: string; readonly state: MemberState }
  | { readonly kind: 'set-address'; readonly id: string; readonly address: string }
  | {
      readonly kind: 'create-store';
      readonly name: string;
      readonly replicationFactor: number;
      readonly options: StoreOptions;
    }
  | { readonly kind: 'delete-store'; readonly name: string }
  | { readonly kind: 'store-gone'; readonly name: string }
  | {
      readonly kind: 'set-replicas';
      readonly name: string;
      readonly replicas: readonly string[];
      readonly learners: readonly string[];
    }
  | { readonly kind: 'set-meta-voters'; readonly ids: readonly string[] }
  /** `leader` '' clears the preference. */
  | { readonly kind: 'set-preferred-leader'; readonly name: string; readonly leader: string };

export type MetaCommandKind = MetaCommand['kind'];

/**
 * The outcome of one entry. On success `value` is the record the command produced or touched
 * (the member for member commands, the store for store commands). A refusal leaves the map
 * exactly as it was, index included.
 */
export type MetaApplyResult =
  | { readonly ok: true; readonly value?: MemberRecord | StoreRecord }
  | { readonly ok: false; readonly error: ClusterMapError };
