import { EMPTY_CONF_STATE, RaftHost } from '../../node/src/raft/index.js';
import type { GroupId, HardState, Message, NodeId, Snapshot } from '../../node/src/raft/types.js';
import { MemoryLogStore, type RecoveredGroup } from '../../node/src/storage/index.js';
import { InvariantViolationError } from './errors.js';
import { GroupReplica } from './group-replica.js';
import type { InvariantTracker } from './invariants.js';
import { KvStateMachine } from './kv-state-machine.js';
import { Prng } from './prng.js';
import type { Mutation, NodeEvents, RaftKnobs } from './sim-node.js';

/**
 * Harness faults of the multi-group path, on top of the single-group ones:
 * `sync-first-group` syncs after staging only the first group's writes of a round and sends
 * before the other groups' writes are durable; `cross-apply` applies each group's committed
 * commands to the next group's state machine.
 */
export type MultiGroupMutation = Mutation | 'sync-first-group' | 'cross-apply';
export const MULTI_GROUP_MUTATIONS: readonly MultiGroupMutation[] = [
  'none',
  'drop-vote',
  'stale-read',
  'sync-first-group',
  'cross-apply',
];

/** What the host needs from the simulation: per-group events and the wire. */
export interface HostEvents {
  group(g: GroupId): NodeEvents;
  /** One batch per destination peer per round, as the transport sends it. */
  send(to: NodeId, msgs: readonly Message[]): void;
  roleChanged(node: NodeId, group: GroupId, replica: GroupReplica): void;
}

/**
 * One simulated process hosting several Raft groups: ONE MemoryLogStore that outlives crashes
 * and a RaftHost with one RawNode per group. A crash drops the RaftHost and every replica; a
 * restart rebuilds every hosted group from the one store. Each round of Ready handling is
 * host-wide: persist every group, one syncNow() if any group needs it, send messagesByPeer,
 * apply every group, then advance.
 */
export class SimHost {
  readonly store = new MemoryLogStore();
  host: RaftHost | undefined;
  /** Live replicas by group; empty while the process is down. */
  readonly replicas = new Map<GroupId, GroupReplica>();
  /**
   * The groups this process hosts. It survives crashes, as the node's own record of its
   * groups would (a group joined as an empty learner has nothing in the store yet).
   * Invariant: every group the store holds is in here.
   */
  readonly hosted = new Set<GroupId>();
  restarts = 0;

  constructor(
    readonly id: NodeId,
    private readonly knobs: RaftKnobs,
    private readonly seed: number,
    private readonly trackers: ReadonlyMap<GroupId, InvariantTracker>,
    private readonly mutation: MultiGroupMutation
  ) {}

  get alive(): boolean {
    return this.host !== undefined;
  }

  /** Writes a founding member's durable state for `group`: a snapshot at 1 holding its voters. */
  bootstrap(group: GroupId, voters: readonly NodeId[]): void {
    const snap: Snapshot = {
      meta: { index: 1, term: 1, confState: { ...EMPTY_CONF_STATE, voters: [...voters] } },
      data: new KvStateMachine().snapshot(),
    };
    this.store.saveSnapshot(group, snap);
    this.store.setHardState(group, { term: 1, vote: '', commit: 1 });
    this.store.syncNow();
    this.hosted.add(group);
  }

  /** Starts (or restarts) the process: every hosted group from what the store holds durably. */
  start(): void {
    const recovered = this.store.load();
    for (const g of recovered.keys()) {
      if (!this.hosted.has(g)) {
        throw new InvariantViolationError(
          'hosted-groups',
          `${this.id} store holds group ${g} it does not host`
        );
      }
    }
    this.host = new RaftHost();
    this.replicas.clear();
    for (const g of this.hosted) this.startGroup(g, recovered.get(g));
    this.restarts++;
  }

  /** Adds a group this live process did not host (it joins as an empty learner). */
  joinGroup(group: GroupId): void {
    this.hosted.add(group);
    this.startGroup(group, undefined);
  }

  /** Undoes joinGroup() for a join whose conf change was refused (nothing was sent to it). */
  leaveGroup(group: GroupId): void {
    this.host!.removeGroup(group);
    this.replicas.delete(group);
    this.hosted.delete(group);
  }

  private startGroup(group: GroupId, rec: RecoveredGroup | undefined): void {
    const tracker = this.trackers.get(group);
    if (tracker === undefined) throw new Error(`no tracker for group ${group}`);
    const r = new GroupReplica(this.id, group, tracker, rec);
    this.replicas.set(group, r);
    // Each group's election jitter has its own stream, different after every restart.
    const salt = Math.imul(this.restarts, 0x9e3779b1) ^ Math.imul(hashGroup(group), 0x85ebca6b);
    const rng = new Prng((this.seed + salt) >>> 0);
    this.host!.addGroup({
      id: this.id,
      group,
      electionTick: this.knobs.electionTick,
      heartbeatTick: this.knobs.heartbeatTick,
      storage: r.storage,
      applied: r.applied,
      checkQuorum: this.knobs.checkQuorum,
      preVote: this.knobs.preVote,
      maxSizePerMsg: this.knobs.maxSizePerMsg,
      maxInflightMsgs: this.knobs.maxInflightMsgs,
      random: () => rng.next(),
    });
  }

  replica(group: GroupId): GroupReplica | undefined {
    return this.replicas.get(group);
  }

  /** The process dies: volatile state is gone, unsynced writes are lost (a torn prefix may stay). */
  crash(rng: Prng | undefined): void {
    this.store.crash(rng === undefined ? undefined : () => rng.next());
    this.host = undefined;
    this.replicas.clear();
  }

  private toPersist = (hs: HardState): HardState =>
    this.mutation === 'drop-vote' ? { ...hs, vote: '' } : hs;

  /**
   * Takes the pending HostReady and stages every group's writes without syncing, as a process
   * that dies inside its persist step would. Returns the number of groups staged.
   */
  stageReadyWithoutSync(): number {
    const hr = this.host!.ready();
    for (const { group, ready } of hr.groups) {
      this.replicas.get(group)!.persist(this.store, ready, this.toPersist);
    }
    return hr.groups.length;
  }

  /** Handles every pending HostReady. */
  drain(events: HostEvents): void {
    const host = this.host;
    if (host === undefined) return;
    while (host.hasReady()) this.round(host, events);
    for (const r of this.replicas.values()) r.checkLeader();
  }

  private round(host: RaftHost, events: HostEvents): void {
    const hr = host.ready();
    // 1. Persist every group, then one sync for all of them.
    let synced = false;
    for (const { group, ready } of hr.groups) {
      const r = this.replicas.get(group)!;
      if (r.observe(ready)) events.roleChanged(this.id, group, r);
      r.persist(this.store, ready, this.toPersist);
      if (this.mutation === 'sync-first-group' && hr.mustSync && !synced) {
        this.store.syncNow();
        synced = true;
      }
    }
    if (hr.mustSync && this.mutation !== 'sync-first-group') this.store.syncNow();
    for (const { group } of hr.groups) this.replicas.get(group)!.checkCommitted();

    // 2. Send, one batch per destination peer.
    for (const [to, msgs] of hr.messagesByPeer) events.send(to, msgs);

    // 3. Apply every group.
    for (const { group, ready } of hr.groups) {
      const r = this.replicas.get(group)!;
      const raw = host.group(group);
      r.apply(raw, ready, events.group(group), () => this.targetOf(group));
    }

    // 4. Advance the whole batch.
    host.advance();
  }

  /** The state machine a group's commands go to (another group's under cross-apply). */
  private targetOf(group: GroupId): KvStateMachine {
    const own = this.replicas.get(group)!;
    if (this.mutation !== 'cross-apply') return own.sm;
    const ids = [...this.replicas.keys()].sort();
    const next = ids[(ids.indexOf(group) + 1) % ids.length]!;
    return this.replicas.get(next)!.sm;
  }

  /** Snapshot and compact one group; synced at once, out of band. */
  snapshotAndCompact(group: GroupId, compactTo: number): string {
    const r = this.replicas.get(group);
    if (r === undefined) return 'skip (down)';
    const out = r.snapshotAndCompact(this.store, compactTo);
    this.store.syncNow();
    return out;
  }
}

/** A small stable hash of a group id (seeds per-group randomness). */
function hashGroup(g: GroupId): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < g.length; i++) h = Math.imul(h ^ g.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
