import { Prng } from '../sim/prng.js';
import {
  bruteForceLinearizable,
  checkLinearizable,
  InvalidHistoryError,
  kvModel,
  type KvInput,
  type KvOutput,
  type Operation,
} from './index.js';

type Op = Operation<KvInput, KvOutput>;

const put = (client: number, call: number, ret: number, key: string, value: string): Op => ({
  client,
  call,
  return: ret,
  input: { kind: 'put', key, value },
  output: ret === Infinity ? undefined : { kind: 'done' },
});
const append = (client: number, call: number, ret: number, key: string, value: string): Op => ({
  client,
  call,
  return: ret,
  input: { kind: 'append', key, value },
  output: ret === Infinity ? undefined : { kind: 'done' },
});
const get = (client: number, call: number, ret: number, key: string, value: string | null): Op => ({
  client,
  call,
  return: ret,
  input: { kind: 'get', key },
  output: { kind: 'get', value },
});
const cas = (
  client: number,
  call: number,
  ret: number,
  key: string,
  expected: string | null,
  value: string,
  ok: boolean | undefined
): Op => ({
  client,
  call,
  return: ret,
  input: { kind: 'cas', key, expected, value },
  output: ok === undefined ? undefined : { kind: 'cas', ok },
});

const verdict = (h: Op[]): string => checkLinearizable(kvModel, h).verdict;

describe('lincheck - known linearizable histories', () => {
  it('accepts an empty history and a sequential one', () => {
    expect(verdict([])).toBe('ok');
    expect(
      verdict([
        put(0, 1, 2, 'x', 'a'),
        get(0, 3, 4, 'x', 'a'),
        append(0, 5, 6, 'x', 'b'),
        get(0, 7, 8, 'x', 'ab'),
      ])
    ).toBe('ok');
  });

  it('accepts a read concurrent with a write returning either value', () => {
    const base = [put(0, 1, 2, 'x', 'a'), put(1, 3, 10, 'x', 'b')];
    expect(verdict([...base, get(2, 4, 5, 'x', 'a')])).toBe('ok');
    expect(verdict([...base, get(2, 4, 5, 'x', 'b')])).toBe('ok');
  });

  it('accepts a read that sees a write whose call came later but overlapped', () => {
    expect(verdict([get(0, 1, 5, 'x', 'a'), put(1, 2, 3, 'x', 'a')])).toBe('ok');
  });

  it('accepts two concurrent writes when all readers agree on one order', () => {
    const h = [
      put(0, 1, 10, 'x', 'a'),
      put(1, 1, 10, 'x', 'b'),
      get(2, 2, 3, 'x', 'a'),
      get(3, 4, 5, 'x', 'b'),
      get(2, 11, 12, 'x', 'b'),
    ];
    expect(verdict(h)).toBe('ok');
  });

  it('accepts compare-and-set histories that swap once', () => {
    const h = [
      put(0, 1, 2, 'x', '0'),
      cas(1, 3, 10, 'x', '0', '1', true),
      cas(2, 3, 10, 'x', '0', '2', false),
      get(0, 11, 12, 'x', '1'),
    ];
    expect(verdict(h)).toBe('ok');
  });
});

describe('lincheck - known non-linearizable histories', () => {
  it('rejects a stale read after a completed write', () => {
    const h = [put(0, 1, 2, 'x', 'a'), put(0, 3, 4, 'x', 'b'), get(1, 5, 6, 'x', 'a')];
    const r = checkLinearizable(kvModel, h);
    expect(r.verdict).toBe('illegal');
    // The report points at the offending key's part and shows how far the search got.
    const bad = r.partitions.find((p) => p.verdict === 'illegal');
    expect(bad?.operations).toHaveLength(3);
    expect(bad?.longestLinearized.length).toBe(2);
  });

  it('rejects two concurrent writes observed in opposite orders by different clients', () => {
    const h = [
      put(0, 1, 20, 'x', 'a'),
      put(1, 1, 20, 'x', 'b'),
      get(2, 2, 3, 'x', 'a'),
      get(2, 4, 5, 'x', 'b'),
      get(3, 6, 7, 'x', 'b'),
      get(3, 8, 9, 'x', 'a'),
    ];
    expect(verdict(h)).toBe('illegal');
  });

  it('rejects a lost acknowledged write', () => {
    const h = [put(0, 1, 2, 'x', 'a'), append(1, 3, 4, 'x', 'b'), get(2, 5, 6, 'x', 'a')];
    expect(verdict(h)).toBe('illegal');
  });

  it('rejects a read of a value nobody wrote', () => {
    expect(verdict([get(0, 1, 2, 'x', 'zz')])).toBe('illegal');
  });

  it('rejects two successful swaps from the same expected value', () => {
    const h = [
      put(0, 1, 2, 'x', '0'),
      cas(1, 3, 10, 'x', '0', '1', true),
      cas(2, 3, 10, 'x', '0', '2', true),
    ];
    expect(verdict(h)).toBe('illegal');
  });

  it('finds the illegal key among many legal ones', () => {
    const h: Op[] = [];
    for (let k = 0; k < 20; k++) {
      h.push(
        put(k, 10 * k + 1, 10 * k + 2, `k${k}`, 'v'),
        get(k, 10 * k + 3, 10 * k + 4, `k${k}`, 'v')
      );
    }
    h.push(get(99, 500, 501, 'k7', null));
    expect(verdict(h)).toBe('illegal');
  });
});

describe('lincheck - unknown outcomes', () => {
  it('accepts an unknown write that took effect', () => {
    const h = [put(0, 1, Infinity, 'x', 'a'), get(1, 5, 6, 'x', 'a')];
    expect(verdict(h)).toBe('ok');
  });

  it('accepts an unknown write that never took effect', () => {
    const h = [put(0, 1, Infinity, 'x', 'a'), get(1, 5, 6, 'x', null)];
    expect(verdict(h)).toBe('ok');
  });

  it('rejects an unknown write that seems to take effect twice', () => {
    // Once observed, an operation's effect cannot vanish and come back.
    const h = [
      put(0, 1, 2, 'x', 'a'),
      put(1, 3, Infinity, 'x', 'b'),
      get(2, 4, 5, 'x', 'b'),
      get(2, 6, 7, 'x', 'a'),
      get(2, 8, 9, 'x', 'b'),
    ];
    expect(verdict(h)).toBe('illegal');
  });

  it('rejects an unknown write observed before it was called', () => {
    const h = [get(1, 1, 2, 'x', 'a'), put(0, 3, Infinity, 'x', 'a')];
    expect(verdict(h)).toBe('illegal');
  });

  it('ignores unknown writes nobody observed, but not observed ones', () => {
    const h: Op[] = [put(0, 1, 2, 'x', 'a')];
    // Thirty concurrent unknown appends no read ever saw: irrelevant, and cheap to decide.
    for (let i = 0; i < 30; i++) h.push(append(10 + i, 3, Infinity, 'x', `u${i};`));
    h.push(get(1, 4, 5, 'x', 'a'), get(1, 6, 7, 'x', 'a'));
    const r = checkLinearizable(kvModel, h, { maxSteps: 10_000 });
    expect(r.verdict).toBe('ok');
    // One of them observed, and then lost again: illegal.
    h.push(get(2, 8, 9, 'x', 'au3;'), get(2, 10, 11, 'x', 'a'));
    expect(checkLinearizable(kvModel, h, { maxSteps: 100_000 }).verdict).toBe('illegal');
  });

  it('applies an unknown append at most once', () => {
    const h = [append(0, 1, Infinity, 'x', 'a'), get(1, 2, 3, 'x', 'a'), get(1, 4, 5, 'x', 'aa')];
    expect(verdict(h)).toBe('illegal');
  });

  it('evaluates an unknown compare-and-set in the state it lands in', () => {
    const h = [
      put(0, 1, 2, 'x', '0'),
      cas(1, 3, Infinity, 'x', '0', '1', undefined),
      get(2, 4, 5, 'x', '1'),
    ];
    expect(verdict(h)).toBe('ok');
    const h2 = [
      put(0, 1, 2, 'x', '9'),
      cas(1, 3, Infinity, 'x', '0', '1', undefined),
      get(2, 4, 5, 'x', '1'),
    ];
    expect(verdict(h2)).toBe('illegal');
  });
});

describe('lincheck - budget and input validation', () => {
  it('answers unknown instead of searching forever when the budget runs out', () => {
    // Many mutually concurrent writes and a final read of a value no one wrote: the search
    // must try a great many orders before it could conclude.
    const h: Op[] = [];
    for (let i = 0; i < 18; i++) h.push(append(i, 1, 100, 'x', String.fromCharCode(97 + i)));
    h.push(get(50, 101, 102, 'x', 'impossible'));
    const r = checkLinearizable(kvModel, h, { maxSteps: 5_000 });
    expect(r.verdict).toBe('unknown');
    expect(r.partitions[0]?.steps).toBeLessThanOrEqual(5_001);
  });

  it('rejects malformed histories with a clear error', () => {
    expect(() => verdict([put(0, 5, 4, 'x', 'a')])).toThrow(InvalidHistoryError);
    expect(() => verdict([put(0, 5, 4, 'x', 'a')])).toThrow(/not after call time/);
    expect(() => verdict([{ ...put(0, NaN, 4, 'x', 'a') }])).toThrow(/not finite/);
    expect(() => verdict([{ ...get(0, 1, Infinity, 'x', 'a') }])).toThrow(/unknown outcome/);
  });
});

/**
 * Generates a small concurrent history by really executing it: each operation takes effect
 * at a random point inside its interval. Some outputs are then corrupted and some outcomes
 * hidden, so both verdicts occur.
 */
function randomHistory(rng: Prng): Op[] {
  const n = 2 + rng.int(6);
  const keys = rng.chance(0.5) ? ['x'] : ['x', 'y'];
  const values = ['a', 'b', 'c'];
  type Draft = { client: number; call: number; ret: number; at: number; input: KvInput };
  const drafts: Draft[] = [];
  for (let i = 0; i < n; i++) {
    const call = rng.int(20);
    const ret = call + 1 + rng.int(8);
    const at = call + rng.next() * (ret - call);
    const key = rng.pick(keys);
    const r = rng.int(4);
    const input: KvInput =
      r === 0
        ? { kind: 'put', key, value: rng.pick(values) }
        : r === 1
          ? { kind: 'append', key, value: rng.pick(values) }
          : r === 2
            ? {
                kind: 'cas',
                key,
                expected: rng.chance(0.3) ? null : rng.pick(values),
                value: rng.pick(values),
              }
            : { kind: 'get', key };
    drafts.push({ client: i, call, ret, at, input });
  }
  const state = new Map<string, string>();
  const outputs = new Map<Draft, KvOutput>();
  for (const d of [...drafts].sort((a, b) => a.at - b.at)) {
    const cur = state.get(d.input.key) ?? null;
    const i = d.input;
    if (i.kind === 'get') outputs.set(d, { kind: 'get', value: cur });
    else if (i.kind === 'put') {
      state.set(i.key, i.value);
      outputs.set(d, { kind: 'done' });
    } else if (i.kind === 'append') {
      state.set(i.key, (cur ?? '') + i.value);
      outputs.set(d, { kind: 'done' });
    } else {
      const ok = cur === i.expected;
      if (ok) state.set(i.key, i.value);
      outputs.set(d, { kind: 'cas', ok });
    }
  }
  return drafts.map((d): Op => {
    let output: KvOutput = outputs.get(d)!;
    if (rng.chance(0.25)) {
      output =
        output.kind === 'get'
          ? { kind: 'get', value: rng.chance(0.2) ? null : rng.pick(['a', 'b', 'ab', 'ba', 'c']) }
          : output.kind === 'cas'
            ? { kind: 'cas', ok: !output.ok }
            : output;
    }
    const hide = d.input.kind !== 'get' && rng.chance(0.2);
    return hide
      ? { client: d.client, call: d.call, return: Infinity, input: d.input, output: undefined }
      : { client: d.client, call: d.call, return: d.ret, input: d.input, output };
  });
}

describe('lincheck - agrees with a brute-force checker', () => {
  it('on 3,000 random small histories, both verdicts occurring', () => {
    const rng = new Prng(20261126);
    const counts = { ok: 0, illegal: 0 };
    for (let i = 0; i < 3_000; i++) {
      const h = randomHistory(rng);
      const expected = bruteForceLinearizable(kvModel, h) ? 'ok' : 'illegal';
      const got = checkLinearizable(kvModel, h).verdict;
      if (got !== expected) {
        throw new Error(
          `history ${i}: checker says ${got}, brute force ${expected}\n` +
            h.map((op) => kvModel.describe!(op)).join('\n')
        );
      }
      counts[expected]++;
    }
    expect(counts.ok).toBeGreaterThan(300);
    expect(counts.illegal).toBeGreaterThan(300);
  });
});
