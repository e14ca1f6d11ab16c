// Broker's strings are byte strings (issue 11): any bytes ride in a string value through the
// builders, the binary codec, the node's validation, the order and the JSON form.
import { describe, expect, it } from '@jest/globals';
import {
  BinaryDecoder,
  BinaryEncoder,
  DataEncodeError,
  DataJsonError,
  compareData,
  data,
  dataEquals,
  decodeData,
  encodeData,
  fromJsonText,
  stringBytes,
  toJsonText,
  toProto,
} from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';

const NOT_UTF8 = new Uint8Array([0x47, 0x45, 0x54, 0x20, 0xff, 0xfe, 0x00, 0xc0, 0x80]);

describe('data - byte strings', () => {
  it('keeps bytes that are not UTF-8 as bytes, and bytes that are as text', () => {
    const b = data.string(NOT_UTF8);
    expect(b.value).toEqual(NOT_UTF8);
    expect(b.value).not.toBe(NOT_UTF8); // copied: the caller's array may change later
    expect(data.string(new TextEncoder().encode('héllo'))).toEqual(data.string('héllo'));
    expect(stringBytes(data.string('é'))).toEqual(new Uint8Array([0xc3, 0xa9]));
    expect(stringBytes(b)).toEqual(NOT_UTF8);
  });

  it('encodes the bytes as they are and decodes them back', () => {
    const enc = encodeData(data.string(NOT_UTF8));
    expect([...enc]).toEqual([0x05, NOT_UTF8.length, ...NOT_UTF8]);
    const d = decodeData(enc);
    expect(d).toEqual({ kind: 'string', value: NOT_UTF8 });
    new BinaryDecoder().validate(enc);
    // Deep inside containers as well, and a long one past the short-string path.
    const long = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
    const v = data.vector([
      data.string(long),
      data.table([[data.string(NOT_UTF8), data.count(1)]]),
    ]);
    expect(dataEquals(decodeData(encodeData(v)), v)).toBe(true);
  });

  it('orders byte strings by their bytes, among text strings', () => {
    const strs: Data[] = [
      data.string(new Uint8Array([0x61, 0xff])), // "a\xff"
      data.string('a'),
      data.string('ab'),
      data.string(new Uint8Array([0xff])),
      data.string('é'), // c3 a9
    ];
    const sorted = [...strs].sort(compareData).map((d) => toJsonText(d));
    expect(sorted).toEqual([
      '{"@data-type":"string","data":"a"}',
      '{"@data-type":"string","data":"ab"}',
      '{"@data-type":"string","data":{"base64":"Yf8="}}',
      '{"@data-type":"string","data":"é"}',
      '{"@data-type":"string","data":{"base64":"/w=="}}',
    ]);
    // A string held as bytes that spell UTF-8 equals the text.
    const asBytes: Data = { kind: 'string', value: new Uint8Array([0x61]) };
    expect(compareData(asBytes, data.string('a'))).toBe(0);
    expect(encodeData(asBytes)).toEqual(encodeData(data.string('a')));
  });

  it('round-trips through the JSON form {"base64": ...}', () => {
    const v = data.set([data.string(NOT_UTF8), data.string('text')]);
    const text = toJsonText(v);
    expect(text).toContain('{"base64":"R0VUIP/+AMCA"}');
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text); // the JSON text is UTF-8
    expect(dataEquals(fromJsonText(text), v)).toBe(true);
    // The base64 form of bytes that are UTF-8 reads as the text.
    expect(fromJsonText('{"@data-type":"string","data":{"base64":"aGk="}}')).toEqual(
      data.string('hi')
    );
    expect(fromJsonText('{"@data-type":"string","data":{"base64":""}}')).toEqual(data.string(''));
  });

  it.each<[string, string, RegExp]>([
    ['not base64', '{"base64":"R0V!"}', /not padded base64/],
    ['unpadded', '{"base64":"Yf8"}', /not padded base64/],
    ['other key', '{"hex":"ff"}', /expected a string or \{"base64"/],
    ['extra key', '{"base64":"","x":1}', /expected a string or \{"base64"/],
    ['base64 not a string', '{"base64":1}', /expected a string or \{"base64"/],
  ])('refuses a bad byte form: %s', (_name, d, re) => {
    let err: unknown;
    try {
      fromJsonText(`{"@data-type":"string","data":${d}}`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataJsonError);
    expect((err as DataJsonError).message).toMatch(re);
    expect((err as DataJsonError).path).toBe('$.data');
  });

  it('says how to write bytes when JSON text holds a lone surrogate', () => {
    expect(() => fromJsonText('{"@data-type":"string","data":"\\udcff"}')).toThrow(
      /lone surrogate .*\{"base64": "\.\.\."\}/
    );
  });

  it('enum names stay UTF-8, and protobuf has no form for bytes', () => {
    expect(() => new BinaryDecoder().decode(new Uint8Array([0x0b, 0x01, 0xff]))).toThrow(
      /enum is not valid UTF-8/
    );
    expect(() => toProto(data.string(NOT_UTF8))).toThrow(DataEncodeError);
    expect(toProto(data.string('x'))).toEqual({ kind: 'string', string: 'x' });
  });
});

describe('data - the encoder writes text strings of every length and script exactly', () => {
  const cases: Array<[string, string]> = [
    ['short ASCII', 'CHhAvVGS1DHFjwGM9'],
    ['short non-ASCII', 'héllo'],
    ['100 ASCII', 'x'.repeat(100)],
    ['127 ASCII (one-byte prefix)', 'y'.repeat(127)],
    ['128 ASCII (two-byte prefix)', 'z'.repeat(128)],
    ['100 two-byte characters (the prefix grows past the guess)', 'é'.repeat(100)],
    ['mixed with astral characters', `${'a'.repeat(40)}\u{1f600}${'€'.repeat(50)}`],
    ['70,000 three-byte characters', '€'.repeat(70_000)],
  ];
  it.each(cases)('%s', (_name, s) => {
    const utf8 = Buffer.from(s, 'utf8');
    const enc = new BinaryEncoder({ initialCapacity: 8 });
    const out = enc.encode(data.string(s));
    const prefix = encodeLength(utf8.length);
    expect(Buffer.from(out)).toEqual(Buffer.concat([Buffer.from([0x05, ...prefix]), utf8]));
    expect(decodeData(out)).toEqual(data.string(s));
  });

  it('refuses lone surrogates on every path, and leaves the encoder usable', () => {
    const enc = new BinaryEncoder();
    for (const s of ['a\ud800', `${'a'.repeat(50)}\udc00`, `${'é'.repeat(50)}\ud800x`]) {
      expect(() => enc.encode({ kind: 'string', value: s })).toThrow(/lone surrogate/);
      expect(() => enc.encode({ kind: 'enum', name: s })).toThrow(/lone surrogate/);
    }
    expect(decodeData(enc.encode(data.string('ok')))).toEqual(data.string('ok'));
  });

  it('a string that only fits the exact size still encodes near maxBytes', () => {
    // 3 * n bytes would not fit the limit; the exact UTF-8 length does.
    const s = 'a'.repeat(1000);
    const enc = new BinaryEncoder({ limits: { maxBytes: 1003 } });
    expect(enc.encode(data.string(s)).length).toBe(1003);
    expect(() => enc.encode(data.string(s + 'a'.repeat(2)))).toThrow(DataEncodeError);
  });
});

/** The varbyte form of a length. */
function encodeLength(x: number): number[] {
  const out: number[] = [];
  while (x > 0x7f) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
  return out;
}
