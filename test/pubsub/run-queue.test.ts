import { describe, expect, it } from '@jest/globals';
import {
  type EventRun,
  QueueClosedError,
  RunQueue,
  splitRun,
} from '../../node/src/pubsub/index.js';

/** A run of `n` one-byte events whose bytes are their indexes from `from`. */
function run(topic: string, from: number, n: number): EventRun {
  return {
    topic,
    data: Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff)),
    sizes: Array<number>(n).fill(1),
    publishTimeMs: 1,
  };
}

const bytesOf = (runs: EventRun[]): number[] => runs.flatMap((r) => [...r.data]);

describe('splitRun', () => {
  it('splits bytes and sizes at an event boundary', () => {
    const r: EventRun = {
      topic: '/t',
      data: Buffer.from([1, 2, 2, 3, 3, 3]),
      sizes: [1, 2, 3],
      publishTimeMs: 5,
    };
    const [h, t] = splitRun(r, 2);
    expect([...h.data]).toEqual([1, 2, 2]);
    expect(h.sizes).toEqual([1, 2]);
    expect([...t.data]).toEqual([3, 3, 3]);
    expect(t.sizes).toEqual([3]);
    expect(t.publishTimeMs).toBe(5);
  });
});

describe('RunQueue', () => {
  it('takes only what fits and hands back the rest', () => {
    const q = new RunQueue(10, 1000, 'q');
    expect(q.offer(run('/t', 0, 6))).toBeUndefined();
    const rest = q.offer(run('/t', 6, 6));
    expect(rest?.sizes.length).toBe(2);
    expect([...rest!.data]).toEqual([10, 11]);
    expect(q.events).toBe(10);
    expect(q.isFull()).toBe(true);
    expect(q.offer(rest!)).toBe(rest);
  });

  it('bounds bytes too, but an empty queue always takes one event', () => {
    const q = new RunQueue(100, 4, 'q');
    const big: EventRun = { topic: '/t', data: Buffer.alloc(10), sizes: [10], publishTimeMs: 0 };
    expect(q.offer(big)).toBeUndefined();
    expect(q.bytes).toBe(10);
    expect(q.offer(run('/t', 0, 1))).toBeDefined();
  });

  it('take respects event and byte budgets and keeps order across partial runs', () => {
    const q = new RunQueue(100, 1000, 'q');
    q.offer(run('/a', 0, 5));
    q.offer(run('/b', 5, 5));
    const first = q.take(3);
    expect(bytesOf(first)).toEqual([0, 1, 2]);
    const second = q.take(4);
    expect(second.map((r) => r.topic)).toEqual(['/a', '/b']);
    expect(bytesOf(second)).toEqual([3, 4, 5, 6]);
    const third = q.take(100, 2);
    expect(bytesOf(third)).toEqual([7, 8]);
    expect(bytesOf(q.take(100))).toEqual([9]);
    expect(q.events).toBe(0);
    expect(q.bytes).toBe(0);
  });

  it('hands out a lone event larger than the byte budget whole, leaving no empty run', () => {
    const q = new RunQueue(100, 1000, 'q');
    q.offer({ topic: '/t', data: Buffer.alloc(10), sizes: [10], publishTimeMs: 0 });
    q.offer(run('/t', 0, 1));
    const first = q.take(100, 4);
    expect(first.map((r) => r.sizes)).toEqual([[10]]);
    const second = q.take(100, 4);
    expect(second.map((r) => r.sizes)).toEqual([[1]]);
    expect(q.take(100)).toEqual([]);
  });

  it('drops the oldest events', () => {
    const q = new RunQueue(100, 1000, 'q');
    q.offer(run('/a', 0, 3));
    q.offer(run('/a', 3, 3));
    expect(q.dropOldest(4)).toBe(4);
    expect(bytesOf(q.take(100))).toEqual([4, 5]);
    expect(q.dropOldest(1)).toBe(0);
  });

  it('wakes room and data waiters, and close wakes everyone', async () => {
    const q = new RunQueue(2, 1000, 'q');
    let data = false;
    const d = q.waitForData().then(() => (data = true));
    await Promise.resolve();
    expect(data).toBe(false);
    q.offer(run('/a', 0, 2));
    await d;
    let room = false;
    const r = q.waitForRoom().then(() => (room = true));
    await Promise.resolve();
    expect(room).toBe(false);
    q.take(1);
    await r;
    q.offer(run('/a', 2, 1));
    const blocked = q.waitForRoom();
    q.close('bye');
    await blocked;
    expect(() => q.offer(run('/a', 0, 1))).toThrow(QueueClosedError);
    expect(bytesOf(q.take(10))).toEqual([1, 2]);
  });

  it('waits for room for the next event, not merely for a queue that is not full', async () => {
    const q = new RunQueue(100, 100, 'q');
    const big = (): EventRun => ({
      topic: '/t',
      data: Buffer.alloc(60),
      sizes: [60],
      publishTimeMs: 0,
    });
    expect(q.offer(big())).toBeUndefined();
    const second = big();
    expect(q.offer(second)).toBe(second);
    expect(q.isFull()).toBe(false);
    let room = false;
    const r = q.waitForRoom(second).then(() => (room = true));
    await new Promise((done) => setImmediate(done));
    expect(room).toBe(false);
    q.take(1);
    await r;
    expect(q.offer(second)).toBeUndefined();
  });

  it('never exceeds its bounds under a random workload (fuzz, fixed seed)', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const q = new RunQueue(50, 80, 'q');
    let next = 0;
    let expected = 0;
    for (let step = 0; step < 5000; step++) {
      const op = rnd(3);
      if (op === 0) {
        let r: EventRun | undefined = run('/f', next, 1 + rnd(20));
        const n = r.sizes.length;
        r = q.offer(r);
        const taken = n - (r?.sizes.length ?? 0);
        next += taken;
      } else if (op === 1) {
        for (const b of bytesOf(q.take(1 + rnd(30), 1 + rnd(60)))) {
          expect(b).toBe(expected & 0xff);
          expected++;
        }
      } else {
        expected += q.dropOldest(rnd(5));
      }
      expect(q.events).toBeLessThanOrEqual(50);
      expect(q.bytes).toBeLessThanOrEqual(80);
      expect(q.events).toBe(next - expected);
    }
  });
});
