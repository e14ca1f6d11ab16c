/**
 * Typed constructors for `Data`. Each checks the invariants of its kind and throws
 * `DataValueError` naming what was wrong; sets and tables come out sorted (canonical).
 */
import { Address, hostBitsClear, maskAddressBytes } from './address.js';
import { compareData } from './compare.js';
import { DataValueError } from './errors.js';
import { isValidUtf8, isWellFormed } from './unicode.js';
import { MAX_COUNT, MAX_INT64, MIN_INT64, PORT_PROTOCOLS } from './types.js';
import type {
  AddressData,
  BooleanData,
  CountData,
  Data,
  EnumData,
  IntegerData,
  NoneData,
  PortData,
  PortProtocol,
  RealData,
  SetData,
  StringData,
  SubnetData,
  TableData,
  TableEntry,
  TimespanData,
  TimestampData,
  VectorData,
} from './types.js';

/** The one `none` value. */
export const NONE: NoneData = Object.freeze({ kind: 'none' });
const TRUE: BooleanData = Object.freeze({ kind: 'boolean', value: true });
const FALSE: BooleanData = Object.freeze({ kind: 'boolean', value: false });

function toBigInt(kind: string, v: bigint | number): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new DataValueError(`${kind} needs a bigint or a safe integer, got ${String(v)}`);
  }
  return BigInt(v);
}

function int64(kind: string, v: bigint | number): bigint {
  const x = toBigInt(kind, v);
  if (x < MIN_INT64 || x > MAX_INT64) throw new DataValueError(`${kind} out of int64 range: ${x}`);
  return x;
}

function wellFormed(kind: string, s: string): string {
  if (typeof s !== 'string') throw new DataValueError(`${kind} needs a string, got ${typeof s}`);
  if (!isWellFormed(s)) throw new DataValueError(`${kind} contains a lone surrogate`);
  return s;
}

function toAddress(a: string | Uint8Array | Address): Address {
  if (a instanceof Address) return a;
  if (typeof a === 'string') return Address.parse(a);
  if (a instanceof Uint8Array) return Address.fromBytes(a);
  throw new DataValueError(`address needs text, bytes or an Address`);
}

/** Parses `80/tcp`, `53/udp`, `8/icmp`, `0/unknown` (also Broker's `0/?`). */
export function parsePort(text: string): PortData | undefined {
  const m = /^(0|[1-9][0-9]{0,4})\/(tcp|udp|icmp|unknown|\?)$/.exec(text);
  if (m === null) return undefined;
  const n = Number(m[1]);
  if (n > 65535) return undefined;
  const p = m[2] === '?' ? 'unknown' : (m[2] as PortProtocol);
  return { kind: 'port', number: n, protocol: p };
}

/** Formats a port as `80/tcp`. */
export function formatPort(p: PortData): string {
  return `${p.number}/${p.protocol}`;
}

/** Formats a subnet as `10.0.0.0/8` or `2001:db8::/32`. */
export function formatSubnet(s: SubnetData): string {
  return `${s.address.toString()}/${s.length}`;
}

function makeSubnet(address: Address, length: number): SubnetData {
  const v4 = address.isV4;
  const max = v4 ? 32 : 128;
  if (!Number.isInteger(length) || length < 0 || length > max) {
    throw new DataValueError(`subnet prefix length must be 0..${max}, got ${length}`);
  }
  const raw = v4 ? length + 96 : length;
  const net = hostBitsClear(address.bytes, raw)
    ? address
    : new Address(maskAddressBytes(address.bytes, raw));
  return { kind: 'subnet', address: net, length };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The canonical value of a byte string: its text when the bytes are UTF-8, else a copy. */
export function canonicalBytes(b: Uint8Array): string | Uint8Array {
  return isValidUtf8(b, 0, b.length) ? utf8.decode(b) : b.slice();
}

/** The bytes of a string value (its UTF-8 form when it is text). */
export function stringBytes(s: StringData): Uint8Array {
  return typeof s.value === 'string' ? new TextEncoder().encode(s.value) : s.value;
}

/** Sorts and de-duplicates, giving a set's canonical element list. */
export function canonicalSet(elements: Iterable<Data>): Data[] {
  const sorted = [...elements].sort(compareData);
  const out: Data[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || compareData(last, e) !== 0) out.push(e);
  }
  return out;
}

/** Sorts by key; when two entries share a key, returns that key (as `duplicate`) instead. */
export function canonicalTable(entries: Iterable<TableEntry>): TableEntry[] | { duplicate: Data } {
  const sorted = [...entries].sort((x, y) => compareData(x.key, y.key));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as TableEntry;
    const cur = sorted[i] as TableEntry;
    if (compareData(prev.key, cur.key) === 0) return { duplicate: cur.key };
  }
  return sorted;
}

/** Builders for every kind of `Data`. */
export const data = {
  none: (): NoneData => NONE,
  boolean: (v: boolean): BooleanData => {
    if (typeof v !== 'boolean')
      throw new DataValueError(`boolean needs a boolean, got ${typeof v}`);
    return v ? TRUE : FALSE;
  },
  /** Unsigned 64-bit. */
  count: (v: bigint | number): CountData => {
    const x = toBigInt('count', v);
    if (x < 0n || x > MAX_COUNT) throw new DataValueError(`count out of u64 range: ${x}`);
    return { kind: 'count', value: x };
  },
  /** Signed 64-bit. */
  integer: (v: bigint | number): IntegerData => ({ kind: 'integer', value: int64('integer', v) }),
  real: (v: number): RealData => {
    if (typeof v !== 'number') throw new DataValueError(`real needs a number, got ${typeof v}`);
    return { kind: 'real', value: v };
  },
  /**
   * Text, or bytes (Broker strings are byte strings): bytes that are valid UTF-8 become the
   * text they spell, others are copied and kept as bytes.
   */
  string: (v: string | Uint8Array): StringData => {
    if (typeof v === 'string') return { kind: 'string', value: wellFormed('string', v) };
    if (!(v instanceof Uint8Array))
      throw new DataValueError(`string needs a string or a Uint8Array, got ${typeof v}`);
    return { kind: 'string', value: canonicalBytes(v) };
  },
  /** From text (`10.0.0.1`, `::1`), 4 or 16 bytes, or an `Address`. */
  address: (a: string | Uint8Array | Address): AddressData => ({
    kind: 'address',
    value: toAddress(a),
  }),
  /**
   * From `10.1.2.3/8` text, or an address and a prefix length in its family. Host bits are
   * cleared: `10.1.2.3/8` is `10.0.0.0/8`. Text with an IPv4-mapped IPv6 address counts the
   * length in IPv6 bits: `::ffff:10.0.0.0/104` is `10.0.0.0/8`.
   */
  subnet: (a: string | Uint8Array | Address, length?: number): SubnetData => {
    if (typeof a === 'string' && length === undefined) {
      const slash = a.lastIndexOf('/');
      const lenText = a.slice(slash + 1);
      if (slash < 0 || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) {
        throw new DataValueError(`not a subnet: ${JSON.stringify(a)}`);
      }
      const addrText = a.slice(0, slash);
      const address = Address.parse(addrText);
      let len = Number(lenText);
      // `::ffff:10.0.0.0/104` is written in IPv6 terms: its length counts all 128 bits.
      if (address.isV4 && addrText.includes(':')) {
        if (len < 96 || len > 128) {
          throw new DataValueError(
            `subnet ${JSON.stringify(a)}: an IPv4-mapped prefix needs a length of 96..128`
          );
        }
        len -= 96;
      }
      return makeSubnet(address, len);
    }
    if (length === undefined) throw new DataValueError('subnet needs a prefix length');
    return makeSubnet(toAddress(a), length);
  },
  /** From a number and protocol, or from `80/tcp` text. */
  port: (n: number | string, protocol: PortProtocol = 'unknown'): PortData => {
    if (typeof n === 'string') {
      const p = parsePort(n);
      if (p === undefined) throw new DataValueError(`not a port: ${JSON.stringify(n)}`);
      return p;
    }
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw new DataValueError(`port number must be 0..65535, got ${n}`);
    }
    if (!PORT_PROTOCOLS.includes(protocol)) {
      throw new DataValueError(
        `port protocol must be tcp, udp, icmp or unknown, got ${String(protocol)}`
      );
    }
    return { kind: 'port', number: n, protocol };
  },
  /** Nanoseconds since the epoch, or a `Date` (millisecond precision). */
  timestamp: (v: bigint | number | Date): TimestampData => {
    if (v instanceof Date) {
      const ms = v.getTime();
      if (Number.isNaN(ms)) throw new DataValueError('timestamp from an invalid Date');
      return { kind: 'timestamp', value: BigInt(ms) * 1_000_000n };
    }
    return { kind: 'timestamp', value: int64('timestamp', v) };
  },
  /** Nanoseconds. */
  timespan: (v: bigint | number): TimespanData => ({
    kind: 'timespan',
    value: int64('timespan', v),
  }),
  enumValue: (name: string): EnumData => ({ kind: 'enum', name: wellFormed('enum value', name) }),
  /** Sorted and de-duplicated. */
  set: (elements: Iterable<Data>): SetData => ({ kind: 'set', elements: canonicalSet(elements) }),
  /** Sorted by key; a duplicate key is an error. */
  table: (entries: Iterable<readonly [Data, Data]> | Iterable<TableEntry>): TableData => {
    const list: TableEntry[] = [];
    for (const e of entries as Iterable<readonly [Data, Data] | TableEntry>) {
      list.push(Array.isArray(e) ? { key: e[0] as Data, value: e[1] as Data } : (e as TableEntry));
    }
    const t = canonicalTable(list);
    if (!Array.isArray(t)) throw new DataValueError('table has a duplicate key');
    return { kind: 'table', entries: t };
  },
  vector: (elements: Iterable<Data>): VectorData => ({ kind: 'vector', elements: [...elements] }),
} as const;
