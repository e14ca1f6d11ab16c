import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  DROP_REASONS,
  type DropReason,
  type PubSubObserver,
  nowMs,
  segmentPrefixes,
} from '../pubsub/index.js';

/** Label value for topics outside the configured prefixes; keeps cardinality bounded. */
export const OTHER_TOPICS = 'other';

/** Live values the metrics read at scrape time. */
export interface GaugeSources {
  peersConnected(): number;
  subscribers(): number;
  subscriberQueueEvents(): number;
  peerQueueEvents(): number;
}

/**
 * The node's Prometheus metrics (prefix `broker_`, base units, counters end in `_total`).
 * Topic labels are limited to the configured prefixes plus `other`.
 */
export class BrokerMetrics implements PubSubObserver {
  readonly registry = new Registry();
  private readonly topicPrefixes: Set<string>;
  /** topic -> label; bounded because it is cleared when large. */
  private labelMemo = new Map<string, string>();
  private readonly publishedMessages: Counter<'topic_prefix'>;
  private readonly publishedBytes: Counter<'topic_prefix'>;
  private readonly deliveredMessages: Counter<'topic_prefix'>;
  private readonly deliveredBytes: Counter;
  private readonly forwardedMessages: Counter;
  private readonly forwardedBytes: Counter;
  private readonly receivedMessages: Counter;
  private readonly receivedBytes: Counter;
  private readonly droppedMessages: Counter<'reason'>;
  readonly connectionAttempts: Counter<'result'>;
  readonly rejectedRequests: Counter<'limit'>;
  private readonly latency: Histogram;

  constructor(topicPrefixes: readonly string[], sources: GaugeSources) {
    this.topicPrefixes = new Set(topicPrefixes);
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.publishedMessages = new Counter({
      name: 'broker_published_messages_total',
      help: 'Events accepted from local publishers',
      labelNames: ['topic_prefix'],
      registers,
    });
    this.publishedBytes = new Counter({
      name: 'broker_published_bytes_total',
      help: 'Payload bytes accepted from local publishers',
      labelNames: ['topic_prefix'],
      registers,
    });
    this.deliveredMessages = new Counter({
      name: 'broker_delivered_messages_total',
      help: 'Events written to local subscribers (one per subscriber)',
      labelNames: ['topic_prefix'],
      registers,
    });
    this.deliveredBytes = new Counter({
      name: 'broker_delivered_bytes_total',
      help: 'Payload bytes written to local subscribers',
      registers,
    });
    this.forwardedMessages = new Counter({
      name: 'broker_forwarded_messages_total',
      help: 'Events sent to peers (one per peer)',
      registers,
    });
    this.forwardedBytes = new Counter({
      name: 'broker_forwarded_bytes_total',
      help: 'Payload bytes sent to peers',
      registers,
    });
    this.receivedMessages = new Counter({
      name: 'broker_peer_received_messages_total',
      help: 'Events received from peers',
      registers,
    });
    this.receivedBytes = new Counter({
      name: 'broker_peer_received_bytes_total',
      help: 'Payload bytes received from peers',
      registers,
    });
    this.droppedMessages = new Counter({
      name: 'broker_dropped_messages_total',
      help: 'Events discarded, by reason',
      labelNames: ['reason'],
      registers,
    });
    for (const r of DROP_REASONS) this.droppedMessages.inc({ reason: r }, 0);
    this.connectionAttempts = new Counter({
      name: 'broker_peer_connection_attempts_total',
      help: 'Outbound peer connection attempts, by result',
      labelNames: ['result'],
      registers,
    });
    for (const r of ['success', 'failure']) this.connectionAttempts.inc({ result: r }, 0);
    this.rejectedRequests = new Counter({
      name: 'broker_rejected_requests_total',
      help: 'Client requests rejected, by the limit or check that failed',
      labelNames: ['limit'],
      registers,
    });
    this.latency = new Histogram({
      name: 'broker_publish_to_deliver_latency_seconds',
      help: 'Time from acceptance at the publishing peer to writing to a local subscriber (per run of events)',
      buckets: [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
        10,
      ],
      registers,
    });
    new Gauge({
      name: 'broker_peers_connected',
      help: 'Peers with an established link',
      registers,
      collect() {
        this.set(sources.peersConnected());
      },
    });
    new Gauge({
      name: 'broker_subscribers',
      help: 'Local subscribers',
      registers,
      collect() {
        this.set(sources.subscribers());
      },
    });
    new Gauge({
      name: 'broker_queue_depth_messages',
      help: 'Events waiting in bounded queues, by queue kind',
      labelNames: ['queue'],
      registers,
      collect() {
        this.set({ queue: 'subscriber' }, sources.subscriberQueueEvents());
        this.set({ queue: 'peer' }, sources.peerQueueEvents());
      },
    });
  }

  /** The metric label of a topic: its longest configured prefix, or `other`. */
  topicLabel(topic: string): string {
    if (this.topicPrefixes.size === 0) return OTHER_TOPICS;
    const known = this.labelMemo.get(topic);
    if (known !== undefined) return known;
    let label = OTHER_TOPICS;
    for (const p of segmentPrefixes(topic)) if (this.topicPrefixes.has(p)) label = p;
    if (this.labelMemo.size > 4096) this.labelMemo = new Map();
    this.labelMemo.set(topic, label);
    return label;
  }

  published(topic: string, events: number, bytes: number): void {
    const l = { topic_prefix: this.topicLabel(topic) };
    this.publishedMessages.inc(l, events);
    this.publishedBytes.inc(l, bytes);
  }

  delivered(topic: string, events: number, bytes: number, publishTimeMs: number): void {
    this.deliveredMessages.inc({ topic_prefix: this.topicLabel(topic) }, events);
    this.deliveredBytes.inc(bytes);
    if (publishTimeMs > 0) this.latency.observe(Math.max(0, nowMs() - publishTimeMs) / 1000);
  }

  forwarded(events: number, bytes: number): void {
    this.forwardedMessages.inc(events);
    this.forwardedBytes.inc(bytes);
  }

  receivedFromPeer(events: number, bytes: number): void {
    this.receivedMessages.inc(events);
    this.receivedBytes.inc(bytes);
  }

  dropped(reason: DropReason, events: number): void {
    if (events > 0) this.droppedMessages.inc({ reason }, events);
  }

  /** Text exposition for /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
