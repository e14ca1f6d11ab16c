import { describe, expect, it } from '@jest/globals';
import {
  StoreError,
  StoreResponseError,
  WatchCompactedError,
  data,
  encodeData,
} from '../../node/src/client/index.js';
import { StoreCodec, type StoreEvent } from '../../node/src/client/store-ops.js';
import {
  type OpenWatch,
  type Sleep,
  StoreWatch,
  type WatchCall,
} from '../../node/src/client/watch.js';
import { WatchCursor } from '../../node/src/client/watch-cursor.js';
import type { WatchResponse__Output } from '../../node/src/gen/broker/v1/WatchResponse.js';

/** One scripted step of a stream: a message, a failure, a clean end, or silence until cancelled. */
type Step =
  | { msg: WatchResponse__Output }
  | { fail: { code: number; details: string } }
  | { end: true }
  | { hang: true };

const CANCELLED = 1;

/**
 * A stream source that plays one script per opened stream and records the from index of
 * each open. The pure logic under test is the watch's; the source only replays.
 */
function scripted(scripts: Step[][]): { open: OpenWatch; opened: bigint[]; cancels: number[] } {
  const opened: bigint[] = [];
  const cancels: number[] = [];
  const open: OpenWatch = (from) => {
    const n = opened.length;
    opened.push(from);
    cancels.push(0);
    const script = scripts[n] ?? [{ hang: true }];
    let cancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    const call: WatchCall = {
      cancel: () => {
        cancels[n]!++;
        cancel();
      },
      async *[Symbol.asyncIterator]() {
        for (const step of script) {
          if ('msg' in step) yield step.msg;
          else if ('fail' in step) throw Object.assign(new Error(step.fail.details), step.fail);
          else if ('end' in step) return;
          else {
            await cancelled;
            throw Object.assign(new Error('Cancelled on client'), {
              code: CANCELLED,
              details: 'Cancelled on client',
            });
          }
        }
        await cancelled;
      },
    };
    return call;
  };
  return { open, opened, cancels };
}

const key = (i: number): Buffer => Buffer.from(encodeData(data.count(i)));

/** A message with insert events at the given indexes (key = position in the run). */
function msg(
  indexes: Array<[index: number, key: number]>,
  through: number,
  created = false
): { msg: WatchResponse__Output } {
  return {
    msg: {
      created,
      through_index: String(through),
      events: indexes.map(([index, k]) => ({
        type: 'STORE_EVENT_TYPE_INSERT',
        key: key(k),
        value: key(k),
        old_value: Buffer.alloc(0),
        expiry_ns: '0',
        index: String(index),
        publisher: 'a',
      })),
    },
  };
}

const unavailable: Step = { fail: { code: 14, details: 'Connection dropped' } };

function recordingSleep(): { sleep: Sleep; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}

async function take(w: StoreWatch, n: number): Promise<StoreEvent[]> {
  const out: StoreEvent[] = [];
  for await (const e of w) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

const ids = (evs: StoreEvent[]): string[] =>
  evs.map((e) => `${e.index}:${(e.key as { value: bigint }).value}`);

describe('watch cursor', () => {
  it('resumes after the last complete index, or inside a partly delivered one', () => {
    const c = new WatchCursor(5n);
    expect(c.resume()).toBe(5n);
    expect(c.accept(4n)).toBe(false); // before fromIndex: never wanted
    expect(c.accept(5n)).toBe(true);
    expect(c.accept(5n)).toBe(true);
    expect(c.resume()).toBe(5n); // index 5 not confirmed complete: resume inside it
    expect(c.accept(5n)).toBe(false);
    expect(c.accept(5n)).toBe(false);
    expect(c.accept(5n)).toBe(true); // the third event of index 5 is new
    c.through(5n);
    expect(c.resume()).toBe(6n);
    expect(c.accept(5n)).toBe(false);
  });

  it('from now on stays 0 until the node says where now is', () => {
    const c = new WatchCursor(0n);
    expect(c.resume()).toBe(0n);
    expect(c.completeIndex).toBeUndefined();
    c.through(41n);
    expect(c.resume()).toBe(42n);
  });
});

describe('store watch - resume', () => {
  it('reconnects after a broken stream without gaps or duplicates', async () => {
    const src = scripted([
      [msg([], 10, true), msg([[11, 1]], 11), msg([[12, 2]], 12), unavailable],
      // The node replays 12 (the client must drop it) and goes on.
      [
        msg([], 12, true),
        msg(
          [
            [12, 2],
            [13, 3],
          ],
          13
        ),
        msg([[14, 4]], 14),
      ],
    ]);
    const { sleep, delays } = recordingSleep();
    const w = new StoreWatch('s', src.open, new StoreCodec(), { fromIndex: 0n }, sleep);
    expect(ids(await take(w, 4))).toEqual(['11:1', '12:2', '13:3', '14:4']);
    expect(src.opened).toEqual([0n, 13n]);
    expect(delays).toEqual([100]);
    expect(w.attempts).toBe(2);
  });

  it('resumes inside an index whose events were split over two messages', async () => {
    const src = scripted([
      [
        msg(
          [
            [7, 1],
            [7, 2],
          ],
          6,
          true
        ),
        unavailable,
      ],
      [
        msg(
          [
            [7, 1],
            [7, 2],
            [7, 3],
          ],
          7,
          true
        ),
        msg([[8, 4]], 8),
      ],
    ]);
    const { sleep } = recordingSleep();
    const w = new StoreWatch('s', src.open, new StoreCodec(), { fromIndex: 7n }, sleep);
    expect(ids(await take(w, 4))).toEqual(['7:1', '7:2', '7:3', '8:4']);
    expect(src.opened).toEqual([7n, 7n]);
  });

  it('a clean end of the stream by the node is a reconnect too', async () => {
    const src = scripted([[msg([[3, 1]], 3, true), { end: true }], [msg([[4, 2]], 4, true)]]);
    const { sleep } = recordingSleep();
    const w = new StoreWatch('s', src.open, new StoreCodec(), { fromIndex: 3n }, sleep);
    expect(ids(await take(w, 2))).toEqual(['3:1', '4:2']);
    expect(src.opened).toEqual([3n, 4n]);
  });

  it('a stream that does not confirm in time is cancelled and retried', async () => {
    const src = scripted([[{ hang: true }], [msg([[1, 1]], 1, true)]]);
    const { sleep } = recordingSleep();
    const w = new StoreWatch(
      's',
      src.open,
      new StoreCodec(),
      { fromIndex: 1n, establishTimeoutMs: 20 },
      sleep
    );
    expect(ids(await take(w, 1))).toEqual(['1:1']);
    expect(src.opened).toEqual([1n, 1n]);
    expect(src.cancels[0]).toBeGreaterThan(0);
  });
});

describe('store watch - ends', () => {
  it('gives up after maxRetries attempts without progress, with capped backoff', async () => {
    const src = scripted(Array.from({ length: 10 }, () => [unavailable]));
    const { sleep, delays } = recordingSleep();
    const w = new StoreWatch(
      's',
      src.open,
      new StoreCodec(),
      { maxRetries: 5, backoffBaseMs: 10, backoffMaxMs: 50 },
      sleep
    );
    const err = await take(w, 1).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).status).toBe('UNAVAILABLE');
    expect((err as Error).message).toMatch(/gave up after 6 attempts/);
    expect(src.opened).toHaveLength(6);
    expect(delays).toEqual([10, 20, 40, 50, 50]);
  });

  it('a stream that confirms and fails at once makes no progress and counts', async () => {
    const src = scripted(Array.from({ length: 10 }, () => [msg([], 4, true), unavailable]));
    const { sleep } = recordingSleep();
    const w = new StoreWatch('s', src.open, new StoreCodec(), { maxRetries: 3 }, sleep);
    await expect(take(w, 1)).rejects.toThrow(/gave up after 4 attempts/);
    // The first confirmation told the watch where "now" is; it resumed from there.
    expect(src.opened).toEqual([0n, 5n, 5n, 5n]);
  });

  it('progress resets the retry budget', async () => {
    // Each stream delivers one new event and then breaks: never more than 1 failure in a row.
    const scripts = Array.from({ length: 6 }, (_, i) => [
      msg([[i + 1, i + 1]], i + 1, true),
      unavailable,
    ]);
    const src = scripted(scripts);
    const { sleep, delays } = recordingSleep();
    const w = new StoreWatch(
      's',
      src.open,
      new StoreCodec(),
      { fromIndex: 1n, maxRetries: 1 },
      sleep
    );
    expect(ids(await take(w, 6))).toEqual(['1:1', '2:2', '3:3', '4:4', '5:5', '6:6']);
    expect(delays.every((d) => d === 100)).toBe(true);
  });

  it('OUT_OF_RANGE ends it with WatchCompactedError and the oldest retained index', async () => {
    const src = scripted([
      [{ fail: { code: 11, details: 'index 3 is compacted; oldest retained index 120' } }],
    ]);
    const w = new StoreWatch('s', src.open, new StoreCodec(), { fromIndex: 3n });
    const err = await take(w, 1).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(WatchCompactedError);
    expect((err as WatchCompactedError).oldestIndex).toBe(120n);
    expect((err as WatchCompactedError).fromIndex).toBe(3n);
    expect(src.opened).toHaveLength(1);
  });

  it('a refusal (unknown store) is not retried', async () => {
    const src = scripted([[{ fail: { code: 5, details: 'no store "s"' } }]]);
    const w = new StoreWatch('s', src.open, new StoreCodec());
    await expect(take(w, 1)).rejects.toThrow(/NOT_FOUND: no store "s"/);
    expect(src.opened).toHaveLength(1);
  });

  it('an undecodable event ends it with StoreResponseError', async () => {
    const bad = msg([[1, 1]], 1, true);
    bad.msg.events[0]!.key = Buffer.from([0xff]);
    const w = new StoreWatch('s', scripted([[bad]]).open, new StoreCodec(), { fromIndex: 1n });
    await expect(take(w, 1)).rejects.toBeInstanceOf(StoreResponseError);
  });

  it('close() ends the iteration normally, also while waiting for events', async () => {
    const src = scripted([[msg([[1, 1]], 1, true), { hang: true }]]);
    const w = new StoreWatch('s', src.open, new StoreCodec(), { fromIndex: 1n });
    const seen: StoreEvent[] = [];
    const done = (async () => {
      for await (const e of w) {
        seen.push(e);
        setImmediate(() => w.close());
      }
    })();
    await done;
    expect(ids(seen)).toEqual(['1:1']);
    expect(src.opened).toHaveLength(1);
    expect(() => w[Symbol.asyncIterator]()).toThrow(/iterated once/);
  });
});
