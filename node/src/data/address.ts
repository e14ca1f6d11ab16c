/**
 * IP addresses the way Broker keeps them: always 16 bytes, IPv4 stored in the IPv4-mapped
 * IPv6 form `::ffff:a.b.c.d`. An IPv4 address and its mapped IPv6 spelling are therefore the
 * same value (equal, same order, same encoding).
 */
import { DataValueError } from './errors.js';

/** Bytes 0..11 of every IPv4-mapped address. */
const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] as const;

/** An IPv4 or IPv6 address. Immutable by contract: never write into `bytes`. */
export class Address {
  /** Invariant: exactly 16 bytes, network order; IPv4 is `::ffff:a.b.c.d`. */
  readonly bytes: Uint8Array;

  /** Takes ownership of `bytes` (16 bytes, not copied). Use {@link Address.parse} or {@link Address.fromBytes} from outside. */
  constructor(bytes: Uint8Array) {
    if (bytes.length !== 16)
      throw new DataValueError(`address needs 16 bytes, got ${bytes.length}`);
    this.bytes = bytes;
  }

  /** From 4 (IPv4) or 16 (IPv6) network-order bytes; copies them. */
  static fromBytes(bytes: Uint8Array): Address {
    if (bytes.length === 4) {
      const b = new Uint8Array(16);
      b[10] = 0xff;
      b[11] = 0xff;
      b.set(bytes, 12);
      return new Address(b);
    }
    // new Uint8Array(x) copies; Buffer's slice() would return a view of the caller's memory.
    if (bytes.length === 16) return new Address(new Uint8Array(bytes));
    throw new DataValueError(`address needs 4 or 16 bytes, got ${bytes.length}`);
  }

  /** Parses dotted IPv4 (`10.0.0.1`) or IPv6 text (`2001:db8::1`, `::ffff:1.2.3.4`). */
  static parse(text: string): Address {
    const b = parseAddressBytes(text);
    if (b === undefined) throw new DataValueError(`not an IP address: ${JSON.stringify(text)}`);
    return new Address(b);
  }

  /** True for an IPv4 address (IPv4-mapped form). */
  get isV4(): boolean {
    const b = this.bytes;
    for (let i = 0; i < 12; i++) if (b[i] !== V4_PREFIX[i]) return false;
    return true;
  }

  /** The 4 IPv4 bytes (a view, not a copy) or undefined for an IPv6 address. */
  get v4(): Uint8Array | undefined {
    return this.isV4 ? this.bytes.subarray(12, 16) : undefined;
  }

  /** IPv4 as dotted quad; IPv6 in RFC 5952 form (lower case, longest zero run as `::`). */
  toString(): string {
    return formatAddressBytes(this.bytes);
  }
}

/** Parses text to 16 bytes, or undefined when it is not an address. */
export function parseAddressBytes(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  if (!text.includes(':')) {
    const v4 = parseV4(text);
    if (v4 === undefined) return undefined;
    const b = new Uint8Array(16);
    b[10] = 0xff;
    b[11] = 0xff;
    b.set(v4, 12);
    return b;
  }
  return parseV6(text);
}

function parseV4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // Leading zeros are rejected: some parsers read them as octal, so they are ambiguous.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseV6(text: string): Uint8Array | undefined {
  const words: number[] = [];
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseHalf = (half: string, allowV4Tail: boolean): number[] | undefined => {
    if (half === '') return [];
    const groups = half.split(':');
    const ws: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] ?? '';
      if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (v4 === undefined) return undefined;
        ws.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      ws.push(parseInt(g, 16));
    }
    return ws;
  };
  if (halves.length === 2) {
    const head = parseHalf(halves[0] ?? '', false);
    const tail = parseHalf(halves[1] ?? '', true);
    if (head === undefined || tail === undefined) return undefined;
    // `::` stands for at least one zero group.
    if (head.length + tail.length > 7) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseHalf(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    words.push(...all);
  }
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const w = words[i] ?? 0;
    b[2 * i] = w >> 8;
    b[2 * i + 1] = w & 0xff;
  }
  return b;
}

/** Formats 16 address bytes (IPv4-mapped as dotted quad). */
export function formatAddressBytes(b: Uint8Array): string {
  let mapped = true;
  for (let i = 0; i < 12; i++) {
    if (b[i] !== V4_PREFIX[i]) {
      mapped = false;
      break;
    }
  }
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0));
  // RFC 5952: compress the longest run (first on a tie) of two or more zero groups.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/**
 * Copies `b` with every bit after the first `rawLength` bits cleared (the network of a
 * subnet). `rawLength` counts bits of the 16-byte form, 0..128.
 */
export function maskAddressBytes(b: Uint8Array, rawLength: number): Uint8Array {
  const out = new Uint8Array(b);
  for (let i = 0; i < 16; i++) {
    const keep = rawLength - 8 * i;
    if (keep >= 8) continue;
    out[i] = keep <= 0 ? 0 : (out[i] ?? 0) & (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/** True when no bit after the first `rawLength` bits of `b[offset..offset+16)` is set. */
export function hostBitsClear(b: Uint8Array, rawLength: number, offset = 0): boolean {
  for (let i = rawLength >> 3; i < 16; i++) {
    const keep = rawLength - 8 * i;
    const mask = keep <= 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if (((b[offset + i] ?? 0) & ~mask & 0xff) !== 0) return false;
  }
  return true;
}
