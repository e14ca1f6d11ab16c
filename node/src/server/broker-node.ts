import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import {
  type HostPort,
  type Logger,
  type NodeConfig,
  formatHostPort,
  isLoopbackHost,
} from '../config/index.js';
import {
  AdminService,
  ClusterManager,
  ReplicationService,
  StoreService,
  storeEventData,
  storeEventsTopic,
} from '../cluster/index.js';
import { encodeData } from '../data/index.js';
import type { StatusResponse } from '../gen/broker/v1/StatusResponse.js';
import type { StoreEvent } from '../store/index.js';
import { BrokerMetrics, PoolMetrics, StoreMetrics } from '../metrics/index.js';
import { PoolRouter, Router, nowMs } from '../pubsub/index.js';
import {
  type Credentials,
  PeerManager,
  PoolFrames,
  guardConnections,
  loadProtos,
  makeCredentials,
  widenSessionWindows,
  widenStreamWindow,
} from '../transport/index.js';
import { ClientService } from './client-service.js';
import { ListenError, bindReason } from './listen-error.js';

import { startHttpServer } from './http-server.js';
import { VERSION } from './version.js';

/** Addresses actually bound (port 0 resolved). */
export interface BoundAddresses {
  readonly grpc: HostPort;
  readonly http: HostPort | undefined;
}

/**
 * One broker peer: the gRPC server (client and peer APIs on one port), the mesh, the router
 * and the HTTP endpoints.
 */
export class BrokerNode {
  readonly metrics: BrokerMetrics;
  readonly router: Router;
  /** Pools (docs/pools.md): keyed and round-robin delivery to one member of a pool. */
  readonly pools: PoolRouter;
  readonly peers: PeerManager;
  private readonly credentials: Credentials;
  private readonly clientService: ClientService;
  private readonly grpcServer: grpc.Server;
  private httpServer: HttpServer | undefined;
  private bound: BoundAddresses | undefined;
  private draining = false;
  private readonly startedAt = Date.now();
  /** The replicated stores; present when --data-dir is given. */
  readonly cluster: ClusterManager | undefined;
  /** Store events waiting to be published on the mesh (bounded; see publishStoreEvents). */
  private storeEventsQueued = 0;
  private storeEventsChain: Promise<void> = Promise.resolve();

  constructor(
    readonly config: NodeConfig,
    private readonly log: Logger
  ) {
    this.credentials = makeCredentials(
      config.tls,
      config.insecure,
      isLoopbackHost(config.listen.host)
    );
    let peersRef: PeerManager | undefined;
    let routerRef: Router | undefined;
    let poolsRef: PoolRouter | undefined;
    this.metrics = new BrokerMetrics(config.metricsTopicPrefixes, {
      peersConnected: () => peersRef?.connectedCount() ?? 0,
      // Pool members are local subscribers too (docs/pools.md).
      subscribers: () => (routerRef?.subscriberCount ?? 0) + (poolsRef?.memberCount ?? 0),
      subscriberQueueEvents: () =>
        (routerRef?.queuedForSubscribers() ?? 0) + (poolsRef?.queuedForMembers() ?? 0),
      peerQueueEvents: () => peersRef?.queuedEvents() ?? 0,
    });
    this.router = routerRef = new Router(this.metrics);
    this.peers = peersRef = new PeerManager(
      config,
      this.router,
      this.metrics,
      { attempt: (result) => this.metrics.connectionAttempts.inc({ result }) },
      this.credentials.channel,
      log
    );
    this.pools = poolsRef = new PoolRouter(
      {
        nodeId: config.id,
        maxPendingEvents: config.peerQueue,
        publishTimeoutMs: config.publishTimeoutMs,
      },
      new PoolMetrics(this.metrics.registry)
    );
    this.peers.attachPools(
      new PoolFrames(this.pools, {
        maxTopicLength: config.maxTopicLength,
        maxMembers: config.maxSubscribers,
        maxTopicsPerMember: config.maxSubscriptions,
        maxMessageBytes: config.maxMessageBytes,
        maxDepth: config.maxDepth,
      })
    );
    this.clientService = new ClientService({
      config,
      router: this.router,
      pools: this.pools,
      metrics: this.metrics,
      log,
      status: () => this.status(),
      isDraining: () => this.draining,
    });
    // gRPC's own limit sits one maximum message above ours, so a batch that overshoots by up to
    // one event reaches the handler and gets an error naming --max-batch-bytes; beyond that
    // gRPC refuses it unread (RESOURCE_EXHAUSTED "Received message larger than max").
    const limit = config.maxBatchBytes + config.maxMessageBytes + 65536;
    this.grpcServer = new grpc.Server({
      'grpc.max_receive_message_length': limit,
      'grpc.max_send_message_length': limit,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
      // HTTP/2's own bound sits above --max-streams-per-connection, so that calls over our
      // limit reach the handler and get RESOURCE_EXHAUSTED instead of waiting unseen in the
      // client for a free stream.
      'grpc.max_concurrent_streams': config.maxStreamsPerConnection + 64,
      'grpc.max_connection_idle_ms': config.idleTimeoutMs,
    });
    widenStreamWindow(this.grpcServer);
    const protos = loadProtos();
    this.grpcServer.addService(
      protos.broker.v1.BrokerClient.service,
      this.clientService.handlers()
    );
    this.grpcServer.addService(protos.broker.v1.BrokerPeer.service, {
      Link: (call: Parameters<PeerManager['accept']>[0]) => this.peers.accept(call),
    });
    if (config.dataDir !== undefined) {
      let clusterRef: ClusterManager | undefined;
      const storeMetrics = new StoreMetrics(this.metrics.registry, {
        groups: () => clusterRef?.groupStatus('') ?? [],
        storeSize: (store) => {
          const r = clusterRef?.storeReplica(store);
          return r === undefined ? undefined : { keys: r.current.size, bytes: r.current.bytes };
        },
      });
      const cluster = new ClusterManager({
        config,
        log,
        observer: storeMetrics,
        channelCredentials: this.credentials.channel,
        advertise: () =>
          formatHostPort(this.bound !== undefined ? this.bound.grpc : this.config.listen),
        publishEvents: (store, events) => this.publishStoreEvents(store, events),
        registry: this.metrics.registry,
      });
      this.cluster = clusterRef = cluster;
      // The mesh links to members that joined later, from the map (transport/peer-set.ts).
      cluster.meta.onChange(() =>
        this.peers.learnPeers(
          cluster.map.state.members.map((m) => ({
            id: m.id,
            address: m.address,
            removed: m.state === 'removed',
          }))
        )
      );
      this.grpcServer.addService(
        protos.broker.v1.BrokerStore.service,
        new StoreService(cluster, config.store, config.maxDepth, config.maxSubscribers).handlers()
      );
      this.grpcServer.addService(
        protos.broker.v1.BrokerAdmin.service,
        new AdminService(cluster, config.store.adminToken).handlers()
      );
      // The replica host opens in start(); until then its streams are refused.
      let replication: ReturnType<ReplicationService['handlers']> | undefined;
      const service = (): typeof replication => {
        if (replication === undefined && cluster.phase !== 'starting')
          replication = new ReplicationService(cluster, config.clusterSecret).handlers();
        return replication;
      };
      const unavailable = { code: grpc.status.UNAVAILABLE, details: 'starting' };
      this.grpcServer.addService(protos.broker.v1.BrokerReplication.service, {
        Raft: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
          const h = service();
          if (h === undefined) call.destroy(Object.assign(new Error('starting'), unavailable));
          else (h.Raft as (c: typeof call) => void)(call);
        },
        InstallSnapshot: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
          const h = service();
          if (h === undefined) call.destroy(Object.assign(new Error('starting'), unavailable));
          else (h.InstallSnapshot as (c: typeof call) => void)(call);
        },
        Discover: (
          call: grpc.ServerUnaryCall<unknown, unknown>,
          cb: grpc.sendUnaryData<unknown>
        ) => {
          const h = service();
          if (h === undefined) cb(Object.assign(new Error('starting'), unavailable));
          else (h.Discover as (c: typeof call, cb: grpc.sendUnaryData<unknown>) => void)(call, cb);
        },
        Join: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
          const h = service();
          if (h === undefined) cb(Object.assign(new Error('starting'), unavailable));
          else (h.Join as (c: typeof call, cb: grpc.sendUnaryData<unknown>) => void)(call, cb);
        },
      });
    }
  }

  /**
   * Store events go out on the mesh in apply order, without ever holding up the apply loop:
   * at most STORE_EVENT_BACKLOG events wait for room; beyond that they are dropped and logged
   * (watch() is the exact, resumable way to follow a store).
   */
  private publishStoreEvents(store: string, events: readonly StoreEvent[]): void {
    const STORE_EVENT_BACKLOG = 100_000;
    if (this.storeEventsQueued + events.length > STORE_EVENT_BACKLOG) {
      this.log.log('warn', 'store events dropped: the mesh is not keeping up', {
        store,
        events: events.length,
      });
      return;
    }
    const encoded = events.map((e) => Buffer.from(encodeData(storeEventData(store, e))));
    const run = {
      topic: storeEventsTopic(store),
      data: Buffer.concat(encoded),
      sizes: encoded.map((b) => b.length),
      publishTimeMs: nowMs(),
    };
    this.storeEventsQueued += events.length;
    this.storeEventsChain = this.storeEventsChain
      .then(() => this.router.publish([run]))
      .catch((e: unknown) =>
        this.log.log('warn', 'store events not published', { error: (e as Error).message })
      )
      .finally(() => {
        this.storeEventsQueued -= events.length;
      });
  }

  /** Binds the listeners and starts meshing. */
  async start(): Promise<BoundAddresses> {
    await this.credentials.ready(10_000);
    const target = formatHostPort(this.config.listen);
    const port = await new Promise<number>((resolve, reject) => {
      this.grpcServer.bindAsync(target, this.credentials.server, (err, p) =>
        err
          ? reject(new ListenError('--listen', target, bindReason(err), { cause: err }))
          : resolve(p)
      );
    });
    widenSessionWindows(this.grpcServer);
    guardConnections(
      this.grpcServer,
      {
        maxConnections: this.config.maxConnections,
        handshakeTimeoutMs: this.config.handshakeTimeoutMs,
      },
      { refused: (limit) => this.metrics.rejectedRequests.inc({ limit }) }
    );
    let http: HostPort | undefined;
    if (this.config.http !== undefined) {
      try {
        this.httpServer = await startHttpServer(
          this.config.http,
          this.metrics,
          {
            live: () => true,
            ready: () => this.readiness(),
          },
          this.log
        );
      } catch (e) {
        this.grpcServer.forceShutdown();
        const address = formatHostPort(this.config.http);
        throw new ListenError('--http', address, bindReason(e), { cause: e });
      }
      const a = this.httpServer.address() as AddressInfo;
      http = { host: this.config.http.host, port: a.port };
    }
    // The server's certificate listener gets the loaded files on the next tick.
    await new Promise((r) => setImmediate(r));
    this.bound = { grpc: { host: this.config.listen.host, port }, http };
    this.peers.start();
    await this.cluster?.start();
    return this.bound;
  }

  readiness(): { ready: boolean; reason: string } {
    if (this.draining) return { ready: false, reason: 'draining' };
    if (this.bound === undefined) return { ready: false, reason: 'starting' };
    if (this.cluster !== undefined && this.cluster.phase !== 'running')
      return { ready: false, reason: `stores: ${this.cluster.describe()}` };
    const expected = this.config.peers.length;
    if (expected > 0 && this.peers.connectedCount() === 0)
      return { ready: false, reason: 'no peer linked yet' };
    return { ready: true, reason: `ready: ${this.peers.connectedCount()} peers linked` };
  }

  status(): StatusResponse {
    const local = this.router.localFilter.entries();
    return {
      id: this.config.id,
      version: VERSION,
      security: this.credentials.mode,
      listen:
        this.bound !== undefined
          ? formatHostPort(this.bound.grpc)
          : formatHostPort(this.config.listen),
      peers: this.peers.view().map((p) => ({
        id: p.id,
        address: p.address,
        state: p.state,
        topics: p.topics,
        queued_events: p.queuedEvents,
        credits: p.credits,
        connection_attempts: p.connectionAttempts,
        last_error: p.lastError,
      })),
      subscriptions: local.map(([topic, n]) => ({ topic, subscribers: n })),
      subscribers: this.router.subscriberCount,
      uptime_ms: Date.now() - this.startedAt,
      draining: this.draining,
    };
  }

  /**
   * Graceful stop, bounded by `--shutdown-timeout-ms`: refuse new work, flush peer queues,
   * end subscriptions, close the listeners. Resolves when done (forcing what is left at the
   * deadline).
   */
  async stop(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const budget = this.config.shutdownTimeoutMs;
    const deadline = Date.now() + budget;
    const left = (): number => Math.max(0, deadline - Date.now());
    await this.cluster?.stop();
    await this.peers.shutdown(Math.floor(budget * 0.4));
    await this.clientService.closeAll(Math.floor(left() * 0.5));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpcServer.forceShutdown();
        resolve();
      }, left());
      timer.unref();
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (this.httpServer !== undefined) {
      this.httpServer.closeAllConnections();
      await new Promise<void>((resolve) => this.httpServer?.close(() => resolve()));
    }
    this.credentials.close();
  }
}
