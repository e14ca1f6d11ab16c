import type * as grpc from '@grpc/grpc-js';
import { BinaryDecoder, type DataLimits } from '../data/index.js';
import type { Delivery__Output } from '../gen/broker/v1/Delivery.js';
import type { SubscribeRequest } from '../gen/broker/v1/SubscribeRequest.js';
import { canonicalPrefix } from '../pubsub/index.js';
import { BrokerClientError, wrapError } from './errors.js';
import type { Message, RawBatch, RawMessage, RawRunBatch } from './message.js';
import { type PoolMemberState, type PoolMembershipEvent, membershipFromWire } from './pool.js';

/** Deliveries buffered before the stream is paused (HTTP/2 flow control then holds the node). */
const HIGH_WATER = 8;
const CANCELLED = 1;
const UNAVAILABLE = 14;

/** A change of a reconnecting subscription's connection (as nats.js reports them). */
export interface SubscriptionStatus {
  readonly state: 'disconnected' | 'reconnecting' | 'reconnected';
  /** The node this state is about. */
  readonly server: string;
  /** Reconnect attempts since the connection was lost (from 1 when reconnecting). */
  readonly attempt: number;
  /** Why the connection was lost (disconnected) or the attempt failed (reconnecting). */
  readonly error?: Error;
}

/** How a subscription re-opens itself after its node went away. */
export interface ReconnectPolicy {
  /** First delay (default 100 ms); doubles per failed attempt, with jitter. */
  readonly baseMs?: number;
  /** Cap of the delay (default 5000 ms). */
  readonly maxMs?: number;
  /** Give up after this many attempts in a row (default: never). */
  readonly maxAttempts?: number;
}

/** Opens the subscription's call on a node; `attempt` picks the node (round robin). */
export type OpenCall = (
  attempt: number,
  topics: readonly string[] | undefined
) => { call: DeliveryStream; server: string };

/**
 * Receives a callback subscription's messages (nats.js style): `(null, message)` per decoded
 * event, in order; `(error, undefined)` once if the subscription ends with an error. A returned
 * promise holds the next message back until it settles (back pressure, like a slow iterator).
 */
export type MessageCallback = (error: Error | null, message: Message | undefined) => unknown;

export type DeliveryStream =
  | grpc.ClientReadableStream<Delivery__Output>
  | grpc.ClientDuplexStream<SubscribeRequest, Delivery__Output>;

/**
 * An open subscription. Iterate it (`for await (const m of sub)`) for decoded messages, or
 * use {@link raw} / {@link batches} to skip decoding. Reading slowly applies back pressure:
 * the node then applies the subscription's overflow policy.
 */
export class Subscription implements AsyncIterable<Message> {
  private readonly buffered: Delivery__Output[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private error: Error | undefined;
  private paused = false;
  private readonly readyPromise: Promise<string[]>;
  private resolveReady!: (topics: string[]) => void;
  private rejectReady!: (e: Error) => void;
  private ackWaiters: Array<{ resolve: (topics: string[]) => void; reject: (e: Error) => void }> =
    [];
  /** The filter the node confirmed last. */
  topics: string[] = [];
  /** Events the node discarded for this subscriber so far (drop-oldest). */
  droppedTotal = 0;
  /**
   * Events the iterator skipped because they did not decode (with the limits given to
   * `subscribe`); each is also reported to `onDecodeError`. One bad event never ends the
   * subscription.
   */
  decodeErrors = 0;

  private call: DeliveryStream;
  private server: string;
  /** Set when a callback consumes the messages: the subscription is then not iterable. */
  private callbackMode = false;
  /** Set by close(): no reconnect after that. */
  private closedByUser = false;
  /** Consecutive failed reconnect attempts; 0 while connected. */
  private attempts = 0;
  /** Invariant: set only while a reconnect is pending (the old call is gone). */
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly open: OpenCall,
    private readonly limits?: Partial<DataLimits>,
    private readonly onDecodeError?: (error: Error, event: RawMessage) => void,
    private readonly reconnect?: ReconnectPolicy,
    private readonly onStatus?: (s: SubscriptionStatus) => void,
    /** Pools: set for a pool member (docs/pools.md). */
    private readonly pool?: PoolMemberState
  ) {
    this.readyPromise = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.readyPromise.catch(() => undefined);
    const first = open(0, undefined);
    this.call = first.call;
    this.server = first.server;
    this.attach(first.call);
  }

  private attach(call: DeliveryStream): void {
    call.on('data', (d: Delivery__Output) => {
      if (call === this.call) this.onDelivery(d);
    });
    call.on('error', (e: Error & { code?: number }) => {
      if (call !== this.call) return;
      if (e.code === UNAVAILABLE && this.reconnect !== undefined && !this.closedByUser) {
        this.lost(wrapError('subscription', e));
        return;
      }
      if (e.code !== CANCELLED) this.error = wrapError('subscription', e);
      this.finish();
    });
    if (this.reconnect === undefined) {
      call.on('end', () => {
        if (call === this.call) this.finish();
      });
      return;
    }
    // The read side ends before the status of a failed call is known: only an OK status ends
    // a reconnecting subscription (a failure is handled by the error listener).
    call.on('status', (st: { code: number }) => {
      if (call === this.call && st.code === 0) this.finish();
    });
  }

  /**
   * The node went away (killed, unreachable, shutting down): re-open on the next node after
   * a capped, jittered backoff, with the topics last confirmed. Events published meanwhile
   * are not replayed (delivery is at most once across a reconnect).
   */
  private lost(error: Error): void {
    const policy = this.reconnect ?? {};
    // A filter change in flight is lost with its call.
    for (const w of this.ackWaiters.splice(0)) w.reject(error);
    if (this.attempts === 0)
      this.onStatus?.({ state: 'disconnected', server: this.server, attempt: 0, error });
    else
      this.onStatus?.({
        state: 'reconnecting',
        server: this.server,
        attempt: this.attempts,
        error,
      });
    if (policy.maxAttempts !== undefined && this.attempts >= policy.maxAttempts) {
      this.error = error;
      this.finish();
      return;
    }
    const base = policy.baseMs ?? 100;
    const max = policy.maxMs ?? 5000;
    const d = Math.min(max, base * 2 ** Math.min(this.attempts, 30));
    const delay = Math.round(d / 2 + (Math.random() * d) / 2);
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closedByUser) return;
      // The filter the node confirmed last (canonical), so an update() survives reconnects.
      const next = this.open(this.attempts, this.topics.length > 0 ? this.topics : undefined);
      this.call = next.call;
      this.server = next.server;
      this.paused = false;
      // Pools: the new call is a new member; the old one's events were given back.
      if (this.pool !== undefined) this.pool.unacked = 0;
      this.attach(next.call);
      this.onStatus?.({ state: 'reconnecting', server: next.server, attempt: this.attempts });
      // Not unref'd: a subscription that is reconnecting is work the process waits for;
      // close() clears it.
    }, delay);
  }

  /** Resolves with the topics once the node confirmed the subscription; rejects if it refused. */
  ready(): Promise<string[]> {
    return this.readyPromise;
  }

  /** Replaces the topic filter (subscriptions opened with `{ changeable: true }` only). */
  async update(topics: readonly string[]): Promise<string[]> {
    if (!('write' in this.call))
      throw new BrokerClientError('this subscription cannot change its topics', undefined);
    if (this.ended)
      throw this.error ?? new BrokerClientError('the subscription has ended', undefined);
    const acked = new Promise<string[]>((resolve, reject) =>
      this.ackWaiters.push({ resolve, reject })
    );
    this.call.write({ topics: [...topics] });
    return acked;
  }

  // Pools (docs/pools.md).

  /** A pool member's latest membership event (undefined before the first, or not a member). */
  get membership(): PoolMembershipEvent | undefined {
    return this.pool?.membership;
  }

  /** Resolves with the first membership (the current one included) that satisfies `check`. */
  waitForMembership(
    check: (e: PoolMembershipEvent) => boolean,
    timeoutMs = 10_000
  ): Promise<PoolMembershipEvent> {
    if (this.pool === undefined)
      return Promise.reject(new BrokerClientError('not a pool subscription', undefined));
    return this.pool.waitFor(check, timeoutMs);
  }

  /** Acknowledges the delivery handed out last: the consumer asked for more, so it is done. */
  private ackPool(): void {
    const p = this.pool;
    if (p === undefined || p.unacked === 0 || this.ended || !('write' in this.call)) return;
    this.call.write({ pool_ack: String(p.unacked) });
    p.unacked = 0;
  }

  /**
   * Adds topic prefixes to the filter the node confirmed last (changeable subscriptions only);
   * resolves with the new filter. Prefixes already covered are not sent again.
   */
  async add(topics: readonly string[]): Promise<string[]> {
    const extra = this.canonical(topics, 'add').filter((t) => !this.topics.includes(t));
    if (extra.length === 0) return [...this.topics];
    return this.update([...this.topics, ...extra]);
  }

  /**
   * Removes topic prefixes from the filter (Broker's `unsubscribe`; changeable subscriptions
   * only) and resolves with the filter left. A prefix that is not in the filter is an error,
   * so a typo is not a silent no-op; removing every prefix is refused as well: a subscription
   * always has a filter, and {@link close} is how one ends.
   */
  async remove(topics: readonly string[]): Promise<string[]> {
    const gone = new Set(this.canonical(topics, 'remove'));
    for (const t of gone) {
      if (!this.topics.includes(t))
        throw new BrokerClientError(
          `not subscribed to ${JSON.stringify(t)} (the filter is ${JSON.stringify(this.topics)})`,
          undefined
        );
    }
    const left = this.topics.filter((t) => !gone.has(t));
    if (left.length === 0)
      throw new BrokerClientError(
        'cannot remove every topic of a subscription: close() ends it',
        undefined
      );
    return this.update(left);
  }

  private canonical(topics: readonly string[], what: string): string[] {
    if (topics.length === 0) throw new BrokerClientError(`${what} needs a topic`, undefined);
    try {
      return [...new Set(topics.map((t) => canonicalPrefix(t)))];
    } catch (e) {
      throw new BrokerClientError(`${what}: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  /**
   * Hands every message to `callback` instead of an iterator (called by
   * `BrokerClient.subscribe` with its `callback` option).
   */
  deliverTo(callback: MessageCallback): void {
    this.callbackMode = true;
    const it = this.messages();
    void (async () => {
      for (;;) {
        let next: IteratorResult<Message>;
        try {
          next = await it.next();
        } catch (e) {
          callback(e instanceof Error ? e : new Error(String(e)), undefined);
          return;
        }
        if (next.done === true) return;
        const r = callback(null, next.value);
        if (r instanceof Promise) await r;
      }
    })().catch((e: unknown) => {
      // A callback that throws is a bug of the caller: surface it like a throwing event
      // listener rather than swallow it.
      queueMicrotask(() => {
        throw e;
      });
    });
  }

  /** Ends the subscription; iteration finishes. */
  close(): void {
    this.closedByUser = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.call.cancel();
    this.finish();
  }

  /** Deliveries as they arrive: raw events plus drop accounting. */
  async *batches(): AsyncGenerator<RawBatch> {
    for (;;) {
      const d = await this.next();
      if (d === undefined) return;
      const messages: RawMessage[] = [];
      for (const run of d.runs) {
        const t = Number(run.publish_time_unix_ns) / 1e6;
        let off = 0;
        for (const size of run.sizes) {
          messages.push({
            topic: run.topic,
            bytes: run.data.subarray(off, off + size),
            publishTimeMs: t,
          });
          off += size;
        }
      }
      yield {
        messages,
        droppedTotal: Number(d.dropped_total),
        droppedSinceLast: Number(d.dropped_since_last),
      };
    }
  }

  /**
   * Deliveries as runs of same-topic events, undivided (no per-event object): for consumers
   * that walk the events themselves. The node checked every event's encoding on publish.
   */
  async *runs(): AsyncGenerator<RawRunBatch> {
    for (;;) {
      const d = await this.next();
      if (d === undefined) return;
      yield {
        runs: d.runs.map((run) => ({
          topic: run.topic,
          data: run.data,
          sizes: run.sizes,
          publishTimeMs: Number(run.publish_time_unix_ns) / 1e6,
        })),
        droppedTotal: Number(d.dropped_total),
        droppedSinceLast: Number(d.dropped_since_last),
      };
    }
  }

  /** Events as bytes of the binary codec. */
  async *raw(): AsyncGenerator<RawMessage> {
    for await (const b of this.batches()) yield* b.messages;
  }

  [Symbol.asyncIterator](): AsyncGenerator<Message> {
    if (this.callbackMode)
      throw new BrokerClientError(
        'this subscription delivers to its callback; it cannot be iterated too',
        undefined
      );
    return this.messages();
  }

  private async *messages(): AsyncGenerator<Message> {
    const decoder = new BinaryDecoder(this.limits);
    for await (const m of this.raw()) {
      let value: Message['data'];
      try {
        value = decoder.decode(m.bytes);
      } catch (e) {
        this.decodeErrors++;
        this.onDecodeError?.(
          new BrokerClientError(
            `event on ${m.topic} does not decode: ${(e as Error).message}`,
            undefined,
            { cause: e }
          ),
          m
        );
        continue;
      }
      yield { topic: m.topic, data: value, publishTimeMs: m.publishTimeMs };
    }
  }

  private onDelivery(d: Delivery__Output): void {
    this.droppedTotal = Math.max(this.droppedTotal, Number(d.dropped_total));
    if (d.pool_membership !== null && d.pool_membership !== undefined) {
      this.pool?.onEvent(membershipFromWire(d.pool_membership));
      if (d.runs.length === 0 && !d.ack) return;
    }
    if (d.ack) {
      if (this.attempts > 0) {
        this.attempts = 0;
        this.onStatus?.({ state: 'reconnected', server: this.server, attempt: 0 });
      }
      this.topics = d.topics;
      this.resolveReady(d.topics);
      this.ackWaiters.shift()?.resolve(d.topics);
      if (d.runs.length === 0) return;
    }
    this.buffered.push(d);
    if (this.buffered.length >= HIGH_WATER && !this.paused) {
      this.paused = true;
      this.call.pause();
    }
    this.wake();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.rejectReady(
      this.error ?? new BrokerClientError('subscription ended before it was confirmed', undefined)
    );
    // A filter change the node refused ends the stream: its waiter learns why.
    for (const w of this.ackWaiters.splice(0)) {
      w.reject(
        this.error ??
          new BrokerClientError('the subscription ended before the change was confirmed', undefined)
      );
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private async next(): Promise<Delivery__Output | undefined> {
    this.ackPool();
    for (;;) {
      const d = this.buffered.shift();
      if (d !== undefined) {
        if (this.pool !== undefined) for (const r of d.runs) this.pool.unacked += r.sizes.length;
        if (this.paused && this.buffered.length < HIGH_WATER / 2) {
          this.paused = false;
          this.call.resume();
        }
        return d;
      }
      if (this.ended) {
        if (this.error !== undefined) throw this.error;
        return undefined;
      }
      await new Promise<void>((r) => (this.waiter = r));
    }
  }
}
