/**
 * Broker's data model as a TypeScript discriminated union on `kind`.
 *
 * Values are plain readonly objects; build them with the helpers in `builders.ts`
 * (`data.count(5n)`, ...), which check every invariant written below. The codecs check the
 * same invariants again on values built by hand.
 */
import type { Address } from './address.js';

/**
 * Type tags in Broker's order (B:libbroker/broker/data.hh). The total order compares tags
 * first, and the binary format writes the tag as one byte.
 */
export const DataTag = {
  none: 0,
  boolean: 1,
  count: 2,
  integer: 3,
  real: 4,
  string: 5,
  address: 6,
  subnet: 7,
  port: 8,
  timestamp: 9,
  timespan: 10,
  enum: 11,
  set: 12,
  table: 13,
  vector: 14,
} as const;

/** The name of a kind of value. */
export type DataKind = keyof typeof DataTag;

/** Kinds by tag number; index = tag. */
export const DATA_KINDS: readonly DataKind[] = Object.freeze(
  (Object.keys(DataTag) as DataKind[]).sort((a, b) => DataTag[a] - DataTag[b])
);

/** Transport protocol of a port; numbered like Broker (unknown 0, tcp 1, udp 2, icmp 3). */
export type PortProtocol = 'unknown' | 'tcp' | 'udp' | 'icmp';

/** Protocols by wire number; index = number. */
export const PORT_PROTOCOLS: readonly PortProtocol[] = Object.freeze([
  'unknown',
  'tcp',
  'udp',
  'icmp',
]);

/** Largest `count` (2^64 - 1). */
export const MAX_COUNT = 0xffff_ffff_ffff_ffffn;
/** Smallest `integer`, `timestamp` and `timespan` (-2^63). */
export const MIN_INT64 = -0x8000_0000_0000_0000n;
/** Largest `integer`, `timestamp` and `timespan` (2^63 - 1). */
export const MAX_INT64 = 0x7fff_ffff_ffff_ffffn;

export interface NoneData {
  readonly kind: 'none';
}
export interface BooleanData {
  readonly kind: 'boolean';
  readonly value: boolean;
}
export interface CountData {
  readonly kind: 'count';
  /** Invariant: 0 <= value <= MAX_COUNT. */
  readonly value: bigint;
}
export interface IntegerData {
  readonly kind: 'integer';
  /** Invariant: MIN_INT64 <= value <= MAX_INT64. */
  readonly value: bigint;
}
export interface RealData {
  readonly kind: 'real';
  /** Any double, NaN and -0 included (see compare.ts for how they order). */
  readonly value: number;
}
/**
 * Broker's strings are byte strings: Zeek sends payload snippets and names that are not
 * UTF-8. Text is a JavaScript string; bytes that are not valid UTF-8 stay bytes.
 */
export interface StringData {
  readonly kind: 'string';
  /**
   * A `string`: well-formed UTF-16 (no lone surrogate), its bytes are its UTF-8 form.
   * A `Uint8Array`: the bytes themselves. Invariant (canonical form, what the builders and
   * decoders return): a `Uint8Array` only when the bytes are not valid UTF-8, so every value
   * has one form; the codecs and the order also accept valid UTF-8 as bytes, equal to the text.
   * Not to be mutated.
   */
  readonly value: string | Uint8Array;
}
export interface AddressData {
  readonly kind: 'address';
  readonly value: Address;
}
export interface SubnetData {
  readonly kind: 'subnet';
  /** The network. Invariant: every bit after the prefix is zero. */
  readonly address: Address;
  /**
   * Prefix length in the address family: 0..32 when `address.isV4`, else 0..128 (like
   * Broker's `subnet::length()`). The binary format stores the 16-byte form's length.
   */
  readonly length: number;
}
export interface PortData {
  readonly kind: 'port';
  /** Invariant: integer in 0..65535. */
  readonly number: number;
  readonly protocol: PortProtocol;
}
export interface TimestampData {
  readonly kind: 'timestamp';
  /** Nanoseconds since the Unix epoch, UTC. Invariant: in int64 range. */
  readonly value: bigint;
}
export interface TimespanData {
  readonly kind: 'timespan';
  /** Nanoseconds. Invariant: in int64 range. */
  readonly value: bigint;
}
export interface EnumData {
  readonly kind: 'enum';
  /** The enum value's name. Invariant: well-formed UTF-16. */
  readonly name: string;
}
export interface SetData {
  readonly kind: 'set';
  /** Invariant: strictly increasing by `compareData` (sorted, no duplicates). */
  readonly elements: readonly Data[];
}
/** One key/value pair of a table. */
export interface TableEntry {
  readonly key: Data;
  readonly value: Data;
}
export interface TableData {
  readonly kind: 'table';
  /** Invariant: keys strictly increasing by `compareData` (sorted, no duplicate keys). */
  readonly entries: readonly TableEntry[];
}
export interface VectorData {
  readonly kind: 'vector';
  readonly elements: readonly Data[];
}

/** Any Broker value. */
export type Data =
  | NoneData
  | BooleanData
  | CountData
  | IntegerData
  | RealData
  | StringData
  | AddressData
  | SubnetData
  | PortData
  | TimestampData
  | TimespanData
  | EnumData
  | SetData
  | TableData
  | VectorData;

/** The value of one kind, e.g. `DataOf<'port'>` is `PortData`. */
export type DataOf<K extends DataKind> = Extract<Data, { kind: K }>;
