import type * as grpc from '@grpc/grpc-js';
import { BinaryEncoder, type Data, type DataLimits } from '../data/index.js';
import type { EventRun } from '../gen/broker/v1/EventRun.js';
import type { PublishRequest } from '../gen/broker/v1/PublishRequest.js';
import { wrapError } from './errors.js';

/** Batching of a {@link Publisher}. */
export interface PublisherOptions {
  /** Send a batch once it holds this many events (default 2048). */
  readonly batchEvents?: number;
  /** ... or this many payload bytes (default 512 KiB). */
  readonly batchBytes?: number;
  /** Send a partial batch this long after its first event (default 1 ms; 0 = next turn of the event loop). */
  readonly lingerMs?: number;
  /** Value limits for encoding (default: the client's `ConnectOptions.limits`). */
  readonly limits?: Partial<DataLimits>;
}

interface OpenRun {
  topic: string;
  start: number;
  sizes: number[];
}

/**
 * A publisher on one `PublishStream` call: events are encoded into a batch buffer, grouped
 * in runs per topic (publish order kept), and sent when the batch is full or `lingerMs`
 * after its first event. Like a Node stream, {@link publish} returns false when the
 * transport is backed up; wait for {@link ready} before publishing more to keep memory
 * bounded.
 */
export class Publisher {
  private readonly batchEvents: number;
  private readonly batchBytes: number;
  private readonly lingerMs: number;
  private readonly encoder: BinaryEncoder;
  /** Invariant: bytes [0, pos) hold the encoded events of `runs` (and `open`), in order. */
  private buf: Buffer;
  private pos = 0;
  private events = 0;
  private runs: EventRun[] = [];
  private open: OpenRun | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backedUp = false;
  private failure: Error | undefined;
  /** Callers of {@link ready} while backed up; settled together on drain, failure or end. */
  private drainWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly done: Promise<number>;

  constructor(
    private readonly stream: grpc.ClientWritableStream<PublishRequest>,
    done: Promise<number>,
    options: PublisherOptions = {}
  ) {
    this.batchEvents = options.batchEvents ?? 2048;
    this.batchBytes = options.batchBytes ?? 512 * 1024;
    this.lingerMs = options.lingerMs ?? 1;
    this.encoder = new BinaryEncoder({
      initialCapacity: 256,
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
    });
    this.buf = Buffer.allocUnsafe(this.batchBytes);
    this.done = done.then(
      (accepted) => {
        // The call is over: nothing will drain, and a waiter learns of the end from publish.
        this.backedUp = false;
        for (const w of this.drainWaiters.splice(0)) w.resolve();
        return accepted;
      },
      (e: unknown) => {
        const failure = wrapError('publish', e);
        this.failure = failure;
        for (const w of this.drainWaiters.splice(0)) w.reject(failure);
        throw failure;
      }
    );
    this.done.catch(() => undefined);
    stream.on('drain', () => {
      this.backedUp = false;
      for (const w of this.drainWaiters.splice(0)) w.resolve();
    });
  }

  /** Encodes and queues one event. Returns false while the transport is backed up. */
  publish(topic: string, value: Data): boolean {
    return this.publishEncoded(topic, this.encoder.encode(value));
  }

  /** Queues one event already in the binary encoding. */
  publishEncoded(topic: string, bytes: Uint8Array): boolean {
    if (this.failure !== undefined) throw this.failure;
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
    if (this.events >= this.batchEvents || this.pos >= this.batchBytes) this.send();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.send(), this.lingerMs);
    }
    return !this.backedUp;
  }

  /** Resolves when the transport accepts more (immediately if it does now). */
  ready(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!this.backedUp) return Promise.resolve();
    // One listener for all waiters: a per-call handler on the call's promise would pile up
    // for the life of a long-running publisher.
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Sends the partial batch now. */
  flush(): void {
    this.send();
  }

  /** Sends what is buffered, ends the call and resolves with the events the node accepted. */
  async close(): Promise<number> {
    this.send();
    this.stream.end();
    return this.done;
  }

  private closeRun(): void {
    const o = this.open;
    if (o === undefined) return;
    this.runs.push({ topic: o.topic, data: this.buf.subarray(o.start, this.pos), sizes: o.sizes });
    this.open = undefined;
  }

  private send(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.closeRun();
    if (this.runs.length === 0) return;
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
    if (!this.stream.write({ runs })) this.backedUp = true;
  }
}
