import { data } from '../../node/src/data/index.js';
import type { Data, DataKind } from '../../node/src/data/index.js';
import { crc32c } from '../../node/src/storage/index.js';
import { StoreSnapshotError, StoreState } from '../../node/src/store/index.js';
import type { StoreCommand, StoreOp } from '../../node/src/store/index.js';
import { Rng, randomData } from '../data/random-data.js';
import { Harness, LIMITS, c, fmt, s } from './helpers.js';

const KEYS: Data[] = [s('a'), s('b'), c(1), data.vector([s('x'), c(2)]), s('set'), s('n')];
const INIT: DataKind[] = ['count', 'integer', 'set', 'table', 'vector', 'string', 'timestamp'];

/** A random op over a few keys, so that ops collide: adds on sets, cas on live versions... */
function randomOp(rng: Rng, st: StoreState): StoreOp {
  const key = rng.pick(KEYS);
  const expiry = rng.next() < 0.3 ? { expiryNs: BigInt(1 + rng.int(50)) } : {};
  const small = (): Data =>
    rng.next() < 0.5
      ? c(rng.int(5))
      : rng.next() < 0.5
        ? s(rng.pick(['x', 'y']))
        : randomData(rng, 2);
  switch (rng.int(9)) {
    case 0:
    case 1:
      return { op: 'put', key, value: small(), ...expiry };
    case 2:
      return { op: 'put_unique', key, value: small(), ...expiry };
    case 3:
      return { op: 'erase', key };
    case 4:
      return rng.next() < 0.1 ? { op: 'clear' } : { op: 'erase', key };
    case 5:
      return rng.next() < 0.5
        ? { op: 'add', key, value: small(), initType: rng.pick(INIT), ...expiry }
        : { op: 'add', key, value: small(), ...expiry };
    case 6:
      return { op: 'subtract', key, value: small(), ...expiry };
    case 7:
      return {
        op: 'cas',
        key,
        expectedVersion: rng.next() < 0.7 ? (st.get(key)?.version ?? 0n) : BigInt(rng.int(5)),
        value: small(),
        ...expiry,
      };
    default:
      return {
        op: 'cas',
        key,
        expectedVersion: st.get(key)?.version ?? 0n,
        erase: true,
      };
  }
}

/** Every read of the state, as one comparable text. */
function reads(st: StoreState, now: bigint): string {
  const out: string[] = [
    `applied=${st.appliedIndex} size=${st.size} bytes=${st.bytes} next=${st.nextExpiryUnixNs()}`,
    `keys=${fmt(st.keys())}`,
  ];
  for (const k of KEYS) {
    const g = st.get(k);
    out.push(
      `${fmt(k)}: ${g === undefined ? '-' : `${fmt(g.value)} v${g.version} exp${g.expiresAtUnixNs}`} ${st.exists(k)}`
    );
    for (const idx of [c(0), s('x'), c(1)]) {
      let r: string;
      try {
        const x = st.getIndex(k, idx);
        r = x === undefined ? '-' : fmt(x);
      } catch (e) {
        r = `error ${(e as Error).message}`;
      }
      out.push(`  [${fmt(idx)}] ${r}`);
    }
  }
  out.push(
    `due=${st
      .dueExpiries(now, 100)
      .map((d) => `${fmt(d.key)}@${d.expiresAtUnixNs}`)
      .join(',')}`
  );
  return out.join('\n');
}

describe('store - snapshot and restore', () => {
  it('round trips an empty store and keeps the applied index', () => {
    const st = new StoreState(LIMITS);
    st.apply(41, {
      kind: 'write',
      requestId: '',
      publisher: '',
      nowUnixNs: 0n,
      ops: [{ op: 'clear' }],
    });
    const back = StoreState.restore(st.snapshot(), LIMITS);
    expect(back.appliedIndex).toBe(41);
    expect(back.size).toBe(0);
  });

  it('writes the same bytes for the same state whatever the history (canonical)', () => {
    const a = new Harness();
    a.ok({ op: 'put', key: s('b'), value: c(1) }, { op: 'put', key: s('a'), value: c(2) });
    const b = new Harness();
    b.ok({ op: 'put', key: s('a'), value: c(2) }, { op: 'put', key: s('b'), value: c(1) });
    expect(Buffer.from(a.state.snapshot())).toEqual(Buffer.from(b.state.snapshot()));
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'a restored replica stays identical under the same commands (seed %i)',
    (seed) => {
      const rng = new Rng(seed);
      const a = new StoreState(LIMITS);
      let b: StoreState | undefined;
      let index = 0;
      let now = 1_000n;
      const splitAt = 50 + rng.int(100);
      let okCount = 0;
      let errCount = 0;
      for (let step = 0; step < 400; step++) {
        now += BigInt(rng.int(10));
        let cmd: StoreCommand;
        const due = a.dueExpiries(now, 1 + rng.int(3));
        if (due.length > 0 && rng.next() < 0.5) {
          cmd = { kind: 'expire', nowUnixNs: now, keys: due, publisher: 'leader' };
        } else {
          const n = 1 + (rng.next() < 0.3 ? rng.int(4) : 0);
          const ops = Array.from({ length: n }, () => randomOp(rng, a));
          cmd = { kind: 'write', requestId: `r${step}`, publisher: 'p', nowUnixNs: now, ops };
        }
        index += 1 + rng.int(2);
        const outA = a.apply(index, cmd);
        if (outA.ok) okCount++;
        else errCount++;
        if (b !== undefined) {
          expect(b.apply(index, cmd)).toEqual(outA);
          expect(reads(b, now)).toBe(reads(a, now));
        }
        if (step === splitAt) {
          b = StoreState.restore(a.snapshot(), LIMITS);
          expect(reads(b, now)).toBe(reads(a, now));
        }
      }
      expect(Buffer.from((b as StoreState).snapshot())).toEqual(Buffer.from(a.snapshot()));
      // The sequence exercised both outcomes.
      expect(okCount).toBeGreaterThan(50);
      expect(errCount).toBeGreaterThan(5);
    }
  );
});

describe('store - restore rejects damaged snapshots', () => {
  const h = new Harness();
  h.ok(
    { op: 'put', key: s('a'), value: data.set([c(1), c(2)]), expiryNs: 10n },
    { op: 'put', key: data.vector([c(1)]), value: s('v') },
    { op: 'put', key: c(3), value: data.table([[s('k'), c(1)]]) }
  );
  const good = h.state.snapshot();
  /** A copy of `b` with a recomputed checksum, so the structure checks are reached. */
  const resealed = (b: Uint8Array): Uint8Array => {
    const out = b.slice();
    const body = out.length - 4;
    new DataView(out.buffer).setUint32(body, crc32c(out, 0, 0, body));
    return out;
  };
  const expectRejected = (b: Uint8Array, msg?: RegExp): void => {
    let err: unknown;
    try {
      StoreState.restore(b, LIMITS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreSnapshotError);
    if (msg !== undefined) expect((err as Error).message).toMatch(msg);
  };

  it('restores the good one', () => {
    expect(StoreState.restore(good, LIMITS).size).toBe(3);
  });

  it('every truncation', () => {
    for (let n = 0; n < good.length; n++) expectRejected(good.subarray(0, n));
  });

  it('every single-byte change (the checksum)', () => {
    for (let n = 0; n < good.length; n++) {
      const b = good.slice();
      b[n] = (b[n] as number) ^ 0x40;
      expectRejected(b);
    }
  });

  it.each<[string, (b: Uint8Array) => void, RegExp]>([
    ['bad magic', (b) => (b[0] = 0x41), /bad magic/],
    ['unknown version', (b) => (b[4] = 9), /unknown snapshot format version 9/],
    [
      'an entry count beyond the bytes',
      (b) => new DataView(b.buffer).setUint32(13, 1000),
      /entry count 1000/,
    ],
    [
      'a version above the applied index',
      (b) => (b[b.length - 4 - 1 - 8] = 0x7f),
      /version \d+ is not in 1\.\.1/,
    ],
  ])('%s (checksum made to match)', (_n, mutate, msg) => {
    const b = good.slice();
    mutate(b);
    expectRejected(resealed(b), msg);
  });

  it('keys out of order', () => {
    const x = new Harness();
    x.ok({ op: 'put', key: s('a'), value: c(1) }, { op: 'put', key: s('b'), value: c(1) });
    const b = x.state.snapshot();
    const text = Buffer.from(b).toString('latin1');
    const at = text.indexOf('\x03\x05\x01b');
    const swapped = b.slice();
    swapped[at + 3] = 0x61; // "b" -> "a": a duplicate key
    expectRejected(resealed(swapped), /not greater than the one before/);
  });

  it('throws only StoreSnapshotError on random damage with a matching checksum (fuzz)', () => {
    const rng = new Rng(3);
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      const b = good.slice();
      for (let f = 0; f < 1 + rng.int(3); f++) b[rng.int(b.length - 4)] = rng.int(256);
      try {
        const st = StoreState.restore(resealed(b), LIMITS);
        // Whatever is accepted is a valid state: it snapshots and restores again.
        expect(StoreState.restore(st.snapshot(), LIMITS).size).toBe(st.size);
        accepted++;
      } catch (e) {
        if (!(e instanceof StoreSnapshotError)) throw e;
      }
    }
    expect(accepted).toBeLessThan(3000);
  });

  it('rejects a non-Uint8Array', () => {
    expectRejected('x' as unknown as Uint8Array, /must be a Uint8Array/);
  });
});
