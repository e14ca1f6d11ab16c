import type * as grpc from '@grpc/grpc-js';
import { BinaryEncoder, type Data, type DataLimits } from '../data/index.js';
import type { BrokerClientClient } from '../gen/broker/v1/BrokerClient.js';
import type { EventRun } from '../gen/broker/v1/EventRun.js';
import type { OverflowPolicy as WirePolicy } from '../gen/broker/v1/OverflowPolicy.js';
import type { PublishRequest } from '../gen/broker/v1/PublishRequest.js';
import type { SubscribeRequest } from '../gen/broker/v1/SubscribeRequest.js';
import type { StatusResponse__Output } from '../gen/broker/v1/StatusResponse.js';
import { loadProtos } from '../transport/proto.js';
import { type ConnectOptions, NODE_DECIDES_LIMITS, channelSetup } from './connect-options.js';
import { wrapError } from './errors.js';
import { AdminClient } from './admin-client.js';
import { adminStubOn, storeStubOn } from './shared-channel.js';
import {
  type CallOptions,
  type StoreClientOptions,
  type StoreInfo,
  StoreClient,
  listStores,
} from './store-client.js';
import type { BrokerStoreClient } from '../gen/broker/v1/BrokerStore.js';
import { type PublishCall, Publisher, type PublisherOptions } from './publisher.js';
import type { RawMessage } from './message.js';
import {
  type PoolMembershipEvent,
  type PublishOptions,
  PoolMemberState,
  poolPublishFields,
} from './pool.js';
import {
  type DeliveryStream,
  type MessageCallback,
  type ReconnectPolicy,
  Subscription,
  type SubscriptionStatus,
} from './subscription.js';

/** Options of {@link BrokerClient.subscribe}. */
export interface SubscribeOptions {
  /** What the node does when this subscriber falls behind (default: the node's setting). */
  readonly overflowPolicy?: 'block' | 'drop-oldest' | 'disconnect';
  /** Queue capacity in events at the node (default: the node's setting). */
  readonly queueCapacity?: number;
  /** Open the bidirectional variant, so {@link Subscription.update} can change the topics. */
  readonly changeable?: boolean;
  /** Limits for decoding delivered events (default: the client's `limits`). */
  readonly limits?: Partial<DataLimits>;
  /**
   * Re-open the subscription by itself when its node goes away (killed, restarted,
   * unreachable), with capped exponential backoff, trying the client's `servers` in turn;
   * `true` for the defaults. Events published while it is away are not replayed.
   */
  readonly reconnect?: boolean | ReconnectPolicy;
  /** Connection changes of a reconnecting subscription: disconnected, reconnecting, reconnected. */
  readonly onStatus?: (status: SubscriptionStatus) => void;
  /**
   * Called for each delivered event the iterator cannot decode (for instance deeper than
   * `limits.maxDepth`); the event is skipped and counted in `Subscription.decodeErrors`.
   */
  readonly onDecodeError?: (error: Error, event: RawMessage) => void;
  /**
   * Join this pool (docs/pools.md) instead of subscribing plainly: the subscription then gets
   * only events published to the pool and routed to it, at least once (each is acknowledged
   * when the iterator is asked for the next delivery).
   */
  readonly pool?: string;
  /** Pool members: called on every membership change (also once on joining). */
  readonly onMembership?: (event: PoolMembershipEvent) => void;
  /**
   * Deliver each message to this callback instead of an iterator (nats.js style); see
   * {@link MessageCallback}. The subscription is then not iterable.
   */
  readonly callback?: MessageCallback;
}

const POLICY: Record<NonNullable<SubscribeOptions['overflowPolicy']>, WirePolicy> = {
  block: 'OVERFLOW_POLICY_BLOCK',
  'drop-oldest': 'OVERFLOW_POLICY_DROP_OLDEST',
  disconnect: 'OVERFLOW_POLICY_DISCONNECT',
};

/** A connection to one broker-node. */
export class BrokerClient {
  private readonly stub: BrokerClientClient;
  private readonly encoder: BinaryEncoder;
  /** Stubs of the other `servers`, made when a reconnect first needs them. */
  private readonly extraStubs = new Map<string, BrokerClientClient>();

  constructor(readonly options: ConnectOptions) {
    this.encoder = new BinaryEncoder({ initialCapacity: 256, limits: this.limits() });
    const { creds, options: channelOptions } = channelSetup(options);
    const Ctor = loadProtos().broker.v1.BrokerClient;
    this.stub = new Ctor(options.server, creds, channelOptions);
  }

  /** Waits until the channel is connected (or `timeoutMs` passed). */
  waitForReady(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stub.waitForReady(Date.now() + timeoutMs, (e) =>
        e ? reject(wrapError(`connect ${this.options.server}`, e)) : resolve()
      );
    });
  }

  /**
   * Publishes values on a topic in one call; resolves with the events accepted. The third
   * argument is the deadline in ms or {@link PublishOptions} (pools: `pool`, `key`). Rejects
   * with `DataEncodeError` for a value that is invalid or over the client's `limits`, and with
   * `BrokerClientError` when the node refuses it.
   */
  publish(
    topic: string,
    values: Data | readonly Data[],
    options: number | PublishOptions = 30_000
  ): Promise<number> {
    const list = Array.isArray(values) ? (values as readonly Data[]) : [values as Data];
    let encoded: Uint8Array[];
    try {
      encoded = list.map((v) => this.encoder.encodeCopy(v));
    } catch (e) {
      // A promise-returning call fails through its promise, never by throwing.
      return Promise.reject(e as Error);
    }
    return this.publishEncoded([{ topic, events: encoded }], options);
  }

  /** Publishes already-encoded events, runs in order. */
  publishEncoded(
    runs: ReadonlyArray<{ topic: string; events: readonly Uint8Array[] }>,
    options: number | PublishOptions = 30_000
  ): Promise<number> {
    const o: PublishOptions = typeof options === 'number' ? { timeoutMs: options } : options;
    const timeoutMs = o.timeoutMs ?? 30_000;
    let pool: ReturnType<typeof poolPublishFields>;
    try {
      pool = poolPublishFields(o);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const wire: EventRun[] = runs.map((r) => ({
      topic: r.topic,
      data: Buffer.concat(r.events.map((e) => Buffer.from(e.buffer, e.byteOffset, e.byteLength))),
      sizes: r.events.map((e) => e.length),
    }));
    return new Promise((resolve, reject) => {
      this.stub.Publish({ runs: wire, ...pool }, { deadline: Date.now() + timeoutMs }, (e, res) =>
        e || res === undefined ? reject(wrapError('publish', e)) : resolve(Number(res.accepted))
      );
    });
  }

  /** A batching publisher on one stream (the fast path). */
  publisher(options?: PublisherOptions): Publisher {
    const open = (): PublishCall => {
      let call!: grpc.ClientWritableStream<PublishRequest>;
      const done = new Promise<number>((resolve, reject) => {
        call = this.stub.PublishStream((e, res) =>
          e || res === undefined
            ? reject(e ?? new Error('no response'))
            : resolve(Number(res.accepted))
        );
      });
      return { call, done };
    };
    return new Publisher(open, { ...this.limitsOption(), ...options });
  }

  /**
   * Subscribes to topic prefixes (one or a list); iterate the result for messages, or pass
   * `callback`.
   */
  subscribe(filter: string | readonly string[], options: SubscribeOptions = {}): Subscription {
    const topics: readonly string[] = typeof filter === 'string' ? [filter] : filter;
    const servers = [this.options.server, ...(this.options.servers ?? [])];
    const open = (
      attempt: number,
      current: readonly string[] | undefined
    ): { call: DeliveryStream; server: string } => {
      const server = servers[attempt % servers.length] as string;
      const stub = this.stubFor(server);
      const req: SubscribeRequest = {
        topics: [...(current ?? topics)],
        overflow_policy:
          options.overflowPolicy !== undefined
            ? POLICY[options.overflowPolicy]
            : 'OVERFLOW_POLICY_UNSPECIFIED',
        queue_capacity: options.queueCapacity ?? 0,
        ...(options.pool !== undefined ? { pool: options.pool } : {}),
      };
      // A pool member acknowledges events on the stream, so it always uses the bidi call.
      if (options.changeable === true || options.pool !== undefined) {
        const call = stub.SubscribeStream();
        call.write(req);
        return { call, server };
      }
      return { call: stub.Subscribe(req), server };
    };
    const reconnect =
      options.reconnect === true
        ? {}
        : options.reconnect === false || options.reconnect === undefined
          ? undefined
          : options.reconnect;
    const sub = new Subscription(
      open,
      this.decodeLimits(options),
      options.onDecodeError,
      reconnect,
      options.onStatus,
      options.pool !== undefined
        ? new PoolMemberState(options.pool, options.onMembership)
        : undefined
    );
    if (options.callback !== undefined) sub.deliverTo(options.callback);
    return sub;
  }

  private stubFor(server: string): BrokerClientClient {
    if (server === this.options.server) return this.stub;
    let stub = this.extraStubs.get(server);
    if (stub === undefined) {
      const { creds, options: channelOptions } = channelSetup(this.options);
      const Ctor = loadProtos().broker.v1.BrokerClient;
      stub = new Ctor(server, creds, channelOptions);
      this.extraStubs.set(server, stub);
    }
    return stub;
  }

  /** The client's value limits: its option, else the node decides. */
  private limits(): Partial<DataLimits> {
    return this.options.limits ?? NODE_DECIDES_LIMITS;
  }

  private limitsOption(): { limits: Partial<DataLimits> } {
    return { limits: this.limits() };
  }

  /** A subscription's own limits, else the client's. */
  private decodeLimits(options: SubscribeOptions): Partial<DataLimits> {
    return options.limits ?? this.limits();
  }

  /** The node's status. */
  status(timeoutMs = 5000): Promise<StatusResponse__Output> {
    return new Promise((resolve, reject) => {
      this.stub.Status({}, { deadline: Date.now() + timeoutMs }, (e, res) =>
        e || res === undefined ? reject(wrapError('status', e)) : resolve(res)
      );
    });
  }

  /** Stubs of the store and admin services, on this client's channel; made on first use. */
  private storeStub?: BrokerStoreClient;
  private adminClient?: AdminClient;

  /** Broker's store API on the store `name` (checked here; it need not exist yet). */
  store(name: string, options?: StoreClientOptions): StoreClient {
    return new StoreClient((this.storeStub ??= storeStubOn(this.stub)), name, options);
  }

  /** The stores of the cluster. */
  stores(o: CallOptions = {}): Promise<StoreInfo[]> {
    return listStores((this.storeStub ??= storeStubOn(this.stub)), o);
  }

  /** The admin API (cluster map, members, groups, stores), on this client's connection. */
  get admin(): AdminClient {
    return (this.adminClient ??= new AdminClient(
      adminStubOn(this.stub),
      this.options.adminToken !== undefined ? { token: this.options.adminToken } : {}
    ));
  }

  close(): void {
    this.stub.close();
    for (const s of this.extraStubs.values()) s.close();
  }
}

/** Connects to a broker-node (lazily: the first call opens the connection). */
export function connect(options: ConnectOptions | string): BrokerClient {
  return new BrokerClient(typeof options === 'string' ? { server: options } : options);
}
