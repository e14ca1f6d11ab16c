/**
 * A 3-node Raft group in one process for the benchmark: RawNode + MemoryStorage per node, each
 * node with its own on-disk WalLogStore (fsync on), connected by an in-memory transport.
 *
 * Each node runs the Ready loop in the documented order: persist the Ready (WAL staging, then
 * one `await sync()` when mustSync), then send its messages, then apply committed entries, then
 * advance. Messages and proposals arriving while a node waits for its fsync are stepped at
 * once and come out together in its next Ready: that is where the batching comes from (one
 * fsync per Ready per node, however many proposals it carries), and the leader's inflight
 * window (maxInflightMsgs) lets appends pipeline ahead of acknowledgements.
 */
import { rm } from 'node:fs/promises';
import type { ConfState, Entry, Message, Ready } from '../node/src/raft/index.js';
import {
  MemoryStorage,
  MessageType,
  ProposalDroppedError,
  RawNode,
  StateType,
} from '../node/src/raft/index.js';
import { WalLogStore } from '../node/src/storage/index.js';

/** The one Raft group of the benchmark. */
export const GROUP = 'bench';

/** Applied entries are kept in the log this long before a snapshot lets them be compacted. */
const SNAPSHOT_EVERY = 50_000;
const COMPACT_LAG = 10_000;

/** Deterministic election jitter per node (the bench must not depend on Math.random either). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How a proposal ended: applied at its position, superseded by another entry, or refused. */
export type ProposalOutcome = 'committed' | 'lost' | 'dropped' | 'not-leader';

/** A proposal waiting to be applied on the leader. */
interface Pending {
  readonly term: number;
  readonly resolve: (outcome: ProposalOutcome) => void;
}

/** A proposal waiting for the next batch to be stepped. */
interface Queued {
  readonly data: Uint8Array;
  readonly resolve: (outcome: ProposalOutcome) => void;
}

/** Proposals stepped as one batch at most; a batch is bounded like any queue. */
const MAX_PROPOSAL_BATCH = 4096;

/** One peer: RawNode, MemoryStorage, its own WalLogStore, and the Ready loop. */
export class BenchNode {
  readonly id: string;
  readonly raw: RawNode;
  readonly storage: MemoryStorage;
  readonly wal: WalLogStore;
  /** Proposals by log index. Bounded by the number of proposers (each has one outstanding). */
  readonly pending = new Map<number, Pending>();
  applied = 0;
  readies = 0;
  syncs = 0;
  /** Total time spent waiting in wal.sync(), ms. */
  syncMs = 0;
  private wakeUp: (() => void) | undefined;
  private queued: Queued[] = [];
  private batchScheduled = false;
  private lastSnapshot = 0;

  constructor(id: string, peers: readonly string[], wal: WalLogStore, seed: number) {
    this.id = id;
    this.wal = wal;
    const cs: ConfState = {
      voters: [...peers],
      votersOutgoing: [],
      learners: [],
      learnersNext: [],
      autoLeave: false,
    };
    this.storage = new MemoryStorage(cs);
    this.raw = new RawNode({
      id,
      group: GROUP,
      electionTick: 20,
      heartbeatTick: 2,
      storage: this.storage,
      preVote: true,
      checkQuorum: false,
      maxSizePerMsg: 4 * 1024 * 1024,
      maxInflightMsgs: 1024,
      maxInflightBytes: 256 * 1024 * 1024,
      random: seeded(seed),
    });
  }

  isLeader(): boolean {
    return this.raw.status().softState.state === StateType.Leader;
  }

  wake(): void {
    const w = this.wakeUp;
    if (w !== undefined) {
      this.wakeUp = undefined;
      w();
    }
  }

  /** Proposes one command through RawNode.propose (one raft step, one append broadcast each). */
  proposeOne(data: Uint8Array): Promise<ProposalOutcome> {
    let pos;
    try {
      pos = this.raw.propose(data);
    } catch (err) {
      if (err instanceof ProposalDroppedError) return Promise.resolve('dropped');
      throw err;
    }
    if (pos === undefined) return Promise.resolve('not-leader');
    const { index, term } = pos;
    this.wake();
    return new Promise((resolve) => this.pending.set(index, { term, resolve }));
  }

  /**
   * Queues a command; everything queued in the same event-loop turn is stepped as ONE Propose
   * message, so the leader appends and broadcasts once per batch instead of once per command
   * (followers then step one Append per batch, not one per command).
   */
  proposeBatched(data: Uint8Array): Promise<ProposalOutcome> {
    return new Promise((resolve) => {
      this.queued.push({ data, resolve });
      if (this.queued.length >= MAX_PROPOSAL_BATCH) this.stepBatch();
      else if (!this.batchScheduled) {
        this.batchScheduled = true;
        queueMicrotask(() => this.stepBatch());
      }
    });
  }

  private stepBatch(): void {
    this.batchScheduled = false;
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    const before = this.raw.status();
    if (before.softState.state !== StateType.Leader) {
      for (const q of batch) q.resolve('not-leader');
      return;
    }
    try {
      this.raw.step({
        group: GROUP,
        type: MessageType.Propose,
        from: this.id,
        to: this.id,
        term: 0,
        logTerm: 0,
        index: 0,
        entries: batch.map((q) => ({ term: 0, index: 0, type: 0, data: q.data })),
        commit: 0,
        reject: false,
        rejectHint: 0,
      });
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      for (const q of batch) q.resolve('dropped');
      return;
    }
    // The leader appended the batch at the end of its log in its current term. If the log did
    // not grow by exactly the batch (a refusal that step() swallowed), nothing can be claimed.
    const after = this.raw.status();
    if (after.lastIndex - before.lastIndex !== batch.length) {
      for (const q of batch) q.resolve('dropped');
      return;
    }
    const first = before.lastIndex + 1;
    batch.forEach((q, i) =>
      this.pending.set(first + i, { term: after.hardState.term, resolve: q.resolve })
    );
    this.wake();
  }

  /** Resolves on the next wake(); the caller re-checks its condition, so a spurious wake is harmless. */
  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }

  /** The Ready loop; returns when `running()` turns false (after a wake). */
  async run(running: () => boolean, send: (m: Message) => void): Promise<void> {
    while (running()) {
      if (!this.raw.hasReady()) {
        await this.sleep();
        continue;
      }
      const rd = this.raw.ready();
      this.readies++;
      // 1. persist, and make it durable before anything that depends on it leaves the node.
      this.persist(rd);
      if (rd.mustSync) {
        const t0 = performance.now();
        await this.wal.sync();
        this.syncMs += performance.now() - t0;
        this.syncs++;
      }
      // 2. send
      for (const m of rd.messages) send(m);
      // 3. apply
      if (rd.committedEntries.length > 0) this.apply(rd.committedEntries);
      // 4. advance
      this.raw.advance();
    }
  }

  private persist(rd: Ready): void {
    if (rd.snapshot !== undefined) {
      this.wal.saveSnapshot(GROUP, rd.snapshot);
      this.storage.applySnapshot(rd.snapshot);
    }
    if (rd.entries.length > 0) {
      this.wal.append(GROUP, rd.entries);
      this.storage.append(rd.entries);
    }
    if (rd.hardState !== undefined) {
      this.wal.setHardState(GROUP, rd.hardState);
      this.storage.setHardState(rd.hardState);
    }
  }

  private apply(entries: readonly Entry[]): void {
    for (const e of entries) {
      const p = this.pending.get(e.index);
      if (p !== undefined) {
        this.pending.delete(e.index);
        p.resolve(p.term === e.term ? 'committed' : 'lost');
      }
    }
    this.applied = (entries[entries.length - 1] as Entry).index;
    if (this.applied - this.lastSnapshot >= SNAPSHOT_EVERY) {
      // The state machine is a counter: its snapshot is the applied index. Staged now, made
      // durable by the next Ready's sync; memory and WAL then drop all but a tail of the log.
      const snap = this.storage.createSnapshot(
        this.applied,
        undefined,
        new TextEncoder().encode(String(this.applied))
      );
      this.wal.saveSnapshot(GROUP, snap);
      const compactTo = this.applied - COMPACT_LAG;
      if (compactTo > this.storage.firstIndex()) {
        this.storage.compact(compactTo);
        this.wal.compact(GROUP, compactTo);
      }
      this.lastSnapshot = this.applied;
    }
  }
}

/** Where the nodes keep their data, and the tick interval. */
export interface ClusterOptions {
  readonly baseDir: string;
  readonly tickMs: number;
}

/** Three nodes, an in-memory transport and a ticker. */
export class BenchCluster {
  readonly nodes: BenchNode[];
  private readonly byId: Map<string, BenchNode>;
  private readonly dirs: string[];
  private running = true;
  private readonly loops: Promise<void>[];
  private readonly ticker: NodeJS.Timeout;
  /** Messages waiting to be delivered, per destination; drained in one macrotask. */
  private readonly inbox = new Map<string, Message[]>();
  private deliveryScheduled = false;

  private constructor(nodes: BenchNode[], dirs: string[], tickMs: number) {
    this.nodes = nodes;
    this.dirs = dirs;
    this.byId = new Map(nodes.map((n) => [n.id, n]));
    this.loops = nodes.map((n) =>
      n.run(
        () => this.running,
        (m) => this.send(m)
      )
    );
    this.ticker = setInterval(() => {
      for (const n of this.nodes) {
        n.raw.tick();
        n.wake();
      }
    }, tickMs);
  }

  static async start(opts: ClusterOptions): Promise<BenchCluster> {
    const ids = ['n1', 'n2', 'n3'];
    const nodes: BenchNode[] = [];
    const dirs: string[] = [];
    for (const [i, id] of ids.entries()) {
      const dataDir = `${opts.baseDir}/${id}`;
      dirs.push(dataDir);
      const wal = await WalLogStore.open({ dataDir });
      nodes.push(new BenchNode(id, ids, wal, 1000 + i));
    }
    return new BenchCluster(nodes, dirs, opts.tickMs);
  }

  /**
   * The in-memory transport: delivery is asynchronous (a later macrotask), in order per
   * destination, and everything sent in the meantime is stepped in one go.
   */
  private send(m: Message): void {
    const q = this.inbox.get(m.to);
    if (q === undefined) this.inbox.set(m.to, [m]);
    else q.push(m);
    if (!this.deliveryScheduled) {
      this.deliveryScheduled = true;
      setImmediate(() => this.deliver());
    }
  }

  private deliver(): void {
    this.deliveryScheduled = false;
    for (const [to, msgs] of this.inbox) {
      this.inbox.delete(to);
      const node = this.byId.get(to);
      if (node === undefined) continue;
      for (const m of msgs) node.raw.step(m);
      node.wake();
    }
  }

  /** Campaigns on n1 and waits (bounded) until some node leads. */
  async elect(timeoutMs: number): Promise<BenchNode> {
    (this.nodes[0] as BenchNode).raw.campaign();
    (this.nodes[0] as BenchNode).wake();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leader = this.leader();
      if (leader !== undefined) return leader;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no leader elected within ${timeoutMs} ms`);
  }

  leader(): BenchNode | undefined {
    return this.nodes.find((n) => n.isLeader());
  }

  /** Stops the loops, closes the WALs and removes the data directories. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.ticker);
    for (const n of this.nodes) {
      for (const p of n.pending.values()) p.resolve('lost');
      n.pending.clear();
      n.wake();
    }
    await Promise.allSettled(this.loops);
    for (const n of this.nodes) await n.wal.close().catch(() => undefined);
    for (const d of this.dirs) await rm(d, { recursive: true, force: true });
  }
}
