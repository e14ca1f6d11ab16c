import { describe, expect, it } from '@jest/globals';
import {
  StoreArgumentError,
  StoreResponseError,
  data,
  decodeData,
  encodeData,
} from '../../node/src/client/index.js';
import {
  StoreCodec,
  StoreOps,
  parseExpiry,
  toEntry,
  toExists,
  toKeys,
  toStoreEvent,
  u64,
  validateStoreName,
} from '../../node/src/client/store-ops.js';
import type { Data } from '../../node/src/data/index.js';

const codec = new StoreCodec();
const ops = new StoreOps(codec);
const k = data.string('k');
const bytes = (d: Data): Buffer => Buffer.from(encodeData(d));
const dec = (b: unknown): Data => decodeData(b as Uint8Array);

describe('store ops - argument checks', () => {
  it.each([
    ['', /non-empty/],
    ['a\nb', /control character/],
    ['x'.repeat(256), /256 bytes, more than 255/],
    ['\ud800x', /well-formed/],
  ])('rejects the store name %j', (name, msg) => {
    expect(() => validateStoreName(name)).toThrow(StoreArgumentError);
    expect(() => validateStoreName(name)).toThrow(msg);
  });

  it('accepts Broker-style names', () => {
    expect(validateStoreName('zeek/known/hosts')).toBe('zeek/known/hosts');
    expect(validateStoreName('ü'.repeat(127))).toHaveLength(127);
  });

  it.each([
    ['10s', 10_000_000_000n],
    ['500ms', 500_000_000n],
    [' 1h ', 3_600_000_000_000n],
    [7n, 7n],
  ])('parses the expiry %j', (text, ns) => {
    expect(parseExpiry(text)).toBe(ns);
  });

  it.each([
    ['10', /not a timespan/],
    ['ten seconds', /not a timespan/],
    ['0s', /must be positive/],
    [-1n, /must be positive/],
  ])('rejects the expiry %j', (text, msg) => {
    expect(() => parseExpiry(text)).toThrow(msg);
  });

  it('names the argument that is not valid Data or breaks the limits', () => {
    const shallow = new StoreOps(new StoreCodec({ maxDepth: 1 }));
    const deep = data.vector([data.vector([data.count(1)])]);
    expect(() => shallow.put(k, deep)).toThrow(/^value: .*deeper than maxDepth/);
    expect(() => shallow.put(deep, k)).toThrow(/^key: .*deeper than maxDepth/);
    const small = new StoreOps(new StoreCodec({ maxBytes: 8 }));
    expect(() => small.put(data.string('x'.repeat(20)), k)).toThrow(/^key: /);
    expect(() => ops.put({ kind: 'count', value: -1n } as Data, k)).toThrow(/^key: /);
    expect(() => ops.put(k, 'x' as unknown as Data)).toThrow(/value must be a Data value/);
    expect(() => ops.add(k, k, { initType: 'strng' as 'string' })).toThrow(
      /initType must be one of/
    );
    expect(() => ops.compareAndSet(k, -1n, k)).toThrow(/expectedVersion/);
    expect(() => ops.compareAndSet(k, 1n, undefined, { expiry: '1s' })).toThrow(/takes no expiry/);
    expect(() => ops.append(k, data.count(1))).toThrow(/append needs a string/);
  });
});

describe('store ops - wire mapping', () => {
  it('put and put_unique carry key, value and expiry', () => {
    const put = ops.put(k, data.count(5), { expiry: '2s' });
    expect(dec(put.put?.key)).toEqual(k);
    expect(dec(put.put?.value)).toEqual(data.count(5));
    expect(put.put?.expiry).toEqual({ after_ns: '2000000000' });
    const pu = ops.putUnique(k, k);
    expect(pu.put_unique?.expiry).toBeUndefined();
    expect(dec(pu.put_unique?.value)).toEqual(k);
  });

  it("maps Broker's operations onto add and subtract with their init types", () => {
    const cases: Array<[string, ReturnType<StoreOps['add']>, 'add' | 'subtract', Data, string]> = [
      ['increment', ops.increment(k), 'add', data.count(1), ''],
      ['increment by', ops.increment(k, data.integer(-3)), 'add', data.integer(-3), ''],
      ['decrement', ops.decrement(k), 'subtract', data.count(1), ''],
      ['append', ops.append(k, 'xy'), 'add', data.string('xy'), 'string'],
      ['set insert', ops.insertInto(k, data.count(2)), 'add', data.count(2), 'set'],
      [
        'table insert',
        ops.insertInto(k, data.string('a'), data.count(2)),
        'add',
        data.vector([data.string('a'), data.count(2)]),
        'table',
      ],
      ['remove', ops.removeFrom(k, data.string('a')), 'subtract', data.string('a'), ''],
      ['push', ops.push(k, data.real(1.5)), 'add', data.real(1.5), 'vector'],
      ['pop', ops.pop(k), 'subtract', data.none(), ''],
      ['add', ops.add(k, data.count(1), { initType: 'count' }), 'add', data.count(1), 'count'],
    ];
    for (const [what, op, arm, value, initType] of cases) {
      const body = (arm === 'add' ? op.add : op.subtract) as {
        key: Uint8Array;
        value: Uint8Array;
        init_type?: string;
      };
      expect([what, dec(body.key)]).toEqual([what, k]);
      expect([what, dec(body.value)]).toEqual([what, value]);
      if (arm === 'add') expect([what, body.init_type]).toEqual([what, initType]);
    }
  });

  it('compareAndSet writes or erases', () => {
    const set = ops.compareAndSet(k, 0n, data.count(1), { expiry: 5n }).compare_and_set;
    expect(set?.expected_version).toBe('0');
    expect(set?.erase).toBe(false);
    expect(dec(set?.value)).toEqual(data.count(1));
    expect(set?.expiry).toEqual({ after_ns: '5' });
    const del = ops.compareAndSet(k, 18446744073709551615n, undefined).compare_and_set;
    expect(del?.expected_version).toBe('18446744073709551615');
    expect(del?.erase).toBe(true);
    // A valid value (none) travels even on an erase.
    expect(dec(del?.value)).toEqual(data.none());
  });

  it('reads', () => {
    expect(dec(ops.get(k).get?.key)).toEqual(k);
    const gi = ops.getIndex(k, data.count(0)).get_index;
    expect(dec(gi?.index)).toEqual(data.count(0));
    expect(ops.keys()).toEqual({ keys: {} });
    expect(ops.clear()).toEqual({ clear: {} });
  });
});

describe('store ops - results', () => {
  const result = (over: Partial<Record<string, unknown>>) => ({
    found: true,
    value: bytes(data.count(3)),
    version: '7',
    expires_at_unix_ns: '0',
    ...over,
  });

  it('entries carry version and expiry; not found is undefined', () => {
    expect(toEntry(codec, result({}))).toEqual({ value: data.count(3), version: 7n });
    expect(toEntry(codec, result({ expires_at_unix_ns: '1700000000000000000' }))).toEqual({
      value: data.count(3),
      version: 7n,
      expiresAt: 1700000000000000000n,
    });
    expect(toEntry(codec, result({ found: false }))).toBeUndefined();
  });

  it('exists and keys decode their Data', () => {
    expect(toExists(codec, result({ value: bytes(data.boolean(true)) }))).toBe(true);
    expect(() => toExists(codec, result({}))).toThrow(/not a boolean/);
    const set = data.set([data.string('b'), data.string('a')]);
    expect(toKeys(codec, result({ value: bytes(set) }))).toEqual([
      data.string('a'),
      data.string('b'),
    ]);
  });

  it('undecodable or malformed answers are StoreResponseErrors', () => {
    expect(() => toEntry(codec, result({ value: Buffer.from([0xff]) }))).toThrow(
      StoreResponseError
    );
    expect(() => u64('index', '-1')).toThrow(/malformed index/);
    expect(u64('index', '18446744073709551615')).toBe(18446744073709551615n);
  });

  it('store events decode into Broker’s shape', () => {
    const base = {
      key: bytes(k),
      value: bytes(data.count(2)),
      old_value: bytes(data.count(1)),
      expiry_ns: '0',
      index: '12',
      publisher: 'a',
    };
    expect(toStoreEvent(codec, { ...base, type: 'STORE_EVENT_TYPE_UPDATE' })).toEqual({
      type: 'update',
      key: k,
      value: data.count(2),
      oldValue: data.count(1),
      index: 12n,
      publisher: 'a',
    });
    expect(
      toStoreEvent(codec, { ...base, type: 'STORE_EVENT_TYPE_INSERT', expiry_ns: '1000' })
    ).toEqual({
      type: 'insert',
      key: k,
      value: data.count(2),
      expiry: 1000n,
      index: 12n,
      publisher: 'a',
    });
    expect(
      toStoreEvent(codec, { ...base, value: Buffer.alloc(0), type: 'STORE_EVENT_TYPE_EXPIRE' })
    ).toEqual({ type: 'expire', key: k, index: 12n, publisher: 'a' });
    expect(() => toStoreEvent(codec, { ...base, type: 'STORE_EVENT_TYPE_UNSPECIFIED' })).toThrow(
      /unknown type/
    );
  });
});
