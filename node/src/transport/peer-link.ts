import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../config/index.js';
import type { PeerFrame, PeerFrame__Output } from '../gen/broker/v1/PeerFrame.js';
import {
  type EventRun,
  PayloadValidator,
  type PeerSink,
  type PubSubObserver,
  type Router,
  RunQueue,
  TopicFilter,
  WaitTimeoutError,
  canonicalPrefix,
  withTimeout,
} from '../pubsub/index.js';
import { PeerProtocolError } from './errors.js';
import { makeNonce, proveStream, verifyStream } from './peer-auth.js';
import { peerIdFromCall } from './peer-identity.js';
import { fromWireRun, toWireRun } from './wire-runs.js';

/** Protocol version carried in Hello; a peer with another version is refused. */
export const PROTOCOL_VERSION = 1;

/** The stream under a link: the dialer's client call or the acceptor's server call. */
export type LinkStream =
  | grpc.ClientDuplexStream<PeerFrame, PeerFrame__Output>
  | grpc.ServerDuplexStream<PeerFrame__Output, PeerFrame>;

/** Settings shared by all links of a node. */
export interface LinkSettings {
  readonly localId: string;
  readonly incarnation: string;
  readonly queueEvents: number;
  readonly queueBytes: number;
  /** Receive window granted to the remote side, in events. */
  readonly credit: number;
  readonly batchEvents: number;
  readonly batchBytes: number;
  /** Longest one publish waits for room in the queue in all. */
  readonly enqueueTimeoutMs: number;
  /**
   * Longest the link may hold producers while its queue is full and it sends nothing (a
   * frozen peer): then it is stalled and runs that do not fit are dropped at once, so a
   * frozen peer costs the other peers' subscribers at most this long per stall.
   */
  readonly queueTimeMs: number;
  readonly maxTopicLength: number;
  /** Most prefixes a peer may announce. */
  readonly maxPeerTopics: number;
  readonly handshakeTimeoutMs: number;
  /** Events from a peer are checked like events from a client (docs/pubsub.md). */
  readonly maxMessageBytes: number;
  readonly maxDepth: number;
  /** How the remote side must prove its id (docs/security.md). */
  readonly auth: PeerAuthPolicy;
}

/**
 * How peers prove their ids. Both may apply: then both must hold. With neither, ids are only
 * claimed (`--insecure-peers`, loopback only).
 */
export interface PeerAuthPolicy {
  /** The cluster secret: each side answers the other's challenge with an HMAC. */
  readonly secret: Uint8Array | undefined;
  /** Mutual TLS: the remote certificate's `broker-peer://ID` SAN must name the Hello's id. */
  readonly mtls: boolean;
}

/** True when a link's remote id is proven, not just claimed. */
export function provesIdentity(auth: PeerAuthPolicy): boolean {
  return auth.secret !== undefined || auth.mtls;
}

/** Handles the pool frames of a link (docs/pools.md; transport/pool-frames.ts). */
export interface PoolFrameHandler {
  /** Throws on a frame that breaks the rules: the link then closes naming the problem. */
  onFrame(link: PeerLink, frame: PeerFrame__Output): void;
}

/** What a peer said about itself in Hello. */
export interface RemoteHello {
  readonly peerId: string;
  readonly incarnation: string;
  readonly initialCredit: number;
}

/**
 * One established (or establishing) link to a peer over one bidirectional stream. Outbound
 * events wait in a bounded queue and are sent in batches while the peer has granted credit;
 * inbound batches are delivered to local subscribers one after another and credit is granted
 * back as they are queued there, so a stalled subscriber (policy block) stalls this link and,
 * through the sender's full queue, its publishers.
 */
export class PeerLink implements PeerSink {
  peerId = '';
  remote: RemoteHello | undefined;
  readonly filter = new TopicFilter();
  filterTopics: string[] = [];
  readonly queue: RunQueue;
  /** Events we may still send; granted by the peer. */
  credits = 0;
  private creditWaiter: (() => void) | undefined;
  /**
   * Set when a producer waited `queueTimeMs` for room and nothing was sent meanwhile; cleared
   * when the link sends again. While set, runs that do not fit are dropped without waiting.
   */
  private stalled = false;
  /**
   * Bumped on every batch sent and every frame received: a wait for room that saw it change
   * saw the link alive. A peer whose subscribers block (policy block) still answers with
   * empty credit frames (startKeepAlive), so only a peer that says nothing at all
   * (frozen, hung) is taken for stalled.
   */
  private progress = 0;
  /** Batches received and not yet delivered locally; while above 0 the keep-alive speaks. */
  private delivering = 0;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private sendSeq = 0;
  private recvSeq = 0;
  /** Events received but not yet granted back; bounded by the window we granted. */
  private ungranted = 0;
  /** Events the remote may still send us; it must never go below zero. */
  private remoteAllowance: number;
  private inbound: Promise<void> = Promise.resolve();
  private closedReason: string | undefined;
  /** Aborted on close: ends waits that would otherwise never end on a dead stream. */
  private readonly closing = new AbortController();
  private readonly closedPromise: Promise<string>;
  private resolveClosed!: (reason: string) => void;
  private helloResolve: ((h: RemoteHello) => void) | undefined;
  private helloReject: ((e: Error) => void) | undefined;
  private subscriptionVersion = 0;
  private raftWarned = false;
  /** Set synchronously on Hello: frames that follow it in the same read are legal. */
  private helloReceived = false;
  /** Our challenge to the remote; its Hello must sign it. Set only with a cluster secret. */
  private readonly nonce: Buffer | undefined;
  /** The remote's challenge, which our Hello signs; received before its Hello, at most once. */
  private remoteNonce: Buffer | undefined;
  /** The id the remote gave in its challenge (the dialer signs for it before any Hello). */
  private remoteServerId = '';
  /** The dialer sends Hello once it holds the acceptor's challenge (when there is a secret). */
  private helloSent = false;
  private readonly validator: PayloadValidator;
  /** Pools: where pool frames go; set by the peer manager before the handshake. */
  pools: PoolFrameHandler | undefined;
  /** The id the remote's Hello proved, set with it (`peerId` follows after the checks). */
  helloPeerId = '';

  constructor(
    private readonly stream: LinkStream,
    readonly role: 'dialer' | 'acceptor',
    private readonly settings: LinkSettings,
    private readonly router: Router,
    private readonly observer: PubSubObserver,
    private readonly log: Logger
  ) {
    this.queue = new RunQueue(settings.queueEvents, settings.queueBytes, 'peer link queue');
    this.remoteAllowance = settings.credit;
    this.nonce = settings.auth.secret !== undefined ? makeNonce() : undefined;
    this.validator = new PayloadValidator(settings.maxMessageBytes, settings.maxDepth);
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    stream.on('data', (f: PeerFrame__Output) => this.onFrame(f));
    stream.on('error', (e: Error) => this.close(`stream error: ${e.message}`, false));
    stream.on('end', () => this.close('stream ended by peer', false));
    stream.on('close', () => this.close('stream closed', false));
  }

  /** Resolves with the reason once the link is closed. */
  get closed(): Promise<string> {
    return this.closedPromise;
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * Exchanges challenges (with a cluster secret: each side sends a fresh nonce first), then
   * Hello: the dialer speaks first, the acceptor answers after checking the dialer's proof and
   * `check`. Rejects (and closes) on timeout, a bad or unproven Hello, or a `check` problem.
   */
  async handshake(
    check: (h: RemoteHello) => string | undefined | Promise<string | undefined>
  ): Promise<RemoteHello> {
    const got = new Promise<RemoteHello>((resolve, reject) => {
      this.helloResolve = resolve;
      this.helloReject = reject;
    });
    if (this.nonce !== undefined)
      this.write({ challenge: { nonce: this.nonce, server_id: this.settings.localId } });
    // Without a secret there is no challenge to wait for.
    if (this.role === 'dialer' && this.nonce === undefined) this.sendHello();
    let hello: RemoteHello;
    try {
      hello = await withTimeout(got, this.settings.handshakeTimeoutMs, 'peer handshake');
    } catch (e) {
      this.close(`handshake failed: ${(e as Error).message}`, true);
      // A peer that never said Hello may never end the call either: without the cancel, each
      // redial would leave one more open call (they have no deadline) on the channel.
      if ('cancel' in this.stream) this.stream.cancel();
      throw e;
    }
    let problem: string | undefined;
    try {
      problem = await check(hello);
    } catch (e) {
      problem = `peer check failed: ${(e as Error).message}`;
    }
    if (this.closedReason !== undefined)
      throw new PeerProtocolError(hello.peerId, this.closedReason);
    if (problem !== undefined) {
      this.goodbye(problem);
      this.close(problem, true);
      throw new PeerProtocolError(hello.peerId, problem);
    }
    if (this.role === 'acceptor') this.sendHello();
    this.peerId = hello.peerId;
    this.remote = hello;
    this.startKeepAlive();
    void this.sendLoop();
    return hello;
  }

  /** Announces our complete local filter. */
  sendSubscriptions(topics: readonly string[]): void {
    if (this.closedReason !== undefined) return;
    this.subscriptionVersion++;
    this.write({ subscriptions: { topics: [...topics], version: this.subscriptionVersion } });
  }

  /** Writes a pool frame (docs/pools.md); a closed link drops it (the sender re-routes). */
  sendPoolFrame(frame: PeerFrame): void {
    if (this.closedReason === undefined) this.write(frame);
  }

  enqueue(run: EventRun): Promise<void> | undefined {
    if (this.closedReason !== undefined) {
      this.observer.dropped('peer_unavailable', run.sizes.length);
      return undefined;
    }
    const rest = this.queue.offer(run);
    if (rest === undefined) return undefined;
    if (this.stalled) {
      this.observer.dropped('peer_queue_timeout', rest.sizes.length);
      return undefined;
    }
    return this.enqueueSlow(rest);
  }

  private async enqueueSlow(run: EventRun): Promise<void> {
    let rest: EventRun | undefined = run;
    const deadline = Date.now() + this.settings.enqueueTimeoutMs;
    while (rest !== undefined) {
      const progressBefore = this.progress;
      const limit = Math.max(1, Math.min(this.settings.queueTimeMs, deadline - Date.now()));
      try {
        await withTimeout(this.queue.waitForRoom(rest), limit, `peer ${this.peerId} queue`);
      } catch (e) {
        if (!(e instanceof WaitTimeoutError)) throw e;
        // A link that sent nothing for the whole wait is not slow but stuck: stop holding
        // every publisher (and so every other peer's subscribers) for it.
        const stuck = this.progress === progressBefore && limit >= this.settings.queueTimeMs;
        if (!stuck && Date.now() < deadline) continue;
        this.observer.dropped('peer_queue_timeout', rest.sizes.length);
        if (stuck && !this.stalled) {
          this.stalled = true;
          this.log.log(
            'warn',
            'peer link sends nothing and its queue is full; dropping its events until it moves',
            {
              remote: this.peerId,
              queueTimeMs: this.settings.queueTimeMs,
            }
          );
        } else if (!stuck) {
          this.log.log('warn', 'peer queue stayed full; events dropped for this peer', {
            remote: this.peerId,
            events: rest.sizes.length,
          });
        }
        return;
      }
      if (this.closedReason !== undefined) {
        this.observer.dropped('peer_unavailable', rest.sizes.length);
        return;
      }
      rest = this.queue.offer(rest);
    }
  }

  /** Waits until everything queued was written (or `timeoutMs` passed). */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.events > 0 && this.closedReason === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10).unref());
    }
    return this.queue.events === 0;
  }

  /** Says goodbye (best effort) and closes. */
  shutdown(reason: string): void {
    this.goodbye(reason);
    this.close(reason, true);
  }

  /** Closes the link; queued events are dropped and counted. Idempotent. */
  close(reason: string, endStream: boolean): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.closing.abort(reason);
    this.stopKeepAlive();
    const lost = this.queue.clear();
    this.queue.close(reason);
    if (lost > 0) this.observer.dropped('peer_unavailable', lost);
    this.creditWaiter?.();
    this.helloReject?.(new PeerProtocolError(this.peerId || '?', reason));
    this.router.removePeer(this.peerId, this);
    if (endStream) {
      try {
        this.stream.end();
      } catch {
        // already ended
      }
    }
    if ('cancel' in this.stream && !endStream) this.stream.cancel();
    this.resolveClosed(reason);
  }

  private sendHello(): void {
    if (this.helloSent) return;
    this.helloSent = true;
    const secret = this.settings.auth.secret;
    const proof =
      secret !== undefined && this.remoteNonce !== undefined
        ? proveStream(secret, this.remoteNonce, this.settings.localId, this.remoteServerId)
        : Buffer.alloc(0);
    this.write({
      hello: {
        peer_id: this.settings.localId,
        protocol_version: PROTOCOL_VERSION,
        incarnation: this.settings.incarnation,
        initial_credit: this.settings.credit,
        proof,
      },
    });
  }

  private onChallenge(c: PeerFrame__Output['challenge']): void {
    if (this.helloReceived || this.remoteNonce !== undefined)
      throw new Error('unexpected challenge');
    if (c === null || c === undefined || c.nonce.length !== 32 || c.server_id === '')
      throw new Error('malformed challenge (needs a 32-byte nonce and the sender id)');
    // A peer without a secret ignores challenges; the other side then refuses its Hello.
    if (this.settings.auth.secret === undefined) return;
    this.remoteNonce = Buffer.from(c.nonce);
    this.remoteServerId = c.server_id;
    if (this.role === 'dialer') this.sendHello();
  }

  /** Why the remote's Hello does not prove `id`, or undefined when it does. */
  private unproven(id: string, proof: Buffer): string | undefined {
    const { secret, mtls } = this.settings.auth;
    if (secret !== undefined && this.nonce !== undefined) {
      if (this.remoteNonce === undefined || this.remoteServerId !== id)
        return 'sent no challenge for its own id before Hello';
      if (proof.length === 0)
        return 'sent no proof of its id (is the same --cluster-secret set there?)';
      if (!verifyStream(secret, this.nonce, id, this.settings.localId, proof))
        return 'did not prove its id (wrong cluster secret)';
    }
    if (mtls) {
      const certId = peerIdFromCall(this.stream);
      if (certId === undefined)
        return `its certificate names no peer id (needs the URI SAN broker-peer://${id})`;
      if (certId !== id) return `its certificate is for peer ${certId}`;
    }
    return undefined;
  }

  private goodbye(reason: string): void {
    if (this.closedReason === undefined) this.write({ goodbye: { reason } });
  }

  private write(frame: PeerFrame): boolean {
    try {
      return this.stream.write(frame);
    } catch (e) {
      this.close(`write failed: ${(e as Error).message}`, false);
      return true;
    }
  }

  private async sendLoop(): Promise<void> {
    while (this.closedReason === undefined) {
      await this.queue.waitForData();
      if (this.closedReason !== undefined) return;
      if (this.credits <= 0) {
        await new Promise<void>((r) => (this.creditWaiter = r));
        this.creditWaiter = undefined;
        continue;
      }
      const runs = this.queue.take(
        Math.min(this.credits, this.settings.batchEvents),
        this.settings.batchBytes
      );
      let events = 0;
      let bytes = 0;
      for (const r of runs) {
        events += r.sizes.length;
        bytes += r.data.length;
      }
      this.credits -= events;
      this.progress++;
      if (this.stalled) {
        this.stalled = false;
        this.log.log('info', 'peer link sends again; its events are queued again', {
          remote: this.peerId,
        });
      }
      this.sendSeq++;
      const ok = this.write({ envelopes: { runs: runs.map(toWireRun), seq: this.sendSeq } });
      this.observer.forwarded(events, bytes);
      if (!ok && this.closedReason === undefined) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.stream.off('drain', done);
            this.closing.signal.removeEventListener('abort', done);
            resolve();
          };
          // A dead stream never drains: the close must not leave the loop parked.
          this.stream.on('drain', done);
          this.closing.signal.addEventListener('abort', done, { once: true });
        });
      }
    }
  }

  private onFrame(f: PeerFrame__Output): void {
    if (this.closedReason !== undefined) return;
    this.progress++;
    try {
      switch (f.body) {
        case 'hello':
          return this.onHello(f.hello ?? null);
        case 'envelopes':
          return this.onEnvelopes(f.envelopes ?? null);
        case 'subscriptions':
          return this.onSubscriptions(f.subscriptions?.topics ?? []);
        case 'credit': {
          const n = Number(f.credit?.events ?? 0);
          if (!Number.isSafeInteger(n) || n < 0) throw new Error('bad credit');
          this.credits += n;
          this.creditWaiter?.();
          return;
        }
        case 'challenge':
          return this.onChallenge(f.challenge ?? null);
        case 'goodbye':
          this.log.log('info', 'peer said goodbye', {
            remote: this.peerId,
            reason: f.goodbye?.reason ?? '',
          });
          return this.close(`peer said goodbye: ${f.goodbye?.reason ?? ''}`, true);
        case 'pools':
        case 'pool_delivery':
        case 'pool_ack':
          if (!this.helloReceived) throw new Error(`${f.body} before Hello`);
          if (this.pools === undefined) throw new Error('pools are not served on this link');
          return this.pools.onFrame(this, f);
        case 'raft':
          if (!this.raftWarned) {
            this.raftWarned = true;
            this.log.log('warn', 'raft frames are not handled by this version; ignored', {
              remote: this.peerId,
            });
          }
          return;
        default:
          throw new Error('frame without a body');
      }
    } catch (e) {
      const err =
        e instanceof PeerProtocolError
          ? e
          : new PeerProtocolError(this.peerId || '?', (e as Error).message);
      this.log.log('warn', 'closing peer link after protocol error', {
        remote: this.peerId,
        error: err.message,
      });
      this.goodbye(err.message);
      this.close(err.message, true);
    }
  }

  private onHello(h: PeerFrame__Output['hello']): void {
    if (this.helloReceived || this.helloResolve === undefined) throw new Error('unexpected Hello');
    if (h === null || h === undefined || h.peer_id === '') throw new Error('Hello without peer id');
    if (h.protocol_version !== PROTOCOL_VERSION) {
      throw new Error(
        `protocol version ${h.protocol_version} not supported (want ${PROTOCOL_VERSION})`
      );
    }
    const credit = Number(h.initial_credit);
    if (!Number.isSafeInteger(credit) || credit <= 0)
      throw new Error('Hello with no initial credit');
    const problem = this.unproven(h.peer_id, h.proof);
    if (problem !== undefined) throw new PeerProtocolError(h.peer_id, problem);
    this.helloReceived = true;
    this.helloPeerId = h.peer_id;
    this.credits = credit;
    const resolve = this.helloResolve;
    this.helloResolve = undefined;
    this.helloReject = undefined;
    resolve({ peerId: h.peer_id, incarnation: h.incarnation, initialCredit: credit });
  }

  private onEnvelopes(b: PeerFrame__Output['envelopes']): void {
    if (!this.helloReceived) throw new Error('envelopes before Hello');
    if (b === null || b === undefined) throw new Error('empty envelope frame');
    const seq = Number(b.seq);
    if (seq !== this.recvSeq + 1)
      throw new Error(`envelope batch ${seq} out of sequence (expected ${this.recvSeq + 1})`);
    this.recvSeq = seq;
    const runs = b.runs.map((w) => fromWireRun(w, this.settings.maxTopicLength));
    let events = 0;
    for (const r of runs) events += r.sizes.length;
    this.remoteAllowance -= events;
    if (this.remoteAllowance < 0) throw new Error('peer sent more events than it had credit for');
    // A peer's events are checked like a publisher's: a subscriber never gets bytes that do
    // not decode, whoever sent them (issue 10, defect 1).
    for (const r of runs) this.validator.validate(r);
    this.delivering++;
    this.inbound = this.inbound
      .then(() => this.router.deliverFromPeer(runs))
      .then(() => {
        this.delivering--;
        this.grant(events);
      })
      .catch((e: unknown) => this.close(`delivery failed: ${(e as Error).message}`, true));
  }

  /**
   * While received batches wait for local subscribers (a block subscriber holding the link),
   * an empty credit frame every third of the queue time tells the sender that this peer is
   * alive and only slow, so it keeps holding its publishers (back pressure) rather than
   * taking the link for stalled. One timer per link for its life, off the hot path: a tick
   * only looks at a counter.
   */
  private startKeepAlive(): void {
    if (this.keepAliveTimer !== undefined || this.closedReason !== undefined) return;
    const every = Math.max(1, Math.floor(this.settings.queueTimeMs / 3));
    this.keepAliveTimer = setInterval(() => {
      if (this.delivering > 0) this.write({ credit: { events: 0 } });
    }, every);
    this.keepAliveTimer.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer === undefined) return;
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  private grant(events: number): void {
    this.ungranted += events;
    // Credit goes back in chunks of a quarter window: fewer frames, and the sender never
    // runs dry while we are keeping up.
    if (this.ungranted * 4 >= this.settings.credit) {
      const n = this.ungranted;
      this.ungranted = 0;
      this.remoteAllowance += n;
      this.write({ credit: { events: n } });
    }
  }

  private onSubscriptions(topics: string[]): void {
    if (!this.helloReceived) throw new Error('subscriptions before Hello');
    if (topics.length > this.settings.maxPeerTopics) {
      throw new Error(
        `subscription update with ${topics.length} prefixes exceeds ${this.settings.maxPeerTopics}`
      );
    }
    const prefixes = [
      ...new Set(topics.map((t) => canonicalPrefix(t, this.settings.maxTopicLength))),
    ];
    this.filterTopics = prefixes.sort();
    this.filter.replace(prefixes);
  }
}
