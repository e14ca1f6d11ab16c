import type { Message, NodeId } from '../../node/src/raft/types.js';
import type { Prng } from './prng.js';

/** What the wire carries: one Raft message, or (multi-group) one batch for a peer. */
export interface Routed {
  readonly from: NodeId;
  readonly to: NodeId;
}

/** A message on the simulated wire. */
export interface InFlight<T extends Routed = Message> {
  readonly msg: T;
  /** Not deliverable before this simulation step (delay). */
  notBefore: number;
}

/**
 * The single array of in-flight messages. Delivery order is whatever the scheduler picks,
 * so messages are reordered freely. A partition splits nodes into two sides; a message
 * crossing it is lost when it is sent or when delivery is attempted.
 */
export class Network<T extends Routed = Message> {
  /** Invariant: length <= capacity; the oldest message is lost when a send would exceed it. */
  private readonly inFlight: InFlight<T>[] = [];
  private side = new Map<NodeId, 0 | 1>();
  dropped = 0;

  /** @param onLost called for every message the network loses, whatever the reason. */
  constructor(
    private readonly capacity: number,
    private readonly onLost: (msg: T) => void
  ) {}

  /** Counts and reports a message that will never arrive. */
  lose(msg: T): void {
    this.dropped++;
    this.onLost(msg);
  }

  get size(): number {
    return this.inFlight.length;
  }

  get partitioned(): boolean {
    return this.side.size > 0;
  }

  /** Whether a message from `a` to `b` gets through right now. */
  connected(a: NodeId, b: NodeId): boolean {
    if (this.side.size === 0) return true;
    return (this.side.get(a) ?? 0) === (this.side.get(b) ?? 0);
  }

  send(msg: T, step: number): void {
    if (!this.connected(msg.from, msg.to)) {
      this.lose(msg);
      return;
    }
    if (this.inFlight.length >= this.capacity) {
      const oldest = this.inFlight.shift()!;
      this.lose(oldest.msg);
    }
    this.inFlight.push({ msg, notBefore: step });
  }

  /**
   * Removes and returns a deliverable message (undefined if none). A random one is picked;
   * with probability `fifo` the oldest deliverable message on the same link goes instead, so
   * links behave mostly like the ordered streams a real transport has, with reordering still
   * frequent. (Total reordering is legal but starves replication of single-entry appends.)
   */
  takeRandom(rng: Prng, step: number, fifo: number): InFlight<T> | undefined {
    const ready: number[] = [];
    this.inFlight.forEach((m, i) => {
      if (m.notBefore <= step) ready.push(i);
    });
    if (ready.length === 0) return undefined;
    let i = rng.pick(ready);
    if (rng.chance(fifo)) {
      const { from, to } = this.inFlight[i]!.msg;
      i = ready.find(
        (j) => this.inFlight[j]!.msg.from === from && this.inFlight[j]!.msg.to === to
      )!;
    }
    const [m] = this.inFlight.splice(i, 1);
    return m;
  }

  /** Removes and returns a random message regardless of delay. */
  removeRandom(rng: Prng): InFlight<T> | undefined {
    if (this.inFlight.length === 0) return undefined;
    const [m] = this.inFlight.splice(rng.int(this.inFlight.length), 1);
    return m;
  }

  peekRandom(rng: Prng): InFlight<T> | undefined {
    if (this.inFlight.length === 0) return undefined;
    return this.inFlight[rng.int(this.inFlight.length)];
  }

  /** Queues a second copy of a message, as a retransmitting link would. */
  duplicate(m: InFlight<T>): void {
    if (this.inFlight.length < this.capacity)
      this.inFlight.push({ msg: m.msg, notBefore: m.notBefore });
  }

  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    this.side = new Map();
    for (const n of a) this.side.set(n, 0);
    for (const n of b) this.side.set(n, 1);
  }

  heal(): void {
    this.side = new Map();
  }
}
