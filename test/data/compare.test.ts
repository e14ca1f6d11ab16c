import { compareData, data, dataEquals, DATA_KINDS } from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';

const sign = (n: number): number => Math.sign(n);

/** One sample per kind, in Broker's tag order. */
const oneOfEach: Data[] = [
  data.none(),
  data.boolean(false),
  data.count(0),
  data.integer(-1),
  data.real(-1e300),
  data.string(''),
  data.address('0.0.0.0'),
  data.subnet('::/0'),
  data.port(0, 'unknown'),
  data.timestamp(-1),
  data.timespan(0),
  data.enumValue('A'),
  data.set([]),
  data.table([]),
  data.vector([]),
];

describe('data - total order', () => {
  it('orders by Broker type tag first, whatever the values', () => {
    expect(oneOfEach.map((d) => d.kind)).toEqual(DATA_KINDS);
    for (let i = 0; i < oneOfEach.length; i++) {
      for (let j = 0; j < oneOfEach.length; j++) {
        expect(sign(compareData(oneOfEach[i] as Data, oneOfEach[j] as Data))).toBe(sign(i - j));
      }
    }
    // A huge count still orders before the smallest integer: tag first.
    expect(compareData(data.count(2n ** 64n - 1n), data.integer(-(2n ** 63n)))).toBeLessThan(0);
  });

  it('orders reals -inf < -1 < -0 < +0 < 1 < +inf < NaN, with all NaNs equal', () => {
    const order = [-Infinity, -1, -0, 0, 1, Infinity, NaN].map((x) => data.real(x));
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < order.length; j++) {
        expect(sign(compareData(order[i] as Data, order[j] as Data))).toBe(sign(i - j));
      }
    }
    const otherNaN = data.real(
      new Float64Array(new BigUint64Array([0xfff8000000000001n]).buffer)[0] as number
    );
    expect(dataEquals(data.real(NaN), otherNaN)).toBe(true);
    expect(dataEquals(data.real(-0), data.real(0))).toBe(false);
  });

  it('keeps -0 and +0 as two set elements and NaN once', () => {
    const s = data.set([data.real(0), data.real(-0), data.real(NaN), data.real(NaN), data.real(0)]);
    expect(
      s.elements.map((e) =>
        e.kind === 'real' ? (Object.is(e.value, -0) ? '-0' : String(e.value)) : '?'
      )
    ).toEqual(['-0', '0', 'NaN']);
  });

  it('treats an IPv4 address and its IPv4-mapped IPv6 form as one value', () => {
    const v4 = data.address('10.1.2.3');
    const mapped = data.address('::ffff:10.1.2.3');
    const mappedHex = data.address('::ffff:a01:203');
    expect(dataEquals(v4, mapped)).toBe(true);
    expect(dataEquals(v4, mappedHex)).toBe(true);
    expect(data.set([v4, mapped, mappedHex]).elements).toHaveLength(1);
    expect(dataEquals(data.subnet('10.0.0.0/8'), data.subnet('::ffff:10.0.0.0/104'))).toBe(true);
    // Mapped IPv4 sorts inside ::ffff:0:0/96: after ::1 and before 2001:db8::.
    expect(compareData(data.address('::1'), v4)).toBeLessThan(0);
    expect(compareData(v4, data.address('2001:db8::'))).toBeLessThan(0);
  });

  it('orders strings by code point (UTF-8 byte order), not UTF-16 units', () => {
    // U+FFFF is one UTF-16 unit greater than the surrogate D83D, but U+1F600 > U+FFFF.
    expect(compareData(data.string('\uFFFF'), data.string('\u{1F600}'))).toBeLessThan(0);
    expect(compareData(data.string('\uE000'), data.string('\u{10000}'))).toBeLessThan(0);
    expect(compareData(data.string('a'), data.string('ab'))).toBeLessThan(0);
    expect(compareData(data.string('b'), data.string('ab'))).toBeGreaterThan(0);
    const bytes = (s: string): number[] => [...new TextEncoder().encode(s)];
    const samples = [
      '',
      'a',
      '\u007f',
      '\u0080',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\uffff',
      '\u{10000}',
      '\u{10ffff}',
    ];
    for (const x of samples) {
      for (const y of samples) {
        const bx = bytes(x);
        const by = bytes(y);
        let expected = 0;
        for (let i = 0; i < Math.min(bx.length, by.length) && expected === 0; i++) {
          expected = (bx[i] as number) - (by[i] as number);
        }
        if (expected === 0) expected = bx.length - by.length;
        expect(sign(compareData(data.string(x), data.string(y)))).toBe(sign(expected));
      }
    }
  });

  it('orders ports by number then protocol, subnets by network then length', () => {
    expect(compareData(data.port(80, 'udp'), data.port(81, 'tcp'))).toBeLessThan(0);
    expect(compareData(data.port(80, 'tcp'), data.port(80, 'udp'))).toBeLessThan(0);
    expect(compareData(data.port(80, 'unknown'), data.port(80, 'tcp'))).toBeLessThan(0);
    expect(compareData(data.subnet('10.0.0.0/8'), data.subnet('10.0.0.0/16'))).toBeLessThan(0);
    expect(compareData(data.subnet('10.0.0.0/16'), data.subnet('10.1.0.0/16'))).toBeLessThan(0);
  });

  it('orders containers lexicographically, a proper prefix first', () => {
    const v = (...xs: number[]): Data => data.vector(xs.map((x) => data.count(x)));
    expect(compareData(v(1, 2), v(1, 2, 0))).toBeLessThan(0);
    expect(compareData(v(1, 3), v(1, 2, 9))).toBeGreaterThan(0);
    expect(compareData(v(), v(0))).toBeLessThan(0);
    const t1 = data.table([[data.count(1), data.string('a')]]);
    const t2 = data.table([[data.count(1), data.string('b')]]);
    const t3 = data.table([[data.count(2), data.string('a')]]);
    expect(compareData(t1, t2)).toBeLessThan(0);
    expect(compareData(t2, t3)).toBeLessThan(0);
  });

  it('uses nested tables and sets as keys, equal regardless of construction order', () => {
    const inner1 = data.table([
      [data.string('x'), data.count(1)],
      [data.string('y'), data.set([data.count(2), data.count(1)])],
    ]);
    const inner2 = data.table([
      [data.string('y'), data.set([data.count(1), data.count(2), data.count(2)])],
      [data.string('x'), data.count(1)],
    ]);
    expect(dataEquals(inner1, inner2)).toBe(true);
    const outer = data.table([
      [inner1, data.string('first')],
      [data.set([inner1]), data.string('set of table')],
      [data.vector([]), data.none()],
    ]);
    expect(outer.entries.map((e) => e.key.kind)).toEqual(['set', 'table', 'vector']);
    expect(() =>
      data.table([
        [inner1, data.none()],
        [inner2, data.none()],
      ])
    ).toThrow(/duplicate key/);
    expect(
      data.set([inner1, inner2, data.set([inner2]), data.set([inner1])]).elements
    ).toHaveLength(2);
  });

  it('is a total order on random samples: antisymmetric and transitive', () => {
    const xs: Data[] = [
      ...oneOfEach,
      data.real(NaN),
      data.real(-0),
      data.string('\u{1F600}'),
      data.count(7),
    ];
    for (const a of xs) {
      expect(compareData(a, a)).toBe(0);
      for (const b of xs) {
        expect(sign(compareData(a, b))).toBe(-sign(compareData(b, a)) || 0);
        for (const c of xs) {
          if (compareData(a, b) <= 0 && compareData(b, c) <= 0)
            expect(compareData(a, c)).toBeLessThanOrEqual(0);
        }
      }
    }
  });
});
