/**
 * The state machine against a deliberately naive model (a plain object copied whole for
 * every batch), over random batches of put, put_unique, erase, clear, count adds and cas on
 * a few keys: results, events and every read must agree after each command.
 */
import { compareData, data } from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';
import { StoreState } from '../../node/src/store/index.js';
import type { ApplyOutcome, OpResult, StoreOp } from '../../node/src/store/index.js';
import { Rng } from '../data/random-data.js';
import { LIMITS, c, contentOf, fmt, s, write } from './helpers.js';

interface ModelEntry {
  key: Data;
  value: bigint;
  version: bigint;
}
type Model = Record<string, ModelEntry>;

const KEYS = [s('a'), s('b'), c(1), data.vector([s('z')])];

/** The model's outcome: results and event strings, or the failing op's index. */
function modelApply(
  m: Model,
  ops: StoreOp[],
  index: bigint
): { model: Model; results: OpResult[]; events: string[] } | { failedAt: number } {
  const next: Model = structuredClone(m);
  const results: OpResult[] = [];
  const events: string[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as StoreOp;
    if (op.op === 'clear') {
      const ks = Object.values(next).sort((x, y) => compareData(x.key, y.key));
      results.push({ existed: ks.length > 0, version: 0n });
      for (const e of ks) events.push(`erase ${fmt(e.key)}`);
      for (const k of Object.keys(next)) delete next[k];
      continue;
    }
    const id = fmt(op.key);
    const cur = next[id];
    const put = (v: bigint): void => {
      events.push(cur === undefined ? `insert ${id}=${v}` : `update ${id} ${cur.value}->${v}`);
      next[id] = { key: op.key, value: v, version: index };
    };
    const valueOf = (d: Data | undefined): bigint => (d?.kind === 'count' ? d.value : -1n);
    switch (op.op) {
      case 'put':
        put(valueOf(op.value));
        results.push({ version: index });
        break;
      case 'put_unique':
        if (cur !== undefined) {
          results.push({ inserted: false, version: cur.version });
        } else {
          put(valueOf(op.value));
          results.push({ inserted: true, version: index });
        }
        break;
      case 'erase':
        if (cur !== undefined) {
          events.push(`erase ${id}`);
          delete next[id];
        }
        results.push({ existed: cur !== undefined, version: 0n });
        break;
      case 'add':
        put((cur?.value ?? 0n) + valueOf(op.value));
        results.push({ version: index });
        break;
      case 'cas': {
        const v = cur?.version ?? 0n;
        if (v !== op.expectedVersion) {
          if (ops.length > 1) return { failedAt: i };
          results.push(
            op.erase === true
              ? { swapped: false, existed: cur !== undefined, version: v }
              : { swapped: false, version: v }
          );
        } else if (op.erase === true) {
          if (cur !== undefined) {
            events.push(`erase ${id}`);
            delete next[id];
          }
          results.push({ swapped: true, existed: cur !== undefined, version: 0n });
        } else {
          put(valueOf(op.value));
          results.push({ swapped: true, version: index });
        }
        break;
      }
      default:
        throw new Error('op outside the model');
    }
  }
  return { model: next, results, events };
}

function eventStrings(out: Extract<ApplyOutcome, { ok: true }>): string[] {
  return out.events.map((e) => {
    const k = fmt(e.key);
    if (e.type === 'insert') return `insert ${k}=${fmt(e.value)}`;
    if (e.type === 'update') return `update ${k} ${fmt(e.oldValue)}->${fmt(e.value)}`;
    return `${e.type} ${k}`;
  });
}

describe('store - against a naive model', () => {
  it.each([11, 12, 13, 14, 15])('agrees on 300 random batches (seed %i)', (seed) => {
    const rng = new Rng(seed);
    const st = new StoreState(LIMITS);
    let model: Model = {};
    for (let n = 1; n <= 300; n++) {
      const ops: StoreOp[] = Array.from({ length: 1 + rng.int(rng.next() < 0.5 ? 1 : 5) }, () => {
        const key = rng.pick(KEYS);
        const v = c(rng.int(10));
        const version = model[fmt(key)]?.version ?? 0n;
        switch (rng.int(7)) {
          case 0:
            return { op: 'put', key, value: v };
          case 1:
            return { op: 'put_unique', key, value: v };
          case 2:
            return { op: 'erase', key };
          case 3:
            return rng.next() < 0.3 ? { op: 'clear' } : { op: 'add', key, value: v };
          case 4:
            return { op: 'add', key, value: v };
          case 5:
            return {
              op: 'cas',
              key,
              expectedVersion: rng.next() < 0.6 ? version : BigInt(rng.int(n)),
              value: v,
            };
          default:
            return {
              op: 'cas',
              key,
              expectedVersion: rng.next() < 0.6 ? version : BigInt(rng.int(n)),
              erase: true,
            };
        }
      });
      const want = modelApply(model, ops, BigInt(n));
      const got = st.apply(n, write(ops));
      if ('failedAt' in want) {
        expect(got.ok).toBe(false);
        expect(!got.ok && got.error.opIndex).toBe(want.failedAt);
      } else {
        expect(got.ok).toBe(true);
        if (!got.ok) continue;
        expect(got.results).toEqual(want.results);
        expect(eventStrings(got)).toEqual(want.events);
        model = want.model;
      }
      const keys = Object.values(model)
        .map((e) => fmt(e.key))
        .sort();
      expect(st.keys().elements.map(fmt).sort()).toEqual(keys);
      for (const k of KEYS) {
        const e = model[fmt(k)];
        const g = st.get(k);
        expect(g === undefined ? undefined : `${fmt(g.value)} v${g.version}`).toBe(
          e === undefined ? undefined : `${e.value} v${e.version}`
        );
      }
    }
  });
});

describe('store - hand-built commands never throw', () => {
  it.each<[string, unknown]>([
    ['no ops', { kind: 'write', requestId: '', publisher: '', nowUnixNs: 0n, ops: [] }],
    ['ops not an array', { kind: 'write', requestId: '', publisher: '', nowUnixNs: 0n, ops: 3 }],
    [
      'a number clock',
      { kind: 'write', requestId: '', publisher: '', nowUnixNs: 0, ops: [{ op: 'clear' }] },
    ],
    [
      'an op that is null',
      { kind: 'write', requestId: '', publisher: '', nowUnixNs: 0n, ops: [null] },
    ],
    [
      'two ops that are null',
      { kind: 'write', requestId: '', publisher: '', nowUnixNs: 0n, ops: [null, null] },
    ],
    [
      'a put without a value',
      {
        kind: 'write',
        requestId: '',
        publisher: '',
        nowUnixNs: 0n,
        ops: [{ op: 'put', key: s('a') }],
      },
    ],
    [
      'an add without a key',
      {
        kind: 'write',
        requestId: '',
        publisher: '',
        nowUnixNs: 0n,
        ops: [{ op: 'add', value: c(1) }],
      },
    ],
    ['expire keys not an array', { kind: 'expire', nowUnixNs: 0n, keys: 'x' }],
    ['expire key without deadline', { kind: 'expire', nowUnixNs: 0n, keys: [{ key: s('a') }] }],
    [
      'expire key that is no value',
      { kind: 'expire', nowUnixNs: 0n, keys: [{ key: 5, expiresAtUnixNs: 0n }] },
    ],
    ['no command', undefined],
    ['an unknown kind', { kind: 'nope' }],
  ])('%s', (_name, cmd) => {
    const st = new StoreState(LIMITS);
    st.apply(1, write([{ op: 'put', key: s('a'), value: c(1) }]));
    const before = contentOf(st.snapshot());
    const out = st.apply(2, cmd as never);
    if (out.ok) {
      expect(out.events).toEqual([]);
    } else {
      expect(out.error.code).toBe('invalid-argument');
    }
    expect(contentOf(st.snapshot())).toEqual(before);
    expect(st.appliedIndex).toBe(2);
  });
});

describe('store - apply of random hand-built shapes', () => {
  it('never throws, and a rejection changes nothing (fuzz)', () => {
    const rng = new Rng(5);
    const junk = (): unknown =>
      rng.pick<unknown>([
        undefined,
        null,
        0,
        -1n,
        3n,
        'x',
        {},
        [],
        s('k'),
        c(1),
        { kind: 'count', value: -1n },
        true,
      ]);
    const names = ['put', 'put_unique', 'erase', 'clear', 'add', 'subtract', 'cas', 'zap'];
    const fields = ['op', 'key', 'value', 'expiryNs', 'initType', 'expectedVersion', 'erase'];
    const st = new StoreState(LIMITS);
    for (let n = 1; n <= 3000; n++) {
      const ops = Array.from({ length: 1 + rng.int(3) }, () => {
        const op: Record<string, unknown> = {
          op: rng.pick(names),
          key: rng.pick(KEYS),
          value: c(rng.int(3)),
        };
        for (let f = 0; f < rng.int(3); f++) op[rng.pick(fields)] = junk();
        return rng.next() < 0.05 ? junk() : op;
      });
      const before = contentOf(st.snapshot());
      const out = st.apply(n, write(ops as StoreOp[]));
      if (!out.ok) expect(contentOf(st.snapshot())).toBe(before);
    }
    expect(st.appliedIndex).toBe(3000);
  });
});
