import { MAX_INT64 } from '../../node/src/data/index.js';
import { StoreState } from '../../node/src/store/index.js';
import type { StoreCommand } from '../../node/src/store/index.js';
import { Harness, LIMITS, NOW, c, fmt, s, show, write } from './helpers.js';

const expire = (
  keys: { key: ReturnType<typeof s>; expiresAtUnixNs: bigint }[],
  now: bigint
): StoreCommand => ({ kind: 'expire', nowUnixNs: now, keys, publisher: 'leader-1' });

describe('store - expiry deadlines', () => {
  it('puts a deadline of the command clock plus the expiry; get reports it', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 1000n });
    expect(h.state.get(s('k'))).toEqual({ value: c(1), version: 1n, expiresAtUnixNs: NOW + 1000n });
    expect(h.state.nextExpiryUnixNs()).toBe(NOW + 1000n);
  });

  it.each<[string, Parameters<Harness['ok']>[0]]>([
    ['put', { op: 'put', key: s('k'), value: c(2) }],
    ['add', { op: 'add', key: s('k'), value: c(2) }],
    ['subtract', { op: 'subtract', key: s('k'), value: c(1) }],
    ['cas', { op: 'cas', key: s('k'), expectedVersion: 1n, value: c(2) }],
  ])('a %s without expiry clears the deadline (as Broker backends do)', (_n, op) => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 1000n });
    h.ok(op);
    expect(h.state.get(s('k'))?.expiresAtUnixNs).toBeUndefined();
    expect(h.state.nextExpiryUnixNs()).toBeUndefined();
    expect(h.state.dueExpiries(NOW + 10_000n, 10)).toEqual([]);
  });

  it('an add or subtract with an expiry sets a new deadline from its own clock', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 1000n });
    h.apply(write([{ op: 'add', key: s('k'), value: c(1), expiryNs: 50n }], NOW + 500n));
    expect(h.state.get(s('k'))?.expiresAtUnixNs).toBe(NOW + 550n);
  });

  it('put_unique that does not insert leaves the deadline alone', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 1000n });
    h.ok({ op: 'put_unique', key: s('k'), value: c(2), expiryNs: 5n });
    expect(h.state.get(s('k'))?.expiresAtUnixNs).toBe(NOW + 1000n);
  });

  it('a deadline beyond int64 is invalid-argument', () => {
    const h = new Harness();
    const out = h.state.apply(
      1,
      write([{ op: 'put', key: s('k'), value: c(1), expiryNs: MAX_INT64 }], 1n)
    );
    expect(!out.ok && out.error.message).toMatch(/leaves the int64 range/);
    expect(h.state.size).toBe(0);
  });

  it('dueExpiries lists due keys soonest first, at most max, without changing anything', () => {
    const h = new Harness();
    h.ok(
      { op: 'put', key: s('late'), value: c(1), expiryNs: 300n },
      { op: 'put', key: s('soon'), value: c(1), expiryNs: 100n },
      { op: 'put', key: s('mid'), value: c(1), expiryNs: 200n },
      { op: 'put', key: s('never'), value: c(1) },
      { op: 'put', key: s('tie'), value: c(1), expiryNs: 200n }
    );
    const names = (xs: { key: ReturnType<typeof s> }[]): string[] => xs.map((x) => fmt(x.key));
    expect(names(h.state.dueExpiries(NOW + 99n, 10))).toEqual([]);
    expect(names(h.state.dueExpiries(NOW + 200n, 10))).toEqual(['"soon"', '"mid"', '"tie"']);
    expect(names(h.state.dueExpiries(NOW + 1000n, 2))).toEqual(['"soon"', '"mid"']);
    expect(h.state.dueExpiries(NOW + 1000n, 1)).toEqual([
      { key: s('soon'), expiresAtUnixNs: NOW + 100n },
    ]);
    expect(h.state.size).toBe(5);
    expect(h.state.nextExpiryUnixNs()).toBe(NOW + 100n);
  });

  it('a key re-put with the same deadline is listed once', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 100n });
    h.ok({ op: 'put', key: s('k'), value: c(2), expiryNs: 100n });
    expect(h.state.dueExpiries(NOW + 100n, 10)).toHaveLength(1);
  });
});

describe('store - expire commands', () => {
  it('removes a key whose deadline is the one named, with an expire event', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 100n });
    const due = h.state.dueExpiries(NOW + 100n, 10);
    const out = h.apply(expire(due, NOW + 100n));
    expect(out.ok && out.results).toEqual([{ existed: true, version: 0n }]);
    expect(out.ok && show(out.events)).toEqual(['expire "k" @2 by leader-1']);
    expect(h.state.exists(s('k'))).toBe(false);
    expect(h.state.nextExpiryUnixNs()).toBeUndefined();
    expect(h.state.bytes).toBe(0);
  });

  it('skips a key re-written with a new deadline after the leader decided (broker#129)', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 100n });
    const due = h.state.dueExpiries(NOW + 100n, 10);
    // The overwrite commits before the expire command the leader proposed.
    h.apply(write([{ op: 'put', key: s('k'), value: c(2), expiryNs: 100n }], NOW + 90n));
    const out = h.apply(expire(due, NOW + 100n));
    expect(out.ok && out.results).toEqual([{ existed: false, version: 2n }]);
    expect(out.events).toEqual([]);
    expect(h.value(s('k'))).toBe('2');
    expect(h.state.get(s('k'))?.expiresAtUnixNs).toBe(NOW + 190n);
  });

  it.each<[string, Parameters<Harness['ok']>]>([
    ['overwritten without expiry', [{ op: 'put', key: s('k'), value: c(2) }]],
    ['erased', [{ op: 'erase', key: s('k') }]],
    [
      'erased and re-put',
      [
        { op: 'erase', key: s('k') },
        { op: 'put', key: s('k'), value: c(3) },
      ],
    ],
    ['cleared', [{ op: 'clear' }]],
  ])('skips a key %s since', (_n, ops) => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 100n });
    const due = h.state.dueExpiries(NOW + 100n, 10);
    h.ok(...ops);
    const before = h.state.get(s('k'));
    const out = h.apply(expire(due, NOW + 100n));
    expect(out.ok && out.results[0]?.existed).toBe(false);
    expect(out.events).toEqual([]);
    expect(h.state.get(s('k'))).toEqual(before);
  });

  it('never removes a key before its deadline, nor one named twice twice', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 100n });
    const early = h.apply(expire([{ key: s('k'), expiresAtUnixNs: NOW + 100n }], NOW + 99n));
    expect(early.events).toEqual([]);
    expect(h.state.exists(s('k'))).toBe(true);
    const twice = h.apply(
      expire(
        [
          { key: s('k'), expiresAtUnixNs: NOW + 100n },
          { key: s('k'), expiresAtUnixNs: NOW + 100n },
        ],
        NOW + 100n
      )
    );
    expect(twice.ok && twice.results.map((r) => r.existed)).toEqual([true, false]);
    expect(twice.events).toHaveLength(1);
  });

  it('the publisher of expire events defaults to empty', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1), expiryNs: 1n });
    const out = h.apply({
      kind: 'expire',
      nowUnixNs: NOW + 1n,
      keys: [{ key: s('k'), expiresAtUnixNs: NOW + 1n }],
    });
    expect(out.ok && show(out.events)).toEqual(['expire "k" @2 by ']);
  });

  it('replicas never consult a clock: the same log gives the same state at any time', () => {
    const log: StoreCommand[] = [
      write([{ op: 'put', key: s('a'), value: c(1), expiryNs: 10n }], 0n),
      write([{ op: 'put', key: s('b'), value: c(1), expiryNs: 5n }], 1n),
      expire([{ key: s('b'), expiresAtUnixNs: 6n }], 1_000n),
    ];
    const a = new StoreState(LIMITS);
    const b = new StoreState(LIMITS);
    log.forEach((cmd, n) => a.apply(n + 1, cmd));
    log.forEach((cmd, n) => b.apply(n + 1, cmd));
    expect(Buffer.from(a.snapshot())).toEqual(Buffer.from(b.snapshot()));
    expect(a.size).toBe(1);
  });

  it('keeps its deadline queue bounded when keys are re-put with new deadlines many times', () => {
    const h = new Harness();
    for (let n = 0; n < 5000; n++) {
      h.apply(write([{ op: 'put', key: s(`k${n % 3}`), value: c(n), expiryNs: 1000n }], BigInt(n)));
    }
    const queueLength = (h.state as unknown as { queue: { length: number } }).queue.length;
    expect(queueLength).toBeLessThanOrEqual(2 * 3 + 64 + 1);
    expect(h.state.dueExpiries(10_000_000n, 10)).toHaveLength(3);
  });
});
