import {
  BinaryDecoder,
  DataDecodeError,
  DataEncodeError,
  DataJsonError,
  compareData,
  dataEquals,
  encodeData,
  fromJsonText,
  fromProto,
  toJsonText,
  toProto,
} from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';
import { Rng, randomData } from './random-data.js';

// Bounded and seeded: the same values every run, a few seconds at most.
const SEED = 0x5eed_da7a;
const VALUES = 400;
const HOSTILE_INPUTS = 20_000;

describe('data - seeded fuzz', () => {
  it('round trips random values through binary, JSON text and proto', () => {
    const rng = new Rng(SEED);
    for (let i = 0; i < VALUES; i++) {
      const v = randomData(rng, 4);
      const bin = encodeData(v);
      const fromBin = new BinaryDecoder().decode(bin);
      expect(dataEquals(fromBin, v)).toBe(true);
      expect(Buffer.from(encodeData(fromBin)).equals(Buffer.from(bin))).toBe(true);
      expect(dataEquals(fromJsonText(toJsonText(v)), v)).toBe(true);
      // Protobuf strings are UTF-8: a value holding other bytes has no proto form.
      if (hasByteString(v)) expect(() => toProto(v)).toThrow(DataEncodeError);
      else expect(dataEquals(fromProto(toProto(v)), v)).toBe(true);
    }
  });

  it('agrees: equal values have equal bytes, and order is consistent with sorting', () => {
    const rng = new Rng(SEED + 1);
    const values: Data[] = Array.from({ length: 150 }, () => randomData(rng, 2));
    const sorted = [...values].sort(compareData);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1] as Data;
      const b = sorted[i] as Data;
      expect(compareData(a, b)).toBeLessThanOrEqual(0);
      const sameBytes = Buffer.from(encodeData(a)).equals(Buffer.from(encodeData(b)));
      expect(sameBytes).toBe(dataEquals(a, b));
    }
  });

  it('never throws anything but DataDecodeError on random or mutated bytes', () => {
    const rng = new Rng(SEED + 2);
    const dec = new BinaryDecoder({ maxDepth: 16, maxBytes: 4096 });
    const valid = Array.from({ length: 50 }, () => encodeData(randomData(rng, 4)));
    let rejected = 0;
    let accepted = 0;
    for (let i = 0; i < HOSTILE_INPUTS; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = rng.bytes(1 + rng.int(64));
        // Bias toward plausible tags so the decoder gets past the first byte.
        input[0] = rng.int(16);
      } else {
        input = (valid[rng.int(valid.length)] as Uint8Array).slice();
        const flips = 1 + rng.int(3);
        for (let f = 0; f < flips; f++) input[rng.int(input.length)] = rng.int(256);
        if (rng.next() < 0.2) input = input.subarray(0, rng.int(input.length + 1));
      }
      // validate() agrees with decode() on every input: same verdict, reason and offset.
      let validateVerdict = 'ok';
      try {
        dec.validate(input);
      } catch (e) {
        if (!(e instanceof DataDecodeError)) throw e;
        validateVerdict = `${e.reason}@${e.offset}`;
      }
      let decodeVerdict = 'ok';
      try {
        const v = dec.decode(input);
        // Whatever is accepted is canonical: it encodes back to the same bytes, except that
        // every NaN is written as the one canonical NaN.
        const again = Buffer.from(encodeData(v));
        if (!again.equals(Buffer.from(input))) {
          expect(hasNaN(v)).toBe(true);
          expect(Buffer.from(encodeData(dec.decode(again))).equals(again)).toBe(true);
        }
        accepted++;
      } catch (e) {
        if (!(e instanceof DataDecodeError)) throw e;
        decodeVerdict = `${e.reason}@${e.offset}`;
        rejected++;
      }
      expect(validateVerdict).toBe(decodeVerdict);
    }
    expect(rejected).toBeGreaterThan(HOSTILE_INPUTS / 2);
    expect(accepted).toBeGreaterThan(0);
  });

  it('validates UTF-8 in enum names exactly like the fatal WHATWG decoder', () => {
    const rng = new Rng(SEED + 4);
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const dec = new BinaryDecoder();
    // Bytes drawn mostly from lead and continuation ranges, where the edge cases live.
    const pool = [
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1,
      0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
    ];
    let valid = 0;
    for (let i = 0; i < 10_000; i++) {
      const n = 1 + rng.int(6);
      const body = Array.from({ length: n }, () =>
        rng.next() < 0.8 ? rng.pick(pool) : rng.int(256)
      );
      let expected = true;
      try {
        fatal.decode(new Uint8Array(body));
      } catch {
        expected = false;
      }
      const input = new Uint8Array([0x0b, n, ...body]);
      let ok = true;
      try {
        dec.validate(input);
      } catch (e) {
        expect(e instanceof DataDecodeError && e.reason).toBe('invalid-utf8');
        ok = false;
      }
      expect(ok).toBe(expected);
      // A string value takes the same bytes either way: text when they are UTF-8, else bytes.
      const str = new Uint8Array([0x05, n, ...body]);
      dec.validate(str);
      const d = dec.decode(str);
      expect(d.kind === 'string' && typeof d.value === 'string').toBe(expected);
      expect(encodeData(d)).toEqual(str);
      if (ok) valid++;
    }
    expect(valid).toBeGreaterThan(300);
  });

  it('never throws anything but DataJsonError on mutated JSON text', () => {
    const rng = new Rng(SEED + 3);
    const texts = Array.from({ length: 30 }, () => toJsonText(randomData(rng, 3)));
    const alphabet = '{}[]",:0123456789-.eE tfnaxyz\\u@';
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const t = [...(texts[rng.int(texts.length)] as string)];
      const edits = 1 + rng.int(3);
      for (let e = 0; e < edits; e++)
        t[rng.int(t.length)] = alphabet[rng.int(alphabet.length)] as string;
      try {
        const v = fromJsonText(t.join(''));
        expect(dataEquals(fromJsonText(toJsonText(v)), v)).toBe(true);
      } catch (e) {
        if (!(e instanceof DataJsonError)) throw e;
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});

function hasNaN(v: Data): boolean {
  switch (v.kind) {
    case 'real':
      return Number.isNaN(v.value);
    case 'set':
    case 'vector':
      return v.elements.some(hasNaN);
    case 'table':
      return v.entries.some((e) => hasNaN(e.key) || hasNaN(e.value));
    default:
      return false;
  }
}

function hasByteString(v: Data): boolean {
  switch (v.kind) {
    case 'string':
      return typeof v.value !== 'string';
    case 'set':
    case 'vector':
      return v.elements.some(hasByteString);
    case 'table':
      return v.entries.some((e) => hasByteString(e.key) || hasByteString(e.value));
    default:
      return false;
  }
}
