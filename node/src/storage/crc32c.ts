/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 metadata
 * and most storage engines: it detects all burst errors up to 32 bits and has better distance
 * than CRC-32 (IEEE) at the record sizes of a log.
 *
 * Slicing-by-8: eight 256-entry tables let the inner loop consume 8 bytes per iteration with
 * table lookups only, several times faster in JavaScript than the byte-at-a-time loop.
 */

const POLY = 0x82f63b78;

/** T[k][b]: the CRC contribution of byte b followed by k zero bytes. Stored flat: T[k * 256 + b]. */
const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[k * 256 + b] = c >>> 0;
    }
  }
  return t;
})();

/**
 * Extends a CRC-32C over `data[start, end)`. Pass the previous result as `crc` to checksum
 * data in pieces; start from 0. Returns an unsigned 32-bit value.
 */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  const t = TABLE;
  let c = ~crc >>> 0;
  let i = start;
  // Byte steps until 8 bytes remain per iteration; the body is unrolled over 8 lookups.
  const stop8 = end - ((end - i) & 7);
  for (; i < stop8; i += 8) {
    const lo =
      (c ^
        ((data[i] as number) |
          ((data[i + 1] as number) << 8) |
          ((data[i + 2] as number) << 16) |
          ((data[i + 3] as number) << 24))) >>>
      0;
    c =
      (t[7 * 256 + (lo & 0xff)] as number) ^
      (t[6 * 256 + ((lo >>> 8) & 0xff)] as number) ^
      (t[5 * 256 + ((lo >>> 16) & 0xff)] as number) ^
      (t[4 * 256 + (lo >>> 24)] as number) ^
      (t[3 * 256 + (data[i + 4] as number)] as number) ^
      (t[2 * 256 + (data[i + 5] as number)] as number) ^
      (t[256 + (data[i + 6] as number)] as number) ^
      (t[data[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
