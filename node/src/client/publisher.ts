import type * as grpc from '@grpc/grpc-js';
import { BinaryEncoder, type Data, type DataLimits } from '../data/index.js';
import type { EventRun } from '../gen/broker/v1/EventRun.js';
import type { PublishRequest } from '../gen/broker/v1/PublishRequest.js';
import { BrokerClientError, wrapError } from './errors.js';

/** Batching of a {@link Publisher}. */
export interface PublisherOptions {
  /** Most events in one message (default 2048). */
  readonly batchEvents?: number;
  /** ... and most payload bytes (default 256 KiB, a quarter of the node's HTTP/2 window). */
  readonly batchBytes?: number;
  /** Value limits for encoding (default: the client's `ConnectOptions.limits`). */
  readonly limits?: Partial<DataLimits>;
}

/** One `PublishStream` call: its write side and the node's answer (events it accepted). */
export interface PublishCall {
  readonly call: grpc.ClientWritableStream<PublishRequest>;
  readonly done: Promise<number>;
}

interface OpenRun {
  topic: string;
  start: number;
  sizes: number[];
}

/**
 * A publisher on `PublishStream` calls. Events are encoded into a batch buffer and grouped
 * in runs per topic (publish order kept). Batching never waits on an idle path: an event
 * goes out at once when no write is outstanding; while one is, later events are coalesced
 * and go out together when it completes (or when the batch is full). No timers.
 *
 * Like a Node stream, {@link publish} returns false when the transport is backed up; wait
 * for {@link ready} before publishing more to keep memory bounded. {@link flush} ends the
 * current call to learn what the node accepted; the next event opens a new call, after the
 * old call's answer, so order is kept.
 */
export class Publisher {
  private readonly batchEvents: number;
  private readonly batchBytes: number;
  private readonly encoder: BinaryEncoder;
  /** Invariant: bytes [0, pos) hold the encoded events of `runs` (and `open`), in order. */
  private buf: Buffer;
  private pos = 0;
  private events = 0;
  private runs: EventRun[] = [];
  private open: OpenRun | undefined;
  /** The call events go to; undefined between a flush and the next send. */
  private current: PublishCall | undefined;
  /** Writes handed to `current` whose callback has not run: coalesce while above 0. */
  private outstanding = 0;
  private backedUp = false;
  /** True from a flush's end of its call until the node answered: nothing is sent then. */
  private switching = false;
  private closed = false;
  private failure: Error | undefined;
  /** Events the node accepted on calls that have ended. */
  private acceptedTotal = 0;
  /** Flushes run one after another. */
  private flushes: Promise<number> = Promise.resolve(0);
  /** Flushes started and not settled; invariant: 0 exactly when `flushes` has settled. */
  private flushesPending = 0;
  /** Callers of {@link ready} while backed up; settled together on drain, failure or end. */
  private drainWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(
    private readonly openCall: () => PublishCall,
    options: PublisherOptions = {}
  ) {
    this.batchEvents = options.batchEvents ?? 2048;
    this.batchBytes = options.batchBytes ?? 256 * 1024;
    this.encoder = new BinaryEncoder({
      initialCapacity: 256,
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
    });
    this.buf = Buffer.allocUnsafe(this.batchBytes);
  }

  /** Encodes and queues one event. Returns false while the transport is backed up. */
  publish(topic: string, value: Data): boolean {
    return this.publishEncoded(topic, this.encoder.encode(value));
  }

  /** Queues one event already in the binary encoding. */
  publishEncoded(topic: string, bytes: Uint8Array): boolean {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new BrokerClientError('publish: publisher is closed', undefined);
    if (this.pos + bytes.length > this.buf.length && this.events > 0) this.send();
    if (bytes.length > this.buf.length - this.pos) {
      // A lone event larger than the batch buffer gets a buffer of its own.
      this.buf = Buffer.allocUnsafe(bytes.length);
      this.pos = 0;
    }
    if (this.open === undefined || this.open.topic !== topic) {
      this.closeRun();
      this.open = { topic, start: this.pos, sizes: [] };
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    this.open.sizes.push(bytes.length);
    this.events++;
    if (this.outstanding === 0 || this.events >= this.batchEvents || this.pos >= this.batchBytes)
      this.send();
    return !this.backedUp && !this.switching;
  }

  /** Resolves when the transport accepts more (immediately if it does now). */
  ready(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!this.backedUp && !this.switching) return Promise.resolve();
    // One list for all waiters: a per-call handler on the call's promise would pile up for
    // the life of a long-running publisher.
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /**
   * Sends what is buffered and resolves once the node has accepted every event published
   * before this call, with the number of events the node accepted from this publisher in
   * all (equal to the number published when nothing was refused). A refusal (a bad topic or
   * value, a limit, the node going away) rejects here with a {@link BrokerClientError}, and
   * the publisher then stays failed.
   */
  flush(): Promise<number> {
    // Without a flush pending this one starts now: the call is ended before flush() returns,
    // so later events are certain to go on the next call.
    const next =
      this.flushesPending === 0 ? this.flushOnce() : this.flushes.then(() => this.flushOnce());
    this.flushesPending++;
    this.flushes = next.then(
      (n) => {
        this.flushesPending--;
        return n;
      },
      () => {
        this.flushesPending--;
        return 0;
      }
    );
    return next;
  }

  /** Sends what is buffered, ends the call and resolves with the events the node accepted. */
  async close(): Promise<number> {
    const n = await this.flush();
    this.closed = true;
    return n;
  }

  private async flushOnce(): Promise<number> {
    if (this.failure !== undefined) throw this.failure;
    this.send();
    const call = this.current;
    // A call is opened by the first event sent on it: without one there is nothing to wait for.
    if (call === undefined) return this.acceptedTotal;
    this.switching = true;
    this.current = undefined;
    call.call.end();
    try {
      this.acceptedTotal += await this.settle(call);
    } finally {
      this.switching = false;
    }
    this.outstanding = 0;
    this.backedUp = false;
    // Events published while the call was ending go on a new call, after the old one's answer.
    this.send();
    if (!this.backedUp) this.wakeWaiters();
    return this.acceptedTotal;
  }

  /** The node's answer for `call`; a refusal fails the publisher. */
  private async settle(call: PublishCall): Promise<number> {
    try {
      return await call.done;
    } catch (e) {
      this.fail(wrapError('publish', e));
      throw this.failure;
    }
  }

  private fail(failure: Error): void {
    if (this.failure !== undefined) return;
    this.failure = failure;
    for (const w of this.drainWaiters.splice(0)) w.reject(failure);
  }

  private wakeWaiters(): void {
    for (const w of this.drainWaiters.splice(0)) w.resolve();
  }

  private openCurrent(): PublishCall {
    const opened = this.openCall();
    this.current = opened;
    this.outstanding = 0;
    opened.done.then(
      () => {
        // The call is over: nothing will drain, and a waiter learns of the end from publish.
        if (this.current !== opened) return;
        this.backedUp = false;
        this.wakeWaiters();
      },
      (e: unknown) => this.fail(wrapError('publish', e))
    );
    opened.call.on('drain', () => {
      if (this.current !== opened) return;
      this.backedUp = false;
      if (!this.switching) this.wakeWaiters();
    });
    return opened;
  }

  private closeRun(): void {
    const o = this.open;
    if (o === undefined) return;
    this.runs.push({ topic: o.topic, data: this.buf.subarray(o.start, this.pos), sizes: o.sizes });
    this.open = undefined;
  }

  private send(): void {
    if (this.switching || this.failure !== undefined) return;
    this.closeRun();
    if (this.runs.length === 0) return;
    const target = this.current ?? this.openCurrent();
    // The request keeps its bytes until it is serialized, so it gets an exact-size copy and
    // the working buffer is reused (allocating a batch-sized buffer per batch costs more).
    const copy = Buffer.allocUnsafe(this.pos);
    this.buf.copy(copy, 0, 0, this.pos);
    const runs = this.runs.map((r) => {
      const start = (r.data as Buffer).byteOffset - this.buf.byteOffset;
      return { ...r, data: copy.subarray(start, start + (r.data as Buffer).length) };
    });
    this.runs = [];
    this.events = 0;
    this.pos = 0;
    if (this.buf.length > this.batchBytes) this.buf = Buffer.allocUnsafe(this.batchBytes);
    this.outstanding++;
    const ok = target.call.write({ runs }, () => this.written(target));
    if (!ok) this.backedUp = true;
  }

  /** A write left the call's buffer: what was coalesced meanwhile goes out now. */
  private written(target: PublishCall): void {
    if (this.current !== target) return;
    this.outstanding--;
    if (this.outstanding === 0 && this.events > 0) this.send();
  }
}
