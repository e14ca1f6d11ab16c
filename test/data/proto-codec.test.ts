import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as protoLoader from '@grpc/proto-loader';

import { DataProtoError, data, dataEquals, fromProto, toProto } from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';
import { samples } from './samples.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** proto-loader's serializer/deserializer for broker.v1.Data with the given loader options. */
function protoCodec(options: protoLoader.Options): {
  serialize: (m: unknown) => Buffer;
  deserialize: (b: Buffer) => unknown;
} {
  const def = protoLoader.loadSync(join(here, 'fixtures', 'data-echo.proto'), {
    includeDirs: [join(root, 'proto')],
    ...options,
  });
  const svc = def['brokertest.DataEcho'] as protoLoader.ServiceDefinition;
  const echo = svc['Echo'] as protoLoader.MethodDefinition<unknown, unknown>;
  return { serialize: echo.requestSerialize, deserialize: echo.responseDeserialize };
}

// The option set the project's generated types assume (scripts/gen-proto.sh).
const projectOptions = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

function protoError(m: unknown, limits?: { maxDepth?: number }): DataProtoError {
  try {
    fromProto(m, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(DataProtoError);
    return e as DataProtoError;
  }
  throw new Error('fromProto did not fail');
}

describe('data - proto round trip', () => {
  const codec = protoCodec(projectOptions);

  it.each(samples)('round trips %s through protobuf bytes', (_name, v) => {
    const wire = codec.serialize(toProto(v));
    const back = fromProto(codec.deserialize(wire));
    expect(dataEquals(back, v)).toBe(true);
  });

  it.each<[string, protoLoader.Options]>([
    ['longs as Long, enums as numbers', { keepCase: true, oneofs: false }],
    ['longs as numbers', { keepCase: true, longs: Number, enums: String, oneofs: true }],
  ])('reads messages decoded with %s', (_name, options) => {
    const other = protoCodec(options);
    const v = data.vector([
      data.count(2n ** 64n - 1n),
      data.integer(-(2n ** 63n)),
      data.timestamp(1_700_000_000_000_000_000n),
      data.port(53, 'udp'),
      data.subnet('10.0.0.0/8'),
    ]);
    const decoded = other.deserialize(codec.serialize(toProto(v)));
    if (options.longs === Number) {
      // Numbers cannot hold these exactly: rejected rather than rounded.
      expect(protoError(decoded).message).toMatch(/64-bit integer/);
    } else {
      expect(dataEquals(fromProto(decoded), v)).toBe(true);
    }
  });

  it('accepts 4-byte IPv4 addresses and unsorted sets from other languages', () => {
    const m = {
      set: {
        elements: [
          { address: new Uint8Array([10, 0, 0, 1]) },
          { subnet: { address: new Uint8Array([10, 1, 2, 3]), length: 8 } },
          { address: new Uint8Array([10, 0, 0, 1]) },
        ],
      },
    };
    const v = fromProto(codec.deserialize(codec.serialize(m)));
    expect(dataEquals(v, data.set([data.address('10.0.0.1'), data.subnet('10.0.0.0/8')]))).toBe(
      true
    );
  });
});

describe('data - proto errors name the field', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['not a message', 5, '$', /expected a Data message/],
    ['no kind', {}, '$', /no kind is set/],
    ['two kinds', { boolean: true, string: 'x' }, '$', /several kinds/],
    ['unknown kind', { kind: 'record', record: 1 }, '$.kind', /unknown kind/],
    ['kind without field', { kind: 'count' }, '$', /field is unset/],
    ['count negative', { count: '-1' }, '$.count', /out of range/],
    ['count not a number', { count: 'abc' }, '$.count', /64-bit integer/],
    ['count unsafe number', { count: 2 ** 60 }, '$.count', /64-bit integer/],
    ['integer range', { integer: '9223372036854775808' }, '$.integer', /out of range/],
    ['real', { real: 'x' }, '$.real', /double/],
    ['string', { string: 5 }, '$.string', /string/],
    ['lone surrogate', { enum_value: '\ud800' }, '$.enum_value', /surrogate/],
    ['address length', { address: new Uint8Array(5) }, '$.address', /4 or 16 bytes/],
    [
      'subnet length',
      { subnet: { address: new Uint8Array(4), length: 33 } },
      '$.subnet.length',
      /0\.\.32/,
    ],
    ['port number', { port: { number: 65536 } }, '$.port.number', /0\.\.65535/],
    ['port protocol', { port: { number: 1, protocol: 'SCTP' } }, '$.port.protocol', /protocol/],
    [
      'nested',
      { vector: { elements: [{ none: {} }, { count: 'x' }] } },
      '$.vector.elements[1].count',
      /64-bit/,
    ],
    ['elements not a list', { set: { elements: 5 } }, '$.set.elements', /repeated/],
    [
      'table missing key',
      { table: { entries: [{ value: { none: {} } }] } },
      '$.table.entries[0].key',
      /Data message/,
    ],
    [
      'table duplicate key',
      {
        table: {
          entries: [
            { key: { count: '1' }, value: { none: {} } },
            { key: { count: 1 }, value: { none: {} } },
          ],
        },
      },
      '$.table.entries[1].key',
      /repeated table key/,
    ],
  ])('rejects %s', (_name, m, path, message) => {
    const e = protoError(m);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });

  it('enforces maxDepth', () => {
    const deep = toProto(data.vector([data.vector([data.vector([])])]));
    expect(protoError(deep, { maxDepth: 2 }).message).toMatch(/maxDepth/);
    expect(
      dataEquals(fromProto(deep, { maxDepth: 3 }), data.vector([data.vector([data.vector([])])]))
    ).toBe(true);
  });

  it('writes 64-bit values as exact decimal strings', () => {
    const m = toProto(data.count(2n ** 64n - 1n)) as { count?: unknown };
    expect(m.count).toBe('18446744073709551615');
    const v: Data = fromProto({ count: { low: -1, high: -1, unsigned: true } });
    expect(dataEquals(v, data.count(2n ** 64n - 1n))).toBe(true);
  });
});
