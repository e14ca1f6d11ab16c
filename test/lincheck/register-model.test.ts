import { Prng } from '../sim/prng.js';
import {
  bruteForceLinearizable,
  checkLinearizable,
  registerModel,
  type Operation,
  type RegisterInput,
  versionContractViolations,
  type RegisterOutput,
} from './index.js';

type Op = Operation<RegisterInput, RegisterOutput>;

const read = (
  client: number,
  call: number,
  ret: number,
  value: string | null,
  version: string,
  key = 'x'
): Op => ({
  client,
  call,
  return: ret,
  input: { kind: 'read', key },
  output: { kind: 'read', value, version },
});
const write = (
  client: number,
  call: number,
  ret: number,
  value: string,
  version: string | undefined,
  key = 'x'
): Op => ({
  client,
  call,
  return: version === undefined ? Infinity : ret,
  input: { kind: 'write', key, value },
  output: version === undefined ? undefined : { kind: 'write', version },
});
const cas = (
  client: number,
  call: number,
  ret: number,
  expectedVersion: string,
  value: string,
  out: { swapped: boolean; version: string } | undefined,
  key = 'x'
): Op => ({
  client,
  call,
  return: out === undefined ? Infinity : ret,
  input: { kind: 'cas', key, expectedVersion, value },
  output: out === undefined ? undefined : { kind: 'cas', ...out },
});

/** The model searched without dropping unobserved unknown writes. */
const unprunedModel = {
  ...registerModel,
  partition: (h: readonly Op[]): Op[][] => {
    const byKey = new Map<string, Op[]>();
    for (const op of h) byKey.set(op.input.key, [...(byKey.get(op.input.key) ?? []), op]);
    return [...byKey.values()];
  },
};

const verdict = (h: Op[]): string => checkLinearizable(registerModel, h).verdict;

describe('register model - versioned compare-and-set', () => {
  it('accepts a sequential history with versions learned from reads and writes', () => {
    expect(
      verdict([
        read(0, 1, 2, null, '0'),
        cas(0, 3, 4, '0', 'a', { swapped: true, version: '5' }),
        read(1, 5, 6, 'a', '5'),
        cas(1, 7, 8, '5', 'b', { swapped: true, version: '9' }),
        cas(0, 9, 10, '5', 'c', { swapped: false, version: '9' }),
        write(0, 11, 12, 'd', '12'),
        read(1, 13, 14, 'd', '12'),
      ])
    ).toBe('ok');
  });

  it('rejects a compare-and-set that swapped against a version the key no longer had', () => {
    expect(
      verdict([
        write(0, 1, 2, 'a', '1'),
        write(1, 3, 4, 'b', '2'),
        cas(0, 5, 6, '1', 'c', { swapped: true, version: '3' }),
      ])
    ).toBe('illegal');
  });

  it('rejects a compare-and-set that failed although the version matched', () => {
    expect(
      verdict([write(0, 1, 2, 'a', '1'), cas(0, 3, 4, '1', 'c', { swapped: false, version: '1' })])
    ).toBe('illegal');
  });

  it('rejects a read whose version is not the one the write gave, and a write that kept the old version', () => {
    expect(verdict([write(0, 1, 2, 'a', '1'), read(1, 3, 4, 'a', '7')])).toBe('illegal');
    expect(verdict([write(0, 1, 2, 'a', '1'), write(0, 3, 4, 'b', '1')])).toBe('illegal');
    expect(verdict([read(0, 1, 2, null, '3')])).toBe('illegal');
  });

  it('lets an unknown write take effect or not, and learns its version from a later read', () => {
    const base = [write(0, 1, 2, 'a', '1'), write(1, 3, Infinity, 'b', undefined)];
    expect(verdict([...base, read(2, 4, 5, 'a', '1')])).toBe('ok');
    expect(verdict([...base, read(2, 4, 5, 'b', '2'), read(2, 6, 7, 'b', '2')])).toBe('ok');
    // Once seen at version 2 the register cannot show another version without a write.
    expect(verdict([...base, read(2, 4, 5, 'b', '2'), read(2, 6, 7, 'b', '3')])).toBe('illegal');
    // The unknown write did not happen if the old value is read after it was seen.
    expect(verdict([...base, read(2, 4, 5, 'b', '2'), read(2, 6, 7, 'a', '1')])).toBe('illegal');
  });

  it('does not let a compare-and-set swap against the fresh version of an unseen unknown write', () => {
    // Client 2 holds version 1 (of "a"). If the unknown write of "b" took effect the key's
    // version is new, so the swap at 1 means "b" was not (yet) applied, and "c" then wins.
    const h = [
      write(0, 1, 2, 'a', '1'),
      write(1, 3, Infinity, 'b', undefined),
      cas(2, 4, 5, '1', 'c', { swapped: true, version: '3' }),
    ];
    expect(verdict([...h, read(2, 6, 7, 'c', '3')])).toBe('ok');
    // "b" may still land after the swap.
    expect(verdict([...h, read(2, 6, 7, 'b', '4')])).toBe('ok');
    expect(verdict([...h, read(2, 6, 7, 'a', '1')])).toBe('illegal');
  });

  it('an unknown compare-and-set is decided by the state it lands in', () => {
    const h = [write(0, 1, 2, 'a', '1'), cas(1, 3, Infinity, '1', 'b', undefined)];
    expect(verdict([...h, read(2, 4, 5, 'b', '2')])).toBe('ok');
    expect(verdict([...h, read(2, 4, 5, 'a', '1')])).toBe('ok');
    const stale = [write(0, 1, 2, 'a', '1'), cas(1, 3, Infinity, '9', 'b', undefined)];
    expect(verdict([...stale, read(2, 4, 5, 'b', '2')])).toBe('illegal');
  });

  it('checks keys independently', () => {
    const h = [
      write(0, 1, 2, 'a', '1', 'x'),
      write(0, 3, 4, 'b', '1', 'y'),
      read(1, 5, 6, 'a', '1', 'x'),
      read(1, 7, 8, 'b', '1', 'y'),
    ];
    const r = checkLinearizable(registerModel, h);
    expect(r.verdict).toBe('ok');
    expect(r.partitions).toHaveLength(2);
    expect(verdict([...h, read(1, 9, 10, 'a', '1', 'y')])).toBe('illegal');
  });

  it('describes operations for failure reports', () => {
    expect(registerModel.describe!(cas(3, 4, 5, '1', 'c', { swapped: true, version: '3' }))).toBe(
      'c3 [4, 5] cas(x, @1 -> "c") => swapped@3'
    );
    expect(registerModel.describe!(write(1, 3, Infinity, 'b', undefined))).toBe(
      'c1 [3, inf] write(x, "b") => ?'
    );
  });
});

/**
 * Runs a small concurrent execution for real: clients issue operations one after another,
 * each takes effect at a random point inside its interval, versions are numbered by a global
 * index or per key, and a compare-and-set expects the version its client last saw. Some
 * outcomes are hidden (applied or not), and some outputs corrupted, so both verdicts occur.
 */
function randomHistory(rng: Prng): { history: Op[]; corrupted: boolean } {
  const keys = rng.chance(0.5) ? ['x'] : ['x', 'y'];
  const globalIndex = rng.chance(0.5);
  type Draft = {
    client: number;
    call: number;
    ret: number;
    at: number;
    input: RegisterInput;
    hidden: boolean;
    applied: boolean;
  };
  const drafts: Draft[] = [];
  const clients = 2 + rng.int(2);
  let label = 0;
  let nextClient = clients;
  for (let c = 0; c < clients; c++) {
    let t = rng.int(5);
    let id = c;
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const call = t;
      const ret = call + 1 + rng.int(8);
      const key = rng.pick(keys);
      const r = rng.int(3);
      const value = `v${label++}`;
      // The expected version is filled in during execution (what the client last saw).
      const input: RegisterInput =
        r === 0
          ? { kind: 'read', key }
          : r === 1
            ? { kind: 'write', key, value }
            : { kind: 'cas', key, expectedVersion: '', value };
      const hidden = input.kind !== 'read' && rng.chance(0.2);
      drafts.push({
        client: id,
        call,
        ret,
        at: call + rng.next() * (ret - call),
        input,
        hidden,
        applied: rng.chance(0.5),
      });
      // A client that lost track of an outcome is replaced by a new one (as in Jepsen).
      if (hidden) id = nextClient++;
      t = ret + rng.int(3);
    }
  }
  const state = new Map<string, { value: string; version: string }>();
  const outputs = new Map<Draft, RegisterOutput>();
  let index = 0;
  const perKey = new Map<string, number>();
  const newVersion = (key: string): string => {
    index++;
    if (globalIndex) return String(index);
    const v = (perKey.get(key) ?? 0) + 1;
    perKey.set(key, v);
    return String(v);
  };
  // A client learns versions only from answers that came back before its next call: ops are
  // executed by effect time, and each client's ops are sequential, so its earlier ops are done.
  const byClientOrder = [...drafts].sort((a, b) => a.call - b.call);
  for (const d of [...drafts].sort((a, b) => a.at - b.at)) {
    const i = d.input;
    const cur = state.get(i.key);
    const skip = d.hidden && !d.applied;
    if (i.kind === 'read') {
      outputs.set(d, { kind: 'read', value: cur?.value ?? null, version: cur?.version ?? '0' });
    } else if (i.kind === 'write') {
      if (skip) continue;
      const version = newVersion(i.key);
      state.set(i.key, { value: i.value, version });
      outputs.set(d, { kind: 'write', version });
    } else {
      const expected = expectedFor(d, byClientOrder, outputs);
      d.input = { ...i, expectedVersion: expected };
      if (skip) continue;
      const swaps = (cur?.version ?? '0') === expected;
      if (swaps) {
        const version = newVersion(i.key);
        state.set(i.key, { value: i.value, version });
        outputs.set(d, { kind: 'cas', swapped: true, version });
      } else {
        outputs.set(d, { kind: 'cas', swapped: false, version: cur?.version ?? '0' });
      }
    }
  }
  let corrupted = false;
  const history = drafts.map((d): Op => {
    if (d.hidden) {
      return {
        client: d.client,
        call: d.call,
        return: Infinity,
        input: d.input,
        output: undefined,
      };
    }
    let output = outputs.get(d)!;
    if (rng.chance(0.15)) {
      corrupted = true;
      output =
        output.kind === 'read'
          ? rng.chance(0.5)
            ? { ...output, value: rng.pick([null, 'v0', 'v1', 'v2']) }
            : { ...output, version: String(rng.int(4)) }
          : output.kind === 'cas'
            ? { ...output, swapped: !output.swapped }
            : { ...output, version: String(rng.int(4)) };
    }
    return { client: d.client, call: d.call, return: d.ret, input: d.input, output };
  });
  return { history, corrupted };
}

/** The version client `d.client` last saw for the key before `d` was called ('0' if none). */
function expectedFor(
  d: { client: number; call: number; input: RegisterInput },
  ordered: readonly {
    client: number;
    call: number;
    ret: number;
    input: RegisterInput;
    hidden: boolean;
  }[],
  outputs: ReadonlyMap<unknown, RegisterOutput>
): string {
  let v = '0';
  for (const o of ordered) {
    if (o.client !== d.client || o.ret > d.call || o.input.key !== d.input.key || o.hidden)
      continue;
    const out = outputs.get(o);
    if (out !== undefined) v = out.version;
  }
  return v;
}

describe('register model - random executions', () => {
  it('accepts every true execution and agrees with brute force on 2,000 histories', () => {
    const rng = new Prng(20261202);
    const counts = { ok: 0, illegal: 0, contract: 0, stricter: 0 };
    for (let i = 0; i < 2_000; i++) {
      const { history, corrupted } = randomHistory(rng);
      const why = (msg: string): string =>
        `history ${i}: ${msg}\n` + history.map((op) => registerModel.describe!(op)).join('\n');
      const broken = versionContractViolations(history).length > 0;
      if (!corrupted && broken) throw new Error(why('a true execution broke the version contract'));
      // The search itself, on every history: without pruning it must match brute force.
      const expected = bruteForceLinearizable(registerModel, history) ? 'ok' : 'illegal';
      const unpruned = checkLinearizable(unprunedModel, history).verdict;
      if (unpruned !== expected) {
        throw new Error(why(`checker says ${unpruned}, brute force ${expected}`));
      }
      // Pruning never hides a violation; it may find one the plain model misses only where
      // the outputs break the version contract (a version used by two writes).
      const got = checkLinearizable(registerModel, history).verdict;
      if (got === 'ok' && expected !== 'ok') throw new Error(why('pruning hid a violation'));
      if (!corrupted && got !== 'ok') throw new Error(why('a true execution was rejected'));
      counts[expected]++;
      if (broken) counts.contract++;
      if (got !== expected) counts.stricter++;
    }
    expect(counts.ok).toBeGreaterThan(300);
    expect(counts.illegal).toBeGreaterThan(100);
    expect(counts.contract).toBeGreaterThan(20);
    expect(counts.stricter).toBeLessThan(counts.illegal / 20);
  });
});

describe('register model - the version contract', () => {
  it('finds two values at one version, one value at two versions, and absent at a version', () => {
    expect(versionContractViolations([write(0, 1, 2, 'a', '1'), read(0, 3, 4, 'a', '1')])).toEqual(
      []
    );
    expect(
      versionContractViolations([write(0, 1, 2, 'a', '1'), write(0, 3, 4, 'b', '1')])
    ).toHaveLength(1);
    expect(
      versionContractViolations([write(0, 1, 2, 'a', '1'), read(0, 3, 4, 'a', '2')])
    ).toHaveLength(1);
    expect(versionContractViolations([read(0, 1, 2, null, '4')])[0]).toMatch(/null at version 4/);
  });
});

describe('register model - unobserved unknown writes', () => {
  it('decides quickly on a history with many unknown writes nobody saw', () => {
    const h: Op[] = [write(0, 1, 2, 'a', '1')];
    for (let i = 0; i < 40; i++) h.push(write(10 + i, 3 + i, Infinity, `lost${i}`, undefined));
    for (let i = 0; i < 40; i++) h.push(read(100, 50 + 2 * i, 51 + 2 * i, 'a', '1'));
    h.push(cas(100, 200, 201, '1', 'b', { swapped: true, version: '9' }));
    h.push(read(100, 202, 203, 'b', '9'));
    const r = checkLinearizable(registerModel, h, { maxSteps: 100_000 });
    expect(r.verdict).toBe('ok');
    expect(verdict([...h, read(100, 204, 205, 'a', '1')])).toBe('illegal');
  });

  it('keeps an unknown write whose version a failed compare-and-set may have reported', () => {
    // The failed swap reports version 7, which only the unknown write of "b" can explain.
    const h = [
      write(0, 1, 2, 'a', '1'),
      write(1, 3, Infinity, 'b', undefined),
      cas(2, 4, 5, '1', 'c', { swapped: false, version: '7' }),
    ];
    expect(verdict(h)).toBe('ok');
    // Without the unknown write the report cannot be explained.
    expect(verdict([h[0]!, h[2]!])).toBe('illegal');
  });
});
