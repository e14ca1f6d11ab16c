import {
  Address,
  DataValueError,
  MAX_DEPTH_CEILING,
  data,
  dataEquals,
  resolveLimits,
} from '../../node/src/data/index.js';

describe('data - addresses', () => {
  it.each<[string, string]>([
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1::', '1::'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::ffff:c000:201', '192.0.2.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
  ])('parses %s and prints %s', (text, printed) => {
    expect(Address.parse(text).toString()).toBe(printed);
    expect(Address.parse(printed).bytes).toEqual(Address.parse(text).bytes);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-4',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    'g::',
    '::1.2.3',
    '1.2.3.4::',
    ' 10.0.0.1',
    '1:2:3:4:5:6:7::8',
  ])('rejects %j', (text) => {
    expect(() => Address.parse(text)).toThrow(DataValueError);
  });

  it('keeps 16 bytes with an IPv4 view', () => {
    const a = Address.parse('10.1.2.3');
    expect(a.bytes).toHaveLength(16);
    expect(a.isV4).toBe(true);
    expect([...(a.v4 ?? [])]).toEqual([10, 1, 2, 3]);
    expect(Address.parse('::1').v4).toBeUndefined();
    expect(Address.fromBytes(new Uint8Array([10, 1, 2, 3])).toString()).toBe('10.1.2.3');
    expect(() => Address.fromBytes(new Uint8Array(5))).toThrow(/4 or 16 bytes/);
    // A Buffer's slice() is a view: the address must still own a copy.
    const buf = Buffer.from(Address.parse('2001:db8::1').bytes);
    const owned = Address.fromBytes(buf);
    buf[15] = 9;
    expect(owned.toString()).toBe('2001:db8::1');
    const subnetSource = Buffer.from(Address.parse('2001:db8::1').bytes);
    data.subnet(subnetSource, 32);
    expect(Address.fromBytes(subnetSource).toString()).toBe('2001:db8::1');
  });
});

describe('data - builders', () => {
  it('normalises subnets: host bits cleared, IPv6-spelled mapped prefixes converted', () => {
    const s = data.subnet('10.1.2.3/8');
    expect(s.address.toString()).toBe('10.0.0.0');
    expect(s.length).toBe(8);
    expect(data.subnet('2001:db8:ffff::1/33').address.toString()).toBe('2001:db8:8000::');
    expect(dataEquals(data.subnet('::ffff:10.1.2.3/104'), s)).toBe(true);
    expect(dataEquals(data.subnet('10.200.0.0', 8), s)).toBe(true);
    expect(data.subnet('1.2.3.4/0').address.toString()).toBe('0.0.0.0');
    expect(() => data.subnet('10.0.0.0/33')).toThrow(/0\.\.32/);
    expect(() => data.subnet('::/129')).toThrow(/0\.\.128/);
    expect(() => data.subnet('::ffff:10.0.0.0/95')).toThrow(/96\.\.128/);
    expect(() => data.subnet('10.0.0.0/08')).toThrow(/not a subnet/);
    expect(() => data.subnet('10.0.0.0')).toThrow(/not a subnet/);
  });

  it('checks ranges of numbers', () => {
    expect(data.count(5).value).toBe(5n);
    expect(() => data.count(-1)).toThrow(/u64/);
    expect(() => data.count(2n ** 64n)).toThrow(/u64/);
    expect(() => data.count(1.5)).toThrow(/safe integer/);
    expect(() => data.count(2 ** 60)).toThrow(/safe integer/);
    expect(() => data.integer(2n ** 63n)).toThrow(/int64/);
    expect(() => data.timestamp(-(2n ** 63n) - 1n)).toThrow(/int64/);
    expect(() => data.timespan(2n ** 63n)).toThrow(/int64/);
    expect(() => data.real('1' as unknown as number)).toThrow(/number/);
    expect(() => data.boolean(1 as unknown as boolean)).toThrow(/boolean/);
  });

  it('builds ports from numbers or text', () => {
    expect(data.port('443/tcp')).toEqual({ kind: 'port', number: 443, protocol: 'tcp' });
    expect(data.port('0/?').protocol).toBe('unknown');
    expect(data.port(53, 'udp').protocol).toBe('udp');
    expect(() => data.port(65536, 'tcp')).toThrow(/0\.\.65535/);
    expect(() => data.port(1.5, 'tcp')).toThrow(/0\.\.65535/);
    expect(() => data.port(1, 'sctp' as 'tcp')).toThrow(/protocol/);
    expect(() => data.port('80/TCP')).toThrow(/not a port/);
  });

  it('builds timestamps from Dates and rejects lone surrogates in strings and enum names', () => {
    expect(data.timestamp(new Date(1500)).value).toBe(1_500_000_000n);
    expect(() => data.timestamp(new Date(NaN))).toThrow(/invalid Date/);
    expect(() => data.string('\udc00x')).toThrow(/surrogate/);
    expect(() => data.enumValue('\ud800')).toThrow(/surrogate/);
    expect(data.string('\u{1F600}').value).toBe('\u{1F600}');
  });

  it('sorts sets and tables, dropping duplicate set elements', () => {
    const s = data.set([data.string('b'), data.count(1), data.string('a'), data.count(1)]);
    expect(s.elements).toEqual([data.count(1), data.string('a'), data.string('b')]);
    const t = data.table([
      { key: data.string('z'), value: data.none() },
      { key: data.boolean(true), value: data.count(1) },
    ]);
    expect(t.entries.map((e) => e.key.kind)).toEqual(['boolean', 'string']);
    expect(() =>
      data.table([
        [data.count(1), data.none()],
        [data.count(1), data.count(2)],
      ])
    ).toThrow(/duplicate key/);
  });

  it('validates limits', () => {
    expect(resolveLimits({ maxDepth: 0 }).maxDepth).toBe(0);
    expect(() => resolveLimits({ maxDepth: MAX_DEPTH_CEILING + 1 })).toThrow(/maxDepth/);
    expect(() => resolveLimits({ maxDepth: 1.5 })).toThrow(/maxDepth/);
    expect(() => resolveLimits({ maxBytes: 0 })).toThrow(/maxBytes/);
  });
});
