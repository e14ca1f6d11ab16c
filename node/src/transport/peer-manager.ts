import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { type HostPort, type Logger, type NodeConfig, formatHostPort } from '../config/index.js';
import type { BrokerPeerClient } from '../gen/broker/v1/BrokerPeer.js';
import type { PeerFrame, PeerFrame__Output } from '../gen/broker/v1/PeerFrame.js';
import type { PubSubObserver, Router } from '../pubsub/index.js';
import { backoffDelay, sleep } from './backoff.js';
import { type DialTarget, PeerResolver } from './discovery.js';
import { addressMismatch, remoteIp } from './peer-address.js';
import { type MapPeer, PeerSet } from './peer-set.js';
import { type LinkSettings, PeerLink, type RemoteHello, provesIdentity } from './peer-link.js';
import { MAX_FRAME_BYTES, RECEIVE_WINDOW_BYTES } from './http2-window.js';
import type { PoolFrames } from './pool-frames.js';
import { loadProtos } from './proto.js';

/** A peer's state as `status` shows it. */
export interface PeerView {
  id: string;
  address: string;
  state: 'connecting' | 'connected' | 'backoff' | 'inbound' | 'redundant';
  topics: string[];
  queuedEvents: number;
  credits: number;
  connectionAttempts: number;
  lastError: string;
}

interface Dialer {
  readonly target: DialTarget;
  state: PeerView['state'];
  attempts: number;
  lastError: string;
  link: PeerLink | undefined;
  learnedId: string | undefined;
  readonly abort: AbortController;
  client: BrokerPeerClient | undefined;
}

/** Counters the manager reports to metrics. */
export interface ConnectionObserver {
  attempt(result: 'success' | 'failure'): void;
}

/**
 * Keeps the full mesh: dials the peers whose id is larger than ours (the smaller id always
 * originates, so each pair has exactly one link), accepts links from smaller ids, reconnects
 * with capped exponential backoff and jitter, and announces our subscription filter.
 */
export class PeerManager {
  readonly incarnation = randomBytes(8).toString('hex');
  private readonly links = new Map<string, PeerLink>();
  private readonly dialers = new Map<string, Dialer>();
  private readonly settings: LinkSettings;
  private stopped = false;
  /** A filter announcement is queued for the next turn of the event loop. */
  private announcementScheduled = false;
  private readonly stop = new AbortController();
  /** Pools (docs/pools.md): the handler of every link's pool frames, when attached. */
  private pools: PoolFrames | undefined;
  /** --peers plus the peers learned from the cluster map (learnPeers). */
  private readonly known: PeerSet;

  constructor(
    private readonly config: NodeConfig,
    private readonly router: Router,
    private readonly observer: PubSubObserver,
    private readonly connections: ConnectionObserver,
    private readonly channelCredentials: grpc.ChannelCredentials,
    private readonly log: Logger
  ) {
    this.settings = {
      localId: config.id,
      incarnation: this.incarnation,
      queueEvents: config.peerQueue,
      queueBytes: config.peerQueueBytes,
      credit: config.peerCredit,
      batchEvents: config.peerBatchEvents,
      // Frames stay inside the receiver's HTTP/2 window (see http2-window.ts).
      batchBytes: Math.min(MAX_FRAME_BYTES, Math.floor(config.maxBatchBytes / 2)),
      enqueueTimeoutMs: config.publishTimeoutMs,
      queueTimeMs: config.peerQueueTimeMs,
      maxTopicLength: config.maxTopicLength,
      maxPeerTopics: config.maxSubscriptions * config.maxSubscribers,
      handshakeTimeoutMs: 5000,
      maxMessageBytes: config.maxMessageBytes,
      maxDepth: config.maxDepth,
      auth: { secret: config.clusterSecret, mtls: config.tls?.ca !== undefined },
    };
    router.onLocalFilterChange(() => this.scheduleAnnouncement());
    this.known = new PeerSet(config.id, config.peers);
  }

  /**
   * The cluster map's members (peer-set.ts): links to peers that joined after this one
   * started, dialing those above our id; a removed member is not redialed once its link ends.
   */
  learnPeers(members: readonly MapPeer[]): void {
    if (this.stopped) return;
    const change = this.known.update(members);
    for (const r of change.rejected) this.log.log('warn', 'cluster map peer ignored', { why: r });
    for (const id of change.removed) {
      const d = this.dialers.get(id);
      if (d === undefined) continue;
      this.dialers.delete(id);
      d.abort.abort();
      if (d.state !== 'connected') d.client?.close();
      else void d.link?.closed.then(() => d.client?.close());
    }
    for (const p of change.added)
      if (p.id > this.config.id)
        this.startDialer({ key: p.id, address: p.address, expectedId: p.id });
  }

  /**
   * Announces the local filter to every link once per turn of the event loop. Each
   * announcement is the whole filter, so a burst of N subscribes announced one by one would
   * send N ever longer lists to every peer.
   */
  private scheduleAnnouncement(): void {
    if (this.announcementScheduled) return;
    this.announcementScheduled = true;
    setImmediate(() => {
      this.announcementScheduled = false;
      if (this.stopped) return;
      const topics = this.router.localFilter.prefixes();
      for (const link of this.links.values()) link.sendSubscriptions(topics);
    });
  }

  /** Serves pools on every link from now on (call before start). */
  attachPools(pools: PoolFrames): void {
    this.pools = pools;
  }

  /** Starts dialing (static peers now, DNS peers as they are discovered). */
  start(): void {
    for (const p of this.config.peers) {
      if (p.id > this.config.id) {
        this.startDialer({ key: p.id, address: p.address, expectedId: p.id });
      }
    }
    if (this.config.peersDns !== undefined) void this.discoveryLoop(this.config.peersDns);
  }

  /** Peers with an established link. */
  connectedCount(): number {
    return this.links.size;
  }

  queuedEvents(): number {
    let n = 0;
    for (const l of this.links.values()) n += l.queue.events;
    return n;
  }

  /** The state of every known peer, for `status`. */
  view(): PeerView[] {
    const out = new Map<string, PeerView>();
    for (const d of this.dialers.values()) {
      const id = d.link?.peerId || d.learnedId || d.target.expectedId || '';
      const link = d.link !== undefined && !d.link.isClosed ? d.link : undefined;
      out.set(id || d.target.key, {
        id,
        address: formatHostPort(d.target.address),
        state: d.state,
        topics: link?.filterTopics ?? [],
        queuedEvents: link?.queue.events ?? 0,
        credits: link?.credits ?? 0,
        connectionAttempts: d.attempts,
        lastError: d.lastError,
      });
    }
    for (const [id, link] of this.links) {
      if (link.role !== 'acceptor') continue;
      out.set(id, {
        id,
        address: '',
        state: 'inbound',
        topics: link.filterTopics,
        queuedEvents: link.queue.events,
        credits: link.credits,
        connectionAttempts: 0,
        lastError: '',
      });
    }
    for (const p of this.config.peers) {
      if (p.id < this.config.id && !this.links.has(p.id)) {
        out.set(p.id, {
          id: p.id,
          address: formatHostPort(p.address),
          state: 'connecting',
          topics: [],
          queuedEvents: 0,
          credits: 0,
          connectionAttempts: 0,
          lastError: 'waiting for the peer to dial (smaller id originates)',
        });
      }
    }
    return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Handles an inbound Link call. */
  accept(call: grpc.ServerDuplexStream<PeerFrame__Output, PeerFrame>): void {
    if (this.stopped) {
      call.destroy(new Error('shutting down'));
      return;
    }
    const link = new PeerLink(
      call,
      'acceptor',
      this.settings,
      this.router,
      this.observer,
      this.log
    );
    link.pools = this.pools;
    link
      .handshake((h) => this.checkInbound(h, call.getPeer()))
      .then((h) => this.register(link, h))
      .catch((e: unknown) =>
        this.log.log('debug', 'inbound link refused', { error: (e as Error).message })
      );
  }

  /**
   * Graceful stop: no more dialing, flush every link's queue (bounded by `timeoutMs`), say
   * goodbye, close.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.stopped = true;
    this.stop.abort();
    await Promise.all([...this.links.values()].map((l) => l.flush(timeoutMs)));
    for (const l of this.links.values()) l.shutdown('peer shutting down');
    for (const d of this.dialers.values()) {
      d.abort.abort();
      d.client?.close();
    }
  }

  /**
   * Admits an inbound link whose Hello (already proven, see PeerLink) names `h.peerId`. With
   * a static `--peers` list only those ids, connecting from their configured host, are
   * admitted. A live link is replaced only by a newcomer that proved the same id: the
   * dialing side opens a new link only after its end of the old one closed, so the old link
   * is stale (its peer restarted, with a new incarnation, or re-dialed after a break this side
   * has not noticed yet). A newcomer that merely claims the id (`--insecure-peers`) never
   * replaces a live link; it is refused until keepalive has closed the old one.
   */
  private async checkInbound(h: RemoteHello, from: string): Promise<string | undefined> {
    if (h.peerId === this.config.id) return 'connected to itself';
    if (h.peerId > this.config.id)
      return `redundant link: ${this.config.id} dials ${h.peerId}, not the other way`;
    if (this.config.peers.length > 0) {
      const known = this.known.lookup(h.peerId);
      if (known === undefined) return `peer ${h.peerId} is not in --peers nor in the cluster map`;
      const ip = remoteIp(from);
      if (ip === undefined) return `peer ${h.peerId}: cannot tell its address from ${from}`;
      const mismatch = await addressMismatch(ip, known.host);
      if (mismatch !== undefined) return `peer ${h.peerId} ${mismatch} (its --peers address)`;
    }
    const old = this.links.get(h.peerId);
    if (old !== undefined && !old.isClosed && !provesIdentity(this.settings.auth))
      return `a live link to peer ${h.peerId} exists and ids are not proven (--insecure-peers)`;
    return undefined;
  }

  private register(link: PeerLink, h: RemoteHello): void {
    const old = this.links.get(h.peerId);
    if (old !== undefined && old !== link) {
      const why =
        old.remote?.incarnation !== h.incarnation
          ? 'the peer restarted'
          : 'the peer re-dialed after a break';
      this.log.log('info', 'replacing a stale peer link', { remote: h.peerId, why });
      old.close(`replaced by a proven new link from the same peer (${why})`, true);
    }
    this.links.set(h.peerId, link);
    this.router.addPeer(link);
    link.sendSubscriptions(this.router.localFilter.prefixes());
    this.pools?.linkUp(link);
    this.log.log('info', 'peer link up', {
      remote: h.peerId,
      role: link.role,
      incarnation: h.incarnation,
    });
    void link.closed.then((reason) => {
      if (this.links.get(h.peerId) === link) this.links.delete(h.peerId);
      this.log.log(this.stopped ? 'debug' : 'info', 'peer link down', { remote: h.peerId, reason });
    });
  }

  private startDialer(target: DialTarget): void {
    if (this.dialers.has(target.key)) return;
    const d: Dialer = {
      target,
      state: 'connecting',
      attempts: 0,
      lastError: '',
      link: undefined,
      learnedId: undefined,
      abort: new AbortController(),
      client: undefined,
    };
    this.dialers.set(target.key, d);
    void this.dialLoop(d);
  }

  private newClient(address: HostPort): BrokerPeerClient {
    const protos = loadProtos();
    const Ctor = protos.broker.v1.BrokerPeer;
    return new Ctor(formatHostPort(address), this.channelCredentials, {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': this.config.maxBatchBytes + 65536,
      'grpc.max_send_message_length': this.config.maxBatchBytes + 65536,
      // Reconnects are ours (with jitter); keep grpc's own reconnect quick.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': this.config.reconnectMaxMs,
      // HTTP/2 receive window for what the acceptor sends us (see server/http2-window.ts).
      'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES,
    });
  }

  private async dialLoop(d: Dialer): Promise<void> {
    let failures = 0;
    while (!this.stopped && !d.abort.signal.aborted) {
      d.state = 'connecting';
      d.attempts++;
      d.client ??= this.newClient(d.target.address);
      const call = d.client.Link({ deadline: Infinity });
      const link = new PeerLink(
        call,
        'dialer',
        this.settings,
        this.router,
        this.observer,
        this.log
      );
      link.pools = this.pools;
      d.link = link;
      let hello: RemoteHello | undefined;
      try {
        hello = await link.handshake((h) => this.checkOutbound(d, h));
      } catch (e) {
        d.lastError = (e as Error).message;
      }
      if (hello !== undefined) {
        this.connections.attempt('success');
        failures = 0;
        d.state = 'connected';
        d.lastError = '';
        d.learnedId = hello.peerId;
        this.register(link, hello);
        d.lastError = await link.closed;
      } else {
        this.connections.attempt('failure');
        if ((d.state as PeerView['state']) === 'redundant') {
          // This dialer never dials again: its channel would otherwise stay open for good.
          d.client?.close();
          d.client = undefined;
          return;
        }
      }
      d.link = undefined;
      if (this.stopped) return;
      d.state = 'backoff';
      const delay = backoffDelay(failures, this.config.reconnectBaseMs, this.config.reconnectMaxMs);
      failures++;
      await sleep(delay, d.abort.signal);
    }
  }

  private checkOutbound(d: Dialer, h: RemoteHello): string | undefined {
    if (h.peerId === this.config.id) {
      d.state = 'redundant';
      return 'connected to itself';
    }
    if (d.target.expectedId !== undefined && h.peerId !== d.target.expectedId) {
      return `expected peer ${d.target.expectedId} at ${d.target.key} but found ${h.peerId}`;
    }
    if (h.peerId < this.config.id) {
      // Discovered by DNS: the smaller id dials us instead.
      d.state = 'redundant';
      d.learnedId = h.peerId;
      return `redundant link: ${h.peerId} dials ${this.config.id}`;
    }
    return undefined;
  }

  private async discoveryLoop(name: string): Promise<void> {
    const port = this.config.peersDnsPort ?? this.config.listen.port;
    const resolver = new PeerResolver(this.config.dnsServers);
    while (!this.stopped) {
      try {
        const targets = await resolver.resolve(name, port);
        const keys = new Set(targets.map((t) => t.key));
        for (const t of targets) this.startDialer(t);
        // A peer that left DNS is not redialed once its link ends (its pod is gone).
        for (const [key, d] of this.dialers) {
          if (!keys.has(key) && d.state !== 'connected') {
            d.abort.abort();
            d.client?.close();
            this.dialers.delete(key);
          }
        }
      } catch (e) {
        this.log.log('warn', 'peer discovery failed', { name, error: (e as Error).message });
      }
      await sleep(this.config.peersDnsIntervalMs, this.stop.signal);
    }
  }
}
