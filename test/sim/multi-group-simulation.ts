import { ConfChangeError, ProposalDroppedError, StepError } from '../../node/src/raft/index.js';
import type { ConfChangeV2, GroupId, Message, NodeId } from '../../node/src/raft/types.js';
import { MessageType, StateType } from '../../node/src/raft/types.js';
import { checkLinearizable, kvModel, type KvInput, type Verdict } from '../lincheck/index.js';
import { Clients, type ClientStats } from './clients.js';
import { InvariantViolationError, SimUsageError } from './errors.js';
import { InvariantTracker } from './invariants.js';
import { encodeCommand } from './kv-state-machine.js';
import { Network } from './network.js';
import { Prng } from './prng.js';
import type { NodeEvents, RaftKnobs } from './sim-node.js';
import { SimHost, type HostEvents, type MultiGroupMutation } from './sim-host.js';
import {
  describeMsg,
  KEYS,
  RESPONSE_TYPES,
  TOTAL_WEIGHT,
  WEIGHTS,
  type Action,
  type SimFailure,
  type SimOptions,
  type SimResult,
} from './simulation.js';

export interface MultiGroupSimOptions extends Omit<SimOptions, 'mutation'> {
  /** Raft groups per host (1..16). Group g0 is founded by every node, the others by a subset. */
  readonly groups: number;
  readonly mutation?: MultiGroupMutation;
}

export const MAX_GROUPS = 16;

/** Per-group bookkeeping of the run: its own invariants, clients and history. */
interface GroupRun {
  readonly id: GroupId;
  readonly founders: readonly NodeId[];
  readonly tracker: InvariantTracker;
  readonly clients: Clients;
  /** Every command id any state machine of this group applied. */
  readonly appliedIds: Set<string>;
  readonly events: NodeEvents;
}

/**
 * What the wire carries between hosts: all groups' messages of one Ready round for one peer,
 * as the transport sends them (one RPC per peer per round). Faults hit whole batches.
 */
interface Batch {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly messages: readonly Message[];
}

const VERDICT_RANK: Record<Verdict | 'skipped', number> = {
  skipped: 0,
  ok: 1,
  unknown: 2,
  illegal: 3,
};

/**
 * The multi-group variant of {@link Simulation}: every simulated process is a SimHost, a
 * RaftHost running several groups over one MemoryLogStore, driven host-wide (one Ready round
 * and one sync for all groups). Faults are the same and hit whole processes (a crash tears
 * the shared store's unsynced tail across groups). Every group has its own invariant tracker,
 * clients and linearizability check. One seed replays exactly.
 */
export class MultiGroupSimulation {
  private readonly rng: Prng;
  private readonly net = new Network<Batch>(4_000, (b) => this.lostBatch(b));
  private snapshotReports: { group: GroupId; from: NodeId; to: NodeId; ok: boolean }[] = [];
  private readonly groups = new Map<GroupId, GroupRun>();
  private readonly trackers = new Map<GroupId, InvariantTracker>();
  /** Every host ever created; removed members keep running. */
  private readonly hosts = new Map<NodeId, SimHost>();
  private readonly trace: string[] = [];
  private readonly knobs: RaftKnobs & { readonly fifo: number };
  private readonly maxNodes: number;
  private readonly hostEvents: HostEvents;
  private step = 0;
  private crashes = 0;
  private restarts = 0;
  private snapshots = 0;
  private confChanges = 0;
  private delivered = 0;
  private current = '';

  constructor(private readonly opts: MultiGroupSimOptions) {
    if (!Number.isInteger(opts.groups) || opts.groups < 1 || opts.groups > MAX_GROUPS) {
      throw new SimUsageError(
        `groups must be an integer in [1, ${MAX_GROUPS}], got ${opts.groups}`
      );
    }
    this.rng = new Prng(opts.seed);
    this.knobs = {
      electionTick: 6 + this.rng.int(5),
      heartbeatTick: 1 + this.rng.int(2),
      checkQuorum: this.rng.chance(0.5),
      preVote: this.rng.chance(0.5),
      maxSizePerMsg: this.rng.pick([1, 256, 1 << 20]),
      maxInflightMsgs: 1 + this.rng.int(16),
      fifo: this.rng.pick([0.3, 0.7, 0.95]),
    };
    this.maxNodes = opts.nodes + 2;
    const all = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    const skip = new Set(opts.skipInvariants ?? []);
    for (let g = 0; g < opts.groups; g++) {
      const id = `g${g}`;
      // g0 spans every node; the others are founded by a random subset of at least
      // min(3, nodes) nodes, so hosts differ in which groups they carry.
      let founders = all;
      if (g > 0 && all.length > 3) {
        const size = 3 + this.rng.int(all.length - 2);
        const shuffled = [...all];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = this.rng.int(i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        founders = shuffled.slice(0, size).sort();
      }
      const tracker = new InvariantTracker(skip);
      const clients = new Clients(3, 300);
      const appliedIds = new Set<string>();
      const events: NodeEvents = {
        send: () => {
          throw new Error('multi-group replicas send through their host');
        },
        applied: (node, cmd, _index, out) => {
          appliedIds.add(cmd);
          clients.onApplied(node, cmd, out);
        },
        appliedIndex: (node, index, cmd) => clients.onAppliedIndex(node, index, cmd),
        restoredSnapshot: (node, index, sm) => clients.onSnapshot(node, index, sm),
        readState: (node, rs) => clients.onReadState(node, rs),
        roleChanged: () => undefined,
      };
      this.trackers.set(id, tracker);
      this.groups.set(id, { id, founders, tracker, clients, appliedIds, events });
    }
    for (const id of all) {
      const h = this.newHost(id);
      for (const g of this.groups.values())
        if (g.founders.includes(id)) h.bootstrap(g.id, g.founders);
      h.start();
    }
    this.hostEvents = {
      group: (g) => this.groups.get(g)!.events,
      send: (to, msgs) => {
        const first = msgs[0];
        if (first === undefined) return;
        this.net.send({ from: first.from, to, messages: structuredClone(msgs) }, this.step);
      },
      roleChanged: (node, group, r) =>
        this.log(
          `  ${node}/${group} is ${r.soft.state} in term ${r.hard.term}${r.soft.lead === '' ? '' : `, leader ${r.soft.lead}`}`
        ),
    };
    const layout = [...this.groups.values()].map((g) => `${g.id}={${g.founders.join(',')}}`);
    this.log(
      `knobs ${JSON.stringify(this.knobs)} groups ${layout.join(' ')} mutation ${opts.mutation ?? 'none'}`
    );
  }

  private newHost(id: NodeId): SimHost {
    const h = new SimHost(
      id,
      this.knobs,
      this.rng.nextU32(),
      this.trackers,
      this.opts.mutation ?? 'none'
    );
    this.hosts.set(id, h);
    return h;
  }

  private log(line: string): void {
    const l = `${this.step} ${line}`;
    this.trace.push(l);
    this.opts.onTrace?.(l);
  }

  private alive(): SimHost[] {
    return [...this.hosts.values()].filter((h) => h.alive);
  }

  /** Live hosts whose replica of `group` leads. */
  private leadersOf(group: GroupId): SimHost[] {
    return this.alive().filter((h) => h.replica(group)?.soft.state === StateType.Leader);
  }

  /** Live hosts carrying `group`. */
  private carriers(group: GroupId): SimHost[] {
    return this.alive().filter((h) => h.replica(group) !== undefined);
  }

  private pickGroup(): GroupRun {
    return this.rng.pick([...this.groups.values()]);
  }

  run(): SimResult {
    let failure: SimFailure | undefined;
    let settledWithLeader = false;
    try {
      for (this.step = 1; this.step <= this.opts.steps; this.step++) this.oneStep(false);
      const settle = this.opts.settleSteps ?? 300;
      this.net.heal();
      for (const h of this.hosts.values()) {
        if (!h.alive) {
          h.start();
          this.restarts++;
          h.drain(this.hostEvents);
        }
      }
      this.log('settle: healed, every node up');
      const end = this.opts.steps + settle;
      for (; this.step <= end; this.step++) this.oneStep(true);
      settledWithLeader = [...this.groups.keys()].every((g) => this.leadersOf(g).length > 0);
    } catch (err) {
      failure = this.toFailure(err);
    }
    let verdict: Verdict | 'skipped' = 'skipped';
    const clients: ClientStats = {
      writesOk: 0,
      writesFailed: 0,
      writesUnknown: 0,
      writesNeverApplied: 0,
      readsOk: 0,
      readsLost: 0,
    };
    let historyLength = 0;
    let leaderTerms = 0;
    let commitIndex = 0;
    for (const g of this.groups.values()) {
      g.clients.close(g.appliedIds);
      for (const k of Object.keys(clients) as (keyof ClientStats)[])
        clients[k] += g.clients.stats[k];
      historyLength += g.clients.history.length;
      leaderTerms += g.tracker.leaderTerms;
      commitIndex += g.tracker.commitIndex;
      if (failure !== undefined) continue;
      const r = checkLinearizable(kvModel, g.clients.history, {
        maxSteps: this.opts.lincheckMaxSteps ?? 1_000_000,
      });
      if (VERDICT_RANK[r.verdict] > VERDICT_RANK[verdict]) verdict = r.verdict;
      if (r.verdict === 'illegal') {
        const bad = r.partitions.find((p) => p.verdict === 'illegal')!;
        const lines = bad.operations.map((op) => `  ${kvModel.describe!(op)}`).join('\n');
        failure = {
          step: this.step,
          invariant: 'linearizability',
          message: `group ${g.id}: history of key ${bad.operations[0]?.input.key} is not linearizable (${bad.longestLinearized.length}/${bad.operations.length} ops placed):\n${lines}`,
        };
      }
    }
    if (failure !== undefined) {
      verdict = failure.invariant === 'linearizability' ? 'illegal' : 'skipped';
      this.log(`FAIL ${failure.invariant}: ${failure.message}`);
    }
    return {
      seed: this.opts.seed,
      ...(failure === undefined ? {} : { failure }),
      trace: this.trace,
      stats: {
        leaderTerms,
        commitIndex,
        crashes: this.crashes,
        restarts: this.restarts,
        snapshots: this.snapshots,
        confChanges: this.confChanges,
        messagesDelivered: this.delivered,
        messagesDropped: this.net.dropped,
        clients,
        historyLength,
        lincheck: verdict,
        settledWithLeader,
      },
    };
  }

  private toFailure(err: unknown): SimFailure {
    if (err instanceof InvariantViolationError) {
      return { step: this.step, invariant: err.invariant, message: err.message };
    }
    const e = err instanceof Error ? err : new Error(String(err));
    return {
      step: this.step,
      invariant: 'core-exception',
      message: `${e.name}: ${e.message}\n${e.stack ?? ''}`,
    };
  }

  private pickAction(quiet: boolean): Action {
    if (quiet) {
      const r = this.rng.next();
      return r < 0.6 ? 'deliver' : r < 0.85 ? 'tick' : r < 0.93 ? 'write' : 'read';
    }
    let r = this.rng.next() * TOTAL_WEIGHT;
    for (const [a, w] of WEIGHTS) {
      r -= w;
      if (r < 0) return a;
    }
    return 'deliver';
  }

  private oneStep(quiet: boolean): void {
    for (const g of this.groups.values()) g.clients.onStep(this.step);
    const action = this.pickAction(quiet);
    this.current = action;
    let line: string;
    try {
      line = this.act(action);
    } catch (err) {
      this.log(`${this.current} (threw)`);
      throw err;
    }
    this.log(line);
    this.deliverSnapshotReports();
    for (const h of this.alive()) {
      for (const [g, r] of h.replicas)
        this.groups.get(g)!.clients.serveReads(h.id, r.applied, r.sm);
    }
  }

  private act(action: Action): string {
    switch (action) {
      case 'deliver': {
        // G groups make about G times the traffic of one; delivering G batches per step keeps
        // each group's message latency (in its own ticks) near the single-group simulation's.
        const lines = [this.deliver(true)];
        for (let i = 1; i < this.opts.groups && this.net.size > 0; i++) {
          const more = this.deliver(false);
          if (more !== undefined) lines.push(more);
        }
        return lines.join('; ');
      }
      case 'tick':
        return this.tick();
      case 'write':
        return this.write();
      case 'read':
        return this.read();
      case 'drop': {
        const m = this.net.removeRandom(this.rng);
        if (m === undefined) return this.tick();
        this.net.lose(m.msg);
        return `drop ${describe(m.msg)}`;
      }
      case 'duplicate': {
        const m = this.net.peekRandom(this.rng);
        if (m === undefined) return this.tick();
        this.net.duplicate(m);
        return `duplicate ${describe(m.msg)}`;
      }
      case 'delay': {
        const m = this.net.peekRandom(this.rng);
        if (m === undefined) return this.tick();
        m.notBefore = this.step + 1 + this.rng.int(60);
        return `delay until ${m.notBefore} ${describe(m.msg)}`;
      }
      case 'partition':
        return this.partition();
      case 'crash':
        return this.crash(false);
      case 'crash-mid-ready':
        return this.crash(true);
      case 'restart':
        return this.restart();
      case 'conf-change':
        return this.confChange();
      case 'snapshot':
        return this.snapshot();
      case 'transfer':
        return this.transfer();
      case 'campaign': {
        const g = this.pickGroup();
        const c = this.carriers(g.id);
        if (c.length === 0) return `campaign ${g.id}: nobody up`;
        const h = this.rng.pick(c);
        h.host!.group(g.id).campaign();
        h.drain(this.hostEvents);
        return `campaign ${h.id}/${g.id}`;
      }
    }
  }

  private lostBatch(b: Batch): void {
    for (const m of b.messages) {
      if (m.type === MessageType.Snapshot)
        this.snapshotReports.push({ group: m.group, from: m.from, to: m.to, ok: false });
    }
  }

  private deliverSnapshotReports(): void {
    while (this.snapshotReports.length > 0) {
      const reports = this.snapshotReports;
      this.snapshotReports = [];
      for (const r of reports) {
        const h = this.hosts.get(r.from);
        if (h === undefined || !h.alive || !h.host!.has(r.group)) continue;
        h.host!.group(r.group).reportSnapshot(r.to, r.ok);
        h.drain(this.hostEvents);
        this.log(`report snapshot ${r.group} ${r.from}->${r.to} ${r.ok ? 'delivered' : 'lost'}`);
      }
    }
  }

  /** Delivers one batch; with nothing deliverable, ticks a host if `orTick`, else does nothing. */
  private deliver(orTick: true): string;
  private deliver(orTick: false): string | undefined;
  private deliver(orTick: boolean): string | undefined {
    const m = this.net.takeRandom(this.rng, this.step, this.knobs.fifo);
    if (m === undefined) return orTick ? this.tick() : undefined;
    const batch = m.msg;
    const desc = describe(batch);
    if (!this.net.connected(batch.from, batch.to)) {
      this.net.lose(batch);
      return `lost (partition) ${desc}`;
    }
    const to = this.hosts.get(batch.to);
    if (to === undefined || !to.alive) {
      this.net.lose(batch);
      return `lost (down) ${desc}`;
    }
    this.current = `deliver ${desc}`;
    const rejected: string[] = [];
    for (const msg of batch.messages) {
      if (msg.type === MessageType.Snapshot)
        this.snapshotReports.push({ group: msg.group, from: msg.from, to: msg.to, ok: true });
      this.delivered++;
      try {
        to.host!.step(msg);
      } catch (err) {
        // UnknownGroupError is a failure too: a host only ever hears about groups it carries
        // (it joins before it is proposed as a learner, and never drops a group).
        if (!(err instanceof StepError && RESPONSE_TYPES.has(msg.type))) throw err;
        rejected.push(`${msg.group}: ${err.message}`);
      }
    }
    // One batch, one Ready round for the receiving host: it drains after stepping them all.
    to.drain(this.hostEvents);
    return `deliver ${desc}${rejected.length === 0 ? '' : ` -> rejected ${rejected.join('; ')}`}`;
  }

  private tick(): string {
    const a = this.alive();
    if (a.length === 0) return 'tick: nobody up';
    const h = this.rng.pick(a);
    h.host!.tick();
    h.drain(this.hostEvents);
    return `tick ${h.id}`;
  }

  private write(): string {
    const g = this.pickGroup();
    const slot = g.clients.idleSlot((k) => this.rng.int(k));
    if (slot === undefined) return this.tick();
    const leaders = this.leadersOf(g.id);
    const c = this.carriers(g.id);
    const h =
      leaders.length > 0 && this.rng.chance(0.6)
        ? this.rng.pick(leaders)
        : c.length > 0
          ? this.rng.pick(c)
          : undefined;
    if (h === undefined) return `write ${g.id}: nobody up`;
    const key = this.rng.pick(KEYS);
    const value = `${this.step}`;
    const r = this.rng.int(10);
    const input: KvInput =
      r < 4
        ? { kind: 'put', key, value }
        : r < 8
          ? { kind: 'append', key, value: `${value},` }
          : {
              kind: 'cas',
              key,
              expected: this.rng.chance(0.3) ? null : this.recentValue(g, key),
              value,
            };
    // Ids are unique across groups, so a command that lands in the wrong group is never
    // mistaken for one of that group's own.
    const id = `${g.id}.${g.clients.newOpId('w')}`;
    let at: { index: number; term: number } | undefined;
    try {
      at = h.host!.group(g.id).propose(encodeCommand({ id, op: input })) ?? undefined;
    } catch (err) {
      if (err instanceof ProposalDroppedError)
        return `write ${id} at ${h.id}: dropped (${err.message})`;
      throw err;
    }
    g.clients.begin(slot, id, h.id, this.step, input, 'write', at);
    h.drain(this.hostEvents);
    const where = at === undefined ? 'forwarded' : `i${at.index} t${at.term}`;
    return `write ${id} at ${h.id} ${input.kind}(${key}) ${where}`;
  }

  private recentValue(g: GroupRun, key: string): string {
    for (let i = g.clients.history.length - 1; i >= 0; i--) {
      const op = g.clients.history[i]!;
      if (op.input.key === key && op.input.kind === 'put') return op.input.value;
    }
    return '0';
  }

  private read(): string {
    const g = this.pickGroup();
    const slot = g.clients.idleSlot((k) => this.rng.int(k));
    if (slot === undefined) return this.tick();
    const c = this.carriers(g.id);
    if (c.length === 0) return `read ${g.id}: nobody up`;
    const h = this.rng.pick(c);
    const key = this.rng.pick(KEYS);
    const id = `${g.id}.${g.clients.newOpId('r')}`;
    if (this.opts.mutation === 'stale-read') {
      g.clients.begin(slot, id, h.id, this.step, { kind: 'get', key }, 'read');
      g.clients.answerNow(id, h.replica(g.id)!.sm.read(key));
      return `read ${id} at ${h.id} get(${key}) served locally (stale-read mutation)`;
    }
    try {
      h.host!.group(g.id).readIndex(new TextEncoder().encode(id));
    } catch (err) {
      if (err instanceof ProposalDroppedError)
        return `read ${id} at ${h.id}: dropped (${err.message})`;
      throw err;
    }
    g.clients.begin(slot, id, h.id, this.step, { kind: 'get', key }, 'read');
    h.drain(this.hostEvents);
    return `read ${id} at ${h.id} get(${key})`;
  }

  private partition(): string {
    if (this.net.partitioned) {
      this.net.heal();
      return 'heal';
    }
    const ids = [...this.hosts.keys()];
    const a: NodeId[] = [];
    const b: NodeId[] = [];
    const leaders = this.leadersOf(this.pickGroup().id);
    if (leaders.length > 0 && this.rng.chance(0.4)) {
      const l = this.rng.pick(leaders).id;
      a.push(l);
      b.push(...ids.filter((i) => i !== l));
    } else {
      for (const id of ids) (this.rng.chance(0.5) ? a : b).push(id);
    }
    if (a.length === 0 || b.length === 0) {
      const x = this.rng.pick(ids);
      a.splice(0, a.length, x);
      b.splice(0, b.length, ...ids.filter((i) => i !== x));
    }
    this.net.partition(a, b);
    return `partition {${a.join(',')}} | {${b.join(',')}}`;
  }

  /** Whether crashing `h` keeps fewer than half of every group's founders down. */
  private mayCrash(h: SimHost): boolean {
    for (const g of this.groups.values()) {
      if (!g.founders.includes(h.id)) continue;
      const down = g.founders.filter((f) => !this.hosts.get(f)!.alive).length + 1;
      if (down * 2 > g.founders.length) return false;
    }
    const down = [...this.hosts.values()].filter((x) => !x.alive).length + 1;
    return down * 2 <= this.opts.nodes;
  }

  private crash(midReady: boolean): string {
    // Half the time, a host that leads some group: where the interesting crashes happen.
    const leading = this.alive().filter((h) =>
      [...h.replicas.values()].some((r) => r.soft.state === StateType.Leader)
    );
    const pool = leading.length > 0 && this.rng.chance(0.5) ? leading : this.alive();
    const candidates = pool.filter((h) => this.mayCrash(h));
    if (candidates.length === 0) return this.tick();
    const h = this.rng.pick(candidates);
    let staged = '';
    if (midReady) {
      // Every host is drained between steps, so a Ready has to be made first: tick until one
      // appears (a leader's heartbeats, a follower's campaign with its new term and vote).
      let ticks = 0;
      while (!h.host!.hasReady() && ticks < 2 * this.knobs.electionTick) {
        h.host!.tick();
        ticks++;
      }
      if (h.host!.hasReady())
        staged = ` after ${ticks} ticks and staging ${h.stageReadyWithoutSync()} groups' writes`;
    }
    const torn = this.rng.chance(0.5);
    h.crash(torn ? this.rng : undefined);
    for (const g of this.groups.values()) g.clients.onCrash(h.id);
    this.crashes++;
    return `crash ${h.id}${staged}${torn ? ' (torn tail)' : ''}`;
  }

  private restart(): string {
    const down = [...this.hosts.values()].filter((h) => !h.alive);
    if (down.length === 0) return this.tick();
    const h = this.rng.pick(down);
    h.start();
    this.restarts++;
    h.drain(this.hostEvents);
    const where = [...h.replicas.values()].map(
      (r) => `${r.group} commit ${r.durableCommit} applied ${r.applied}`
    );
    return `restart ${h.id} (${where.join('; ')})`;
  }

  private confChange(): string {
    const g = this.pickGroup();
    const leaders = this.leadersOf(g.id);
    if (leaders.length === 0) return this.tick();
    const l = this.rng.pick(leaders);
    const cs = l.replica(g.id)!.confState;
    const members = new Set([...cs.voters, ...cs.learners, ...cs.votersOutgoing]);
    let cc: ConfChangeV2;
    let joined: SimHost | undefined;
    let created = false;
    if (cs.votersOutgoing.length > 0) {
      cc = { transition: 'auto', changes: [] };
    } else {
      const r = this.rng.int(4);
      // A new learner is a live host that never carried the group, or a brand-new host.
      const outsiders = this.alive().filter((h) => !h.hosted.has(g.id) && !members.has(h.id));
      if (r === 0 && (outsiders.length > 0 || this.hosts.size < this.maxNodes)) {
        if (outsiders.length > 0 && this.rng.chance(0.5)) joined = this.rng.pick(outsiders);
        else if (this.hosts.size < this.maxNodes) {
          joined = this.newHost(`n${this.hosts.size + 1}`);
          joined.start();
          created = true;
        } else joined = this.rng.pick(outsiders);
        joined.joinGroup(g.id);
        cc = { transition: 'auto', changes: [{ type: 'add-learner', node: joined.id }] };
      } else if (r === 1 && cs.learners.length > 0) {
        cc = {
          transition: 'auto',
          changes: [{ type: 'add-voter', node: this.rng.pick(cs.learners) }],
        };
      } else if (r === 2 && cs.learners.length > 0 && cs.voters.length >= 2) {
        const transition = this.rng.pick(['auto', 'joint-implicit', 'joint-explicit'] as const);
        cc = {
          transition,
          changes: [
            { type: 'add-voter', node: this.rng.pick(cs.learners) },
            { type: 'remove', node: this.rng.pick(cs.voters) },
          ],
        };
      } else if (cs.voters.length > 3 || (cs.voters.length > 2 && this.rng.chance(0.3))) {
        cc = { transition: 'auto', changes: [{ type: 'remove', node: this.rng.pick(cs.voters) }] };
      } else if (cs.learners.length > 0) {
        cc = {
          transition: 'auto',
          changes: [{ type: 'remove', node: this.rng.pick(cs.learners) }],
        };
      } else {
        return `conf-change ${g.id} at ${l.id}: nothing to do`;
      }
    }
    const desc = `${cc.transition} [${cc.changes.map((c) => `${c.type} ${c.node}`).join(', ')}]`;
    try {
      l.host!.group(g.id).proposeConfChange(cc);
    } catch (err) {
      if (err instanceof ProposalDroppedError || err instanceof ConfChangeError) {
        if (joined !== undefined) {
          joined.leaveGroup(g.id);
          if (created) this.hosts.delete(joined.id);
        }
        return `conf-change ${g.id} at ${l.id} ${desc}: refused (${err.name}: ${err.message})`;
      }
      throw err;
    }
    this.confChanges++;
    l.drain(this.hostEvents);
    return `conf-change ${g.id} at ${l.id} ${desc}`;
  }

  private snapshot(): string {
    const a = this.alive();
    if (a.length === 0) return 'snapshot: nobody up';
    const h = this.rng.pick(a);
    const groups = [...h.replicas.keys()];
    if (groups.length === 0) return `snapshot ${h.id}: no groups`;
    const g = this.rng.pick(groups);
    const r = h.replica(g)!;
    const out = h.snapshotAndCompact(g, r.applied - this.rng.int(6));
    if (out.startsWith('snapshot')) this.snapshots++;
    return `snapshot ${h.id}/${g}: ${out}`;
  }

  private transfer(): string {
    const g = this.pickGroup();
    const leaders = this.leadersOf(g.id);
    if (leaders.length === 0) return this.tick();
    const l = this.rng.pick(leaders);
    const voters = l.replica(g.id)!.confState.voters;
    const to = this.rng.pick(voters.length > 0 ? voters : [l.id]);
    try {
      l.host!.group(g.id).transferLeader(to);
    } catch (err) {
      if (err instanceof ProposalDroppedError)
        return `transfer ${g.id} ${l.id} -> ${to}: refused (${err.message})`;
      throw err;
    }
    l.drain(this.hostEvents);
    return `transfer ${g.id} ${l.id} -> ${to}`;
  }
}

function describe(b: Batch): string {
  if (b.messages.length === 1) return `${b.messages[0]!.group} ${describeMsg(b.messages[0]!)}`;
  return `${b.from}->${b.to} [${b.messages.map((m) => `${m.group} ${describeMsg(m).slice(b.from.length + b.to.length + 3)}`).join(' | ')}]`;
}

/** Runs one seed of the multi-group simulation. */
export function runMultiGroupSeed(opts: MultiGroupSimOptions): SimResult {
  return new MultiGroupSimulation(opts).run();
}
