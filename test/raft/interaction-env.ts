/**
 * The command interpreter behind the golden-file interaction tests (testdata/*.txt), in the
 * style of etcd-raft's datadriven InteractionEnv. Every command returns the text it produced:
 * what the nodes logged, the Readys they handled and the messages delivered.
 */
import {
  EntryType,
  MemoryStorage,
  MessageType,
  RawNode,
  StepError,
  confState,
  decodeConfChange,
  describeConfState,
  messageTypeName,
  type ConfChangeSingle,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type Logger,
  type Message,
  type Ready,
  type Snapshot,
} from '../../node/src/raft/index.js';
import { GROUP, makeConfig, type NodeOptions } from './harness.js';

export interface Command {
  readonly name: string;
  /** Positional arguments. */
  readonly args: string[];
  /** key=value and key=(a,b) arguments. */
  readonly kv: Map<string, string[]>;
  readonly line: number;
}

/** Parses `name pos1 pos2 k=v k=(a,b,c)`. */
export function parseCommand(text: string, line: number): Command {
  const tokens = text.match(/\S+=\([^)]*\)|\S+/g) ?? [];
  const [name, ...rest] = tokens;
  const args: string[] = [];
  const kv = new Map<string, string[]>();
  for (const t of rest) {
    const eq = t.indexOf('=');
    if (eq > 0) {
      let v = t.slice(eq + 1);
      if (v.startsWith('(') && v.endsWith(')')) v = v.slice(1, -1);
      kv.set(
        t.slice(0, eq),
        v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '')
      );
    } else {
      args.push(t);
    }
  }
  return { name: name ?? '', args, kv, line };
}

const td = new TextDecoder();

function describeEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    const ch = cc.changes.map(
      (c) => `${c.type === 'add-voter' ? 'v' : c.type === 'add-learner' ? 'l' : 'r'}${c.node}`
    );
    const body = ch.length === 0 ? 'leave-joint' : `${cc.transition} ${ch.join(' ')}`;
    return `${e.term}/${e.index} EntryConfChangeV2 ${body}`;
  }
  return `${e.term}/${e.index} EntryNormal ${JSON.stringify(td.decode(e.data))}`;
}

function describeSnapshot(s: Snapshot): string {
  return `[Index:${s.meta.index} Term:${s.meta.term} ConfState:${describeConfState(s.meta.confState)}]`;
}

export function describeMessage(m: Message): string {
  let out = `${m.from}->${m.to} ${messageTypeName(m.type)} Term:${m.term}`;
  switch (m.type) {
    case MessageType.Append:
    case MessageType.Vote:
    case MessageType.PreVote:
      out += ` Log:${m.logTerm}/${m.index}`;
      break;
    case MessageType.AppendResponse:
    case MessageType.ReadIndexResponse:
      out += ` Log:${m.logTerm}/${m.index}`;
      break;
    default:
      break;
  }
  if (m.reject) {
    out += ' Rejected';
    if (m.type === MessageType.AppendResponse) out += ` (Hint: ${m.rejectHint})`;
  }
  if (m.commit !== 0) out += ` Commit:${m.commit}`;
  if (m.entries.length > 0) out += ` Entries:[${m.entries.map(describeEntry).join(', ')}]`;
  if (m.snapshot) out += ` Snapshot:${describeSnapshot(m.snapshot)}`;
  if (m.context && m.context.byteLength > 0 && m.type !== MessageType.Vote) {
    out += ` Context:${JSON.stringify(td.decode(m.context))}`;
  }
  return out;
}

interface EnvNode {
  id: string;
  raw: RawNode;
  storage: MemoryStorage;
  conf: ConfState;
  opts: NodeOptions;
}

/** Deterministic interaction environment: explicit in-flight messages, nodes, output buffer. */
export class InteractionEnv {
  private readonly nodes = new Map<string, EnvNode>();
  private messages: Message[] = [];
  private readonly crashed = new Set<string>();
  private out: string[] = [];

  private logger(): Logger {
    return {
      debug: () => {},
      info: (m) => this.out.push(`INFO ${m}`),
      warn: (m) => this.out.push(`WARN ${m}`),
    };
  }

  run(c: Command): string {
    this.out = [];
    try {
      this.dispatch(c);
    } catch (e) {
      const err = e as Error;
      this.out.push(`error: ${err.name}: ${err.message}`);
    }
    return this.out.join('\n');
  }

  private node(id: string | undefined): EnvNode {
    const n = id === undefined ? undefined : this.nodes.get(id);
    if (!n) throw new Error(`unknown node ${String(id)}`);
    if (this.crashed.has(n.id)) throw new Error(`node ${n.id} is crashed`);
    return n;
  }

  private ids(c: Command): string[] {
    const ids = c.args.length > 0 ? c.args : [...this.nodes.keys()];
    return ids.filter((id) => !this.crashed.has(id));
  }

  private dispatch(c: Command): void {
    switch (c.name) {
      case 'add-nodes':
        return this.addNodes(c);
      case 'campaign':
        return this.node(c.args[0]).raw.campaign();
      case 'propose':
        return this.propose(c);
      case 'propose-conf-change':
        return this.proposeConfChange(c);
      case 'process-ready':
        for (const id of this.ids(c)) this.processReady(id);
        return;
      case 'deliver-msgs':
        this.deliver(c.args, c.kv.get('drop') ?? []);
        return;
      case 'tick-election':
        return this.ticks(c, (n) => n.raw.raft.cfg.electionTick);
      case 'tick-heartbeat':
        return this.ticks(c, (n) => n.raw.raft.cfg.heartbeatTick);
      case 'stabilize':
        return this.stabilize(c.args);
      case 'crash':
        return this.crash(c);
      case 'restart':
        return this.restart(c);
      case 'compact':
        return this.compact(c);
      case 'transfer-leadership': {
        const from = c.kv.get('from')?.[0];
        const to = c.kv.get('to')?.[0];
        if (!to) throw new Error('transfer-leadership needs to=');
        return this.node(from).raw.transferLeader(to);
      }
      case 'read-index':
        return this.node(c.args[0]).raw.readIndex(new TextEncoder().encode(c.args[1] ?? ''));
      case 'report-snapshot':
        return this.node(c.args[0]).raw.reportSnapshot(
          c.args[1] ?? '',
          c.kv.get('ok')?.[0] !== 'false'
        );
      case 'report-unreachable':
        return this.node(c.args[0]).raw.reportUnreachable(c.args[1] ?? '');
      case 'forget-leader':
        return this.node(c.args[0]).raw.forgetLeader();
      case 'status':
        return this.status(c);
      case 'raft-log':
        return this.raftLog(c);
      default:
        throw new Error(`unknown command ${c.name}`);
    }
  }

  private addNodes(c: Command): void {
    const n = Number(c.args[0]);
    if (!Number.isInteger(n) || n < 1) throw new Error('add-nodes needs a count');
    const first = this.nodes.size + 1;
    const newIds = Array.from({ length: n }, (_, i) => String(first + i));
    const voters = c.kv.get('voters') ?? newIds;
    const learners = c.kv.get('learners') ?? [];
    const flag = (k: string): boolean | undefined =>
      c.kv.has(k) ? c.kv.get(k)?.[0] === 'true' : undefined;
    const opts: NodeOptions = {};
    const pv = flag('prevote');
    const cq = flag('checkquorum');
    if (pv !== undefined) opts.preVote = pv;
    if (cq !== undefined) opts.checkQuorum = cq;
    const ro = c.kv.get('read-only')?.[0];
    if (ro === 'lease-based' || ro === 'safe') opts.readOnlyOption = ro;
    const maxSize = c.kv.get('max-msg-size')?.[0];
    if (maxSize !== undefined) opts.maxSizePerMsg = Number(maxSize);
    const inflight = c.kv.get('max-inflight')?.[0];
    if (inflight !== undefined) opts.maxInflightMsgs = Number(inflight);
    const empty = c.kv.get('empty')?.[0] === 'true';
    for (const id of newIds) {
      const cs = empty ? confState({}) : confState({ voters, learners });
      const storage = new MemoryStorage(cs);
      this.create(id, storage, opts, 0);
    }
  }

  private create(id: string, storage: MemoryStorage, opts: NodeOptions, applied: number): EnvNode {
    const raw = new RawNode({ ...makeConfig(id, storage, opts, applied), logger: this.logger() });
    const n: EnvNode = { id, raw, storage, conf: storage.initialState().confState, opts };
    this.nodes.set(id, n);
    return n;
  }

  private propose(c: Command): void {
    const n = this.node(c.args[0]);
    const pos = n.raw.propose(new TextEncoder().encode(c.args[1] ?? ''));
    this.out.push(pos ? `proposed at index ${pos.index} term ${pos.term}` : 'forwarded to leader');
  }

  private proposeConfChange(c: Command): void {
    const n = this.node(c.args[0]);
    const changes: ConfChangeSingle[] = c.args.slice(1).map((t) => {
      const node = t.slice(1);
      switch (t[0]) {
        case 'v':
          return { type: 'add-voter', node };
        case 'l':
          return { type: 'add-learner', node };
        case 'r':
          return { type: 'remove', node };
        default:
          throw new Error(`bad change ${t}: use v<id>, l<id> or r<id>`);
      }
    });
    const transition = (c.kv.get('transition')?.[0] ?? 'auto') as ConfChangeV2['transition'];
    const pos = n.raw.proposeConfChange({ transition, changes });
    this.out.push(pos ? `proposed at index ${pos.index} term ${pos.term}` : 'forwarded to leader');
  }

  private ticks(c: Command, count: (n: EnvNode) => number): void {
    for (const id of this.ids(c)) {
      const n = this.node(id);
      for (let i = count(n); i > 0; i--) n.raw.tick();
    }
  }

  /** Persist, send (queue), apply, advance — printing the Ready. */
  private processReady(id: string): boolean {
    const n = this.node(id);
    if (!n.raw.hasReady()) return false;
    const rd = n.raw.ready();
    this.out.push(`> ${id} handling Ready`);
    const before = this.out.length;
    this.describeReady(rd);
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.messages.push(m);
    if (rd.snapshot) n.conf = rd.snapshot.meta.confState;
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) n.conf = n.raw.applyConfChange(decodeConfChange(e.data));
    }
    n.raw.advance();
    for (let i = before; i < this.out.length; i++) this.out[i] = `  ${this.out[i]}`;
    return true;
  }

  private describeReady(rd: Ready): void {
    this.out.push(`Ready MustSync=${rd.mustSync}:`);
    if (rd.softState) {
      this.out.push(`Lead:${rd.softState.lead || 'none'} State:${rd.softState.state}`);
    }
    if (rd.hardState) {
      const h = rd.hardState;
      this.out.push(
        `HardState Term:${h.term}${h.vote ? ` Vote:${h.vote}` : ''} Commit:${h.commit}`
      );
    }
    if (rd.entries.length > 0) {
      this.out.push('Entries:');
      for (const e of rd.entries) this.out.push(describeEntry(e));
    }
    if (rd.snapshot) this.out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
    if (rd.committedEntries.length > 0) {
      this.out.push('CommittedEntries:');
      for (const e of rd.committedEntries) this.out.push(describeEntry(e));
    }
    if (rd.messages.length > 0) {
      this.out.push('Messages:');
      for (const m of rd.messages) this.out.push(describeMessage(m));
    }
    if (rd.readStates.length > 0) {
      this.out.push('ReadStates:');
      for (const r of rd.readStates)
        this.out.push(`index ${r.index} ctx ${JSON.stringify(td.decode(r.requestCtx))}`);
    }
  }

  /** Delivers pending messages to `to` (all when empty), dropping those to `drop`. */
  private deliver(to: string[], drop: string[]): number {
    const keep: Message[] = [];
    const go: Message[] = [];
    for (const m of this.messages) {
      if (drop.includes(m.to)) {
        this.out.push(`dropped: ${describeMessage(m)}`);
      } else if (to.length === 0 || to.includes(m.to)) {
        go.push(m);
      } else {
        keep.push(m);
      }
    }
    this.messages = keep;
    const byTarget = new Map<string, Message[]>();
    for (const m of go) {
      const l = byTarget.get(m.to);
      if (l) l.push(m);
      else byTarget.set(m.to, [m]);
    }
    for (const [id, msgs] of [...byTarget].sort(([a], [b]) => a.localeCompare(b))) {
      if (this.crashed.has(id) || !this.nodes.has(id)) {
        for (const m of msgs) this.out.push(`dropped (node down): ${describeMessage(m)}`);
        continue;
      }
      this.out.push(`> ${id} receiving messages`);
      for (const m of msgs) {
        this.out.push(`  ${describeMessage(m)}`);
        const before = this.out.length;
        try {
          this.node(id).raw.step(m);
        } catch (e) {
          if (!(e instanceof StepError)) throw e;
          this.out.push(`ignored: ${e.message}`);
        }
        for (let i = before; i < this.out.length; i++) this.out[i] = `  ${this.out[i]}`;
      }
    }
    return go.length;
  }

  private stabilize(ids: string[]): void {
    const scope = ids.length > 0 ? ids : [...this.nodes.keys()];
    for (let round = 0; round < 100; round++) {
      let work = false;
      for (const id of scope) {
        if (!this.crashed.has(id) && this.processReady(id)) work = true;
      }
      const targets = scope.filter((id) => this.messages.some((m) => m.to === id));
      if (targets.length > 0) {
        this.deliver(targets, []);
        work = true;
      }
      if (!work) return;
    }
    throw new Error('stabilize: no fixed point after 100 rounds');
  }

  private crash(c: Command): void {
    const id = c.args[0] ?? '';
    this.node(id);
    this.crashed.add(id);
    this.messages = this.messages.filter((m) => m.to !== id && m.from !== id);
    this.out.push(`${id} crashed; in-flight messages to and from it are lost`);
  }

  private restart(c: Command): void {
    const id = c.args[0] ?? '';
    const old = this.nodes.get(id);
    if (!old) throw new Error(`unknown node ${id}`);
    this.crashed.delete(id);
    // Whatever was sent to it while it was down is lost.
    this.messages = this.messages.filter((m) => m.to !== id);
    // The state machine restarts from the snapshot; later committed entries are re-applied.
    const snap = old.storage.snapshot();
    const n = this.create(id, old.storage, old.opts, snap.meta.index);
    n.conf = snap.meta.confState;
  }

  private compact(c: Command): void {
    const n = this.node(c.args[0]);
    const index = Number(c.args[1]);
    n.storage.createSnapshot(
      index,
      this.confAt(n, index),
      new TextEncoder().encode(`snap@${index}`)
    );
    n.storage.compact(index);
    this.raftLog({ ...c, args: [n.id] });
  }

  /** Membership as of `index`: replay conf changes up to it from the last snapshot. */
  private confAt(n: EnvNode, index: number): ConfState {
    if (index > n.raw.status().applied)
      throw new Error(`compact: index ${index} is not applied yet`);
    let cs = n.storage.snapshot().meta.confState;
    const probe = new RawNode({
      ...makeConfig(`${n.id}-probe`, new MemoryStorage(cs), {}),
      group: GROUP,
    });
    const first = n.storage.firstIndex();
    if (index >= first) {
      for (const e of n.storage.entries(first, index + 1, Infinity)) {
        if (e.type === EntryType.ConfChange) cs = probe.applyConfChange(decodeConfChange(e.data));
      }
    }
    return cs;
  }

  private status(c: Command): void {
    const st = this.node(c.args[0]).raw.status();
    this.out.push(
      `${st.id} ${st.softState.state} term=${st.hardState.term} vote=${st.hardState.vote || 'none'} lead=${st.softState.lead || 'none'} commit=${st.hardState.commit} applied=${st.applied} last=${st.lastIndex}`
    );
    this.out.push(`config ${describeConfState(st.config)}`);
    for (const [id, p] of st.progress) {
      this.out.push(
        `${id}: ${p.state} match=${p.match} next=${p.next}${p.isLearner ? ' learner' : ''}${p.paused ? ' paused' : ''}${p.pendingSnapshot ? ` pendingSnap=${p.pendingSnapshot}` : ''} inflight=${p.inflight}`
      );
    }
  }

  private raftLog(c: Command): void {
    const n = this.node(c.args[0]);
    const s = n.storage;
    if (s.snapshot().meta.index > 0) this.out.push(`snapshot ${describeSnapshot(s.snapshot())}`);
    const first = s.firstIndex();
    const last = s.lastIndex();
    if (last < first) {
      this.out.push('log is empty');
      return;
    }
    for (const e of s.entries(first, last + 1, Infinity)) this.out.push(describeEntry(e));
  }
}
