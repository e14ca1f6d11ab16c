import { WaitTimeoutError } from './errors.js';
import type { EventRun } from './event-run.js';
import type { PubSubObserver } from './observer.js';
import type { OverflowPolicy } from './overflow-policy.js';
import { RunQueue } from './run-queue.js';
import { TopicFilter } from './topic-filter.js';
import { withTimeout } from './deadline.js';

/** Settings of one local subscriber. */
export interface SubscriberOptions {
  readonly policy: OverflowPolicy;
  /** Queue capacity in events. */
  readonly capacity: number;
  /**
   * Where `capacity` came from, for messages: the node's `--subscriber-queue` or the
   * subscriber's own `queue_capacity` (brokerctl `--queue`).
   */
  readonly capacitySource?: 'subscriber-queue' | 'queue_capacity';
  /** Queue capacity in bytes. */
  readonly maxBytes: number;
  /** How long a `block` subscriber may hold producers before it is disconnected. */
  readonly blockTimeoutMs: number;
}

let nextId = 1;

/**
 * A local subscriber: its filter and its bounded queue. Producers call {@link deliver}; the
 * connection that serves the subscriber drains {@link queue}.
 */
export class Subscriber {
  readonly id = nextId++;
  private filterTopics: string[] = [];
  private readonly filter = new TopicFilter();
  readonly queue: RunQueue;
  /** Events discarded by drop-oldest since the subscription began. */
  droppedTotal = 0;
  /** Events discarded and not yet reported to the subscriber. */
  droppedUnreported = 0;
  /** Set once the subscriber is cut off; the serving connection ends the stream with it. */
  disconnectReason: string | undefined;
  private readonly onDisconnect: Array<(reason: string) => void> = [];
  private readonly cutOff = new AbortController();

  constructor(
    readonly options: SubscriberOptions,
    private readonly observer: PubSubObserver
  ) {
    this.queue = new RunQueue(options.capacity, options.maxBytes, `subscriber ${this.id} queue`);
  }

  get topics(): readonly string[] {
    return this.filterTopics;
  }

  /** Replaces the filter (caller validated the topics and updates the router's union). */
  setTopics(topics: readonly string[]): void {
    this.filter.remove(this.filterTopics);
    this.filterTopics = [...new Set(topics)];
    this.filter.add(this.filterTopics);
  }

  matches(topic: string): boolean {
    return this.disconnectReason === undefined && this.filter.matches(topic);
  }

  /**
   * Aborted when the subscriber is cut off. For waits that end early on a disconnect: unlike
   * {@link whenDisconnected}, a listener can be removed when the wait ends the other way.
   */
  get signal(): AbortSignal {
    return this.cutOff.signal;
  }

  /** Registers a callback for when the subscriber is cut off. */
  whenDisconnected(cb: (reason: string) => void): void {
    this.onDisconnect.push(cb);
  }

  /** Cuts the subscriber off; queued events are discarded and counted. */
  disconnect(reason: string): void {
    if (this.disconnectReason !== undefined) return;
    this.disconnectReason = reason;
    this.queue.close(reason);
    this.cutOff.abort(reason);
    for (const cb of this.onDisconnect.splice(0)) cb(reason);
  }

  /**
   * Queues `run` under the overflow policy. Returns undefined when done without waiting (the
   * common case, so producers avoid a promise per run) or a promise while `block` waits.
   */
  deliver(run: EventRun): Promise<void> | undefined {
    if (this.disconnectReason !== undefined) return undefined;
    let rest = this.queue.offer(run);
    if (rest === undefined) return undefined;
    switch (this.options.policy) {
      case 'drop-oldest':
        while (rest !== undefined) {
          const dropped = this.queue.dropOldest(rest.sizes.length);
          this.droppedTotal += dropped;
          this.droppedUnreported += dropped;
          this.observer.dropped('subscriber_overflow', dropped);
          rest = this.queue.offer(rest);
        }
        return undefined;
      case 'disconnect':
        this.observer.dropped('subscriber_disconnected', rest.sizes.length + this.queue.events);
        this.disconnect(
          `subscriber queue full: ${this.options.capacity} events (limit ${this.options.capacitySource ?? 'subscriber-queue'}), overflow policy disconnect`
        );
        return undefined;
      case 'block':
        return this.blockUntilQueued(rest);
    }
  }

  private async blockUntilQueued(run: EventRun): Promise<void> {
    let rest: EventRun | undefined = run;
    while (rest !== undefined && this.disconnectReason === undefined) {
      try {
        await withTimeout(
          this.queue.waitForRoom(rest),
          this.options.blockTimeoutMs,
          `subscriber ${this.id}`
        );
      } catch (e) {
        if (!(e instanceof WaitTimeoutError)) throw e;
        this.observer.dropped('subscriber_blocked_timeout', rest.sizes.length + this.queue.events);
        this.disconnect(
          `subscriber blocked producers longer than ${this.options.blockTimeoutMs} ms (limit block-timeout-ms)`
        );
        return;
      }
      if (this.disconnectReason !== undefined) return;
      rest = this.queue.offer(rest);
    }
  }
}
