/**
 * A small synchronous network of RawNodes over MemoryStorage, for tests only. Messages sit in
 * an explicit in-flight list; tests deliver, drop, partition and tick by hand.
 */
import {
  type ConfChangeV2,
  EntryType,
  MemoryStorage,
  RawNode,
  StepError,
  confState,
  decodeConfChange,
  type Config,
  type ConfState,
  type Entry,
  type Logger,
  type Message,
  type ReadState,
} from '../../node/src/raft/index.js';

/** Deterministic PRNG (mulberry32) so election timeouts are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NodeOptions {
  preVote?: boolean;
  checkQuorum?: boolean;
  electionTick?: number;
  heartbeatTick?: number;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  maxInflightBytes?: number;
  maxUncommittedEntriesSize?: number;
  readOnlyOption?: 'safe' | 'lease-based';
  disableProposalForwarding?: boolean;
  /** Source for random(); default () => 0, which makes the randomized timeout equal electionTick. */
  random?: () => number;
  /** When set (and random is not), node k of Network.create gets seeded(seed + k). */
  seed?: number;
  logger?: Logger;
}

export interface TestNode {
  readonly id: string;
  raw: RawNode;
  storage: MemoryStorage;
  /** Every entry the node applied, in order (normal and conf change). */
  applied: Entry[];
  /** Indexes of snapshots the node installed from a leader (its applied list jumps there). */
  snapshotsInstalled: Set<number>;
  readStates: ReadState[];
  conf: ConfState;
  opts: NodeOptions;
}

export const GROUP = 'g1';

export function makeConfig(
  id: string,
  storage: MemoryStorage,
  opts: NodeOptions,
  applied = 0
): Config {
  return {
    id,
    group: GROUP,
    electionTick: opts.electionTick ?? 10,
    heartbeatTick: opts.heartbeatTick ?? 1,
    storage,
    applied,
    random: opts.random ?? (() => 0),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.preVote !== undefined ? { preVote: opts.preVote } : {}),
    ...(opts.checkQuorum !== undefined ? { checkQuorum: opts.checkQuorum } : {}),
    ...(opts.maxSizePerMsg !== undefined ? { maxSizePerMsg: opts.maxSizePerMsg } : {}),
    ...(opts.maxInflightMsgs !== undefined ? { maxInflightMsgs: opts.maxInflightMsgs } : {}),
    ...(opts.maxInflightBytes !== undefined ? { maxInflightBytes: opts.maxInflightBytes } : {}),
    ...(opts.maxUncommittedEntriesSize !== undefined
      ? { maxUncommittedEntriesSize: opts.maxUncommittedEntriesSize }
      : {}),
    ...(opts.readOnlyOption !== undefined ? { readOnlyOption: opts.readOnlyOption } : {}),
    ...(opts.disableProposalForwarding !== undefined
      ? { disableProposalForwarding: opts.disableProposalForwarding }
      : {}),
  };
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export class Network {
  readonly nodes = new Map<string, TestNode>();
  /** Messages sent and not yet delivered, in send order. */
  inflight: Message[] = [];
  /** Directed links "a->b" that drop everything. */
  private readonly cut = new Set<string>();
  /** Message types dropped everywhere. */
  readonly ignored = new Set<number>();
  /** Observer of every delivered message (for tests that count traffic). */
  onDeliver: ((m: Message) => void) | undefined;

  /** Creates nodes with the given ids, all sharing the initial ConfState. */
  static create(ids: string[], opts: NodeOptions = {}, learners: string[] = []): Network {
    const net = new Network();
    const cs = confState({ voters: ids.filter((i) => !learners.includes(i)), learners });
    ids.forEach((id, k) => {
      const o =
        opts.seed !== undefined && !opts.random ? { ...opts, random: seeded(opts.seed + k) } : opts;
      net.addNode(id, new MemoryStorage(cs), o);
    });
    return net;
  }

  addNode(id: string, storage: MemoryStorage, opts: NodeOptions = {}, applied = 0): TestNode {
    const raw = new RawNode(makeConfig(id, storage, opts, applied));
    const n: TestNode = {
      id,
      raw,
      storage,
      applied: [],
      snapshotsInstalled: new Set(),
      readStates: [],
      conf: storage.initialState().confState,
      opts,
    };
    this.nodes.set(id, n);
    return n;
  }

  node(id: string): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Restarts a node from its storage (losing volatile state), re-applying from `applied`. */
  restart(id: string): TestNode {
    const old = this.node(id);
    const applied = old.storage.snapshot().meta.index;
    const n = this.addNode(id, old.storage, old.opts, applied);
    n.applied = old.applied.filter((e) => e.index <= applied);
    n.snapshotsInstalled = old.snapshotsInstalled;
    n.conf = old.storage.snapshot().meta.confState;
    this.inflight = this.inflight.filter((m) => m.to !== id);
    return n;
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  cutLink(a: string, b: string): void {
    this.cut.add(`${a}->${b}`);
    this.cut.add(`${b}->${a}`);
  }

  heal(): void {
    this.cut.clear();
    this.ignored.clear();
  }

  /** Handles one node's Ready the way a correct host does: persist, send, apply, advance. */
  processReady(id: string): boolean {
    const n = this.node(id);
    if (!n.raw.hasReady()) return false;
    const rd = n.raw.ready();
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.inflight.push(m);
    if (rd.snapshot) {
      n.snapshotsInstalled.add(rd.snapshot.meta.index);
      n.conf = rd.snapshot.meta.confState;
      n.applied = n.applied.filter((e) => e.index <= rd.snapshot!.meta.index);
    }
    for (const e of rd.committedEntries) {
      n.applied.push(e);
      if (e.type === EntryType.ConfChange) {
        const cc: ConfChangeV2 = decodeConfChange(e.data);
        n.conf = n.raw.applyConfChange(cc);
      }
    }
    for (const rs of rd.readStates) n.readStates.push(rs);
    n.raw.advance();
    return true;
  }

  /** Delivers (or drops) every in-flight message once. Returns how many were delivered. */
  deliverAll(filter?: (m: Message) => boolean): number {
    const msgs = this.inflight;
    this.inflight = [];
    let delivered = 0;
    for (const m of msgs) {
      if (filter && !filter(m)) continue;
      if (this.deliverOne(m)) delivered++;
    }
    return delivered;
  }

  /** Delivers one message unless its link is cut, its type ignored, or its target gone. */
  deliverOne(m: Message): boolean {
    if (this.cut.has(`${m.from}->${m.to}`) || this.ignored.has(m.type)) return false;
    const to = this.nodes.get(m.to);
    if (!to) return false;
    this.onDeliver?.(m);
    try {
      to.raw.step(m);
    } catch (e) {
      // A host drops what its node refuses (e.g. a response from a removed peer).
      if (e instanceof StepError) return false;
      throw e;
    }
    return true;
  }

  /** Runs Ready handling and delivery until nothing changes. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      let work = false;
      for (const id of [...this.nodes.keys()].sort()) work = this.processReady(id) || work;
      if (this.inflight.length > 0) {
        this.deliverAll();
        work = true;
      }
      if (!work) return;
    }
    throw new Error(`network did not stabilize in ${maxRounds} rounds`);
  }

  /**
   * Makes `id` leader of a 3-node network through one vote round only: the votes and their
   * answers are delivered, the new leader's appends (its no-op) are not.
   */
  electWithoutAppends(id: string): void {
    this.node(id).raw.campaign();
    this.processReady(id);
    this.deliverAll();
    for (const other of [...this.nodes.keys()].sort()) if (other !== id) this.processReady(other);
    this.deliverAll();
  }

  tick(id: string, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).raw.tick();
  }

  /** Ticks every node once per round, stabilizing after each. */
  tickAll(rounds: number): void {
    for (let i = 0; i < rounds; i++) {
      for (const n of this.nodes.values()) n.raw.tick();
      this.stabilize();
    }
  }

  campaign(id: string): void {
    this.node(id).raw.campaign();
    this.stabilize();
  }

  leader(): string | undefined {
    const leaders = [...this.nodes.values()].filter(
      (n) => n.raw.status().softState.state === 'leader'
    );
    return leaders.length === 1 ? (leaders[0] as TestNode).id : undefined;
  }

  /** Payloads of the normal, non-empty entries a node applied. */
  appliedData(id: string): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.byteLength > 0)
      .map((e) => dec(e.data));
  }
}

/** A storage holding entries with the given terms at indexes 1..n and hardState.term = term. */
export function storageWithLog(voters: string[], terms: number[], term?: number): MemoryStorage {
  const s = new MemoryStorage(confState({ voters }));
  s.append(
    terms.map((t, i) => ({ term: t, index: i + 1, type: EntryType.Normal, data: enc(`e${i + 1}`) }))
  );
  s.setHardState({ term: term ?? terms[terms.length - 1] ?? 0, vote: '', commit: 0 });
  return s;
}

/** A message with defaults, for stepping by hand. */
export function msg(m: Partial<Message> & Pick<Message, 'type' | 'from' | 'to'>): Message {
  return {
    group: GROUP,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...m,
  };
}
