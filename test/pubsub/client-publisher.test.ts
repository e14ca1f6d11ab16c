import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { BrokerClientError, Publisher, data } from '../../node/src/client/index.js';
import type { PublishRequest } from '../../node/src/gen/broker/v1/PublishRequest.js';

/** The write side of a PublishStream call whose back pressure the test controls. */
class FakeCall extends EventEmitter {
  readonly writes: PublishRequest[] = [];
  full = false;
  write(req: PublishRequest): boolean {
    this.writes.push(req);
    return !this.full;
  }
  end(): void {}
}

function setup(): {
  call: FakeCall;
  pub: Publisher;
  finish: (accepted: number) => void;
  fail: (e: Error) => void;
} {
  const call = new FakeCall();
  let finish!: (accepted: number) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<number>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const pub = new Publisher(call as unknown as grpc.ClientWritableStream<PublishRequest>, done, {
    batchEvents: 1,
  });
  return { call, pub, finish, fail };
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

describe('Publisher back pressure', () => {
  it('reports a backed-up call and wakes every ready() waiter on one drain, with one listener', async () => {
    const { call, pub } = setup();
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
    expect(call.writes).toHaveLength(2);
  });

  it('rejects waiters with the call error when the call fails while backed up', async () => {
    const { call, pub, fail } = setup();
    call.full = true;
    pub.publish('/t', data.count(1));
    const waiting = pub.ready();
    fail(Object.assign(new Error('boom'), { code: 8 }));
    await expect(waiting).rejects.toBeInstanceOf(BrokerClientError);
    await expect(pub.ready()).rejects.toBeInstanceOf(BrokerClientError);
    expect(() => pub.publish('/t', data.count(2))).toThrow(BrokerClientError);
  });

  it('releases waiters when the call ends while backed up (nothing will drain)', async () => {
    const { call, pub, finish } = setup();
    call.full = true;
    pub.publish('/t', data.count(1));
    const waiting = pub.ready();
    finish(1);
    expect(await settled(waiting)).toBe(true);
  });
});
