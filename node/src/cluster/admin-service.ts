/**
 * The BrokerAdmin service (proto/broker/v1/admin.proto): what the operator drives. Reads are
 * answered from this peer's replica of the cluster map; changes are meta commands proposed
 * by the meta leader, so any peer forwards them there, following the receiver's leader hint
 * when its first guess was wrong (leader-forwarder.ts); a forwarded call is never forwarded
 * again.
 */
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { BrokerAdminHandlers } from '../gen/broker/v1/BrokerAdmin.js';
import type { ClusterMapResponse } from '../gen/broker/v1/ClusterMapResponse.js';
import type { DrainStatus } from '../gen/broker/v1/DrainStatus.js';
import type { GroupStatus } from '../gen/broker/v1/GroupStatus.js';
import type { MemberState } from '../gen/broker/v1/MemberState.js';
import type { StoreMap } from '../gen/broker/v1/StoreMap.js';
import type { GroupStatusView } from '../replication/index.js';
import { type ClusterManager, META_GROUP, storeNameOf } from './cluster-manager.js';
import { ClusterRequestError, toGrpcError } from './errors.js';
import {
  type MemberRecord,
  type StoreRecord,
  InvalidMetaCommandError,
  MEMBER_ID_RE,
  checkAddress,
  checkStoreName,
  desiredReplicas,
  parseReplicaId,
  replicaId,
} from './map/index.js';
import { LeaderForwarder } from './leader-forwarder.js';
import { FORWARDED_HEADER, unary } from './peer-calls.js';

const FORWARD_TIMEOUT_MS = 15_000;

const STATE_WIRE: Record<MemberRecord['state'], MemberState> = {
  joining: 'MEMBER_STATE_JOINING',
  active: 'MEMBER_STATE_ACTIVE',
  draining: 'MEMBER_STATE_DRAINING',
  removed: 'MEMBER_STATE_REMOVED',
};

function bad(msg: string): ClusterRequestError {
  return new ClusterRequestError(grpc.status.INVALID_ARGUMENT, msg);
}

function checkId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || !MEMBER_ID_RE.test(id))
    throw bad(
      `${field}: ${JSON.stringify(id)} is not a member id (letters, digits, "-", "_", "."; at most 63)`
    );
  return id;
}

function checkStore(name: unknown): string {
  return asArgument(() => checkStoreName(name, 'name'));
}

/** The cluster map's own checks, as INVALID_ARGUMENT naming the field. */
function asArgument<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InvalidMetaCommandError) throw bad(e.message);
    throw e;
  }
}

type Handler<Req, Res> = (req: Req, md: grpc.Metadata) => Promise<Res>;

/** Admin calls that only read; the others change the cluster and need the admin token. */
const READ_ONLY = new Set([
  'ClusterMap',
  'GetDrainStatus',
  'GroupStatus',
  'LoadReport',
  'PlacementStatus',
]);

/** Checks `authorization: Bearer <token>` in constant time; throws UNAUTHENTICATED. */
function checkToken(token: string, md: grpc.Metadata, method: string): void {
  const v = md.get('authorization')[0];
  const got = Buffer.from(typeof v === 'string' ? v : '', 'utf8');
  const want = Buffer.from(`Bearer ${token}`, 'utf8');
  if (got.length !== want.length || !timingSafeEqual(got, want))
    throw new ClusterRequestError(
      grpc.status.UNAUTHENTICATED,
      `${method} changes the cluster: this cluster's admin API needs its token (authorization: Bearer, --admin-token-file)`
    );
}

export class AdminService {
  private readonly forwarder: LeaderForwarder;

  constructor(
    private readonly cluster: ClusterManager,
    private readonly token: string | undefined
  ) {
    this.forwarder = new LeaderForwarder(cluster.id);
  }

  handlers(): BrokerAdminHandlers {
    const wrap =
      <Req, Res>(method: string, fn: Handler<Req, Res>) =>
      (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>): void => {
        if (this.token !== undefined && !READ_ONLY.has(method)) {
          try {
            checkToken(this.token, call.metadata, method);
          } catch (e) {
            cb(toGrpcError(e));
            return;
          }
        }
        fn(call.request, call.metadata).then(
          (r) => cb(null, r),
          (e: unknown) => cb(toGrpcError(e))
        );
      };
    return {
      ClusterMap: wrap('ClusterMap', async () => this.clusterMap()),
      AddMember: wrap('AddMember', (r: { id: string; address: string }, md) =>
        this.onMetaLeader('AddMember', r, md, async () => {
          const id = checkId(r.id);
          asArgument(() => checkAddress(r.address, 'address'));
          const old = this.cluster.map.member(id);
          // A removed member comes back as a new generation (the map's add-member): its own
          // join is refused, so this is the only way back for a scaled-down id.
          if (old === undefined || old.state === 'removed')
            await this.cluster.proposeMeta({ kind: 'add-member', id, address: r.address });
          return this.clusterMap();
        })
      ),
      PromoteMember: wrap('PromoteMember', (r: { id: string }, md) =>
        this.onMetaLeader('PromoteMember', r, md, async () => {
          const m = this.member(r.id);
          if (m.state === 'active') return this.clusterMap();
          if (m.state !== 'joining')
            throw new ClusterRequestError(
              grpc.status.FAILED_PRECONDITION,
              `${m.id} is ${m.state}, not joining`
            );
          const st = this.cluster.replicaHost.status(META_GROUP);
          const f = st.followers.find((x) => x.id === replicaId(m.id, m.generation));
          const allowed = Math.max(1, Math.floor(st.lastIndex / 10));
          if (f === undefined || f.lag > allowed)
            throw new ClusterRequestError(
              grpc.status.FAILED_PRECONDITION,
              `${m.id} has not caught up: ${f === undefined ? 'its meta replica has not answered yet' : `${f.lag} entries behind, at most ${allowed} (10%) allowed`}`
            );
          await this.cluster.proposeMeta({ kind: 'set-member-state', id: m.id, state: 'active' });
          return this.clusterMap();
        })
      ),
      RemoveMember: wrap('RemoveMember', (r: { id: string; force: boolean }, md) =>
        this.onMetaLeader('RemoveMember', r, md, async () => {
          const m = this.member(r.id);
          if (m.state === 'removed') return this.clusterMap();
          const holding = this.cluster.map.storesOf(m.id);
          if (holding.length > 0 && !r.force)
            throw new ClusterRequestError(
              grpc.status.FAILED_PRECONDITION,
              `${m.id} still holds replicas of ${holding.map((s) => s.name).join(', ')}: drain it first, or force`
            );
          if (holding.length > 0) {
            await this.cluster.proposeMeta({
              kind: 'set-member-state',
              id: m.id,
              state: 'draining',
            });
            const eligible = this.cluster.map
              .activeMembers()
              .map((x) => x.id)
              .filter((x) => x !== m.id);
            for (const s of this.cluster.map.storesOf(m.id)) {
              await this.cluster.proposeMeta({
                kind: 'set-replicas',
                name: s.name,
                replicas: desiredReplicas(s, eligible),
                learners: [],
              });
            }
          }
          await this.cluster.proposeMeta({ kind: 'set-member-state', id: m.id, state: 'removed' });
          return this.clusterMap();
        })
      ),
      DrainMember: wrap('DrainMember', (r: { id: string }, md) =>
        this.onMetaLeader('DrainMember', r, md, async () => {
          const m = this.member(r.id);
          if (m.state === 'active' || m.state === 'joining')
            await this.cluster.proposeMeta({
              kind: 'set-member-state',
              id: m.id,
              state: 'draining',
            });
          return this.drainStatus(m.id);
        })
      ),
      GetDrainStatus: wrap('GetDrainStatus', async (r: { id: string }) =>
        this.drainStatus(this.member(r.id).id)
      ),
      TransferLeadership: wrap('TransferLeadership', (r: { group: string; to: string }, md) =>
        this.transfer(r, md)
      ),
      CreateStore: wrap(
        'CreateStore',
        (
          r: {
            name: string;
            replication_factor: number;
            options: { max_keys: string; max_bytes: string } | null;
          },
          md
        ) =>
          this.onMetaLeader('CreateStore', r, md, async () => {
            const name = checkStore(r.name);
            const active = this.cluster.map.activeMembers().length;
            const rf = r.replication_factor === 0 ? Math.min(3, active) : r.replication_factor;
            if (!Number.isInteger(rf) || rf < 1 || rf > 7)
              throw bad(`replication_factor: ${rf} is not 1..7`);
            const maxKeys = Number(r.options?.max_keys ?? 0);
            const maxBytes = Number(r.options?.max_bytes ?? 0);
            if (!Number.isSafeInteger(maxKeys) || maxKeys < 0)
              throw bad('options.max_keys: out of range');
            if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
              throw bad('options.max_bytes: out of range');
            const existing = this.cluster.map.store(name);
            if (existing === undefined)
              await this.cluster.proposeMeta({
                kind: 'create-store',
                name,
                replicationFactor: rf,
                options: { maxKeys, maxBytes },
              });
            else if (existing.replicationFactor !== rf && r.replication_factor !== 0)
              throw new ClusterRequestError(
                grpc.status.ALREADY_EXISTS,
                `store ${name} exists with replication factor ${existing.replicationFactor}`
              );
            return storeToWire(this.cluster.map.store(name)!);
          })
      ),
      DeleteStore: wrap('DeleteStore', (r: { name: string }, md) =>
        this.onMetaLeader('DeleteStore', r, md, async () => {
          const name = checkStore(r.name);
          if (this.cluster.map.store(name) === undefined)
            throw new ClusterRequestError(grpc.status.NOT_FOUND, `store ${name} does not exist`);
          await this.cluster.proposeMeta({ kind: 'delete-store', name });
          return this.clusterMap();
        })
      ),
      ForceSnapshot: wrap('ForceSnapshot', async (r: { group: string }) => {
        const g = this.localGroup(r.group);
        await this.cluster.replicaHost.snapshotNow(g);
        return groupToWire(this.cluster.replicaHost.status(g));
      }),
      LoadReport: wrap('LoadReport', async () => this.cluster.placement.loadReport()),
      PlacementStatus: wrap('PlacementStatus', (r: object, md) =>
        this.onMetaLeader('PlacementStatus', r, md, async () =>
          this.cluster.placement.placementStatus()
        )
      ),
      GroupStatus: wrap('GroupStatus', async (r: { group: string }) => {
        if (r.group !== '') this.localGroup(r.group);
        return {
          member: this.cluster.id,
          groups: this.cluster.groupStatus(r.group).map(groupToWire),
        };
      }),
    } as BrokerAdminHandlers;
  }

  private member(id: string): MemberRecord {
    const m = this.cluster.map.member(checkId(id));
    if (m === undefined) throw new ClusterRequestError(grpc.status.NOT_FOUND, `no member ${id}`);
    return m;
  }

  private localGroup(group: string): string {
    const h = this.cluster.replicaHost;
    if (typeof group !== 'string' || group === '') throw bad('group: missing');
    if (h.hasGroup(group)) return group;
    const g = this.cluster.groupOf(group);
    if (g !== undefined && h.hasGroup(g)) return g;
    throw new ClusterRequestError(
      grpc.status.NOT_FOUND,
      `no replica of group ${group} on ${this.cluster.id}`
    );
  }

  clusterMap(): ClusterMapResponse {
    const m = this.cluster.map.state;
    let leader = '';
    try {
      const l = this.cluster.replicaHost.status(META_GROUP).leader;
      if (l) leader = parseReplicaId(l).memberId;
    } catch {
      leader = '';
    }
    return {
      cluster_id: m.clusterId,
      index: String(m.index),
      members: m.members.map((x) => ({
        id: x.id,
        address: x.address,
        state: STATE_WIRE[x.state],
        generation: x.generation,
        meta_voter: x.metaVoter,
      })),
      // A store being deleted is gone for its users already.
      stores: m.stores.filter((s) => !s.deleting).map(storeToWire),
      meta_leader: leader,
    };
  }

  /** The member id of `group`'s leader as the local replica knows it (not this peer). */
  private localLeader(group: string): string | undefined {
    const h = this.cluster.replicaHost;
    if (!h.hasGroup(group)) return undefined;
    const l = h.status(group).leader;
    if (l === undefined || l === '') return undefined;
    const id = parseReplicaId(l).memberId;
    return id === this.cluster.id ? undefined : id;
  }

  /** A refusal of a forwarded call: not applied, naming the member this peer would ask. */
  private refuseForwarded(message: string, hint: string | undefined): ClusterRequestError {
    return new ClusterRequestError(
      grpc.status.UNAVAILABLE,
      message + (hint !== undefined ? ` (try ${hint})` : ''),
      'not-applied',
      hint !== undefined ? { leaderHint: hint } : undefined
    );
  }

  /**
   * Forwards an admin call for `group` to the members `candidates` names, following leader
   * hints (leader-forwarder.ts); only refusals that certainly changed nothing are retried.
   */
  private forwardAdmin<Res>(
    group: string,
    what: string,
    method: string,
    req: unknown,
    md: grpc.Metadata,
    candidates: () => (string | undefined)[]
  ): Promise<Res> {
    return this.forwarder.forward({
      group,
      what,
      candidates,
      addressOf: (id) => this.cluster.addressOf(id),
      send: (address, t) => {
        const client = this.cluster.calls.admin(address) as unknown as Record<
          string,
          Parameters<typeof unary>[0]
        >;
        return unary(
          client[method]!,
          client,
          req,
          withAuthorization(this.cluster.calls.forwardMetadata(), md),
          t
        ) as Promise<Res>;
      },
      timeoutMs: FORWARD_TIMEOUT_MS,
      idempotent: READ_ONLY.has(method),
      learnLeader: true,
    });
  }

  /** Runs `fn` here if this peer leads the meta group, else forwards the call there. */
  private async onMetaLeader<Req, Res>(
    method: string,
    req: Req,
    md: grpc.Metadata,
    fn: () => Promise<Res>
  ): Promise<Res> {
    if (this.cluster.phase !== 'running')
      throw new ClusterRequestError(
        grpc.status.UNAVAILABLE,
        `the cluster is ${this.cluster.describe()}`
      );
    if (this.cluster.isLeader(META_GROUP)) return fn();
    if (md.get(FORWARDED_HEADER).length > 0)
      throw this.refuseForwarded(
        'not the meta leader (forwarded already)',
        this.localLeader(META_GROUP)
      );
    return this.forwardAdmin<Res>(META_GROUP, 'the meta group', method, req, md, () => [
      this.localLeader(META_GROUP),
      ...this.cluster.map.state.members.filter((m) => m.metaVoter).map((m) => m.id),
    ]);
  }

  private async transfer(
    r: { group: string; to: string },
    md: grpc.Metadata
  ): Promise<GroupStatus> {
    const h = this.cluster.replicaHost;
    const group =
      typeof r.group === 'string' &&
      r.group !== '' &&
      !h.hasGroup(r.group) &&
      this.cluster.map.store(r.group)
        ? this.cluster.groupOf(r.group)!
        : r.group;
    if (typeof group !== 'string' || group === '') throw bad('group: missing');
    if (r.to !== '') checkId(r.to, 'to');
    if (h.hasGroup(group) && this.cluster.isLeader(group)) {
      let to: string | undefined;
      if (r.to !== '') {
        const m = this.member(r.to);
        to = replicaId(m.id, m.generation);
        if (!h.status(group).voters.includes(to))
          throw new ClusterRequestError(
            grpc.status.FAILED_PRECONDITION,
            `${r.to} holds no voting replica of ${group}`
          );
      }
      this.cluster.handOff(group, to);
      return groupToWire(h.status(group));
    }
    const name = storeNameOf(group);
    const s = name !== undefined ? this.cluster.map.store(name) : undefined;
    if (md.get(FORWARDED_HEADER).length > 0)
      throw this.refuseForwarded(
        `not the leader of ${group} (forwarded already)`,
        this.localLeader(group) ??
          (h.hasGroup(group)
            ? undefined
            : (s?.preferredLeader ?? s?.replicas.find((x) => x !== this.cluster.id)))
      );
    return this.forwardAdmin<GroupStatus>(
      group,
      `group ${group}`,
      'TransferLeadership',
      { group, to: r.to },
      md,
      () => {
        const now = name !== undefined ? this.cluster.map.store(name) : undefined;
        return [this.localLeader(group), now?.preferredLeader, ...(now?.replicas ?? [])];
      }
    );
  }

  /** Asked of the draining member itself when it is another peer: it knows what it holds. */
  private async drainStatus(id: string): Promise<DrainStatus> {
    const m = this.member(id);
    const state = STATE_WIRE[m.state];
    const placed = this.cluster.map.storesOf(id).length;
    if (id !== this.cluster.id) {
      const address = this.cluster.addressOf(id);
      if (address !== undefined) {
        try {
          const client = this.cluster.calls.admin(address);
          const remote = (await unary(
            client.GetDrainStatus,
            client,
            { id },
            this.cluster.calls.forwardMetadata(),
            5_000
          )) as DrainStatus;
          // The member counts what it still holds, but its copy of the map may not have
          // applied the latest state change yet (a DrainMember answered right after its
          // commit): the state is this peer's, and done needs both to agree.
          return { ...remote, state, done: remote.done === true && m.state === 'draining' };
        } catch {
          // Unreachable: answer from the map alone.
        }
      }
      return {
        id,
        state,
        replicas_left: placed,
        leaders_left: 0,
        done: placed === 0 && m.state === 'draining',
      };
    }
    const h = this.cluster.replicaHost;
    const storeGroups = h.groups().filter((g) => g !== META_GROUP);
    const leaders = h.groups().filter((g) => this.cluster.isLeader(g)).length;
    const left = Math.max(placed, storeGroups.length);
    return {
      id,
      state,
      replicas_left: left,
      leaders_left: leaders,
      done: left === 0 && leaders === 0 && m.state === 'draining',
    };
  }
}

/** A forwarded call carries the caller's admin token on to the peer that runs it. */
function withAuthorization(out: grpc.Metadata, from: grpc.Metadata): grpc.Metadata {
  const v = from.get('authorization')[0];
  if (typeof v === 'string') out.set('authorization', v);
  return out;
}

export function storeToWire(s: StoreRecord): StoreMap {
  return {
    name: s.name,
    replication_factor: s.replicationFactor,
    options: { max_keys: String(s.options.maxKeys), max_bytes: String(s.options.maxBytes) },
    replicas: [...s.replicas],
    learners: [...s.learners],
    group: s.group,
  };
}

export function groupToWire(st: GroupStatusView): GroupStatus {
  return {
    group: st.group,
    store: storeNameOf(st.group) ?? '',
    role: st.broken ? 'broken' : st.role,
    term: String(st.term),
    leader: st.leader !== undefined && st.leader !== '' ? parseReplicaId(st.leader).memberId : '',
    commit_index: String(st.commitIndex),
    applied_index: String(st.appliedIndex),
    last_index: String(st.lastIndex),
    snapshot_index: String(st.snapshotIndex),
    followers: st.followers.map((f) => ({
      id: f.id,
      match: String(f.match),
      next: String(f.next),
      state: f.state,
      learner: f.learner,
      lag: String(f.lag),
    })),
    broken: st.broken,
    broken_reason: st.brokenReason ?? '',
    restore_bytes: String(st.restore?.bytes ?? 0),
    restore_total: String(st.restore?.total ?? 0),
    voters: [...st.voters],
    learners: [...st.learners],
  };
}
