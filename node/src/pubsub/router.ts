import type { EventRun } from './event-run.js';
import type { PubSubObserver } from './observer.js';
import type { Subscriber } from './subscriber.js';
import { TopicFilter } from './topic-filter.js';

/** Where the router sends events meant for a peer (the transport's outbound link). */
export interface PeerSink {
  readonly peerId: string;
  /** The peer's announced subscription filter. */
  readonly filter: TopicFilter;
  /** Queues a run for the peer; resolves when queued (waits while the link's queue is full). */
  enqueue(run: EventRun): Promise<void> | undefined;
}

/**
 * The core of pub/sub: local subscribers and the peers' filters. Events published here go to
 * matching local subscribers and to every peer whose filter matches (the mesh is full, so one
 * hop reaches every peer); events from a peer go to local subscribers only, never onwards, so
 * nothing is delivered twice and nothing loops.
 */
export class Router {
  private readonly subscribers = new Set<Subscriber>();
  /** Union of the local subscribers' filters: what this node announces to its peers. */
  readonly localFilter = new TopicFilter();
  private readonly peers = new Map<string, PeerSink>();
  private readonly filterListeners: Array<() => void> = [];

  constructor(private readonly observer: PubSubObserver) {}

  /** Called whenever the set of local subscription prefixes changes. */
  onLocalFilterChange(cb: () => void): void {
    this.filterListeners.push(cb);
  }

  addSubscriber(sub: Subscriber): void {
    this.subscribers.add(sub);
    if (this.localFilter.add(sub.topics)) this.notify();
  }

  /** Changes a subscriber's topics, keeping the union in step. */
  updateSubscriber(sub: Subscriber, topics: readonly string[]): void {
    const before = [...sub.topics];
    sub.setTopics(topics);
    if (!this.subscribers.has(sub)) return;
    const added = this.localFilter.add(sub.topics);
    const removed = this.localFilter.remove(before);
    if (added || removed) this.notify();
  }

  removeSubscriber(sub: Subscriber): void {
    if (!this.subscribers.delete(sub)) return;
    if (this.localFilter.remove(sub.topics)) this.notify();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Total events queued for local subscribers. */
  queuedForSubscribers(): number {
    let n = 0;
    for (const s of this.subscribers) n += s.queue.events;
    return n;
  }

  addPeer(peer: PeerSink): void {
    this.peers.set(peer.peerId, peer);
  }

  removePeer(peerId: string, sink?: PeerSink): void {
    if (sink !== undefined && this.peers.get(peerId) !== sink) return;
    this.peers.delete(peerId);
  }

  /**
   * Routes runs accepted from a local publisher, in order. Resolves when every run is queued
   * everywhere it goes (waiting under back pressure).
   */
  async publish(runs: readonly EventRun[]): Promise<void> {
    for (const run of runs) {
      this.observer.published(run.topic, run.sizes.length, run.data.length);
      const local = this.deliverLocal(run);
      if (local !== undefined) await local;
      for (const peer of this.peers.values()) {
        if (!peer.filter.matches(run.topic)) continue;
        const p = peer.enqueue(run);
        if (p !== undefined) await p;
      }
    }
  }

  /** Delivers runs that arrived from a peer to local subscribers only. */
  async deliverFromPeer(runs: readonly EventRun[]): Promise<void> {
    for (const run of runs) {
      this.observer.receivedFromPeer(run.sizes.length, run.data.length);
      const p = this.deliverLocal(run);
      if (p !== undefined) await p;
    }
  }

  private deliverLocal(run: EventRun): Promise<void> | undefined {
    let waits: Array<Promise<void>> | undefined;
    for (const sub of this.subscribers) {
      if (!sub.matches(run.topic)) continue;
      const p = sub.deliver(run);
      if (p !== undefined) (waits ??= []).push(p);
    }
    return waits === undefined ? undefined : Promise.all(waits).then(() => undefined);
  }

  private notify(): void {
    for (const cb of this.filterListeners) cb();
  }
}
