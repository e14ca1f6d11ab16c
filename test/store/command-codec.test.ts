import { data } from '../../node/src/data/index.js';
import {
  COMMAND_FORMAT_VERSION,
  MAX_OPS_PER_COMMAND,
  StoreCommandError,
  decodeCommand,
  encodeCommand,
} from '../../node/src/store/index.js';
import type { StoreCommand, StoreOp } from '../../node/src/store/index.js';
import { Rng, randomData } from '../data/random-data.js';
import { c, s } from './helpers.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

const ALL_OPS: StoreOp[] = [
  { op: 'put', key: s('k'), value: c(1) },
  { op: 'put', key: s('k'), value: c(1), expiryNs: 5n },
  { op: 'put_unique', key: data.vector([c(1), s('x')]), value: data.set([c(2)]) },
  { op: 'put_unique', key: s('k'), value: c(1), expiryNs: 1n },
  { op: 'erase', key: data.address('10.0.0.1') },
  { op: 'clear' },
  { op: 'add', key: s('k'), value: c(1) },
  { op: 'add', key: s('k'), value: c(1), initType: 'table', expiryNs: 9n },
  { op: 'add', key: s('k'), value: c(1), initType: 'none' },
  { op: 'subtract', key: s('k'), value: data.timespan(-3) },
  { op: 'subtract', key: s('k'), value: c(1), expiryNs: 2n ** 63n - 1n },
  { op: 'cas', key: s('k'), expectedVersion: 0n, value: c(1) },
  { op: 'cas', key: s('k'), expectedVersion: 2n ** 64n - 1n, value: c(1), expiryNs: 3n },
  { op: 'cas', key: s('k'), expectedVersion: 7n, erase: true },
];

const writeOf = (ops: StoreOp[]): Extract<StoreCommand, { kind: 'write' }> => ({
  kind: 'write',
  requestId: 'req-1',
  publisher: 'peer-é',
  nowUnixNs: -5n,
  ops,
});

describe('store - command codec round trip', () => {
  it.each(
    ALL_OPS.map(
      (op) =>
        [JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)), op] as const
    )
  )('round trips %s', (_name, op) => {
    const cmd = writeOf([op]);
    expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
  });

  it('round trips a batch of every op and an expire command', () => {
    const w = writeOf(ALL_OPS);
    expect(decodeCommand(encodeCommand(w))).toEqual(w);
    const e: StoreCommand = {
      kind: 'expire',
      nowUnixNs: 100n,
      publisher: 'leader',
      keys: [
        { key: s('a'), expiresAtUnixNs: 99n },
        { key: c(2), expiresAtUnixNs: -1n },
      ],
    };
    expect(decodeCommand(encodeCommand(e))).toEqual(e);
  });

  it('is compact: a put of a short key and a count is 35 bytes', () => {
    const b = encodeCommand({
      kind: 'write',
      requestId: 'r1',
      publisher: 'p1',
      nowUnixNs: 1n,
      ops: [{ op: 'put', key: s('key'), value: c(5) }],
    });
    expect(hex(b)).toBe(
      '01 01 02 7231 02 7031 0000000000000001 01 01 00 05 05036b6579 09 020000000000000005'.replace(
        / /g,
        ''
      )
    );
    expect(b.length).toBe(35);
  });

  it('round trips random values in every position', () => {
    const rng = new Rng(7);
    for (let n = 0; n < 300; n++) {
      const key = randomData(rng, 3);
      const value = randomData(rng, 3);
      const cmd = writeOf([
        { op: 'put', key, value, expiryNs: BigInt(1 + rng.int(1000)) },
        { op: 'add', key: value, value: key },
      ]);
      expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
    }
  });
});

const PUT = '01 01 00 00 0000000000000000 01 01 00 03 050161 09 020000000000000001';

describe('store - command decoding rejects bad bytes', () => {
  it.each<[string, string, RegExp]>([
    ['no bytes', '', /format version needs 1 bytes/],
    ['an unknown version', '02 01', /unknown command format version 2/],
    ['an unknown kind', '01 07', /unknown command kind 7/],
    ['zero ops', '01 01 00 00 0000000000000000 00', /op count 0 is not in 1\.\./],
    ['an op count beyond the bytes', '01 01 00 00 0000000000000000 05 04 00', /op count 5/],
    ['an unknown op tag', '01 01 00 00 0000000000000000 01 09 00', /unknown tag 9/],
    [
      'a flag the op does not take',
      '01 01 00 00 0000000000000000 01 04 01',
      /flags 0x1 it does not take/,
    ],
    [
      'an erase with expiry flag',
      '01 01 00 00 0000000000000000 01 03 01 03 050161',
      /does not take/,
    ],
    [
      'a cas with value and erase',
      '01 01 00 00 0000000000000000 01 07 0c 03 050161 0000000000000000',
      /exactly one/,
    ],
    [
      'a cas with neither',
      '01 01 00 00 0000000000000000 01 07 00 03 050161 0000000000000000',
      /exactly one/,
    ],
    [
      'a zero expiry',
      '01 01 00 00 0000000000000000 01 01 01 03 050161 09 020000000000000001 0000000000000000',
      /expiry 0 is not positive/,
    ],
    [
      'a negative expiry',
      '01 01 00 00 0000000000000000 01 01 01 03 050161 09 020000000000000001 ffffffffffffffff',
      /not positive/,
    ],
    [
      'an initType that is no kind',
      '01 01 00 00 0000000000000000 01 05 02 03 050161 09 020000000000000001 0f',
      /initType 15 is not a data kind/,
    ],
    [
      'a key that is no value',
      '01 01 00 00 0000000000000000 01 03 00 02 ff00',
      /op 0 key is not a valid value.*unknown type tag/,
    ],
    ['a key length beyond the bytes', '01 01 00 00 0000000000000000 01 03 00 09 0561', /truncated/],
    ['trailing bytes', `${PUT} 00`, /1 bytes after the command/],
    [
      'a request id that is not UTF-8',
      '01 01 01 ff 00 0000000000000000 01 04 00',
      /requestId is not valid UTF-8/,
    ],
    ['a non-minimal varuint', '01 01 8000 00 0000000000000000 01 04 00', /shortest form/],
    ['zero expire keys', '01 02 0000000000000000 00 00', /key count 0/],
  ])('%s', (_name, h, msg) => {
    let err: unknown;
    try {
      decodeCommand(bytes(h));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreCommandError);
    expect((err as Error).message).toMatch(msg);
  });

  it('accepts the well-formed base of those cases', () => {
    expect(decodeCommand(bytes(PUT))).toEqual({
      kind: 'write',
      requestId: '',
      publisher: '',
      nowUnixNs: 0n,
      ops: [{ op: 'put', key: s('a'), value: c(1) }],
    });
  });

  it('rejects every truncation of a valid command', () => {
    const full = encodeCommand(writeOf(ALL_OPS));
    for (let n = 0; n < full.length; n++) {
      expect(() => decodeCommand(full.subarray(0, n))).toThrow(StoreCommandError);
    }
  });

  it('throws only StoreCommandError on random mutations (fuzz)', () => {
    const rng = new Rng(42);
    const base = encodeCommand(writeOf(ALL_OPS));
    let accepted = 0;
    for (let n = 0; n < 5000; n++) {
      const b = base.slice();
      const flips = 1 + rng.int(4);
      for (let f = 0; f < flips; f++) b[rng.int(b.length)] = rng.int(256);
      const cut = rng.next() < 0.2 ? rng.int(b.length) : b.length;
      try {
        const cmd = decodeCommand(b.subarray(0, cut));
        // Whatever decodes encodes again, to a command that decodes the same.
        expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
        accepted++;
      } catch (e) {
        if (!(e instanceof StoreCommandError)) throw e;
      }
    }
    expect(accepted).toBeLessThan(5000);
  });

  it('rejects a non-Uint8Array', () => {
    expect(() => decodeCommand('01' as unknown as Uint8Array)).toThrow(StoreCommandError);
  });
});

describe('store - command encoding validates', () => {
  const put = (extra: object): StoreCommand =>
    writeOf([{ op: 'put', key: s('k'), value: c(1), ...extra } as StoreOp]);
  it.each<[string, StoreCommand, RegExp]>([
    ['zero expiry', put({ expiryNs: 0n }), /expiryNs must be a bigint in 1\.\.2\^63-1/],
    ['number expiry', put({ expiryNs: 5 }), /expiryNs must be a bigint/],
    ['no ops', writeOf([]), /a write needs 1\.\.10000 ops, got 0/],
    [
      'too many ops',
      writeOf(new Array<StoreOp>(MAX_OPS_PER_COMMAND + 1).fill({ op: 'clear' })),
      /got 10001/,
    ],
    ['an unknown op', writeOf([{ op: 'nope' } as unknown as StoreOp]), /unknown operation "nope"/],
    [
      'a missing value',
      writeOf([{ op: 'put', key: s('k') } as unknown as StoreOp]),
      /value is missing/,
    ],
    [
      'an invalid key',
      writeOf([{ op: 'erase', key: { kind: 'count', value: -1n } } as StoreOp]),
      /op 0 key is not a valid value/,
    ],
    [
      'a bad initType',
      writeOf([
        { op: 'add', key: s('k'), value: c(1), initType: 'toString' } as unknown as StoreOp,
      ]),
      /initType "toString" is not a data kind/,
    ],
    [
      'a cas with both',
      writeOf([{ op: 'cas', key: s('k'), expectedVersion: 1n, value: c(1), erase: true }]),
      /exactly one/,
    ],
    [
      'a cas erase with expiry',
      writeOf([{ op: 'cas', key: s('k'), expectedVersion: 1n, erase: true, expiryNs: 1n }]),
      /takes no expiryNs/,
    ],
    [
      'a negative version',
      writeOf([{ op: 'cas', key: s('k'), expectedVersion: -1n, value: c(1) }]),
      /expectedVersion must be a bigint in 0\.\.2\^64-1/,
    ],
    [
      'a lone surrogate in the publisher',
      { ...writeOf([{ op: 'clear' }]), publisher: '\ud800' },
      /publisher contains a lone surrogate/,
    ],
    [
      'a huge request id',
      { ...writeOf([{ op: 'clear' }]), requestId: 'x'.repeat(1025) },
      /requestId of 1025 bytes exceeds 1024/,
    ],
    [
      'a clock out of range',
      { ...writeOf([{ op: 'clear' }]), nowUnixNs: 2n ** 63n },
      /nowUnixNs must be a bigint in int64 range/,
    ],
    ['an unknown kind', { kind: 'nope' } as unknown as StoreCommand, /unknown command kind "nope"/],
    ['an empty expire', { kind: 'expire', nowUnixNs: 0n, keys: [] }, /an expire needs 1\.\./],
  ])('rejects %s', (_name, cmd, msg) => {
    expect(() => encodeCommand(cmd)).toThrow(StoreCommandError);
    expect(() => encodeCommand(cmd)).toThrow(msg);
  });

  it('writes the format version first', () => {
    expect(encodeCommand(writeOf([{ op: 'clear' }]))[0]).toBe(COMMAND_FORMAT_VERSION);
  });
});

describe('store - command encoding of garbage', () => {
  it('throws only StoreCommandError on random hand-built shapes (fuzz)', () => {
    const rng = new Rng(99);
    const junk = (): unknown =>
      rng.pick<unknown>([
        undefined,
        null,
        0,
        -1n,
        5n,
        'put',
        'x',
        {},
        [],
        s('k'),
        c(1),
        { kind: 'count', value: -1n },
        Symbol('s'),
        { op: 'put' },
        true,
      ]);
    const fields = ['op', 'key', 'value', 'expiryNs', 'initType', 'expectedVersion', 'erase'];
    const ops = ['put', 'put_unique', 'erase', 'clear', 'add', 'subtract', 'cas', 'nope', 7n];
    for (let n = 0; n < 3000; n++) {
      const op: Record<string, unknown> = { op: rng.pick(ops), key: s('k'), value: c(1) };
      for (let f = 0; f < rng.int(4); f++) op[rng.pick(fields)] = junk();
      const cmd: Record<string, unknown> =
        rng.next() < 0.8
          ? {
              kind: 'write',
              requestId: 'r',
              publisher: 'p',
              nowUnixNs: 0n,
              ops: [rng.next() < 0.1 ? junk() : op],
            }
          : { kind: 'expire', nowUnixNs: 0n, keys: [{ key: junk(), expiresAtUnixNs: junk() }] };
      if (rng.next() < 0.2)
        cmd[rng.pick(['kind', 'requestId', 'publisher', 'nowUnixNs', 'ops', 'keys'])] = junk();
      try {
        const b = encodeCommand(cmd as unknown as StoreCommand);
        expect(encodeCommand(decodeCommand(b))).toEqual(b);
      } catch (e) {
        if (!(e instanceof StoreCommandError)) throw e;
      }
    }
  });
});
