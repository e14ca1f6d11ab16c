import type { Message, ReadOnlyOption } from './types.js';

/** A read-index request waiting for a heartbeat quorum. */
export interface ReadIndexStatus {
  readonly req: Message;
  /** The leader's commit index when the request arrived. */
  readonly index: number;
  /** Peers that acknowledged a heartbeat carrying this request's context. */
  readonly acks: Set<string>;
}

/** Hex key of a request context (contexts are bytes; Map keys need values). */
export function ctxKey(ctx: Uint8Array | undefined): string {
  if (!ctx) return '';
  let s = '';
  for (const x of ctx) s += x.toString(16).padStart(2, '0');
  return s;
}

/**
 * Pending ReadIndex requests at the leader (safe mode). Requests are confirmed in arrival
 * order: an acknowledged heartbeat for a request also confirms every earlier one.
 */
export class ReadOnly {
  readonly option: ReadOnlyOption;
  private readonly pending = new Map<string, ReadIndexStatus>();
  /** Keys in arrival order. Invariant: same keys as `pending`. */
  private queue: string[] = [];

  constructor(option: ReadOnlyOption) {
    this.option = option;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Queues a request seen at commit index `index`. A duplicate context is ignored. */
  addRequest(index: number, m: Message): void {
    const k = ctxKey(m.context);
    if (this.pending.has(k)) return;
    this.pending.set(k, { index, req: m, acks: new Set() });
    this.queue.push(k);
  }

  /** Records an acknowledgement; returns the acks for the context (undefined if unknown). */
  recvAck(id: string, ctx: Uint8Array | undefined): Set<string> | undefined {
    const rs = this.pending.get(ctxKey(ctx));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every request up to and including the one with context `ctx`. */
  advance(ctx: Uint8Array | undefined): ReadIndexStatus[] {
    const k = ctxKey(ctx);
    const at = this.queue.indexOf(k);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const key of done) {
      const rs = this.pending.get(key);
      this.pending.delete(key);
      if (rs) out.push(rs);
    }
    return out;
  }

  /** Context of the newest pending request, sent with heartbeats so acks confirm it. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? undefined : this.pending.get(k)?.req.context;
  }
}
