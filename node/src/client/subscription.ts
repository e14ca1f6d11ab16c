import type * as grpc from '@grpc/grpc-js';
import { BinaryDecoder, type DataLimits } from '../data/index.js';
import type { Delivery__Output } from '../gen/broker/v1/Delivery.js';
import type { SubscribeRequest } from '../gen/broker/v1/SubscribeRequest.js';
import { BrokerClientError, wrapError } from './errors.js';
import type { Message, RawBatch, RawMessage, RawRunBatch } from './message.js';

/** Deliveries buffered before the stream is paused (HTTP/2 flow control then holds the node). */
const HIGH_WATER = 8;
const CANCELLED = 1;

type DeliveryStream =
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

  constructor(
    private readonly call: DeliveryStream,
    private readonly limits?: Partial<DataLimits>,
    private readonly onDecodeError?: (error: Error, event: RawMessage) => void
  ) {
    this.readyPromise = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.readyPromise.catch(() => undefined);
    call.on('data', (d: Delivery__Output) => this.onDelivery(d));
    call.on('error', (e: Error & { code?: number }) => {
      if (e.code !== CANCELLED) this.error = wrapError('subscription', e);
      this.finish();
    });
    call.on('end', () => this.finish());
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

  /** Ends the subscription; iteration finishes. */
  close(): void {
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

  async *[Symbol.asyncIterator](): AsyncGenerator<Message> {
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
    if (d.ack) {
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
    for (;;) {
      const d = this.buffered.shift();
      if (d !== undefined) {
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
