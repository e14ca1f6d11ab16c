/**
 * The cluster layer of a peer (docs/cluster.md): runs the `meta` group (the cluster map) and
 * every store group this member holds a replica of, on one ReplicaHost.
 *
 * Life cycle: start() opens the host. A peer with state replays it. A peer with an empty data
 * directory asks the static peers (Discover): if a cluster has formed it joins (Join; a
 * known member that lost its data comes back with a new generation, so its replicas are new
 * Raft replicas and a lost vote is never reused); if none has and a majority of the founders
 * (the first --meta-voters ids) are empty or forming, the founders bootstrap the meta group.
 *
 * Then a reconcile pass runs on every map change and every RECONCILE_MS: it opens and closes
 * local replicas to match the map, and, where this member leads, carries out what the map asks
 * (the meta leader: bootstrap record, meta voters, declared stores, placement; a store
 * leader: its group's membership, one conf change at a time, learner first; expiry).
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { Logger, NodeConfig } from '../config/index.js';
import type { GroupStatusResponse__Output } from '../gen/broker/v1/GroupStatusResponse.js';
import type { ConfChangeSingle } from '../raft/index.js';
import {
  EntryTooLargeError,
  GroupClosedError,
  type GroupStatusView,
  NotLeaderError,
  ProposalRejectedError,
  ProposalTimeoutError,
  ReadIndexTimeoutError,
  ReplicaBrokenError,
  ReplicaBusyError,
  ReplicaHost,
  type ReplicationObserver,
} from '../replication/index.js';
import { type StoreEvent, encodeCommand } from '../store/index.js';
import { ClusterRequestError, ClusterStartError } from './errors.js';
import { FaultFile } from './fault-file.js';
import {
  type ClusterMap,
  type MemberRecord,
  type MetaCommand,
  type StoreRecord,
  desiredReplicas,
  encodeMetaCommand,
  parseReplicaId,
  replicaId,
} from './map/index.js';
import { MetaMachine } from './meta-machine.js';
import { PeerCalls, unary } from './peer-calls.js';
import { PlacementRunner } from './placement-runner.js';
import { StoreMachine } from './store-machine.js';

export const META_GROUP = 'meta';
const RECONCILE_MS = 300;
const DISCOVER_TIMEOUT_MS = 2_000;
/** A learner is promoted when it is at most this far behind the leader's log (or 10%). */
const PROMOTE_LAG = 100;
/** Expired keys removed per expire entry. */
const EXPIRE_BATCH = 1000;
/** A leadership transfer towards the map's preferred leader is asked again after this. */
const PREFERRED_RETRY_MS = 2_000;
/** How often a replica the map no longer wants, and that hears no leader, is checked. */
const ORPHAN_CHECK_MS = 2_000;

export type ClusterPhase = 'starting' | 'discovering' | 'joining' | 'running' | 'stopped';

/** Hooks to the rest of the node. */
export interface ClusterDeps {
  readonly config: NodeConfig;
  readonly log: Logger;
  readonly channelCredentials: grpc.ChannelCredentials;
  /** This peer's advertised gRPC address (HOST:PORT), known once the listener is bound. */
  readonly advertise: () => string;
  /** Metrics hooks of the replica host. */
  readonly observer?: ReplicationObserver;
  /** Publishes store events on the mesh (called on the group leader only). */
  readonly publishEvents: (store: string, events: readonly StoreEvent[]) => void;
  /** The node's metrics: load and placement metrics are added, routed events read. */
  readonly registry?: Registry;
}

/** The store a group id belongs to (`s-NAME-CREATEDINDEX`, see the cluster map), if any. */
export function storeNameOf(group: string): string | undefined {
  const m = /^s-(.+)-\d+$/.exec(group);
  return m === null ? undefined : m[1];
}

export class ClusterManager {
  readonly meta = new MetaMachine();
  readonly calls: PeerCalls;
  phase: ClusterPhase = 'starting';
  /** This member's generation; its replica ids are `${id}@${generation}`. */
  generation = 0;
  private host: ReplicaHost | undefined;
  /** The local store replicas by group id. */
  private readonly stores = new Map<string, StoreMachine>();
  private readonly faults: FaultFile | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reconciling = false;
  private reconcileAgain = false;
  private stopped = false;
  private lastError = '';
  /** Load measurement and, on the meta leader, the placement driver. */
  readonly placement: PlacementRunner;
  /** When a transfer to the map's preferred leader was last asked for, per group. */
  private readonly preferredAskedAt = new Map<string, number>();
  /**
   * Local replicas the map no longer wants that still count themselves in their group's
   * configuration and hear no leader (a member that was down while its replicas were
   * re-created elsewhere): each is destroyed once a leader of the group says it is not in
   * the configuration.
   */
  private readonly orphans = new Set<string>();
  private orphanCheckAt = 0;
  private orphanChecking = false;

  constructor(private readonly deps: ClusterDeps) {
    const c = deps.config;
    this.calls = new PeerCalls(c.id, c.clusterSecret, deps.channelCredentials);
    this.placement = new PlacementRunner(
      {
        id: c.id,
        generation: () => this.generation,
        map: () => this.map,
        calls: this.calls,
        isLeader: (g) => this.isLeader(g),
        groupStatus: (w) => this.groupStatus(w),
        proposeMeta: (cmd) => this.proposeMeta(cmd),
        running: () => this.phase === 'running' && this.map.state.clusterId !== '',
      },
      {
        config: c.store.placement,
        log: deps.log,
        dataDir: c.dataDir ?? '.',
        ...(deps.registry !== undefined ? { registry: deps.registry } : {}),
      }
    );
    this.faults =
      c.store.faultFile !== undefined ? new FaultFile(c.store.faultFile, deps.log) : undefined;
    this.meta.onChange(() => this.kick());
  }

  get id(): string {
    return this.deps.config.id;
  }

  get replicaHost(): ReplicaHost {
    if (this.host === undefined)
      throw new ClusterRequestError(grpc.status.UNAVAILABLE, 'the store layer is starting');
    return this.host;
  }

  get map(): ClusterMap {
    return this.meta.map;
  }

  /** This member's replica id in its current generation. */
  get selfReplica(): string {
    return replicaId(this.id, this.generation);
  }

  /** Status line for readiness and logs. */
  describe(): string {
    return this.lastError === '' ? this.phase : `${this.phase}: ${this.lastError}`;
  }

  /** Opens the host and replays local state; forming or joining continues in the background. */
  async start(): Promise<void> {
    const c = this.deps.config;
    if (c.dataDir === undefined) throw new ClusterStartError('stores need --data-dir');
    this.host = await ReplicaHost.open({
      memberId: c.id,
      dataDir: c.dataDir,
      tickMs: c.store.raftTickMs,
      electionTicks: c.store.electionTicks,
      heartbeatTicks: 1,
      snapshotEntries: c.store.snapshotEntries,
      snapshotBytes: c.store.snapshotBytes,
      snapshotRateBytesPerSec: c.store.snapshotRate,
      maxPendingProposals: c.store.maxPendingProposals,
      secret: c.clusterSecret,
      channelCredentials: this.deps.channelCredentials,
      directory: { address: (m) => this.addressOf(m) },
      ...(this.faults !== undefined ? { linkFilter: this.faults } : {}),
      log: this.deps.log,
      memberOfReplica: (r) => parseReplicaId(r).memberId,
      ...(this.deps.observer !== undefined ? { observer: this.deps.observer } : {}),
      onUnknownGroup: () => this.kick(),
    });
    const recovered = this.host.recoveredGroups();
    const meta = recovered.find((g) => g.group === META_GROUP);
    if (meta !== undefined) {
      this.generation = parseReplicaId(meta.replicaId).generation;
      this.host.openGroup(META_GROUP, meta.replicaId, this.meta);
      for (const g of recovered) {
        const name = storeNameOf(g.group);
        if (name === undefined) continue;
        this.host.openGroup(g.group, g.replicaId, this.storeMachine(name, g.group));
      }
      this.phase = 'running';
      this.deps.log.log('info', 'cluster state recovered', {
        replica: this.selfReplica,
        groups: recovered.length,
      });
    } else {
      this.phase = 'discovering';
      void this.formOrJoin();
    }
    this.timer = setInterval(() => this.kick(), RECONCILE_MS);
    this.timer.unref();
    this.placement.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.phase = 'stopped';
    if (this.timer !== undefined) clearInterval(this.timer);
    this.placement.stop();
    this.faults?.close();
    await this.host?.close();
    this.calls.close();
  }

  /** The address of a member: from the map, else from --peers. */
  addressOf(memberId: string): string | undefined {
    const m = this.map.member(memberId);
    if (m !== undefined) return m.address;
    const p = this.deps.config.peers.find((x) => x.id === memberId);
    if (p !== undefined) return `${p.address.host}:${p.address.port}`;
    return memberId === this.id ? this.deps.advertise() : undefined;
  }

  /** The founders: the first --meta-voters ids of every static peer and this one. */
  founders(): string[] {
    const ids = [this.id, ...this.deps.config.peers.map((p) => p.id)].sort();
    return ids.slice(0, Math.min(this.deps.config.store.metaVoters, ids.length));
  }

  /** Discovery state for the Discover call. */
  discoverState(): 'formed' | 'forming' | 'empty' {
    if (this.map.state.clusterId !== '') return 'formed';
    return this.host?.hasGroup(META_GROUP) === true ? 'forming' : 'empty';
  }

  // ---- forming and joining -------------------------------------------------------------

  private async formOrJoin(): Promise<void> {
    const founders = this.founders();
    let round = 0;
    while (!this.stopped && this.phase === 'discovering') {
      round++;
      const answers = await Promise.all(
        this.deps.config.peers.map(async (p) => {
          const address = `${p.address.host}:${p.address.port}`;
          try {
            const client = this.calls.replication(address);
            const res = await unary(
              client.Discover,
              client,
              { peer_id: this.id },
              this.calls.proofMetadata(p.id, 'Discover'),
              DISCOVER_TIMEOUT_MS
            );
            return { id: p.id, address, state: (res as { state: string }).state };
          } catch (e) {
            return { id: p.id, address, state: 'unreachable', error: (e as Error).message };
          }
        })
      );
      const formed = answers.find((a) => a.state === 'formed');
      if (formed !== undefined) {
        await this.join(formed.address);
        return;
      }
      const ready = answers.filter(
        (a) => founders.includes(a.id) && (a.state === 'empty' || a.state === 'forming')
      ).length;
      if (founders.includes(this.id) && (ready + 1) * 2 > founders.length) {
        this.bootstrap(founders);
        return;
      }
      this.lastError = `waiting for a formed cluster or a majority of founders (${founders.join(
        ','
      )}): ${answers.map((a) => `${a.id}=${a.state}`).join(' ')}`;
      if (round % 10 === 1)
        this.deps.log.log('info', 'cluster discovery', { status: this.lastError });
      await new Promise((r) => setTimeout(r, 1000).unref());
    }
  }

  private bootstrap(founders: string[]): void {
    this.generation = 0;
    this.replicaHost.openGroup(META_GROUP, this.selfReplica, this.meta, {
      bootstrap: { voters: founders.map((f) => replicaId(f, 0)) },
    });
    this.phase = 'running';
    this.lastError = '';
    this.deps.log.log('info', 'bootstrapping the meta group', { founders });
    this.kick();
  }

  private async join(viaAddress: string): Promise<void> {
    this.phase = 'joining';
    while (!this.stopped) {
      try {
        const client = this.calls.replication(viaAddress);
        const res = (await unary(
          client.Join,
          client,
          { peer_id: this.id, address: this.deps.advertise(), empty: true },
          this.calls.proofMetadata('', 'Join'),
          10_000
        )) as { admitted: boolean; generation: number; reason: string };
        if (res.admitted) {
          this.generation = res.generation;
          this.replicaHost.openGroup(META_GROUP, this.selfReplica, this.meta);
          this.phase = 'running';
          this.lastError = '';
          this.deps.log.log('info', 'joined the cluster', { replica: this.selfReplica });
          this.kick();
          return;
        }
        this.lastError = `join refused: ${res.reason}`;
      } catch (e) {
        this.lastError = `join via ${viaAddress} failed: ${(e as Error).message}`;
      }
      this.deps.log.log('warn', 'join', { status: this.lastError });
      await new Promise((r) => setTimeout(r, 1000).unref());
    }
  }

  /**
   * The meta leader's side of Join: a new member is added (`joining`); a known one that lost
   * its data gets a new generation. Returns the generation the caller's replicas use.
   */
  async admit(
    id: string,
    address: string,
    empty: boolean
  ): Promise<{ generation: number; admitted: boolean; reason: string }> {
    const existing = this.map.member(id);
    if (existing?.state === 'removed')
      return { generation: 0, admitted: false, reason: `${id} was removed from the cluster` };
    if (existing === undefined) {
      await this.proposeMeta({ kind: 'add-member', id, address });
    } else if (empty) {
      await this.proposeMeta({ kind: 'rejoin', id, address, fromGeneration: existing.generation });
    } else if (existing.address !== address) {
      await this.proposeMeta({ kind: 'set-address', id, address });
    }
    const m = this.map.member(id);
    if (m === undefined) return { generation: 0, admitted: false, reason: 'not admitted yet' };
    return { generation: m.generation, admitted: true, reason: '' };
  }

  // ---- proposing -----------------------------------------------------------------------

  /** Proposes a meta command on this peer (which must lead the meta group). */
  async proposeMeta(cmd: MetaCommand): Promise<unknown> {
    const res = await this.propose(META_GROUP, encodeMetaCommand(cmd));
    const r = res as { ok: boolean; error?: Error; value?: unknown };
    if (!r.ok)
      throw new ClusterRequestError(
        grpc.status.FAILED_PRECONDITION,
        r.error?.message ?? 'refused',
        'not-applied'
      );
    return r.value;
  }

  /** Proposes on a local leader replica, mapping the host's errors to request errors. */
  async propose(group: string, data: Uint8Array, timeoutMs?: number): Promise<unknown> {
    const t = timeoutMs ?? this.deps.config.store.requestTimeoutMs;
    try {
      const { result } = await this.replicaHost.propose(group, data, { timeoutMs: t });
      return result;
    } catch (e) {
      throw mapHostError(e);
    }
  }

  // ---- reconcile -----------------------------------------------------------------------

  /** Schedules a reconcile pass (coalesced; never two at once). */
  kick(): void {
    if (this.stopped || this.phase !== 'running') return;
    if (this.reconciling) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = true;
    setImmediate(() => {
      void this.reconcile().finally(() => {
        this.reconciling = false;
        if (this.reconcileAgain) {
          this.reconcileAgain = false;
          this.kick();
        }
      });
    });
  }

  private async reconcile(): Promise<void> {
    if (!this.orphanChecking && this.orphans.size > 0) {
      this.orphanChecking = true;
      void this.checkOrphans()
        .catch(() => undefined)
        .finally(() => {
          this.orphanChecking = false;
        });
    }
    try {
      if (this.isLeader(META_GROUP)) await this.metaLeaderDuties();
      this.openAndCloseReplicas();
      for (const s of this.map.state.stores) {
        if (this.host?.hasGroup(s.group) === true && this.isLeader(s.group))
          await this.storeLeaderDuties(s);
      }
      if (this.isLeader(META_GROUP)) {
        await this.reconcileGroupMembers(META_GROUP, this.metaDesired());
        if (this.map.member(this.id)?.state === 'draining') this.handOff(META_GROUP);
      }
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.lastError)
        this.deps.log.log('debug', 'reconcile step deferred', { error: msg });
      this.lastError = msg;
      return;
    }
    this.lastError = '';
  }

  isLeader(group: string): boolean {
    const h = this.host;
    return h !== undefined && h.isLeader(group);
  }

  private async metaLeaderDuties(): Promise<void> {
    const m = this.map;
    const c = this.deps.config;
    if (m.state.clusterId === '') {
      const members = [
        { id: this.id, address: this.deps.advertise() },
        ...c.peers.map((p) => ({ id: p.id, address: `${p.address.host}:${p.address.port}` })),
      ];
      // The founders voted the meta group into being: the map starts with them as its voters.
      const founders = this.founders();
      await this.proposeMeta({
        kind: 'bootstrap',
        clusterId: randomBytes(8).toString('hex'),
        members,
        metaVoters: founders,
      });
      return;
    }
    // Meta voters: keep the active ones, fill up to --meta-voters from active members.
    const active = m.activeMembers().map((x) => x.id);
    const keep = m.state.members
      .filter((x) => x.metaVoter && active.includes(x.id))
      .map((x) => x.id);
    const want = [...keep];
    for (const id of [...active].sort()) {
      if (want.length >= c.store.metaVoters) break;
      if (!want.includes(id)) want.push(id);
    }
    const current = m.state.members.filter((x) => x.metaVoter).map((x) => x.id);
    if (want.length > 0 && !sameSet(want, current)) {
      await this.proposeMeta({ kind: 'set-meta-voters', ids: want.sort() });
      return;
    }
    for (const name of c.store.declaredStores) {
      if (m.store(name) === undefined) {
        await this.proposeMeta({
          kind: 'create-store',
          name,
          replicationFactor: Math.min(c.store.replicationFactor, active.length),
          options: { maxKeys: 0, maxBytes: 0 },
        });
      }
    }
    // Placement: replicas off members that are not active (draining), minimal movement.
    for (const s of m.state.stores) {
      if (s.deleting) {
        await this.proposeMeta({ kind: 'store-gone', name: s.name });
        continue;
      }
      const desired = desiredReplicas(s, active);
      if (!sameSet(desired, s.replicas)) {
        await this.proposeMeta({
          kind: 'set-replicas',
          name: s.name,
          replicas: desired,
          learners: [],
        });
      }
    }
  }

  /** The meta group's wanted membership: meta voters vote, every other member learns. */
  private metaDesired(): { voters: string[]; learners: string[] } {
    const voters: string[] = [];
    const learners: string[] = [];
    for (const mem of this.map.state.members) {
      if (mem.state === 'removed') continue;
      (mem.metaVoter ? voters : learners).push(replicaId(mem.id, mem.generation));
    }
    return { voters, learners };
  }

  private storeDesired(s: StoreRecord): { voters: string[]; learners: string[] } {
    const voters = s.replicas
      .map((id) => this.map.member(id))
      .filter((x): x is MemberRecord => x !== undefined)
      .map((x) => replicaId(x.id, x.generation));
    return { voters, learners: [] };
  }

  /** Opens replicas the map gives this member and destroys those it no longer holds. */
  private openAndCloseReplicas(): void {
    const h = this.replicaHost;
    const me = this.map.member(this.id);
    if (me !== undefined && me.generation !== this.generation) return; // a stale incarnation
    for (const s of this.map.state.stores) {
      const g = s.group;
      const wanted = !s.deleting && s.replicas.includes(this.id);
      if (wanted && !h.hasGroup(g)) {
        // Only the replicas the group was created with start with its voter set; any other
        // starts empty and is caught up by its leader's snapshot.
        const initial = s.initialReplicas;
        const bootstrap = initial.includes(this.selfReplica);
        h.openGroup(
          g,
          this.selfReplica,
          this.storeMachine(s.name, g),
          bootstrap ? { bootstrap: { voters: [...initial] } } : undefined
        );
      }
    }
    for (const g of h.groups()) {
      const name = storeNameOf(g);
      if (name === undefined) continue;
      const rec = this.map.store(name);
      const s = rec !== undefined && rec.group === g ? rec : undefined;
      const wanted = s !== undefined && !s.deleting && s.replicas.includes(this.id);
      if (wanted) {
        this.orphans.delete(g);
        continue;
      }
      if (this.map.state.clusterId === '') continue; // map not known yet: keep everything
      const st = h.status(g);
      const inConf = st.voters.includes(this.selfReplica) || st.learners.includes(this.selfReplica);
      if (s === undefined || s.deleting || !inConf) {
        this.orphans.delete(g);
        this.destroyReplica(g);
      } else if (st.leader === undefined || st.leader === '') this.orphans.add(g);
      else this.orphans.delete(g);
    }
    for (const g of [...this.orphans]) if (!h.hasGroup(g)) this.orphans.delete(g);
  }

  private destroyReplica(g: string): void {
    this.stores.delete(g);
    this.preferredAskedAt.delete(g);
    void this.replicaHost.closeGroup(g, { destroy: true });
    this.deps.log.log('info', 'replica removed', { group: g });
  }

  /**
   * An unwanted replica that still lists itself and hears no leader was cut out of its group
   * while this member was away: the group's leader never talks to it again, so it would wait
   * forever. It is destroyed once a replica the map names answers as the group's leader with
   * a configuration without it, never on silence alone (a leader still counting it may just
   * be unreachable).
   */
  private async checkOrphans(): Promise<void> {
    if (this.orphans.size === 0) return;
    const now = Date.now();
    if (now < this.orphanCheckAt) return;
    this.orphanCheckAt = now + ORPHAN_CHECK_MS;
    for (const g of [...this.orphans]) {
      const s = this.map.store(storeNameOf(g) ?? '');
      if (s === undefined || s.group !== g) continue;
      for (const id of s.replicas) {
        const address = id === this.id ? undefined : this.addressOf(id);
        if (address === undefined) continue;
        let res: GroupStatusResponse__Output;
        try {
          const client = this.calls.admin(address);
          res = (await unary(
            client.GroupStatus,
            client,
            { group: g },
            this.calls.forwardMetadata(),
            ORPHAN_CHECK_MS
          )) as GroupStatusResponse__Output;
        } catch {
          continue;
        }
        const st = res.groups.find((x) => x.group === g);
        if (st === undefined || st.role !== 'leader') continue;
        if (!st.voters.includes(this.selfReplica) && !st.learners.includes(this.selfReplica)) {
          this.orphans.delete(g);
          if (this.host?.hasGroup(g) === true && !this.wants(g)) {
            this.deps.log.log('info', 'replica left behind while away: its group moved on', {
              group: g,
              leader: id,
            });
            this.destroyReplica(g);
          }
        }
        break;
      }
    }
  }

  /** Whether the map gives this member a replica of group `g`. */
  private wants(g: string): boolean {
    const s = this.map.store(storeNameOf(g) ?? '');
    return s !== undefined && s.group === g && !s.deleting && s.replicas.includes(this.id);
  }

  private async storeLeaderDuties(s: StoreRecord): Promise<void> {
    const g = s.group;
    const desired = this.storeDesired(s);
    await this.reconcileGroupMembers(g, desired);
    await this.expire(g);
    // A draining member gives its leadership away.
    const me = this.map.member(this.id);
    if (me !== undefined && me.state === 'draining') this.handOff(g);
    else this.towardsPreferredLeader(s, desired.voters);
  }

  /**
   * The placement driver's choice of leader (set-preferred-leader): handed over once the
   * group's configuration is what the map asks and the target is a caught-up voter; asked
   * again every PREFERRED_RETRY_MS while it has not happened.
   */
  private towardsPreferredLeader(s: StoreRecord, wantVoters: readonly string[]): void {
    const pref = s.preferredLeader;
    if (pref === undefined || pref === this.id) return;
    const m = this.map.member(pref);
    if (m === undefined || m.state !== 'active') return;
    const target = replicaId(m.id, m.generation);
    const h = this.replicaHost;
    const st = h.status(s.group);
    if (st.learners.length > 0 || !sameSet(st.voters, wantVoters) || !st.voters.includes(target))
      return;
    const f = st.followers.find((x) => x.id === target);
    if (f === undefined || f.lag > PROMOTE_LAG) return;
    const now = Date.now();
    if (now - (this.preferredAskedAt.get(s.group) ?? 0) < PREFERRED_RETRY_MS) return;
    this.preferredAskedAt.set(s.group, now);
    this.deps.log.log('info', 'leadership to the preferred leader', { group: s.group, to: pref });
    h.transferLeadership(s.group, target);
  }

  /** Moves leadership to the most caught-up other voter. */
  handOff(group: string, to?: string): void {
    const st = this.replicaHost.status(group);
    const target =
      to ??
      st.followers
        .filter((f) => !f.learner && f.id !== this.selfReplica && st.voters.includes(f.id))
        .sort((a, b) => b.match - a.match)[0]?.id;
    if (target !== undefined) this.replicaHost.transferLeadership(group, target);
  }

  /**
   * One step towards the wanted membership of a group this member leads: add a missing
   * replica as a learner; promote a caught-up learner (replacing an unwanted voter in the same
   * joint change, so the group keeps its size); remove an unwanted voter or learner. The
   * leader never removes itself: it hands leadership to a wanted voter first.
   */
  private async reconcileGroupMembers(
    group: string,
    want: { voters: string[]; learners: string[] }
  ): Promise<void> {
    const h = this.replicaHost;
    const st = h.status(group);
    // A change still pending (or a joint configuration not yet left) makes the host refuse the
    // next one; the refusal is caught by reconcile() and the step is retried on the next pass.
    const wanted = new Set([...want.voters, ...want.learners]);
    if (want.voters.length === 0) return;
    const missing = [...wanted].filter((r) => !st.voters.includes(r) && !st.learners.includes(r));
    if (missing.length > 0) {
      await h.addLearner(group, missing[0]!, {
        timeoutMs: this.deps.config.store.requestTimeoutMs,
      });
      return;
    }
    const unwantedVoters = st.voters.filter((v) => !want.voters.includes(v));
    const caughtUp = (r: string): boolean => {
      const f = st.followers.find((x) => x.id === r);
      return f !== undefined && f.lag <= Math.max(PROMOTE_LAG, Math.floor(st.lastIndex / 10));
    };
    const promotable = st.learners.filter((l) => want.voters.includes(l) && caughtUp(l));
    if (promotable.length > 0) {
      const changes: ConfChangeSingle[] = [{ type: 'add-voter', node: promotable[0]! }];
      const victim = unwantedVoters.find((v) => v !== this.selfReplica);
      if (victim !== undefined) changes.push({ type: 'remove', node: victim });
      await this.confChange(group, changes);
      return;
    }
    if (unwantedVoters.length > 0 && st.voters.length > want.voters.length) {
      const victim = unwantedVoters.find((v) => v !== this.selfReplica);
      if (victim !== undefined) {
        await this.confChange(group, [{ type: 'remove', node: victim }]);
        return;
      }
      // This leader itself is unwanted: hand over to a caught-up wanted voter.
      const next = want.voters.find((v) => st.voters.includes(v) && caughtUp(v));
      if (next !== undefined) h.transferLeadership(group, next);
      return;
    }
    const unwantedLearners = st.learners.filter((l) => !wanted.has(l));
    if (unwantedLearners.length > 0) {
      await this.confChange(group, [{ type: 'remove', node: unwantedLearners[0]! }]);
    }
  }

  private async confChange(group: string, changes: ConfChangeSingle[]): Promise<void> {
    this.deps.log.log('info', 'membership change', { group, changes });
    await this.replicaHost.proposeConfChange(
      group,
      { transition: 'auto', changes },
      { timeoutMs: this.deps.config.store.requestTimeoutMs }
    );
  }

  /** The leader decides expiry on its clock and replicates it as an entry. */
  private async expire(group: string): Promise<void> {
    const sm = this.stores.get(group);
    if (sm === undefined) return;
    const now = BigInt(Date.now()) * 1_000_000n;
    const next = sm.current.nextExpiryUnixNs();
    if (next === undefined || next > now) return;
    const keys = sm.current.dueExpiries(now, EXPIRE_BATCH);
    if (keys.length === 0) return;
    await this.propose(group, encodeCommand({ kind: 'expire', nowUnixNs: now, keys }));
  }

  /** The local replica of a store, if this member holds one. */
  storeReplica(name: string): StoreMachine | undefined {
    const g = this.map.store(name)?.group;
    return g === undefined ? undefined : this.stores.get(g);
  }

  /** The group of a store, if the map has it. */
  groupOf(name: string): string | undefined {
    return this.map.store(name)?.group;
  }

  private storeMachine(name: string, group: string): StoreMachine {
    const c = this.deps.config;
    const rec = this.map.store(name);
    const sm = new StoreMachine(
      name,
      {
        maxKeyBytes: c.store.maxKeyBytes,
        maxValueBytes: c.store.maxValueBytes,
        maxKeys: rec?.options.maxKeys || c.store.maxStoreKeys,
        maxBytes: rec?.options.maxBytes || c.store.maxStoreBytes,
        maxDepth: c.maxDepth,
      },
      c.store.watchHistory,
      (events) => {
        if (this.isLeader(group)) this.deps.publishEvents(name, events);
      }
    );
    this.stores.set(group, sm);
    return sm;
  }

  /** Status of every local group, or of one (a group id or a store name). */
  groupStatus(which: string): GroupStatusView[] {
    const h = this.host;
    if (h === undefined) return [];
    const groups =
      which === '' ? h.groups() : [h.hasGroup(which) ? which : (this.groupOf(which) ?? which)];
    return groups.filter((g) => h.hasGroup(g)).map((g) => h.status(g));
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The host's named errors as request errors with an outcome. */
export function mapHostError(e: unknown): ClusterRequestError {
  if (e instanceof ClusterRequestError) return e;
  const msg = (e as Error)?.message ?? String(e);
  const as = (code: grpc.status, outcome: 'not-applied' | 'unknown'): ClusterRequestError =>
    new ClusterRequestError(code, msg, outcome, { cause: e });
  if (e instanceof NotLeaderError || e instanceof ProposalRejectedError)
    return as(grpc.status.UNAVAILABLE, 'not-applied');
  if (e instanceof ReplicaBrokenError) return as(grpc.status.UNAVAILABLE, 'not-applied');
  if (e instanceof ReplicaBusyError || e instanceof EntryTooLargeError)
    return as(grpc.status.RESOURCE_EXHAUSTED, 'not-applied');
  if (e instanceof ProposalTimeoutError) return as(grpc.status.DEADLINE_EXCEEDED, 'unknown');
  // A read whose leadership check did not complete changed nothing.
  if (e instanceof ReadIndexTimeoutError) return as(grpc.status.DEADLINE_EXCEEDED, 'not-applied');
  if (e instanceof GroupClosedError) return as(grpc.status.UNAVAILABLE, e.outcome);
  return new ClusterRequestError(grpc.status.INTERNAL, `internal error: ${msg}`, 'unknown', {
    cause: e,
  });
}
