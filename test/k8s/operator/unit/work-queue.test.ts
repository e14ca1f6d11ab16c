import { WorkQueue } from '../../../../operator/src/k8s/index.js';

describe('WorkQueue', () => {
  test('a key is queued once and handed to one worker at a time', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.depth).toBe(2);
    expect(await q.get()).toBe('a');
    q.add('a'); // while active: remembered, not handed out twice
    expect(await q.get()).toBe('b');
    q.done('a');
    expect(await q.get()).toBe('a');
    q.close();
    expect(await q.get()).toBeUndefined();
  });

  test('failures back off exponentially up to the maximum; forget resets', () => {
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000 });
    const delays = [1, 2, 3, 4, 5, 6].map(() => {
      const d = q.addRateLimited('k');
      q.close(); // cancel the timer; the delay is what is checked
      return d;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    q.forget('k');
    const q2 = new WorkQueue({ baseDelayMs: 100 });
    expect(q2.addRateLimited('k')).toBe(100);
    q2.close();
  });

  test('is bounded: adds beyond maxKeys are counted and refused', () => {
    const q = new WorkQueue({ maxKeys: 2 });
    q.add('a');
    q.add('b');
    q.add('c');
    expect(q.depth).toBe(2);
    expect(q.dropped).toBe(1);
    q.close();
  });

  test('addAfter delivers the key later', async () => {
    const q = new WorkQueue();
    q.addAfter('x', 10);
    expect(await q.get()).toBe('x');
    q.close();
  });
});
