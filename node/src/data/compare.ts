/**
 * The one total order over `Data`, and equality derived from it. Everything that sorts or
 * compares values (sets, tables, decoders checking canonical order) goes through here.
 *
 * Order: Broker's type tag first (none < boolean < count < ... < vector), then the value:
 * - boolean: false < true. count, integer, timestamp, timespan: numeric.
 * - real: numeric, with two decisions that keep "equal" the same as "same encoding":
 *   -0 is a distinct value ordered just before +0, and every NaN equals every other NaN and
 *   orders after all other reals (+Infinity included). This is IEEE 754's totalOrder with
 *   NaN payloads and signs folded into one NaN.
 * - string, enum: by Unicode code point, which is the byte order of their UTF-8 form and so
 *   Broker's `std::string` order; a string held as bytes (not UTF-8) orders by its bytes
 *   among the others.
 * - address: the 16 bytes, lexicographic (IPv4 is IPv4-mapped, so it equals `::ffff:a.b.c.d`
 *   and orders among `::ffff:0:0/96`).
 * - subnet: network bytes, then the 16-byte form's prefix length.
 * - port: number, then protocol (unknown < tcp < udp < icmp).
 * - set, vector: lexicographic over elements (a proper prefix orders first).
 * - table: lexicographic over entries, each entry by key then value.
 */
import { DataTag } from './types.js';
import type { Data, TableEntry } from './types.js';

/** Negative, zero or positive as `a` orders before, equal to, or after `b`. */
export function compareData(a: Data, b: Data): number {
  if (a === b) return 0;
  const ta = DataTag[a.kind];
  const tb = DataTag[b.kind];
  if (ta !== tb) return ta - tb;
  switch (a.kind) {
    case 'none':
      return 0;
    case 'boolean':
      return (a.value ? 1 : 0) - ((b as typeof a).value ? 1 : 0);
    case 'count':
    case 'integer':
    case 'timestamp':
    case 'timespan': {
      const x = a.value;
      const y = (b as typeof a).value;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'real':
      return compareReal(a.value, (b as typeof a).value);
    case 'string': {
      const x = a.value;
      const y = (b as typeof a).value;
      if (typeof x === 'string' && typeof y === 'string') return compareStrings(x, y);
      return compareByteStrings(x, y);
    }
    case 'enum':
      return compareStrings(a.name, (b as typeof a).name);
    case 'address':
      return compareBytes16(a.value.bytes, (b as typeof a).value.bytes);
    case 'subnet': {
      const o = b as typeof a;
      const c = compareBytes16(a.address.bytes, o.address.bytes);
      if (c !== 0) return c;
      // Same network bytes means same family, so family lengths compare like raw lengths.
      return a.length - o.length;
    }
    case 'port': {
      const o = b as typeof a;
      if (a.number !== o.number) return a.number - o.number;
      return PROTOCOL_RANK[a.protocol] - PROTOCOL_RANK[o.protocol];
    }
    case 'set':
    case 'vector':
      return compareLists(a.elements, (b as typeof a).elements);
    case 'table':
      return compareEntries(a.entries, (b as typeof a).entries);
  }
}

/** True when `a` and `b` are the same value under {@link compareData}. */
export function dataEquals(a: Data, b: Data): boolean {
  return compareData(a, b) === 0;
}

const PROTOCOL_RANK = { unknown: 0, tcp: 1, udp: 2, icmp: 3 } as const;

/** Real order: -Infinity < ... < -0 < +0 < ... < +Infinity < NaN (all NaNs equal). */
export function compareReal(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) {
    if (x !== 0) return 0;
    // +0 and -0: tell them apart by the sign of 1/x.
    const sx = 1 / x < 0;
    const sy = 1 / y < 0;
    return sx === sy ? 0 : sx ? -1 : 1;
  }
  // At least one NaN.
  const nx = Number.isNaN(x);
  const ny = Number.isNaN(y);
  return nx === ny ? 0 : nx ? 1 : -1;
}

/**
 * Compares by code point (= UTF-8 byte order). JavaScript's `<` compares UTF-16 code units,
 * which puts U+10000.. (surrogate pairs) before U+E000..U+FFFF; the fix-up below moves
 * surrogates above that block at the first differing unit.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

const utf8 = new TextEncoder();

/** Byte order of two strings at least one of which is held as bytes. */
function compareByteStrings(a: string | Uint8Array, b: string | Uint8Array): number {
  const x = typeof a === 'string' ? utf8.encode(a) : a;
  const y = typeof b === 'string' ? utf8.encode(b) : b;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function codeUnitRank(c: number): number {
  if (c < 0xd800) return c;
  return c < 0xe000 ? c + 0x2000 : c - 0x800;
}

function compareBytes16(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function compareLists(a: readonly Data[], b: readonly Data[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareData(a[i] as Data, b[i] as Data);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareEntries(a: readonly TableEntry[], b: readonly TableEntry[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as TableEntry;
    const y = b[i] as TableEntry;
    const c = compareData(x.key, y.key);
    if (c !== 0) return c;
    const d = compareData(x.value, y.value);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
