import {
  BinaryDecoder,
  BinaryEncoder,
  DataDecodeError,
  DataEncodeError,
  data,
  dataEquals,
  decodeData,
  encodeData,
} from '../../node/src/data/index.js';
import type { Data, DataDecodeReason } from '../../node/src/data/index.js';
import { samples } from './samples.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const V4_PREFIX = '00000000000000000000ffff';

describe('data - binary codec round trip', () => {
  it.each(samples)('round trips %s', (_name, v) => {
    const b = encodeData(v);
    const back = decodeData(b);
    expect(dataEquals(back, v)).toBe(true);
    expect(back.kind).toBe(v.kind);
    // Canonical: re-encoding the decoded value gives the same bytes.
    expect(hex(encodeData(back))).toBe(hex(b));
  });

  it('keeps -0, NaN and 64-bit extremes exactly', () => {
    const neg0 = decodeData(encodeData(data.real(-0)));
    expect(neg0.kind === 'real' && Object.is(neg0.value, -0)).toBe(true);
    const c = decodeData(encodeData(data.count(2n ** 64n - 1n)));
    expect(c.kind === 'count' && c.value).toBe(2n ** 64n - 1n);
  });
});

describe('data - binary format (Broker bin v1)', () => {
  it.each<[string, Data, string]>([
    ['none', data.none(), '00'],
    ['boolean', data.boolean(true), '01 01'],
    ['count', data.count(258), '02 0000000000000102'],
    ['integer -1', data.integer(-1), '03 ffffffffffffffff'],
    ['real 1.5', data.real(1.5), '04 3ff8000000000000'],
    ['real NaN', data.real(NaN), '04 7ff8000000000000'],
    ['string', data.string('abc'), '05 03 616263'],
    ['string utf-8', data.string('\u00e9'), '05 02 c3a9'],
    ['address v4', data.address('10.0.0.1'), `06 ${V4_PREFIX}0a000001`],
    ['address v6', data.address('::1'), '06 00000000000000000000000000000001'],
    [
      'subnet v4 stores the 16-byte prefix length',
      data.subnet('10.0.0.0/8'),
      `07 ${V4_PREFIX}0a000000 68`,
    ],
    ['port', data.port(80, 'tcp'), '08 0050 01'],
    ['timestamp', data.timestamp(1), '09 0000000000000001'],
    ['timespan', data.timespan(-2), '0a fffffffffffffffe'],
    ['enum', data.enumValue('A'), '0b 01 41'],
    [
      'set sorted',
      data.set([data.count(2), data.count(1)]),
      '0c 02 02 0000000000000001 02 0000000000000002',
    ],
    ['table', data.table([[data.boolean(false), data.none()]]), '0d 01 0100 00'],
    ['vector', data.vector([data.none(), data.boolean(true)]), '0e 02 00 0101'],
  ])('encodes %s', (_name, v, expected) => {
    expect(hex(encodeData(v))).toBe(expected.replace(/\s+/g, ''));
  });

  it('encodes the example of docs/data-model.md', () => {
    const v = data.vector([
      data.count(1),
      data.string('abc'),
      data.address('10.0.0.1'),
      data.port(80, 'tcp'),
    ]);
    expect(hex(encodeData(v))).toBe(
      '0e04' + '020000000000000001' + '0503616263' + `06${V4_PREFIX}0a000001` + '08005001'
    );
  });

  it('writes lengths as minimal varbytes', () => {
    const b = encodeData(data.string('y'.repeat(200)));
    expect(hex(b.subarray(0, 3))).toBe('05c801');
    const big = encodeData(data.vector(Array.from({ length: 16384 }, () => data.none())));
    expect(hex(big.subarray(0, 4))).toBe('0e808001');
  });
});

describe('data - binary encoder', () => {
  it('reuses its buffer: encode is a view, encodeCopy an owned copy', () => {
    const enc = new BinaryEncoder({ initialCapacity: 16 });
    const a = enc.encode(data.count(1));
    const copy = enc.encodeCopy(data.count(1));
    enc.encode(data.count(2));
    expect(hex(a)).toBe('020000000000000002');
    expect(hex(copy)).toBe('020000000000000001');
  });

  it('grows for large values and still encodes small ones after', () => {
    const enc = new BinaryEncoder({ initialCapacity: 16 });
    const big = data.string('z'.repeat(3 << 20));
    expect(enc.encode(big).length).toBe(1 + 4 + (3 << 20));
    expect(hex(enc.encode(data.none()))).toBe('00');
    expect(dataEquals(decodeData(enc.encodeCopy(big)), big)).toBe(true);
  });

  it('refuses values beyond maxBytes and maxDepth', () => {
    const enc = new BinaryEncoder({ limits: { maxBytes: 32, maxDepth: 2 } });
    expect(() => enc.encode(data.string('x'.repeat(40)))).toThrow(DataEncodeError);
    expect(() => enc.encode(data.string('x'.repeat(40)))).toThrow(/maxBytes/);
    expect(enc.encode(data.vector([data.vector([data.none()])])).length).toBe(5);
    expect(() => enc.encode(data.vector([data.vector([data.vector([])])]))).toThrow(/maxDepth/);
    // The encoder is still usable after an error.
    expect(hex(enc.encode(data.boolean(false)))).toBe('0100');
  });

  it.each<[string, unknown, RegExp]>([
    ['negative count', { kind: 'count', value: -1n }, /count/],
    ['count as number', { kind: 'count', value: 5 }, /count/],
    ['integer too big', { kind: 'integer', value: 2n ** 63n }, /int64/],
    ['real as string', { kind: 'real', value: '1' }, /real/],
    ['port too big', { kind: 'port', number: 70000, protocol: 'tcp' }, /port number/],
    ['bad protocol', { kind: 'port', number: 1, protocol: 'sctp' }, /protocol/],
    ['inherited protocol name', { kind: 'port', number: 1, protocol: 'toString' }, /protocol/],
    ['unsorted set', { kind: 'set', elements: [data.count(2), data.count(1)] }, /set elements/],
    [
      'duplicate table key',
      {
        kind: 'table',
        entries: [
          { key: data.none(), value: data.none() },
          { key: data.none(), value: data.none() },
        ],
      },
      /table keys/,
    ],
    [
      'subnet host bits',
      { kind: 'subnet', address: data.address('10.0.0.1').value, length: 8 },
      /host bits/,
    ],
    [
      'subnet length',
      { kind: 'subnet', address: data.address('10.0.0.0').value, length: 33 },
      /prefix length/,
    ],
    ['lone surrogate', { kind: 'string', value: 'a\ud800' }, /surrogate/],
    ['unknown kind', { kind: 'record' }, /unknown kind/],
    ['missing elements', { kind: 'vector' }, /not a valid Data/],
  ])('rejects a hand-built %s', (_name, v, message) => {
    expect(() => encodeData(v as Data)).toThrow(DataEncodeError);
    expect(() => encodeData(v as Data)).toThrow(message);
  });
});

function decodeError(input: Uint8Array, decoder = new BinaryDecoder()): DataDecodeError {
  try {
    decoder.decode(input);
  } catch (e) {
    expect(e).toBeInstanceOf(DataDecodeError);
    return e as DataDecodeError;
  }
  throw new Error('decode did not fail');
}

function validateError(input: Uint8Array, decoder = new BinaryDecoder()): DataDecodeError {
  try {
    decoder.validate(input);
  } catch (e) {
    expect(e).toBeInstanceOf(DataDecodeError);
    return e as DataDecodeError;
  }
  throw new Error('validate did not fail');
}

describe('data - binary validate', () => {
  it.each(samples)('accepts %s without building it', (_name, v) => {
    expect(() => new BinaryDecoder().validate(encodeData(v))).not.toThrow();
  });

  it('applies the limits like decode', () => {
    const deep = bytes('0e01 0e01 0e01 00');
    expect(validateError(deep, new BinaryDecoder({ maxDepth: 2 })).reason).toBe('depth-limit');
    expect(() => new BinaryDecoder({ maxDepth: 3 }).validate(deep)).not.toThrow();
    const count = encodeData(data.count(1));
    expect(validateError(count, new BinaryDecoder({ maxBytes: 8 })).reason).toBe('size-limit');
  });
});

describe('data - binary decoder errors', () => {
  it.each<[string, string, DataDecodeReason, number]>([
    ['unknown tag', '0f', 'unknown-tag', 0],
    ['unknown tag nested', '0e 01 ff', 'unknown-tag', 2],
    ['truncated count', '02 0000', 'truncated', 1],
    ['truncated boolean', '01', 'truncated', 1],
    ['truncated address', '06 0000', 'truncated', 1],
    ['truncated subnet', `07 ${V4_PREFIX}0a000000`, 'truncated', 1],
    ['truncated port', '08 00', 'truncated', 1],
    ['missing element', '0e 02 0101', 'truncated', 4],
    ['missing table value', '0d 01 0101', 'truncated', 4],
    ['cut-off varbyte', '05 80', 'truncated', 1],
    ['string longer than input', '05 05 6161', 'length-beyond-input', 1],
    ['vector count beyond input', '0e 0a 00', 'length-beyond-input', 0],
    ['huge vector count', '0e ffffffff0f 00', 'length-beyond-input', 0],
    ['table count beyond input', '0d 02 000000', 'length-beyond-input', 0],
    ['non-minimal varbyte', '05 8000', 'bad-varint', 1],
    ['varbyte over 32 bits', '05 ffffffff7f', 'bad-varint', 1],
    ['varbyte over 5 bytes', '05 808080808000', 'bad-varint', 1],
    ['invalid utf-8 in an enum', '0b 02 c328', 'invalid-utf8', 2],
    ['overlong utf-8 in an enum', '0b 02 c080', 'invalid-utf8', 2],
    ['utf-8 surrogate', '0b 03 eda080', 'invalid-utf8', 2],
    ['boolean 2', '01 02', 'bad-boolean', 1],
    ['prefix length 129', '07 00000000000000000000000000000000 81', 'bad-prefix-length', 17],
    ['subnet host bits', `07 ${V4_PREFIX}0a000001 68`, 'subnet-host-bits', 1],
    ['port protocol 4', '08 0050 04', 'bad-port-protocol', 3],
    ['unsorted set', '0c 02 0101 0100', 'set-not-canonical', 4],
    ['duplicate set element', '0c 02 00 00', 'set-not-canonical', 3],
    ['duplicate table key', '0d 02 00 00 00 00', 'table-not-canonical', 4],
    ['unsorted table keys', '0d 02 0101 00 0100 00', 'table-not-canonical', 5],
    ['trailing bytes', '00 00', 'trailing-bytes', 1],
    ['empty', '', 'empty-input', 0],
  ])('rejects %s', (_name, h, reason, offset) => {
    const e = decodeError(bytes(h));
    expect(e.reason).toBe(reason);
    expect(e.offset).toBe(offset);
    expect(e.name).toBe('DataDecodeError');
    expect(e.message).toContain(reason);
    // validate() makes the same checks without building the value.
    const v = validateError(bytes(h));
    expect([v.reason, v.offset, v.message]).toEqual([e.reason, e.offset, e.message]);
  });

  it('rejects nesting beyond maxDepth and input beyond maxBytes', () => {
    const deep = bytes('0e01 0e01 0e01 00');
    expect(decodeError(deep, new BinaryDecoder({ maxDepth: 2 })).reason).toBe('depth-limit');
    expect(decodeError(deep, new BinaryDecoder({ maxDepth: 2 })).offset).toBe(4);
    expect(
      dataEquals(
        new BinaryDecoder({ maxDepth: 3 }).decode(deep),
        data.vector([data.vector([data.vector([data.none()])])])
      )
    ).toBe(true);
    const count = encodeData(data.count(1));
    expect(decodeError(count, new BinaryDecoder({ maxBytes: 8 })).reason).toBe('size-limit');
    // Default depth limit stops a hostile 100k-deep vector long before the stack would.
    const hostile = new Uint8Array(200_001);
    for (let i = 0; i < 200_000; i += 2) hostile.set([0x0e, 0x01], i);
    expect(decodeError(hostile).reason).toBe('depth-limit');
  });

  it('rejects input that is not a Uint8Array with DataDecodeError', () => {
    expect(decodeError('00' as unknown as Uint8Array).reason).toBe('malformed');
  });

  it('decodes subarrays of a shared buffer at their own offsets', () => {
    const a = encodeData(data.string('first'));
    const b = encodeData(data.port(53, 'udp'));
    const shared = new Uint8Array(a.length + b.length + 3);
    shared.set(a, 1);
    shared.set(b, 2 + a.length);
    const dec = new BinaryDecoder();
    expect(dataEquals(dec.decode(shared.subarray(1, 1 + a.length)), data.string('first'))).toBe(
      true
    );
    expect(
      dataEquals(
        dec.decode(shared.subarray(2 + a.length, 2 + a.length + b.length)),
        data.port(53, 'udp')
      )
    ).toBe(true);
    const bad = shared.slice();
    bad[2 + a.length + 3] = 9;
    expect(decodeError(bad.subarray(2 + a.length, 2 + a.length + b.length), dec).offset).toBe(3);
  });
});

describe('BinaryDecoder ranges', () => {
  const values: Data[] = [
    data.vector([data.count(7n), data.string('C4J4Th3PJpwUYZZ6gc01'), data.address('10.0.0.1')]),
    data.string('héllo'),
    data.set([data.count(1n), data.count(2n)]),
  ];
  const parts = values.map((v) => encodeData(v));
  const packed = Buffer.concat(parts.map((p) => Buffer.from(p)));

  it('decodeRange and validateRange read values in place, like decode and validate of a view', () => {
    const dec = new BinaryDecoder();
    let off = 0;
    for (let i = 0; i < parts.length; i++) {
      const end = off + parts[i]!.length;
      expect(dataEquals(dec.decodeRange(packed, off, end), values[i]!)).toBe(true);
      expect(() => dec.validateRange(packed, off, end)).not.toThrow();
      off = end;
    }
  });

  it('reports errors with offsets relative to the range and rejects ranges outside the input', () => {
    const dec = new BinaryDecoder();
    const first = parts[0]!.length;
    // The first value plus the first byte of the next: trailing bytes at the range's end.
    expect(() => dec.decodeRange(packed, 0, first + 1)).toThrow(
      expect.objectContaining({ reason: 'trailing-bytes', offset: first })
    );
    expect(() => dec.validateRange(packed, first, first + 2)).toThrow(
      expect.objectContaining({ reason: 'length-beyond-input' })
    );
    expect(() => dec.decodeRange(packed, 0, packed.length + 1)).toThrow(/not inside the input/);
    expect(() => dec.validateRange(packed, 5, 4)).toThrow(/not inside the input/);
    expect(() => dec.validateRange(packed, 3, 3)).toThrow(
      expect.objectContaining({ reason: 'empty-input' })
    );
  });
});

describe('BinaryDecoder.validateEach', () => {
  const good = [
    data.count(1n),
    data.string('abc'),
    data.vector([data.vector([data.port(80, 'tcp')])]),
  ].map((v) => Buffer.from(encodeData(v)));
  const sizes = good.map((b) => b.length);
  const packed = Buffer.concat(good);

  it('returns -1 when every value is valid, and checks only the first `count`', () => {
    const dec = new BinaryDecoder();
    expect(dec.validateEach(packed, sizes)).toBe(-1);
    const broken = Buffer.concat([packed, Buffer.from([0xff])]);
    expect(dec.validateEach(broken, [...sizes, 1], sizes.length)).toBe(-1);
    expect(dec.validateEach(broken, [...sizes, 1])).toBe(sizes.length);
  });

  it('returns the index of the first bad value: bad bytes, wrong size, or beyond the input', () => {
    const dec = new BinaryDecoder({ maxDepth: 1 });
    const corrupt = Buffer.from(packed);
    corrupt[sizes[0]!] = 0xee; // the second value's tag
    expect(dec.validateEach(corrupt, sizes)).toBe(1);
    // The third value nests two deep: over maxDepth 1.
    expect(dec.validateEach(packed, sizes)).toBe(2);
    const ok = new BinaryDecoder();
    expect(ok.validateEach(packed, [sizes[0]! + 1, sizes[1]! - 1, sizes[2]!])).toBe(0);
    expect(ok.validateEach(packed, [sizes[0]!, 0, sizes[1]!])).toBe(1);
    expect(ok.validateEach(packed, [sizes[0]!, sizes[1]!, sizes[2]! + 1])).toBe(2);
    // Agrees with validateRange on the reported one.
    expect(() => ok.validateRange(packed, 0, sizes[0]! + 1)).toThrow(DataDecodeError);
  });
});
