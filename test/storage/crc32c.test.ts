import { describe, expect, it } from '@jest/globals';
import { crc32c } from '../../node/src/storage/crc32c.js';
import { seededRandom } from './helpers.js';

/** The plain bit-at-a-time definition, to check the sliced tables against. */
function crc32cBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('matches the published check values', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 (iSCSI) B.4 test vectors.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('agrees with the bitwise definition for every length 0..100 and random contents', () => {
    const rng = seededRandom(7);
    for (let len = 0; len <= 100; len++) {
      const data = Uint8Array.from({ length: len }, () => Math.floor(rng() * 256));
      expect(crc32c(data)).toBe(crc32cBitwise(data));
    }
  });

  it('can be computed in pieces and over a sub-range', () => {
    const data = ascii('the quick brown fox jumps over the lazy dog, twice over');
    const whole = crc32c(data);
    for (const cut of [0, 1, 7, 8, 9, 30, data.length]) {
      expect(crc32c(data, crc32c(data, 0, 0, cut), cut)).toBe(whole);
    }
    expect(crc32c(data, 0, 4, 13)).toBe(crc32c(data.subarray(4, 13)));
  });
});
