import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { BrokerClientError, Publisher, data } from '../../node/src/client/index.js';
import type { PublishRequest } from '../../node/src/gen/broker/v1/PublishRequest.js';

/**
 * The write side of a PublishStream call whose back pressure and write completions the test
 * controls: a write's callback runs only when the test calls `complete()`.
 */
class FakeCall extends EventEmitter {
  readonly writes: PublishRequest[] = [];
  private readonly callbacks: Array<() => void> = [];
  full = false;
  ended = false;
  write(req: PublishRequest, cb?: () => void): boolean {
    this.writes.push(req);
    if (cb !== undefined) this.callbacks.push(cb);
    return !this.full;
  }
  /** Completes the oldest outstanding write. */
  complete(): void {
    this.callbacks.shift()?.();
  }
  end(): void {
    this.ended = true;
  }
}

interface Opened {
  call: FakeCall;
  finish: (accepted: number) => void;
  fail: (e: Error) => void;
}

function setup(batchEvents = 1): {
  call: FakeCall;
  calls: Opened[];
  pub: Publisher;
  finish: (accepted: number) => void;
  fail: (e: Error) => void;
} {
  const calls: Opened[] = [];
  const pub = new Publisher(
    () => {
      const call = new FakeCall();
      let finish!: (accepted: number) => void;
      let fail!: (e: Error) => void;
      const done = new Promise<number>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
      calls.push({ call, finish, fail });
      return { call: call as unknown as grpc.ClientWritableStream<PublishRequest>, done };
    },
    { batchEvents }
  );
  // The call opens with the first event sent; the helpers below refer to that first call.
  const first = (): Opened => {
    const c = calls[0];
    if (c === undefined) throw new Error('no call opened yet');
    return c;
  };
  return {
    get call() {
      return first().call;
    },
    calls,
    pub,
    finish: (n) => first().finish(n),
    fail: (e) => first().fail(e),
  };
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true)
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

const eventsIn = (req: PublishRequest): number =>
  (req.runs ?? []).reduce((n, r) => n + (r.sizes?.length ?? 0), 0);

describe('Publisher back pressure', () => {
  it('reports a backed-up call and wakes every ready() waiter on one drain, with one listener', async () => {
    const s = setup();
    const { pub } = s;
    // The first event opens the call; it is full from the second on.
    expect(pub.publish('/t', data.count(0))).toBe(true);
    const call = s.call;
    call.complete();
    call.full = true;
    expect(pub.publish('/t', data.count(1))).toBe(false);
    const listeners = call.listenerCount('drain');
    const waiters = Array.from({ length: 50 }, () => pub.ready());
    expect(call.listenerCount('drain')).toBe(listeners);
    expect(await settled(Promise.race(waiters))).toBe(false);
    call.full = false;
    call.emit('drain');
    await Promise.all(waiters);
    expect(pub.publish('/t', data.count(2))).toBe(true);
    expect(call.writes).toHaveLength(3);
  });

  it('rejects waiters with the call error when the call fails while backed up', async () => {
    const s = setup();
    const { pub, fail } = s;
    pub.publish('/t', data.count(0));
    s.call.full = true;
    pub.publish('/t', data.count(1));
    const waiting = pub.ready();
    fail(Object.assign(new Error('boom'), { code: 8 }));
    await expect(waiting).rejects.toBeInstanceOf(BrokerClientError);
    await expect(pub.ready()).rejects.toBeInstanceOf(BrokerClientError);
    expect(() => pub.publish('/t', data.count(2))).toThrow(BrokerClientError);
  });

  it('releases waiters when the call ends while backed up (nothing will drain)', async () => {
    const s = setup();
    const { pub, finish } = s;
    pub.publish('/t', data.count(0));
    s.call.full = true;
    pub.publish('/t', data.count(1));
    const waiting = pub.ready();
    finish(1);
    expect(await settled(waiting)).toBe(true);
  });
});

describe('Publisher batching', () => {
  it('sends an event at once when no write is outstanding, and coalesces only while one is', () => {
    const s = setup(1000);
    const { pub } = s;
    pub.publish('/t', data.count(0));
    const call = s.call;
    // Idle path: written at once, no timer.
    expect(call.writes.map(eventsIn)).toEqual([1]);
    for (let i = 1; i <= 5; i++) pub.publish('/t', data.count(i));
    pub.publish('/u', data.count(6));
    expect(call.writes.map(eventsIn)).toEqual([1]);
    // The outstanding write completes: everything coalesced meanwhile goes in one message,
    // in order and in runs per topic.
    call.complete();
    expect(call.writes.map(eventsIn)).toEqual([1, 6]);
    expect(call.writes[1]?.runs?.map((r) => r.topic)).toEqual(['/t', '/u']);
    call.complete();
    // Idle again: the next event goes out alone, at once.
    pub.publish('/t', data.count(7));
    expect(call.writes.map(eventsIn)).toEqual([1, 6, 1]);
  });

  it('sends a full batch even while a write is outstanding', () => {
    const s = setup(3);
    const { pub } = s;
    for (let i = 0; i < 7; i++) pub.publish('/t', data.count(i));
    expect(s.call.writes.map(eventsIn)).toEqual([1, 3, 3]);
  });
});

describe('Publisher.flush', () => {
  it('ends the call, resolves with what the node accepted, and puts later events on a new call after the answer', async () => {
    const s = setup(1000);
    const { pub, calls } = s;
    pub.publish('/t', data.count(0));
    pub.publish('/t', data.count(1));
    const flushed = pub.flush();
    const first = calls[0]!;
    // The coalesced event was sent before the call was ended.
    expect(first.call.writes.map(eventsIn)).toEqual([1, 1]);
    expect(first.call.ended).toBe(true);
    expect(await settled(flushed)).toBe(false);
    // Published while the node has not answered: held back (order), reported as backed up.
    expect(pub.publish('/t', data.count(2))).toBe(false);
    const ready = pub.ready();
    expect(calls).toHaveLength(1);
    first.finish(2);
    expect(await flushed).toBe(2);
    await ready;
    expect(calls).toHaveLength(2);
    expect(calls[1]!.call.writes.map(eventsIn)).toEqual([1]);
    const closing = pub.close();
    await new Promise((r) => setImmediate(r));
    calls[1]!.finish(1);
    expect(await closing).toBe(3);
    expect(() => pub.publish('/t', data.count(3))).toThrow(BrokerClientError);
  });

  it('resolves at once with nothing published', async () => {
    const { pub, calls } = setup();
    expect(await pub.flush()).toBe(0);
    expect(calls).toHaveLength(0);
  });

  it('rejects with the call error, and the publisher stays failed', async () => {
    const s = setup(1000);
    const { pub } = s;
    pub.publish('/t', data.count(0));
    const flushed = pub.flush();
    s.fail(Object.assign(new Error('bad topic'), { code: 3 }));
    await expect(flushed).rejects.toMatchObject({ name: 'BrokerClientError', code: 3 });
    await expect(pub.flush()).rejects.toBeInstanceOf(BrokerClientError);
    expect(() => pub.publish('/t', data.count(1))).toThrow(BrokerClientError);
  });
});
