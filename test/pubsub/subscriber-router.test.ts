import { describe, expect, it } from '@jest/globals';
import {
  type DropReason,
  type EventRun,
  type PeerSink,
  type PubSubObserver,
  Router,
  Subscriber,
  TopicFilter,
} from '../../node/src/pubsub/index.js';

function run(topic: string, n: number, from = 0): EventRun {
  return {
    topic,
    data: Buffer.from(Array.from({ length: n }, (_, i) => from + i)),
    sizes: Array<number>(n).fill(1),
    publishTimeMs: 0,
  };
}

function observer(): PubSubObserver & { drops: Record<string, number> } {
  const drops: Record<string, number> = {};
  return {
    drops,
    published: () => undefined,
    delivered: () => undefined,
    forwarded: () => undefined,
    receivedFromPeer: () => undefined,
    dropped: (r: DropReason, n: number) => (drops[r] = (drops[r] ?? 0) + n),
  };
}

const opts = { capacity: 4, maxBytes: 1 << 20, blockTimeoutMs: 200 };

/** A peer sink that records runs (the real one is a network link; this tests routing only). */
class RecordingPeer implements PeerSink {
  readonly filter = new TopicFilter();
  readonly got: string[] = [];
  constructor(
    readonly peerId: string,
    topics: string[]
  ) {
    this.filter.add(topics);
  }
  enqueue(r: EventRun): undefined {
    this.got.push(r.topic);
    return undefined;
  }
}

describe('Subscriber overflow policies', () => {
  it('drop-oldest keeps the newest events and counts what it dropped', () => {
    const o = observer();
    const s = new Subscriber({ ...opts, policy: 'drop-oldest' }, o);
    expect(s.deliver(run('/t', 3, 0))).toBeUndefined();
    expect(s.deliver(run('/t', 3, 3))).toBeUndefined();
    expect(s.queue.events).toBe(4);
    expect([...s.queue.take(10).flatMap((r) => [...r.data])]).toEqual([2, 3, 4, 5]);
    expect(s.droppedTotal).toBe(2);
    expect(s.droppedUnreported).toBe(2);
    expect(o.drops.subscriber_overflow).toBe(2);
  });

  it('drop-oldest with a run larger than the whole queue keeps its tail', () => {
    const s = new Subscriber({ ...opts, policy: 'drop-oldest' }, observer());
    s.deliver(run('/t', 10));
    expect([...s.queue.take(10).flatMap((r) => [...r.data])]).toEqual([6, 7, 8, 9]);
    expect(s.droppedTotal).toBe(6);
  });

  it('disconnect cuts the subscriber off with a reason naming the limit', () => {
    const o = observer();
    const s = new Subscriber({ ...opts, policy: 'disconnect' }, o);
    let reason = '';
    s.whenDisconnected((r) => (reason = r));
    s.deliver(run('/t', 5));
    expect(reason).toMatch(/subscriber-queue/);
    expect(s.matches('/t')).toBe(false);
    expect(o.drops.subscriber_disconnected).toBe(5);
  });

  it('block waits for room and then queues the rest in order', async () => {
    const s = new Subscriber({ ...opts, policy: 'block' }, observer());
    s.setTopics(['/t']);
    const p = s.deliver(run('/t', 6));
    expect(p).toBeInstanceOf(Promise);
    expect(s.queue.events).toBe(4);
    const first = s.queue.take(3).flatMap((r) => [...r.data]);
    await p;
    expect(first).toEqual([0, 1, 2]);
    expect(s.queue.take(10).flatMap((r) => [...r.data])).toEqual([3, 4, 5]);
  });

  it('block waits (yielding to the consumer) when only the bytes of the next event do not fit', async () => {
    const s = new Subscriber(
      { policy: 'block', capacity: 100, maxBytes: 100, blockTimeoutMs: 5000 },
      observer()
    );
    s.setTopics(['/t']);
    const event = (b: number): EventRun => ({
      topic: '/t',
      data: Buffer.alloc(60, b),
      sizes: [60],
      publishTimeMs: 0,
    });
    expect(s.deliver(event(1))).toBeUndefined();
    const p = s.deliver(event(2));
    expect(p).toBeInstanceOf(Promise);
    // The consumer runs on a later macrotask: a producer spinning on microtasks would starve it.
    const taken = new Promise<EventRun[]>((done) => setImmediate(() => done(s.queue.take(10))));
    await p;
    expect((await taken).map((r) => r.data[0])).toEqual([1]);
    expect(s.queue.take(10).map((r) => r.data[0])).toEqual([2]);
    expect(s.disconnectReason).toBeUndefined();
  });

  it('aborts its signal with the reason when cut off', () => {
    const s = new Subscriber({ ...opts, policy: 'disconnect' }, observer());
    s.setTopics(['/t']);
    let aborted: unknown;
    s.signal.addEventListener('abort', () => (aborted = s.signal.reason));
    s.deliver(run('/t', 3));
    expect(aborted).toBeUndefined();
    s.deliver(run('/t', 5));
    expect(aborted).toMatch(/subscriber-queue/);
  });

  it('block disconnects a subscriber that never makes room within block-timeout-ms', async () => {
    const o = observer();
    const s = new Subscriber({ ...opts, policy: 'block', blockTimeoutMs: 20 }, o);
    await s.deliver(run('/t', 6));
    expect(s.disconnectReason).toMatch(/block-timeout-ms/);
    expect(o.drops.subscriber_blocked_timeout).toBe(6);
  });
});

describe('Router', () => {
  it('delivers local publishes to matching local subscribers and matching peers only', async () => {
    const r = new Router(observer());
    const s = new Subscriber({ ...opts, capacity: 100, policy: 'block' }, observer());
    s.setTopics(['/a']);
    r.addSubscriber(s);
    const p1 = new RecordingPeer('p1', ['/a/b']);
    const p2 = new RecordingPeer('p2', ['/z']);
    r.addPeer(p1);
    r.addPeer(p2);
    await r.publish([run('/a/b/c', 1), run('/a/bc', 1), run('/z', 1), run('/a', 1)]);
    expect(s.queue.take(100).map((x) => x.topic)).toEqual(['/a/b/c', '/a/bc', '/a']);
    expect(p1.got).toEqual(['/a/b/c']);
    expect(p2.got).toEqual(['/z']);
  });

  it('never forwards what came from a peer', async () => {
    const r = new Router(observer());
    const p1 = new RecordingPeer('p1', ['/a']);
    r.addPeer(p1);
    const s = new Subscriber({ ...opts, capacity: 100, policy: 'block' }, observer());
    s.setTopics(['/a']);
    r.addSubscriber(s);
    await r.deliverFromPeer([run('/a/x', 2)]);
    expect(p1.got).toEqual([]);
    expect(s.queue.events).toBe(2);
  });

  it('keeps the announced filter equal to the union of subscriber filters', () => {
    const r = new Router(observer());
    let changes = 0;
    r.onLocalFilterChange(() => changes++);
    const s1 = new Subscriber({ ...opts, policy: 'block' }, observer());
    const s2 = new Subscriber({ ...opts, policy: 'block' }, observer());
    s1.setTopics(['/a', '/b']);
    s2.setTopics(['/b']);
    r.addSubscriber(s1);
    r.addSubscriber(s2);
    expect(r.localFilter.prefixes()).toEqual(['/a', '/b']);
    r.updateSubscriber(s1, ['/c']);
    expect(r.localFilter.prefixes()).toEqual(['/b', '/c']);
    r.removeSubscriber(s2);
    r.removeSubscriber(s1);
    expect(r.localFilter.prefixes()).toEqual([]);
    expect(changes).toBe(4);
  });
});
