import type { BrokerAdminClient } from '../gen/broker/v1/BrokerAdmin.js';
import type { ClusterMapResponse__Output } from '../gen/broker/v1/ClusterMapResponse.js';
import type { DrainStatus__Output } from '../gen/broker/v1/DrainStatus.js';
import type { GroupStatus__Output } from '../gen/broker/v1/GroupStatus.js';
import type { GroupStatusResponse__Output } from '../gen/broker/v1/GroupStatusResponse.js';
import type { StoreMap__Output } from '../gen/broker/v1/StoreMap.js';
import { AdminArgumentError, adminError } from './store-errors.js';
import { checkTimeout, DEFAULT_STORE_TIMEOUT_MS, type CallOptions } from './store-client.js';
import { u64, validateStoreName } from './store-ops.js';

/** A member's place in the cluster's life cycle. */
export type MemberState = 'joining' | 'active' | 'draining' | 'removed' | 'unspecified';

/** One member of the cluster map. */
export interface Member {
  readonly id: string;
  /** HOST:PORT of its gRPC listener. */
  readonly address: string;
  readonly state: MemberState;
  /** Bumped each time the member came back with an empty data directory. */
  readonly generation: number;
  /** Whether its replica of the meta group votes. */
  readonly metaVoter: boolean;
}

/** A store's placement and options in the cluster map. */
export interface StorePlacement {
  readonly name: string;
  readonly replicationFactor: number;
  /** 0 = the node's default. */
  readonly maxKeys: bigint;
  readonly maxBytes: bigint;
  /** Members that should hold a voting replica, and learners being added. */
  readonly replicas: readonly string[];
  readonly learners: readonly string[];
  /** The store's Raft group id. */
  readonly group: string;
}

/** The cluster map, as the meta group has it at `index`. */
export interface ClusterMap {
  readonly clusterId: string;
  readonly index: bigint;
  readonly members: readonly Member[];
  readonly stores: readonly StorePlacement[];
  /** Member id of the meta group's leader, "" when unknown. */
  readonly metaLeader: string;
}

/** How far a drain has got. */
export interface DrainStatus {
  readonly id: string;
  readonly state: MemberState;
  readonly replicasLeft: number;
  readonly leadersLeft: number;
  readonly done: boolean;
}

/** A follower's replication progress, as its group's leader sees it. */
export interface FollowerProgress {
  readonly id: string;
  readonly match: bigint;
  readonly next: bigint;
  /** replicate, probe, snapshot */
  readonly state: string;
  readonly learner: boolean;
  /** Entries behind the leader's last index. */
  readonly lag: bigint;
}

/** One Raft group on the peer that answered. */
export interface GroupStatus {
  readonly group: string;
  /** The store of the group ("" for meta). */
  readonly store: string;
  /** leader, follower, candidate, pre-candidate, learner, broken */
  readonly role: string;
  readonly term: bigint;
  readonly leader: string;
  readonly commitIndex: bigint;
  readonly appliedIndex: bigint;
  readonly lastIndex: bigint;
  readonly snapshotIndex: bigint;
  /** On the leader only. */
  readonly followers: readonly FollowerProgress[];
  readonly broken: boolean;
  readonly brokenReason: string;
  /** An incoming snapshot: bytes received of total (0 of 0 = none). */
  readonly restoreBytes: bigint;
  readonly restoreTotal: bigint;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

/** Every group (or the one asked for) on one peer. */
export interface GroupStatusReport {
  /** The member that answered. */
  readonly member: string;
  readonly groups: readonly GroupStatus[];
}

/** Options of {@link AdminClient.createStore}. */
export interface CreateStoreOptions extends CallOptions {
  /** Voting replicas; default (0): 3, or fewer when the cluster has fewer active members. */
  readonly replicationFactor?: number;
  /** Most keys and bytes; default (0): the node's --max-store-keys / --max-store-bytes. */
  readonly maxKeys?: bigint;
  readonly maxBytes?: bigint;
}

const MEMBER_STATES: Record<string, MemberState> = {
  MEMBER_STATE_JOINING: 'joining',
  MEMBER_STATE_ACTIVE: 'active',
  MEMBER_STATE_DRAINING: 'draining',
  MEMBER_STATE_REMOVED: 'removed',
};

const memberState = (s: unknown): MemberState => MEMBER_STATES[String(s)] ?? 'unspecified';

export function toStorePlacement(s: StoreMap__Output): StorePlacement {
  return {
    name: s.name,
    replicationFactor: s.replication_factor,
    maxKeys: u64('max_keys', s.options?.max_keys),
    maxBytes: u64('max_bytes', s.options?.max_bytes),
    replicas: [...s.replicas],
    learners: [...s.learners],
    group: s.group,
  };
}

export function toClusterMap(m: ClusterMapResponse__Output): ClusterMap {
  return {
    clusterId: m.cluster_id,
    index: u64('index', m.index),
    members: m.members.map((x) => ({
      id: x.id,
      address: x.address,
      state: memberState(x.state),
      generation: x.generation,
      metaVoter: x.meta_voter,
    })),
    stores: m.stores.map(toStorePlacement),
    metaLeader: m.meta_leader,
  };
}

export function toDrainStatus(d: DrainStatus__Output): DrainStatus {
  return {
    id: d.id,
    state: memberState(d.state),
    replicasLeft: d.replicas_left,
    leadersLeft: d.leaders_left,
    done: d.done,
  };
}

export function toGroupStatus(g: GroupStatus__Output): GroupStatus {
  return {
    group: g.group,
    store: g.store,
    role: g.role,
    term: u64('term', g.term),
    leader: g.leader,
    commitIndex: u64('commit_index', g.commit_index),
    appliedIndex: u64('applied_index', g.applied_index),
    lastIndex: u64('last_index', g.last_index),
    snapshotIndex: u64('snapshot_index', g.snapshot_index),
    followers: g.followers.map((f) => ({
      id: f.id,
      match: u64('match', f.match),
      next: u64('next', f.next),
      state: f.state,
      learner: f.learner,
      lag: u64('lag', f.lag),
    })),
    broken: g.broken,
    brokenReason: g.broken_reason,
    restoreBytes: u64('restore_bytes', g.restore_bytes),
    restoreTotal: u64('restore_total', g.restore_total),
    voters: [...g.voters],
    learners: [...g.learners],
  };
}

/** Member ids, as broker-node's --id takes them. */
const MEMBER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Checks a member id: letters, digits, `-`, `_`, `.`; at most 63. */
export function validateMemberId(id: unknown): string {
  if (typeof id !== 'string' || !MEMBER_ID_RE.test(id))
    throw new AdminArgumentError(
      `invalid member id ${JSON.stringify(id)} (letters, digits, "-", "_", "."; at most 63)`
    );
  return id;
}

/** Checks a group argument: "meta", a group id or a store name (same rules as a store name). */
export function validateGroup(group: unknown): string {
  try {
    return validateStoreName(group);
  } catch (e) {
    throw new AdminArgumentError(
      `invalid group ${JSON.stringify(group)}: ${(e as Error).message}`,
      { cause: e }
    );
  }
}

/** Checks a `HOST:PORT` address argument. */
export function validateAddress(address: unknown): string {
  const m =
    typeof address === 'string'
      ? /^(\[[0-9A-Fa-f:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(address)
      : null;
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535)
    throw new AdminArgumentError(
      `invalid address ${JSON.stringify(address)} (HOST:PORT, port 1..65535)`
    );
  return address as string;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;

function checkLimit(what: string, v: bigint | undefined): string {
  if (v === undefined) return '0';
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX)
    throw new AdminArgumentError(`${what} must be a bigint in 0..2^64-1`);
  return v.toString();
}

type Unary<Req, Res> = (
  req: Req,
  opts: { deadline: number },
  cb: (e: unknown, res?: Res) => void
) => unknown;

/**
 * The admin API of a broker-node (what the operator drives). Mutating calls are commands in
 * the meta group; any peer forwards them to its leader. Errors are {@link AdminError}s.
 */
export class AdminClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly stub: BrokerAdminClient,
    options: CallOptions = {}
  ) {
    this.timeoutMs = checkTimeout(options.timeoutMs, DEFAULT_STORE_TIMEOUT_MS);
  }

  private call<Req, Res>(
    what: string,
    isRead: boolean,
    fn: Unary<Req, Res>,
    req: Req,
    o: CallOptions
  ): Promise<Res> {
    let deadline: number;
    try {
      deadline = Date.now() + checkTimeout(o.timeoutMs, this.timeoutMs);
    } catch (e) {
      return Promise.reject(new AdminArgumentError((e as Error).message, { cause: e }));
    }
    return new Promise((resolve, reject) => {
      fn.call(this.stub, req, { deadline }, (e: unknown, res?: Res) =>
        e || res === undefined ? reject(adminError(what, e ?? 'no response', isRead)) : resolve(res)
      );
    });
  }

  async clusterMap(o: CallOptions = {}): Promise<ClusterMap> {
    const r = await this.call(
      'clusterMap',
      true,
      this.stub.ClusterMap as Unary<object, ClusterMapResponse__Output>,
      {},
      o
    );
    return toClusterMap(r);
  }

  /** Adds a member in state `joining` (its replicas start as learners). */
  async addMember(id: string, address: string, o: CallOptions = {}): Promise<ClusterMap> {
    const req = { id: validateMemberId(id), address: validateAddress(address) };
    const r = await this.call(
      `addMember ${id}`,
      false,
      this.stub.AddMember as Unary<typeof req, ClusterMapResponse__Output>,
      req,
      o
    );
    return toClusterMap(r);
  }

  /** Makes a caught-up joining member active (FAILED_PRECONDITION with its lag otherwise). */
  async promoteMember(id: string, o: CallOptions = {}): Promise<ClusterMap> {
    const req = { id: validateMemberId(id) };
    const r = await this.call(
      `promoteMember ${id}`,
      false,
      this.stub.PromoteMember as Unary<typeof req, ClusterMapResponse__Output>,
      req,
      o
    );
    return toClusterMap(r);
  }

  /** Removes a member that holds no replicas, or at once with `force`. */
  async removeMember(id: string, o: CallOptions & { force?: boolean } = {}): Promise<ClusterMap> {
    const req = { id: validateMemberId(id), force: o.force === true };
    const r = await this.call(
      `removeMember ${id}`,
      false,
      this.stub.RemoveMember as Unary<typeof req, ClusterMapResponse__Output>,
      req,
      o
    );
    return toClusterMap(r);
  }

  /** Starts moving every replica and leadership off a member. */
  async drainMember(id: string, o: CallOptions = {}): Promise<DrainStatus> {
    const req = { id: validateMemberId(id) };
    const r = await this.call(
      `drainMember ${id}`,
      false,
      this.stub.DrainMember as Unary<typeof req, DrainStatus__Output>,
      req,
      o
    );
    return toDrainStatus(r);
  }

  async drainStatus(id: string, o: CallOptions = {}): Promise<DrainStatus> {
    const req = { id: validateMemberId(id) };
    const r = await this.call(
      `drainStatus ${id}`,
      true,
      this.stub.GetDrainStatus as Unary<typeof req, DrainStatus__Output>,
      req,
      o
    );
    return toDrainStatus(r);
  }

  /** Moves a group's leadership to `to` (default: the most caught-up other voter). */
  async transferLeadership(group: string, to?: string, o: CallOptions = {}): Promise<GroupStatus> {
    const req = { group: validateGroup(group), to: to === undefined ? '' : validateMemberId(to) };
    const r = await this.call(
      `transferLeadership ${group}`,
      false,
      this.stub.TransferLeadership as Unary<typeof req, GroupStatus__Output>,
      req,
      o
    );
    return toGroupStatus(r);
  }

  async createStore(name: string, o: CreateStoreOptions = {}): Promise<StorePlacement> {
    let storeName: string;
    try {
      storeName = validateStoreName(name);
    } catch (e) {
      throw new AdminArgumentError((e as Error).message, { cause: e });
    }
    const rf = o.replicationFactor ?? 0;
    if (!Number.isInteger(rf) || rf < 0 || rf > 255)
      throw new AdminArgumentError(`replicationFactor must be an integer in 0..255, got ${rf}`);
    const req = {
      name: storeName,
      replication_factor: rf,
      options: {
        max_keys: checkLimit('maxKeys', o.maxKeys),
        max_bytes: checkLimit('maxBytes', o.maxBytes),
      },
    };
    const r = await this.call(
      `createStore ${name}`,
      false,
      this.stub.CreateStore as Unary<typeof req, StoreMap__Output>,
      req,
      o
    );
    return toStorePlacement(r);
  }

  async deleteStore(name: string, o: CallOptions = {}): Promise<ClusterMap> {
    let storeName: string;
    try {
      storeName = validateStoreName(name);
    } catch (e) {
      throw new AdminArgumentError((e as Error).message, { cause: e });
    }
    const req = { name: storeName };
    const r = await this.call(
      `deleteStore ${name}`,
      false,
      this.stub.DeleteStore as Unary<typeof req, ClusterMapResponse__Output>,
      req,
      o
    );
    return toClusterMap(r);
  }

  /** Snapshots a group on the answering peer now (and compacts its log behind it). */
  async forceSnapshot(group: string, o: CallOptions = {}): Promise<GroupStatus> {
    const req = { group: validateGroup(group) };
    const r = await this.call(
      `forceSnapshot ${group}`,
      false,
      this.stub.ForceSnapshot as Unary<typeof req, GroupStatus__Output>,
      req,
      o
    );
    return toGroupStatus(r);
  }

  /** Every group on the answering peer, or one (a group id or a store name). */
  async groupStatus(group?: string, o: CallOptions = {}): Promise<GroupStatusReport> {
    const req = { group: group === undefined ? '' : validateGroup(group) };
    const r = await this.call(
      `groupStatus ${group ?? ''}`.trimEnd(),
      true,
      this.stub.GroupStatus as Unary<typeof req, GroupStatusResponse__Output>,
      req,
      o
    );
    return { member: r.member, groups: r.groups.map(toGroupStatus) };
  }
}
