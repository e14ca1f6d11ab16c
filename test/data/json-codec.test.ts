import {
  DataJsonError,
  data,
  formatTimespan,
  formatTimestamp,
  parseTimespan,
  parseTimestamp,
  dataEquals,
  fromJson,
  fromJsonText,
  toJson,
  toJsonText,
} from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';
import { samples } from './samples.js';

function jsonError(text: string, limits?: { maxDepth?: number; maxBytes?: number }): DataJsonError {
  try {
    fromJsonText(text, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(DataJsonError);
    return e as DataJsonError;
  }
  throw new Error('fromJsonText did not fail');
}

describe('data - JSON round trip', () => {
  it.each(samples)('round trips %s through text and the object form', (_name, v) => {
    const text = toJsonText(v);
    expect(dataEquals(fromJsonText(text), v)).toBe(true);
    expect(dataEquals(fromJson(toJson(v)), v)).toBe(true);
    // Canonical text: a parsed value prints the same.
    expect(toJsonText(fromJsonText(text))).toBe(text);
  });

  it('keeps -0 and 64-bit integers exact in text', () => {
    expect(toJsonText(data.real(-0))).toBe('{"@data-type":"real","data":-0.0}');
    const back = fromJsonText('{"@data-type":"real","data":-0.0}');
    expect(back.kind === 'real' && Object.is(back.value, -0)).toBe(true);
    expect(toJsonText(data.count(2n ** 64n - 1n))).toBe(
      '{"@data-type":"count","data":18446744073709551615}'
    );
    const c = fromJsonText('{"@data-type":"count","data":18446744073709551615}');
    expect(c.kind === 'count' && c.value).toBe(2n ** 64n - 1n);
    const i = fromJsonText('{"@data-type":"integer","data":-9223372036854775808}');
    expect(i.kind === 'integer' && i.value).toBe(-(2n ** 63n));
    expect(toJson(data.count(2n ** 60n)).data).toBe(2n ** 60n);
    expect(toJson(data.count(5)).data).toBe(5);
  });

  it('reads numbers by one rule: integer literals for counts and integers, any number for reals', () => {
    const r = (t: string) => fromJsonText(t);
    expect(r('{"@data-type":"count","data":10}')).toEqual(data.count(10));
    expect(r('{"@data-type":"count","data":-0}')).toEqual(data.count(0));
    expect(r('{"@data-type":"integer","data":-42}')).toEqual(data.integer(-42));
    expect(r('{"@data-type":"real","data":1e19}')).toEqual(data.real(1e19));
    expect(r('{"@data-type":"real","data":10}')).toEqual(data.real(10));
    expect(r('{"@data-type":"real","data":2.5E-3}')).toEqual(data.real(0.0025));
    const negZero = r('{"@data-type":"real","data":-0}');
    expect(negZero.kind === 'real' && Object.is(negZero.value, -0)).toBe(true);
    expect(r('{"@data-type":"real","data":"inf"}')).toEqual(data.real(Infinity));
    // Inside containers too.
    expect(r('{"@data-type":"vector","data":[{"@data-type":"real","data":1.5}]}')).toEqual(
      data.vector([data.real(1.5)])
    );
  });
});

describe('data - JSON time text at the int64 limits', () => {
  it.each<[string, bigint, string]>([
    ['min', -(2n ** 63n), '1677-09-21T00:12:43.145224192'],
    ['max', 2n ** 63n - 1n, '2262-04-11T23:47:16.854775807'],
    ['epoch', 0n, '1970-01-01T00:00:00.000'],
  ])('timestamp %s', (_name, ns, text) => {
    expect(formatTimestamp(ns)).toBe(text);
    expect(parseTimestamp(text)).toBe(ns);
    expect(parseTimestamp(`${text}Z`)).toBe(ns);
  });

  it('parses fractions of any length and rejects impossible dates', () => {
    expect(parseTimestamp('2000-01-01T00:00:00')).toBe(946_684_800_000_000_000n);
    expect(parseTimestamp('2000-01-01T00:00:00.5')).toBe(946_684_800_500_000_000n);
    expect(parseTimestamp('2000-02-29T00:00:00')).toBeDefined();
    expect(parseTimestamp('1900-02-29T00:00:00')).toBeUndefined();
    expect(parseTimestamp('2000-01-01T24:00:00')).toBeUndefined();
    expect(parseTimestamp('2000-01-01T00:00:00.1234567890')).toBeUndefined();
    expect(parseTimestamp('2000-01-01 00:00:00')).toBeUndefined();
    expect(parseTimestamp('2000-01-01T00:00:00+01:00')).toBeUndefined();
  });

  it('timespans at the limits and in every unit', () => {
    expect(formatTimespan(-(2n ** 63n))).toBe('-9223372036854775808ns');
    expect(parseTimespan('-9223372036854775808ns')).toBe(-(2n ** 63n));
    expect(parseTimespan('9223372036854775807ns')).toBe(2n ** 63n - 1n);
    expect(parseTimespan('3us')).toBe(3000n);
    expect(parseTimespan('2h')).toBe(7_200_000_000_000n);
    expect(parseTimespan('106751d')).toBe(106751n * 86_400_000_000_000n);
    expect(parseTimespan('106752d')).toBeUndefined();
    expect(parseTimespan('1.5s')).toBeUndefined();
    expect(parseTimespan('01s')).toBeUndefined();
    expect(parseTimespan('5')).toBeUndefined();
  });
});

describe('data - JSON format (Broker JSON v1)', () => {
  it.each<[string, Data, string]>([
    ['none', data.none(), '{}'],
    ['boolean', data.boolean(false), 'false'],
    ['count', data.count(42), '42'],
    ['integer', data.integer(-32), '-32'],
    ['real', data.real(-7.5), '-7.5'],
    ['real NaN', data.real(NaN), '"nan"'],
    ['real inf', data.real(Infinity), '"inf"'],
    ['real -inf', data.real(-Infinity), '"-inf"'],
    ['string', data.string('a"b\n'), '"a\\"b\\n"'],
    ['address v4', data.address('127.0.0.1'), '"127.0.0.1"'],
    ['address v6', data.address('2001:0db8:0000:0000:0000:0000:0000:0000'), '"2001:db8::"'],
    ['address v6 one zero group', data.address('2001:db8:0:1:1:1:1:1'), '"2001:db8:0:1:1:1:1:1"'],
    ['subnet', data.subnet('192.168.3.4/16'), '"192.168.0.0/16"'],
    ['port', data.port(8080, 'tcp'), '"8080/tcp"'],
    ['port unknown', data.port(0), '"0/unknown"'],
    ['timestamp ms', data.timestamp(1_649_574_000_000_000_000n), '"2022-04-10T07:00:00.000"'],
    ['timestamp ns', data.timestamp(1_649_574_000_000_000_001n), '"2022-04-10T07:00:00.000000001"'],
    ['timestamp before 1970', data.timestamp(-1_000_000n), '"1969-12-31T23:59:59.999"'],
    ['timespan 0', data.timespan(0), '"0s"'],
    ['timespan s', data.timespan(23_000_000_000n), '"23s"'],
    ['timespan ms', data.timespan(1_500_000_000n), '"1500ms"'],
    ['timespan us', data.timespan(-15_000n), '"-15us"'],
    ['timespan ns', data.timespan(1_446_451_896_905n), '"1446451896905ns"'],
    ['enum', data.enumValue('foo'), '"foo"'],
  ])('writes %s', (_name, v, expected) => {
    const type = v.kind === 'enum' ? 'enum-value' : v.kind;
    expect(toJsonText(v)).toBe(`{"@data-type":"${type}","data":${expected}}`);
  });

  it('writes containers as arrays and tables as key/value objects', () => {
    const t = data.table([[data.string('a'), data.set([data.count(2), data.count(1)])]]);
    expect(toJsonText(t)).toBe(
      '{"@data-type":"table","data":[{"key":{"@data-type":"string","data":"a"},"value":' +
        '{"@data-type":"set","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":2}]}}]}'
    );
  });

  it('reads Broker documentation examples, unsorted sets and extra top-level keys', () => {
    const v = fromJsonText(`{
      "type": "data-message", "topic": "/test",
      "@data-type": "vector",
      "data": [
        {"@data-type": "timespan", "data": "23s"},
        {"@data-type": "timespan", "data": "2min"},
        {"@data-type": "timespan", "data": "1d"},
        {"@data-type": "timestamp", "data": "2022-04-10T16:07:00.000"},
        {"@data-type": "timestamp", "data": "2022-04-10T16:07:00Z"},
        {"@data-type": "subnet", "data": "255.255.255.0/24"},
        {"@data-type": "port", "data": "8/?"},
        {"@data-type": "set", "data": [{"@data-type": "integer", "data": 2}, {"@data-type": "integer", "data": 1}]},
        {"@data-type": "real", "data": 5}
      ]
    }`);
    const expected = data.vector([
      data.timespan(23_000_000_000n),
      data.timespan(120_000_000_000n),
      data.timespan(86_400_000_000_000n),
      data.timestamp(1_649_606_820_000_000_000n),
      data.timestamp(1_649_606_820_000_000_000n),
      data.subnet('255.255.255.0/24'),
      data.port(8, 'unknown'),
      data.set([data.integer(1), data.integer(2)]),
      data.real(5),
    ]);
    expect(dataEquals(v, expected)).toBe(true);
  });
});

describe('data - JSON errors name the path', () => {
  it.each<[string, string, string, RegExp]>([
    ['not JSON', '{', '$', /not JSON/],
    ['not an object', '[1]', '$', /expected an object/],
    ['missing type', '{"data": 1}', '$', /@data-type/],
    ['missing data', '{"@data-type": "count"}', '$', /"data" is missing/],
    ['unknown type', '{"@data-type": "record", "data": 1}', '$', /unknown "@data-type"/],
    ['count negative', '{"@data-type": "count", "data": -1}', '$.data', /out of range/],
    [
      'count too big',
      '{"@data-type": "count", "data": 18446744073709551616}',
      '$.data',
      /out of range/,
    ],
    [
      'count fraction',
      '{"@data-type": "count", "data": 1.5}',
      '$.data',
      /integer literal, got 1\.5/,
    ],
    // Issue 10, defect 4: `10.0` was accepted as a count while `1e19` (in range) was refused;
    // now a fraction or an exponent is never a count's or an integer's spelling.
    ['count 10.0', '{"@data-type": "count", "data": 10.0}', '$.data', /integer literal, got 10\.0/],
    ['count 1e19', '{"@data-type": "count", "data": 1e19}', '$.data', /integer literal, got 1e19/],
    ['integer 5E2', '{"@data-type": "integer", "data": 5E2}', '$.data', /integer literal, got 5E2/],
    // A real literal beyond a double's range was read as infinity.
    [
      'real 1e400',
      '{"@data-type": "real", "data": 1e400}',
      '$.data',
      /beyond the range of a double/,
    ],
    ['real -1e400', '{"@data-type": "real", "data": -1e400}', '$.data', /beyond the range/],
    ['bare number', '5', '$', /expected an object/],
    ['count as string', '{"@data-type": "count", "data": "1"}', '$.data', /exact integer/],
    [
      'integer too small',
      '{"@data-type": "integer", "data": -9223372036854775809}',
      '$.data',
      /out of range/,
    ],
    [
      'real as other string',
      '{"@data-type": "real", "data": "1.5"}',
      '$.data',
      /expected a number/,
    ],
    [
      'inherited special real',
      '{"@data-type": "real", "data": "toString"}',
      '$.data',
      /expected a number/,
    ],
    ['boolean', '{"@data-type": "boolean", "data": 1}', '$.data', /true or false/],
    ['none', '{"@data-type": "none", "data": {"x": 1}}', '$.data', /expected \{\}/],
    ['string', '{"@data-type": "string", "data": 5}', '$.data', /expected a string/],
    ['lone surrogate', '{"@data-type": "string", "data": "\\ud800"}', '$.data', /surrogate/],
    ['address', '{"@data-type": "address", "data": "10.0.0.256"}', '$.data', /not an IP address/],
    [
      'address octal-looking',
      '{"@data-type": "address", "data": "010.0.0.1"}',
      '$.data',
      /not an IP address/,
    ],
    ['subnet length', '{"@data-type": "subnet", "data": "10.0.0.0/33"}', '$.data', /prefix length/],
    ['subnet form', '{"@data-type": "subnet", "data": "10.0.0.0"}', '$.data', /not a subnet/],
    ['port number', '{"@data-type": "port", "data": "65536/tcp"}', '$.data', /port/],
    ['port protocol', '{"@data-type": "port", "data": "80/sctp"}', '$.data', /port/],
    ['timestamp', '{"@data-type": "timestamp", "data": "2022-02-30T00:00:00"}', '$.data', /YYYY/],
    [
      'timestamp range',
      '{"@data-type": "timestamp", "data": "2263-01-01T00:00:00"}',
      '$.data',
      /int64/,
    ],
    ['timespan unit', '{"@data-type": "timespan", "data": "5 weeks"}', '$.data', /integer/],
    [
      'timespan range',
      '{"@data-type": "timespan", "data": "9223372036854775808ns"}',
      '$.data',
      /int64/,
    ],
    [
      'nested element',
      '{"@data-type": "vector", "data": [{"@data-type": "none", "data": {}}, {"@data-type": "count"}]}',
      '$.data[1]',
      /"data" is missing/,
    ],
    [
      'nested extra key',
      '{"@data-type": "vector", "data": [{"@data-type": "none", "data": {}, "x": 1}]}',
      '$.data[0]',
      /unexpected key/,
    ],
    ['set not array', '{"@data-type": "set", "data": {}}', '$.data', /expected an array/],
    [
      'table entry',
      '{"@data-type": "table", "data": [{"key": {"@data-type": "none", "data": {}}}]}',
      '$.data[0]',
      /"key" and "value"/,
    ],
    [
      'table value',
      '{"@data-type": "table", "data": [{"key": {"@data-type": "none", "data": {}}, "value": 1}]}',
      '$.data[0].value',
      /expected an object/,
    ],
    [
      'table duplicate key',
      '{"@data-type": "table", "data": [{"key": {"@data-type": "count", "data": 1}, "value": {"@data-type": "none", "data": {}}}, {"key": {"@data-type": "count", "data": 1}, "value": {"@data-type": "none", "data": {}}}]}',
      '$.data[1].key',
      /repeated table key/,
    ],
  ])('rejects %s', (_name, text, path, message) => {
    const e = jsonError(text);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
    expect(e.name).toBe('DataJsonError');
  });

  it('reads only own properties of the object form', () => {
    const inherited = Object.create({ data: {} }) as Record<string, unknown>;
    inherited['@data-type'] = 'none';
    expect(() => fromJson(inherited)).toThrow(/"data" is missing/);
  });

  it('enforces maxDepth and maxBytes, also against hostile nesting', () => {
    const nest = (n: number): string =>
      n === 0
        ? '{"@data-type":"none","data":{}}'
        : `{"@data-type":"vector","data":[${nest(n - 1)}]}`;
    expect(dataEquals(fromJsonText(nest(3), { maxDepth: 3 }), fromJsonText(nest(3)))).toBe(true);
    expect(jsonError(nest(4), { maxDepth: 3 }).message).toMatch(/maxDepth/);
    expect(jsonError('['.repeat(1_000_000) + ']'.repeat(1_000_000)).message).toMatch(/maxDepth/);
    expect(jsonError(nest(1), { maxBytes: 20 }).message).toMatch(/maxBytes/);
    expect(() => toJson(fromJsonText(nest(4)), { maxDepth: 3 })).toThrow(/maxDepth/);
  });
});
