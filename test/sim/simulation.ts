import { ConfChangeError, ProposalDroppedError, StepError } from '../../node/src/raft/index.js';
import type { ConfChangeV2, Message, NodeId } from '../../node/src/raft/types.js';
import { MessageType, StateType } from '../../node/src/raft/types.js';
import { checkLinearizable, kvModel, type KvInput, type Verdict } from '../lincheck/index.js';
import { Clients, type ClientStats } from './clients.js';
import { InvariantViolationError } from './errors.js';
import { InvariantTracker } from './invariants.js';
import { encodeCommand } from './kv-state-machine.js';
import { Network } from './network.js';
import { Prng } from './prng.js';
import { SimNode, type Mutation, type NodeEvents, type RaftKnobs } from './sim-node.js';

export interface SimOptions {
  readonly seed: number;
  /** Founding voters: 3 or 5 in practice. */
  readonly nodes: number;
  /** Fault-injecting steps; a quiet settling phase of `settleSteps` follows. */
  readonly steps: number;
  readonly settleSteps?: number;
  readonly mutation?: Mutation;
  /** Called with each trace line as it happens (replay mode). */
  readonly onTrace?: (line: string) => void;
  /** Invariant names not to enforce (to show that the others still catch a fault). */
  readonly skipInvariants?: readonly string[];
  /** Search budget of the linearizability check. Default 1,000,000 steps. */
  readonly lincheckMaxSteps?: number;
}

export interface SimFailure {
  readonly step: number;
  /** Stable invariant name (`election-safety`, `linearizability`, `core-exception`, ...). */
  readonly invariant: string;
  readonly message: string;
}

export interface SimStats {
  readonly leaderTerms: number;
  readonly commitIndex: number;
  readonly crashes: number;
  readonly restarts: number;
  readonly snapshots: number;
  readonly confChanges: number;
  readonly messagesDelivered: number;
  readonly messagesDropped: number;
  readonly clients: ClientStats;
  readonly historyLength: number;
  readonly lincheck: Verdict | 'skipped';
  readonly settledWithLeader: boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly failure?: SimFailure;
  /** One line per step, `<step> <action>`: the replayable description of the run. */
  readonly trace: readonly string[];
  readonly stats: SimStats;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, k]));

export function describeMsg(m: Message): string {
  const t = TYPE_NAMES.get(m.type) ?? String(m.type);
  const extra = m.entries.length > 0 ? ` +${m.entries.length}e` : '';
  const rej = m.reject ? ' reject' : '';
  return `${m.from}->${m.to} ${t} t${m.term} i${m.index} lt${m.logTerm} c${m.commit}${extra}${rej}`;
}

export const KEYS = ['a', 'b', 'c'];

export const RESPONSE_TYPES: ReadonlySet<number> = new Set([
  MessageType.AppendResponse,
  MessageType.HeartbeatResponse,
  MessageType.VoteResponse,
  MessageType.PreVoteResponse,
  MessageType.ReadIndexResponse,
]);

export type Action =
  | 'deliver'
  | 'tick'
  | 'write'
  | 'read'
  | 'drop'
  | 'duplicate'
  | 'delay'
  | 'partition'
  | 'crash'
  | 'crash-mid-ready'
  | 'restart'
  | 'conf-change'
  | 'snapshot'
  | 'transfer'
  | 'campaign';

export const WEIGHTS: readonly (readonly [Action, number])[] = [
  ['deliver', 45],
  ['tick', 18],
  ['write', 9],
  ['read', 6],
  ['drop', 2.5],
  ['duplicate', 2],
  ['delay', 2],
  ['partition', 2],
  ['crash', 1.6],
  ['crash-mid-ready', 0.5],
  ['restart', 4],
  ['conf-change', 1],
  ['snapshot', 1.5],
  ['transfer', 0.7],
  ['campaign', 0.8],
];
export const TOTAL_WEIGHT = WEIGHTS.reduce((s, [, w]) => s + w, 0);

/**
 * One seeded run: a cluster of SimNodes, one network, a few clients and a scheduler that
 * picks one action per step. Everything random comes from the one PRNG, so a seed replays
 * exactly. Invariants are checked as nodes report (inside every Ready) and the client
 * history is checked for linearizability at the end.
 */
export class Simulation {
  private readonly rng: Prng;
  private readonly tracker: InvariantTracker;
  private readonly net = new Network(4_000, (m) => this.lostMessage(m));
  /** Snapshot transfers whose outcome the sender's transport reports at the end of the step. */
  private snapshotReports: { from: NodeId; to: NodeId; ok: boolean }[] = [];
  private readonly clients = new Clients(4, 300);
  /** Every node ever created; removed members keep running. */
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly trace: string[] = [];
  private readonly knobs: RaftKnobs & { readonly fifo: number };
  private readonly maxNodes: number;
  private step = 0;
  private crashes = 0;
  private restarts = 0;
  private snapshots = 0;
  private confChanges = 0;
  private delivered = 0;
  private readonly events: NodeEvents;
  /** Every command id any state machine applied. */
  private readonly appliedIds = new Set<string>();
  /** What the step in progress is doing, for the trace when it throws. */
  private current = '';

  constructor(private readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed);
    this.tracker = new InvariantTracker(new Set(opts.skipInvariants ?? []));
    this.knobs = {
      electionTick: 6 + this.rng.int(5),
      heartbeatTick: 1 + this.rng.int(2),
      checkQuorum: this.rng.chance(0.5),
      preVote: this.rng.chance(0.5),
      // 1 byte: every Append carries a single entry, which splits a new leader's catch-up
      // into steps (old-term entries acknowledged before its own no-op: Figure 8 territory).
      maxSizePerMsg: this.rng.pick([1, 256, 1 << 20]),
      maxInflightMsgs: 1 + this.rng.int(16),
      // How often a delivery takes the oldest message of its link instead of a random one.
      fifo: this.rng.pick([0.3, 0.7, 0.95]),
    };
    this.maxNodes = opts.nodes + 4;
    const voters = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    for (const id of voters) {
      const n = this.newNode(id);
      n.bootstrap(voters);
      n.start();
    }
    this.events = {
      send: (m) => this.net.send(structuredClone(m), this.step),
      applied: (node, id, _index, out) => {
        this.appliedIds.add(id);
        this.clients.onApplied(node, id, out);
      },
      appliedIndex: (node, index, cmd) => this.clients.onAppliedIndex(node, index, cmd),
      restoredSnapshot: (node, index, sm) => this.clients.onSnapshot(node, index, sm),
      readState: (node, rs) => this.clients.onReadState(node, rs),
      roleChanged: (node, soft, term) =>
        this.log(
          `  ${node} is ${soft.state} in term ${term}${soft.lead === '' ? '' : `, leader ${soft.lead}`}`
        ),
    };
    this.log(
      `knobs ${JSON.stringify(this.knobs)} nodes ${voters.join(',')} mutation ${opts.mutation ?? 'none'}`
    );
  }

  private newNode(id: NodeId): SimNode {
    const n = new SimNode(
      id,
      this.knobs,
      this.rng.nextU32(),
      this.tracker,
      this.opts.mutation ?? 'none'
    );
    this.nodes.set(id, n);
    return n;
  }

  private log(line: string): void {
    const l = `${this.step} ${line}`;
    this.trace.push(l);
    this.opts.onTrace?.(l);
  }

  private alive(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  private leaders(): SimNode[] {
    return this.alive().filter((n) => n.soft.state === StateType.Leader);
  }

  run(): SimResult {
    let failure: SimFailure | undefined;
    let settledWithLeader = false;
    try {
      for (this.step = 1; this.step <= this.opts.steps; this.step++) this.oneStep(false);
      const settle = this.opts.settleSteps ?? 300;
      this.net.heal();
      for (const n of this.nodes.values()) {
        if (!n.alive) {
          n.start();
          this.restarts++;
          n.drain(this.events);
        }
      }
      this.log('settle: healed, every node up');
      const end = this.opts.steps + settle;
      for (; this.step <= end; this.step++) this.oneStep(true);
      settledWithLeader = this.leaders().length > 0;
    } catch (err) {
      failure = this.toFailure(err);
    }
    this.clients.close(this.appliedIds);
    let verdict: Verdict | 'skipped' = 'skipped';
    if (failure === undefined) {
      const r = checkLinearizable(kvModel, this.clients.history, {
        maxSteps: this.opts.lincheckMaxSteps ?? 1_000_000,
      });
      verdict = r.verdict;
      if (r.verdict === 'illegal') {
        const bad = r.partitions.find((p) => p.verdict === 'illegal')!;
        const lines = bad.operations.map((op) => `  ${kvModel.describe!(op)}`).join('\n');
        failure = {
          step: this.step,
          invariant: 'linearizability',
          message: `history of key ${bad.operations[0]?.input.key} is not linearizable (${bad.longestLinearized.length}/${bad.operations.length} ops placed):\n${lines}`,
        };
      }
    }
    if (failure !== undefined) this.log(`FAIL ${failure.invariant}: ${failure.message}`);
    return {
      seed: this.opts.seed,
      ...(failure === undefined ? {} : { failure }),
      trace: this.trace,
      stats: {
        leaderTerms: this.tracker.leaderTerms,
        commitIndex: this.tracker.commitIndex,
        crashes: this.crashes,
        restarts: this.restarts,
        snapshots: this.snapshots,
        confChanges: this.confChanges,
        messagesDelivered: this.delivered,
        messagesDropped: this.net.dropped,
        clients: this.clients.stats,
        historyLength: this.clients.history.length,
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
    this.clients.onStep(this.step);
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
    // Reads are answered once their node has applied far enough, whatever woke it.
    for (const n of this.nodes.values()) {
      if (n.alive) this.clients.serveReads(n.id, n.applied, n.sm!);
    }
  }

  private act(action: Action): string {
    switch (action) {
      case 'deliver':
        return this.deliver();
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
        return `drop ${describeMsg(m.msg)}`;
      }
      case 'duplicate': {
        const m = this.net.peekRandom(this.rng);
        if (m === undefined) return this.tick();
        this.net.duplicate(m);
        return `duplicate ${describeMsg(m.msg)}`;
      }
      case 'delay': {
        const m = this.net.peekRandom(this.rng);
        if (m === undefined) return this.tick();
        m.notBefore = this.step + 1 + this.rng.int(60);
        return `delay until ${m.notBefore} ${describeMsg(m.msg)}`;
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
        const n = this.pickAlive();
        if (n === undefined) return 'campaign: nobody up';
        n.raw!.campaign();
        n.drain(this.events);
        return `campaign ${n.id}`;
      }
    }
  }

  private lostMessage(m: Message): void {
    if (m.type === MessageType.Snapshot)
      this.snapshotReports.push({ from: m.from, to: m.to, ok: false });
  }

  /**
   * The sender's transport tells its node how a snapshot transfer ended. Done between steps,
   * never inside a node's Ready handling.
   */
  private deliverSnapshotReports(): void {
    while (this.snapshotReports.length > 0) {
      const reports = this.snapshotReports;
      this.snapshotReports = [];
      for (const r of reports) {
        const n = this.nodes.get(r.from);
        if (n === undefined || !n.alive) continue;
        n.raw!.reportSnapshot(r.to, r.ok);
        n.drain(this.events);
        this.log(`report snapshot ${r.from}->${r.to} ${r.ok ? 'delivered' : 'lost'}`);
      }
    }
  }

  private pickAlive(): SimNode | undefined {
    const a = this.alive();
    return a.length === 0 ? undefined : this.rng.pick(a);
  }

  private deliver(): string {
    const m = this.net.takeRandom(this.rng, this.step, this.knobs.fifo);
    if (m === undefined) return this.tick();
    const msg = m.msg;
    const desc = describeMsg(msg);
    if (!this.net.connected(msg.from, msg.to)) {
      this.net.lose(msg);
      return `lost (partition) ${desc}`;
    }
    const to = this.nodes.get(msg.to);
    if (to === undefined || !to.alive) {
      this.net.lose(msg);
      return `lost (down) ${desc}`;
    }
    if (msg.type === MessageType.Snapshot)
      this.snapshotReports.push({ from: msg.from, to: msg.to, ok: true });
    this.delivered++;
    this.current = `deliver ${desc}`;
    try {
      to.raw!.step(msg);
    } catch (err) {
      // The one documented refusal of a network message: a response from a non-member
      // (a removed node answering late). Any other StepError means the core sent garbage.
      if (err instanceof StepError && RESPONSE_TYPES.has(msg.type)) {
        return `deliver ${desc} -> rejected: ${err.message}`;
      }
      throw err;
    }
    to.drain(this.events);
    return `deliver ${desc}`;
  }

  private tick(): string {
    const n = this.pickAlive();
    if (n === undefined) return 'tick: nobody up';
    n.raw!.tick();
    n.drain(this.events);
    return `tick ${n.id}`;
  }

  private write(): string {
    const slot = this.clients.idleSlot((k) => this.rng.int(k));
    if (slot === undefined) return this.tick();
    // Clients mostly find the leader; the rest of the time a proposal is forwarded.
    const leaders = this.leaders();
    const n =
      leaders.length > 0 && this.rng.chance(0.6) ? this.rng.pick(leaders) : this.pickAlive();
    if (n === undefined) return 'write: nobody up';
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
              expected: this.rng.chance(0.3) ? null : this.recentValue(key),
              value,
            };
    const id = this.clients.newOpId('w');
    let at: { index: number; term: number } | undefined;
    try {
      at = n.raw!.propose(encodeCommand({ id, op: input })) ?? undefined;
    } catch (err) {
      if (err instanceof ProposalDroppedError)
        return `write ${id} at ${n.id}: dropped (${err.message})`;
      throw err;
    }
    this.clients.begin(slot, id, n.id, this.step, input, 'write', at);
    n.drain(this.events);
    const where = at === undefined ? 'forwarded' : `i${at.index} t${at.term}`;
    return `write ${id} at ${n.id} ${input.kind}(${key}) ${where}`;
  }

  /** A value that was written recently, so that compare-and-set sometimes succeeds. */
  private recentValue(key: string): string {
    for (let i = this.clients.history.length - 1; i >= 0; i--) {
      const op = this.clients.history[i]!;
      if (op.input.key === key && op.input.kind === 'put') return op.input.value;
    }
    return '0';
  }

  private read(): string {
    const slot = this.clients.idleSlot((k) => this.rng.int(k));
    if (slot === undefined) return this.tick();
    const n = this.pickAlive();
    if (n === undefined) return 'read: nobody up';
    const key = this.rng.pick(KEYS);
    const id = this.clients.newOpId('r');
    if (this.opts.mutation === 'stale-read') {
      this.clients.begin(slot, id, n.id, this.step, { kind: 'get', key }, 'read');
      this.clients.answerNow(id, n.sm!.read(key));
      return `read ${id} at ${n.id} get(${key}) served locally (stale-read mutation)`;
    }
    try {
      n.raw!.readIndex(new TextEncoder().encode(id));
    } catch (err) {
      if (err instanceof ProposalDroppedError)
        return `read ${id} at ${n.id}: dropped (${err.message})`;
      throw err;
    }
    this.clients.begin(slot, id, n.id, this.step, { kind: 'get', key }, 'read');
    n.drain(this.events);
    return `read ${id} at ${n.id} get(${key})`;
  }

  private partition(): string {
    if (this.net.partitioned) {
      this.net.heal();
      return 'heal';
    }
    const ids = [...this.nodes.keys()];
    const a: NodeId[] = [];
    const b: NodeId[] = [];
    const leaders = this.leaders();
    if (leaders.length > 0 && this.rng.chance(0.4)) {
      // Cut a leader off: it keeps accepting writes it cannot commit (divergent suffixes).
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

  private crash(midReady: boolean): string {
    const down = [...this.nodes.values()].filter((n) => !n.alive).length;
    if (down * 2 >= this.opts.nodes) return this.tick();
    // Leaders are where the interesting crashes happen: half the time pick one.
    const leaders = this.leaders();
    const n =
      leaders.length > 0 && this.rng.chance(0.5) ? this.rng.pick(leaders) : this.pickAlive();
    if (n === undefined) return 'crash: nobody up';
    let staged = '';
    if (midReady && n.raw!.hasReady())
      staged = ` after staging ${n.stageReadyWithoutSync()} writes`;
    const torn = this.rng.chance(0.5);
    n.crash(torn ? this.rng : undefined);
    this.clients.onCrash(n.id);
    this.crashes++;
    return `crash ${n.id}${staged}${torn ? ' (torn tail)' : ''}`;
  }

  private restart(): string {
    const down = [...this.nodes.values()].filter((n) => !n.alive);
    if (down.length === 0) return this.tick();
    const n = this.rng.pick(down);
    n.start();
    this.restarts++;
    n.drain(this.events);
    return `restart ${n.id} (durable commit ${n.durableCommit}, applied ${n.applied})`;
  }

  private confChange(): string {
    const leaders = this.leaders();
    if (leaders.length === 0) return this.tick();
    const l = this.rng.pick(leaders);
    const cs = l.confState;
    let cc: ConfChangeV2;
    let created: SimNode | undefined;
    if (cs.votersOutgoing.length > 0) {
      cc = { transition: 'auto', changes: [] };
    } else {
      const r = this.rng.int(4);
      if (r === 0 && this.nodes.size < this.maxNodes) {
        const id = `n${this.nodes.size + 1}`;
        created = this.newNode(id);
        cc = { transition: 'auto', changes: [{ type: 'add-learner', node: id }] };
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
        return `conf-change at ${l.id}: nothing to do`;
      }
    }
    const desc = `${cc.transition} [${cc.changes.map((c) => `${c.type} ${c.node}`).join(', ')}]`;
    try {
      l.raw!.proposeConfChange(cc);
    } catch (err) {
      if (err instanceof ProposalDroppedError || err instanceof ConfChangeError) {
        if (created !== undefined) this.nodes.delete(created.id);
        return `conf-change at ${l.id} ${desc}: refused (${err.name}: ${err.message})`;
      }
      throw err;
    }
    if (created !== undefined) created.start();
    this.confChanges++;
    l.drain(this.events);
    return `conf-change at ${l.id} ${desc}`;
  }

  private snapshot(): string {
    const n = this.pickAlive();
    if (n === undefined) return 'snapshot: nobody up';
    const r = n.snapshotAndCompact(n.applied - this.rng.int(6));
    if (r.startsWith('snapshot')) this.snapshots++;
    return `snapshot ${n.id}: ${r}`;
  }

  private transfer(): string {
    const leaders = this.leaders();
    if (leaders.length === 0) return this.tick();
    const l = this.rng.pick(leaders);
    const to = this.rng.pick(l.confState.voters.length > 0 ? l.confState.voters : [l.id]);
    try {
      l.raw!.transferLeader(to);
    } catch (err) {
      if (err instanceof ProposalDroppedError)
        return `transfer ${l.id} -> ${to}: refused (${err.message})`;
      throw err;
    }
    l.drain(this.events);
    return `transfer ${l.id} -> ${to}`;
  }
}

/** Runs one seed. */
export function runSeed(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}
