import * as grpc from '@grpc/grpc-js';
import type { Logger, NodeConfig } from '../config/index.js';
import type { BrokerClientHandlers } from '../gen/broker/v1/BrokerClient.js';
import type { Delivery } from '../gen/broker/v1/Delivery.js';
import type { PublishRequest__Output } from '../gen/broker/v1/PublishRequest.js';
import type { StatusResponse } from '../gen/broker/v1/StatusResponse.js';
import type { SubscribeRequest__Output } from '../gen/broker/v1/SubscribeRequest.js';
import type { BrokerMetrics } from '../metrics/index.js';
import {
  type EventRun,
  LimitExceededError,
  type OverflowPolicy,
  PayloadValidator,
  type PoolRouter,
  type Router,
  Subscriber,
  nowMs,
  canonicalPrefix,
  InvalidPoolError,
  MAX_POOL_KEY_BYTES,
  type MembershipEvent,
  validatePoolName,
} from '../pubsub/index.js';
import type { PoolMembership } from '../gen/broker/v1/PoolMembership.js';
import { fromWireRun, publishRequestBytes, toWireRun } from '../transport/index.js';
import { rejectionLabel, statusError, toStatusError } from './grpc-errors.js';
import { RateLimitedLog } from './rate-limited-log.js';

/** Most events per Delivery message written to a subscriber. */
const DELIVERY_EVENTS = 4096;

/**
 * Most event bytes per Delivery (one larger event still goes whole). Larger than a
 * subscriber client's default 64 KiB HTTP/2 window: 32 KiB Deliveries (two per window, so
 * none waits half-sent for a window update) cost node and subscriber 0.1-0.2 us more CPU
 * per event in the one benchmark run, so the bound stayed (docs/pubsub.md, flow control).
 */
const DELIVERY_BYTES = 4 * 1024 * 1024;

const POLICY_FROM_WIRE: Record<string, OverflowPolicy | undefined> = {
  OVERFLOW_POLICY_BLOCK: 'block',
  OVERFLOW_POLICY_DROP_OLDEST: 'drop-oldest',
  OVERFLOW_POLICY_DISCONNECT: 'disconnect',
};

/** What the client service needs from the node. */
export interface ClientServiceContext {
  readonly config: NodeConfig;
  readonly router: Router;
  readonly pools: PoolRouter;
  readonly metrics: BrokerMetrics;
  readonly log: Logger;
  status(): StatusResponse;
  isDraining(): boolean;
}

/** The error a server stream's iterator throws when the client's side broke (not a node fault). */
function isBrokenClientStream(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR';
}

type SubscriberCall =
  | grpc.ServerWritableStream<SubscribeRequest__Output, Delivery>
  | grpc.ServerDuplexStream<SubscribeRequest__Output, Delivery>;

/** The gRPC handlers of `BrokerClient`, plus closing of open subscriptions at shutdown. */
export class ClientService {
  private readonly validator: PayloadValidator;
  private readonly open = new Map<Subscriber, SubscriberCall>();
  /**
   * Long-lived calls per connection (by the client's address and port, one per connection).
   * Invariant: no entry holds zero; each admitted call releases its count exactly once.
   */
  private readonly streamsByConnection = new Map<string, number>();
  /** A client's broken stream is the client's problem: a warning, rate-limited. */
  private readonly clientStreamLog: RateLimitedLog;

  constructor(private readonly ctx: ClientServiceContext) {
    this.validator = new PayloadValidator(ctx.config.maxMessageBytes, ctx.config.maxDepth);
    this.clientStreamLog = new RateLimitedLog(ctx.log);
  }

  handlers(): BrokerClientHandlers {
    return {
      Publish: (call, callback) => {
        this.publishOne(call.request)
          .then((n) => callback(null, { accepted: n }))
          .catch((e: unknown) => callback(this.reject(e)));
      },
      PublishStream: (call, callback) => {
        void (async () => {
          let accepted = 0;
          let release: (() => void) | undefined;
          try {
            release = this.admitStream(call.getPeer());
            for await (const req of call as AsyncIterable<PublishRequest__Output>) {
              accepted += await this.publishOne(req);
            }
            callback(null, { accepted });
          } catch (e) {
            if (isBrokenClientStream(e)) {
              // A message that did not deserialize, or a client that went away mid-stream.
              this.ctx.metrics.rejectedRequests.inc({ limit: 'malformed' });
              this.clientStreamLog.warn('publish stream broken by the client', {
                client: call.getPeer(),
                error: (e as Error).message,
              });
              callback(
                statusError(
                  grpc.status.INVALID_ARGUMENT,
                  `publish stream broken: ${(e as Error).message}`
                ) as grpc.ServiceError
              );
              return;
            }
            callback(this.reject(e));
          } finally {
            release?.();
          }
        })();
      },
      Subscribe: (call) => this.subscribe(call, call.request, false),
      SubscribeStream: (call) => {
        let sub: Subscriber | undefined;
        call.on('data', (req: SubscribeRequest__Output) => {
          try {
            if (sub === undefined) sub = this.subscribe(call, req, true);
            else if (this.ctx.pools.isMember(sub)) {
              // Pools: later messages of a member's stream acknowledge events.
              if (sub.disconnectReason === undefined) poolFollowUp(this.ctx.pools, sub, req);
            } else if (sub.disconnectReason === undefined) {
              const topics = this.checkTopics(req.topics);
              this.ctx.router.updateSubscriber(sub, topics);
              call.write({ ack: true, topics: [...sub.topics] });
            }
          } catch (e) {
            call.emit('error', this.reject(e));
          }
        });
        call.on('end', () => call.end());
      },
      Status: (_call, callback) => callback(null, this.ctx.status()),
    };
  }

  /** Ends every subscription stream (after writing what is queued, within `timeoutMs`). */
  async closeAll(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.open.keys()].some((s) => s.queue.events > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10).unref());
    }
    for (const [sub, call] of this.open) {
      sub.disconnect('node shutting down');
      call.emit('error', statusError(grpc.status.UNAVAILABLE, 'node shutting down'));
    }
  }

  private reject(e: unknown): grpc.ServiceError {
    const err = toStatusError(e);
    this.ctx.metrics.rejectedRequests.inc({ limit: rejectionLabel(e) });
    if (err.code === grpc.status.INTERNAL)
      this.ctx.log.log('error', 'request failed', { error: err.message });
    return err as grpc.ServiceError;
  }

  private async publishOne(req: PublishRequest__Output): Promise<number> {
    if (this.ctx.isDraining()) throw statusError(grpc.status.UNAVAILABLE, 'node is shutting down');
    const bytes = publishRequestBytes(req) ?? 0;
    if (bytes > this.ctx.config.maxBatchBytes) {
      throw new LimitExceededError(
        'max-batch-bytes',
        `publish batch of ${bytes} bytes is over ${this.ctx.config.maxBatchBytes}`
      );
    }
    const now = nowMs();
    const runs: EventRun[] = [];
    let events = 0;
    for (const w of req.runs ?? []) {
      let run: EventRun;
      try {
        run = fromWireRun(w, this.ctx.config.maxTopicLength, now);
      } catch (e) {
        if (e instanceof Error && !(e.name === 'InvalidTopicError')) {
          throw statusError(grpc.status.INVALID_ARGUMENT, e.message);
        }
        throw e;
      }
      this.validator.validate(run);
      events += run.sizes.length;
      runs.push(run);
    }
    if (req.pool !== '') {
      const pool = poolName(req.pool);
      await this.ctx.pools.publish(pool, poolKey(pool, req.key), runs);
    } else if (req.key.length > 0)
      throw new InvalidPoolError('', 'a publish with a key needs a pool');
    await this.ctx.router.publish(runs);
    return events;
  }

  private checkTopics(topics: readonly string[]): string[] {
    if (topics.length === 0)
      throw statusError(grpc.status.INVALID_ARGUMENT, 'subscribe needs at least one topic');
    const unique = [
      ...new Set(topics.map((t) => canonicalPrefix(t, this.ctx.config.maxTopicLength))),
    ];
    if (unique.length > this.ctx.config.maxSubscriptions) {
      throw new LimitExceededError(
        'max-subscriptions',
        `${unique.length} topic prefixes requested, at most ${this.ctx.config.maxSubscriptions} per subscriber`
      );
    }
    return unique;
  }

  private subscribe(
    call: SubscriberCall,
    req: SubscribeRequest__Output,
    bidi: boolean
  ): Subscriber | undefined {
    const { config, router, metrics } = this.ctx;
    let release: (() => void) | undefined;
    try {
      if (this.ctx.isDraining())
        throw statusError(grpc.status.UNAVAILABLE, 'node is shutting down');
      release = this.admitStream(call.getPeer());
      const topics = this.checkTopics(req.topics ?? []);
      const pool = req.pool === '' ? undefined : poolName(req.pool);
      if (pool !== undefined) checkPoolSubscribe(pool, req, bidi);
      if (router.subscriberCount + this.ctx.pools.memberCount >= config.maxSubscribers) {
        throw new LimitExceededError(
          'max-subscribers',
          `this peer already serves ${config.maxSubscribers} subscribers`
        );
      }
      const asked = POLICY_FROM_WIRE[req.overflow_policy ?? ''] ?? config.overflowPolicy;
      // A pool member never drops: it holds producers (block) unless it asked for disconnect.
      const policy = pool !== undefined && asked === 'drop-oldest' ? 'block' : asked;
      const capacity = req.queue_capacity > 0 ? req.queue_capacity : config.subscriberQueue;
      if (capacity > config.maxSubscriberQueue) {
        throw new LimitExceededError(
          'max-subscriber-queue',
          `queue capacity ${capacity} asked, at most ${config.maxSubscriberQueue} events`
        );
      }
      const sub = new Subscriber(
        {
          policy,
          capacity,
          capacitySource: req.queue_capacity > 0 ? 'queue_capacity' : 'subscriber-queue',
          maxBytes: config.subscriberQueueBytes,
          blockTimeoutMs: config.blockTimeoutMs,
        },
        metrics
      );
      sub.setTopics(topics);
      if (pool === undefined) router.addSubscriber(sub);
      this.open.set(sub, call);
      call.write({ ack: true, topics: [...sub.topics] });
      // Pools: a member gets only what the pool routes to it, plus membership events.
      if (pool !== undefined)
        this.ctx.pools.join(sub, pool, (e) => {
          if (sub.disconnectReason === undefined)
            call.write({ pool_membership: membershipWire(e) });
        });
      const admitted = release;
      const cleanup = (): void => {
        admitted();
        this.ctx.pools.leave(sub);
        router.removeSubscriber(sub);
        this.open.delete(sub);
        sub.disconnect('subscriber went away');
      };
      call.on('cancelled', cleanup);
      call.on('close', cleanup);
      call.on('error', cleanup);
      sub.whenDisconnected((reason) => {
        this.ctx.pools.leave(sub);
        router.removeSubscriber(sub);
        this.open.delete(sub);
        if (reason !== 'subscriber went away' && reason !== 'node shutting down') {
          call.emit('error', statusError(grpc.status.RESOURCE_EXHAUSTED, reason));
        }
      });
      void this.writeLoop(sub, call);
      return sub;
    } catch (e) {
      release?.();
      call.emit('error', this.reject(e));
      return undefined;
    }
  }

  /**
   * Counts one more long-lived call on the connection `peer` (gRPC's `getPeer()`), or throws
   * naming --max-streams-per-connection. Returns the idempotent release.
   */
  private admitStream(peer: string): () => void {
    const max = this.ctx.config.maxStreamsPerConnection;
    const n = this.streamsByConnection.get(peer) ?? 0;
    if (n >= max)
      throw new LimitExceededError(
        'max-streams-per-connection',
        `this connection already holds ${max} subscriptions and publish streams; open another connection`
      );
    this.streamsByConnection.set(peer, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.streamsByConnection.get(peer) ?? 1) - 1;
      if (left <= 0) this.streamsByConnection.delete(peer);
      else this.streamsByConnection.set(peer, left);
    };
  }

  private async writeLoop(sub: Subscriber, call: SubscriberCall): Promise<void> {
    const metrics = this.ctx.metrics;
    while (sub.disconnectReason === undefined) {
      await sub.queue.waitForData();
      if (sub.disconnectReason !== undefined) return;
      const runs = sub.queue.take(DELIVERY_EVENTS, DELIVERY_BYTES);
      if (runs.length === 0) continue;
      const dropped = sub.droppedUnreported;
      sub.droppedUnreported = 0;
      const ok = call.write({
        runs: runs.map(toWireRun),
        dropped_total: sub.droppedTotal,
        dropped_since_last: dropped,
      });
      for (const r of runs)
        metrics.delivered(r.topic, r.sizes.length, r.data.length, r.publishTimeMs);
      if (!ok) await waitDrain(call, sub);
    }
  }
}

// Pools (docs/pools.md): request checks of pool publishes and pool members.

function poolName(name: string): string {
  return validatePoolName(name);
}

function poolKey(pool: string, key: Buffer): Buffer {
  if (key.length > MAX_POOL_KEY_BYTES)
    throw new InvalidPoolError(pool, `key of ${key.length} bytes, at most ${MAX_POOL_KEY_BYTES}`);
  return key;
}

function checkPoolSubscribe(pool: string, req: SubscribeRequest__Output, bidi: boolean): void {
  if (!bidi)
    throw new InvalidPoolError(
      pool,
      'a pool member subscribes with SubscribeStream (it acknowledges events on it)'
    );
  if (req.overflow_policy === 'OVERFLOW_POLICY_DROP_OLDEST')
    throw new InvalidPoolError(
      pool,
      'a pool member cannot use drop-oldest: it would lose pool events'
    );
}

/** A member's later stream message: an acknowledgement, never a filter change. */
function poolFollowUp(pools: PoolRouter, sub: Subscriber, req: SubscribeRequest__Output): void {
  const n = Number(req.pool_ack);
  if (req.topics.length > 0 || req.pool !== '')
    throw new InvalidPoolError(req.pool, 'a pool member cannot change its topics or pool');
  if (n > 0) pools.ack(sub, n);
}

function membershipWire(e: MembershipEvent): PoolMembership {
  return {
    pool: e.pool,
    member: e.member,
    joined: [...e.joined],
    left: [...e.left],
    members: [...e.members],
  };
}

/** Resolves when `call` drains or `sub` is cut off (a full stream then never drains). */
function waitDrain(call: SubscriberCall, sub: Subscriber): Promise<void> {
  return new Promise((resolve) => {
    if (sub.signal.aborted) return resolve();
    const done = (): void => {
      call.off('drain', done);
      sub.signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    sub.signal.addEventListener('abort', done, { once: true });
  });
}
