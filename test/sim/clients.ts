import type { NodeId, ReadState } from '../../node/src/raft/types.js';
import type { KvInput, KvOutput, Operation } from '../lincheck/index.js';
import type { KvStateMachine } from './kv-state-machine.js';

/** A request a client is waiting on. */
interface Pending {
  readonly opId: string;
  readonly slot: number;
  readonly client: number;
  readonly node: NodeId;
  readonly call: number;
  /** The simulation step after which the client gives up. */
  readonly deadline: number;
  readonly input: KvInput;
  readonly kind: 'write' | 'read';
  /** Where the leader put the proposal (absent when it was forwarded). */
  readonly index?: number;
  readonly term?: number;
  /** For reads: the index the node must apply before answering. */
  readIndex?: number;
}

export interface ClientStats {
  writesOk: number;
  writesFailed: number;
  writesUnknown: number;
  /** Unknown-outcome writes that no state machine ever applied, left out of the history. */
  writesNeverApplied: number;
  readsOk: number;
  readsLost: number;
}

/**
 * The clients of the simulated store and the history they observe. Each client slot has at
 * most one request in flight; a client that gives up on a request (timeout, its node crashed)
 * continues under a fresh client id, since its abandoned request stays open forever in the
 * history (return = Infinity).
 */
export class Clients {
  readonly history: Operation<KvInput, KvOutput>[] = [];
  readonly stats: ClientStats = {
    writesOk: 0,
    writesFailed: 0,
    writesUnknown: 0,
    writesNeverApplied: 0,
    readsOk: 0,
    readsLost: 0,
  };
  /** The request id of every unknown-outcome write in `history`. */
  private readonly unknownIds = new Map<Operation<KvInput, KvOutput>, string>();
  /** Invariant: at most `slots` entries, one per busy slot. */
  private pending: Pending[] = [];
  private readonly clientOf: number[];
  private nextClient: number;
  private nextOp = 0;
  /** Logical time: bumped at every call and every return, so intervals are strict. */
  private clock = 0;

  constructor(
    readonly slots: number,
    private readonly timeoutSteps: number
  ) {
    this.clientOf = Array.from({ length: slots }, (_, i) => i);
    this.nextClient = slots;
  }

  /** A slot with nothing in flight, or undefined. */
  idleSlot(pick: (n: number) => number): number | undefined {
    const idle: number[] = [];
    for (let s = 0; s < this.slots; s++) if (!this.pending.some((p) => p.slot === s)) idle.push(s);
    return idle.length === 0 ? undefined : idle[pick(idle.length)];
  }

  newOpId(kind: 'w' | 'r'): string {
    return `${kind}${this.nextOp++}`;
  }

  /** Records the call of a request that the node accepted. */
  begin(
    slot: number,
    opId: string,
    node: NodeId,
    step: number,
    input: KvInput,
    kind: 'write' | 'read',
    at?: { index: number; term: number }
  ): void {
    const base = {
      opId,
      slot,
      client: this.clientOf[slot]!,
      node,
      call: ++this.clock,
      deadline: step + this.timeoutSteps,
      input,
      kind,
    };
    this.pending.push(at === undefined ? base : { ...base, index: at.index, term: at.term });
  }

  private finish(p: Pending, output: KvOutput): void {
    this.pending = this.pending.filter((q) => q !== p);
    this.history.push({
      client: p.client,
      input: p.input,
      call: p.call,
      return: ++this.clock,
      output,
    });
    if (p.kind === 'write') this.stats.writesOk++;
    else this.stats.readsOk++;
  }

  /** The request's outcome will never be known: a write stays open forever, a read is forgotten. */
  private abandon(p: Pending): void {
    this.pending = this.pending.filter((q) => q !== p);
    if (p.kind === 'write') {
      const op = {
        client: p.client,
        input: p.input,
        call: p.call,
        return: Infinity,
        output: undefined,
      };
      this.history.push(op);
      this.unknownIds.set(op, p.opId);
      this.stats.writesUnknown++;
    } else {
      this.stats.readsLost++;
    }
    this.clientOf[p.slot] = this.nextClient++;
  }

  /** The write definitely did not and never will take effect: it is left out of the history. */
  private fail(p: Pending): void {
    this.pending = this.pending.filter((q) => q !== p);
    this.stats.writesFailed++;
  }

  onApplied(node: NodeId, id: string, output: KvOutput): void {
    const p = this.pending.find((q) => q.node === node && q.opId === id);
    if (p !== undefined) this.finish(p, output);
  }

  /** `node` applied `commandId` (undefined: not a client command) at `index`. */
  onAppliedIndex(node: NodeId, index: number, commandId: string | undefined): void {
    for (const p of this.pending) {
      if (p.node === node && p.kind === 'write' && p.index === index && p.opId !== commandId) {
        // Another entry was committed where the leader put ours: ours is gone for good.
        this.fail(p);
      }
    }
  }

  onSnapshot(node: NodeId, index: number, sm: KvStateMachine): void {
    for (const p of [...this.pending]) {
      if (p.node !== node || p.kind !== 'write') continue;
      const out = sm.resultOf(p.opId);
      if (out !== undefined) this.finish(p, out);
      else if (p.index !== undefined && p.index <= index) this.fail(p);
    }
  }

  onReadState(node: NodeId, rs: ReadState): void {
    const ctx = new TextDecoder().decode(rs.requestCtx);
    const p = this.pending.find((q) => q.node === node && q.opId === ctx && q.kind === 'read');
    if (p !== undefined && p.readIndex === undefined) p.readIndex = rs.index;
  }

  /** Answers the reads at `node` whose read index it has applied. */
  serveReads(node: NodeId, applied: number, sm: KvStateMachine): void {
    for (const p of [...this.pending]) {
      if (
        p.node === node &&
        p.kind === 'read' &&
        p.readIndex !== undefined &&
        p.readIndex <= applied
      ) {
        this.finish(p, { kind: 'get', value: sm.read(p.input.key) });
      }
    }
  }

  /** Answers a pending read at once (the stale-read mutation). */
  answerNow(opId: string, value: string | null): void {
    const p = this.pending.find((q) => q.opId === opId);
    if (p !== undefined) this.finish(p, { kind: 'get', value });
  }

  onCrash(node: NodeId): void {
    for (const p of [...this.pending]) if (p.node === node) this.abandon(p);
  }

  onStep(step: number): void {
    for (const p of [...this.pending]) if (step > p.deadline) this.abandon(p);
  }

  /**
   * End of the run: whatever is still open stays open. An open write that no state machine
   * ever applied had no effect anyone could observe during the run, so it is equivalent to a
   * write that never happened and is dropped; this keeps the checker from trying every place
   * it could have landed. (The harness knows every apply: a snapshot only carries commands
   * that some node applied first.)
   */
  close(appliedAnywhere: ReadonlySet<string>): void {
    for (const p of [...this.pending]) this.abandon(p);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const id = this.unknownIds.get(this.history[i]!);
      if (id !== undefined && !appliedAnywhere.has(id)) {
        this.history.splice(i, 1);
        this.stats.writesNeverApplied++;
      }
    }
  }

  get inFlight(): number {
    return this.pending.length;
  }
}
