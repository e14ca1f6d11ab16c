/**
 * The binary codec: Broker's binary format v1 (B:libbroker/broker/format/bin.hh) for one
 * `Data` value. Layout per value: a 1-byte type tag (`DataTag`) and then
 *
 * | kind | body |
 * |---|---|
 * | none | nothing |
 * | boolean | 1 byte, 0 or 1 |
 * | count, integer, timestamp, timespan | 8 bytes, big-endian (two's complement if signed) |
 * | real | 8 bytes, IEEE 754 double, big-endian (every NaN written as 0x7ff8000000000000) |
 * | string | varbyte length, then that many bytes (any bytes: Broker strings are byte strings) |
 * | enum | varbyte length, then that many bytes of UTF-8 |
 * | address | 16 bytes (IPv4 as `::ffff:a.b.c.d`) |
 * | subnet | 16 bytes network, 1 byte prefix length of the 16-byte form (IPv4 /8 is 104) |
 * | port | 2 bytes number, big-endian; 1 byte protocol (0 unknown, 1 tcp, 2 udp, 3 icmp) |
 * | set, vector | varbyte element count, then the elements |
 * | table | varbyte entry count, then key, value, key, value, ... |
 *
 * A varbyte is unsigned LEB128 of at most 5 bytes holding a 32-bit value; only the shortest
 * form is accepted. Sets and tables are written in `compareData` order, so equal values have
 * equal bytes and the decoder rejects any other order.
 *
 * This is the pub/sub hot path: the encoder writes into one reusable growable buffer and the
 * decoder reads through a cached DataView, allocating only the values it returns.
 */
import { Buffer } from 'node:buffer';

import { Address, hostBitsClear } from './address.js';
import { NONE } from './builders.js';
import { compareData } from './compare.js';
import { DataDecodeError, DataEncodeError } from './errors.js';
import type { DataDecodeReason } from './errors.js';
import { resolveLimits } from './limits.js';
import type { DataLimits } from './limits.js';
import { isValidUtf8, isWellFormed, utf8Length } from './unicode.js';
import { MAX_COUNT, MAX_INT64, MIN_INT64, PORT_PROTOCOLS } from './types.js';
import type { BooleanData, Data, PortProtocol, TableEntry } from './types.js';

const TRUE: BooleanData = Object.freeze({ kind: 'boolean', value: true });
const FALSE: BooleanData = Object.freeze({ kind: 'boolean', value: false });

// Shared empty values: values are immutable, and sharing keeps hostile inputs made of many
// empty containers from costing an allocation per two bytes.
const EMPTY_STRING: Data = Object.freeze({ kind: 'string', value: '' });
const EMPTY_SET: Data = Object.freeze({ kind: 'set', elements: Object.freeze([]) });
const EMPTY_TABLE: Data = Object.freeze({ kind: 'table', entries: Object.freeze([]) });
const EMPTY_VECTOR: Data = Object.freeze({ kind: 'vector', elements: Object.freeze([]) });

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Names of the fixed 8-byte kinds by tag, for error messages. */
const FIXED_NAMES: readonly (string | undefined)[] = [
  undefined,
  undefined,
  'count',
  'integer',
  'real',
  undefined,
  undefined,
  undefined,
  undefined,
  'timestamp',
  'timespan',
];

const PROTOCOL_CODE: Readonly<Record<PortProtocol, number>> = {
  unknown: 0,
  tcp: 1,
  udp: 2,
  icmp: 3,
};

/** Strings up to this many UTF-16 units get the single-pass ASCII fast path. */
const SHORT_STRING = 127;
/**
 * The encoder copies strings up to this many UTF-16 units itself; longer ones go to Node's
 * native UTF-8 writer, which is faster past a few dozen characters.
 */
const ENCODE_LOOP_STRING = 32;

/**
 * Buffer's own UTF-8 writer, what `buf.write(s, offset, length, 'utf8')` calls after
 * normalising its arguments (in Node since its first releases, not in @types/node); calling
 * it directly saves that step on every string.
 */
interface NativeWriter {
  utf8Write(s: string, offset: number, length: number): number;
}

/** Options of a {@link BinaryEncoder}. */
export interface BinaryEncoderOptions {
  readonly limits?: Partial<DataLimits>;
  /** Starting buffer size in bytes (default 1 KiB or maxBytes if smaller); grows up to `limits.maxBytes`. */
  readonly initialCapacity?: number;
}

/**
 * Encodes values into one reusable buffer. Not re-entrant; one per producer is cheap.
 * After a value larger than `retainCapacity` the buffer shrinks back on the next call, so a
 * rare large value does not pin memory.
 */
export class BinaryEncoder {
  private readonly limits: DataLimits;
  private readonly initialCapacity: number;
  /** Invariant: `view` covers exactly `buf`; `buf.length <= limits.maxBytes` unless initial. */
  private buf: Uint8Array;
  private view: DataView;
  /** A Buffer over `buf`'s memory, for Node's native UTF-8 writer. */
  private nb: Buffer;
  /** Invariant: 0 <= pos <= buf.length; bytes before `pos` are the value being written. */
  private pos = 0;
  private static readonly retainCapacity = 1 << 20;

  constructor(options: BinaryEncoderOptions = {}) {
    this.limits = resolveLimits(options.limits);
    const cap = options.initialCapacity ?? Math.min(1024, this.limits.maxBytes);
    if (!Number.isInteger(cap) || cap < 1 || cap > this.limits.maxBytes) {
      throw new DataEncodeError(`initialCapacity must be an integer in 1..maxBytes, got ${cap}`);
    }
    this.initialCapacity = cap;
    this.buf = new Uint8Array(cap);
    this.view = new DataView(this.buf.buffer);
    this.nb = Buffer.from(this.buf.buffer, 0, cap);
  }

  /**
   * Encodes `value`. The result is a view into the encoder's buffer, valid until the next
   * call: copy it (or use {@link BinaryEncoder.encodeCopy}) to keep it.
   * @throws DataEncodeError when the value is invalid, too deep or too large.
   */
  encode(value: Data): Uint8Array {
    this.pos = 0;
    if (this.buf.length > BinaryEncoder.retainCapacity) this.reallocate(this.initialCapacity);
    try {
      this.write(value, 0);
    } catch (e) {
      if (e instanceof DataEncodeError) throw e;
      throw new DataEncodeError(`not a valid Data value: ${String(e)}`, { cause: e });
    }
    return this.buf.subarray(0, this.pos);
  }

  /** Like {@link BinaryEncoder.encode} but returns a copy the caller owns. */
  encodeCopy(value: Data): Uint8Array {
    return this.encode(value).slice();
  }

  private reallocate(cap: number): void {
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, Math.min(this.pos, cap)));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.nb = Buffer.from(next.buffer, 0, cap);
  }

  /** Makes room for `n` more bytes. */
  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const max = this.limits.maxBytes;
    if (need > max) throw new DataEncodeError(`encoded value exceeds maxBytes (${max})`);
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    this.reallocate(Math.min(cap, max));
  }

  private writeVarbyte(x: number): void {
    const buf = this.buf;
    let p = this.pos;
    while (x > 0x7f) {
      buf[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[p++] = x;
    this.pos = p;
  }

  private write(v: Data, depth: number): void {
    switch (v.kind) {
      case 'none':
        this.ensure(1);
        this.buf[this.pos++] = 0;
        return;
      case 'boolean':
        if (typeof v.value !== 'boolean')
          throw new DataEncodeError('boolean value is not a boolean');
        this.ensure(2);
        this.buf[this.pos] = 1;
        this.buf[this.pos + 1] = v.value ? 1 : 0;
        this.pos += 2;
        return;
      case 'count': {
        const x = v.value;
        if (typeof x !== 'bigint' || x < 0n || x > MAX_COUNT) {
          throw new DataEncodeError(`count is not a bigint in 0..2^64-1: ${String(x)}`);
        }
        this.ensure(9);
        this.buf[this.pos] = 2;
        this.view.setBigUint64(this.pos + 1, x);
        this.pos += 9;
        return;
      }
      case 'integer':
      case 'timestamp':
      case 'timespan': {
        const x = v.value;
        if (typeof x !== 'bigint' || x < MIN_INT64 || x > MAX_INT64) {
          throw new DataEncodeError(`${v.kind} is not a bigint in int64 range: ${String(x)}`);
        }
        this.ensure(9);
        this.buf[this.pos] = v.kind === 'integer' ? 3 : v.kind === 'timestamp' ? 9 : 10;
        this.view.setBigInt64(this.pos + 1, x);
        this.pos += 9;
        return;
      }
      case 'real': {
        const x = v.value;
        if (typeof x !== 'number') throw new DataEncodeError('real value is not a number');
        this.ensure(9);
        const p = this.pos;
        this.buf[p] = 4;
        if (x === x) {
          this.view.setFloat64(p + 1, x);
        } else {
          // One NaN on the wire whatever the payload: equal values, equal bytes.
          this.view.setUint32(p + 1, 0x7ff80000);
          this.view.setUint32(p + 5, 0);
        }
        this.pos = p + 9;
        return;
      }
      case 'string': {
        const x = v.value;
        if (typeof x === 'string') this.writeString(5, x);
        else this.writeBytes(x);
        return;
      }
      case 'enum':
        this.writeString(11, v.name);
        return;
      case 'address':
        this.ensure(17);
        this.buf[this.pos++] = 6;
        this.writeAddress(v.value);
        return;
      case 'subnet': {
        const len = v.length;
        this.ensure(18);
        this.buf[this.pos++] = 7;
        const a = v.address;
        this.writeAddress(a);
        const v4 = a.isV4;
        if (!Number.isInteger(len) || len < 0 || len > (v4 ? 32 : 128)) {
          throw new DataEncodeError(`subnet prefix length out of range: ${len}`);
        }
        const raw = v4 ? len + 96 : len;
        if (!hostBitsClear(a.bytes, raw)) throw new DataEncodeError('subnet has host bits set');
        this.buf[this.pos++] = raw;
        return;
      }
      case 'port': {
        const n = v.number;
        // Own properties only: a hand-built protocol like 'toString' must not find Object's.
        const code = Object.hasOwn(PROTOCOL_CODE, v.protocol)
          ? PROTOCOL_CODE[v.protocol]
          : undefined;
        if (!Number.isInteger(n) || n < 0 || n > 65535) {
          throw new DataEncodeError(`port number out of range: ${n}`);
        }
        if (code === undefined)
          throw new DataEncodeError(`unknown port protocol: ${String(v.protocol)}`);
        this.ensure(4);
        const buf = this.buf;
        const p = this.pos;
        buf[p] = 8;
        buf[p + 1] = n >>> 8;
        buf[p + 2] = n & 0xff;
        buf[p + 3] = code;
        this.pos = p + 4;
        return;
      }
      case 'set':
      case 'vector': {
        this.checkDepth(depth);
        const els = v.elements;
        const n = els.length;
        this.ensure(1 + varbyteSize(n));
        this.buf[this.pos++] = v.kind === 'set' ? 12 : 14;
        this.writeVarbyte(n);
        const isSet = v.kind === 'set';
        for (let i = 0; i < n; i++) {
          const e = els[i] as Data;
          if (isSet && i > 0 && compareData(els[i - 1] as Data, e) >= 0) {
            throw new DataEncodeError(
              'set elements are not sorted and unique (build sets with data.set)'
            );
          }
          this.write(e, depth + 1);
        }
        return;
      }
      case 'table': {
        this.checkDepth(depth);
        const es = v.entries;
        const n = es.length;
        this.ensure(1 + varbyteSize(n));
        this.buf[this.pos++] = 13;
        this.writeVarbyte(n);
        for (let i = 0; i < n; i++) {
          const e = es[i] as TableEntry;
          if (i > 0 && compareData((es[i - 1] as TableEntry).key, e.key) >= 0) {
            throw new DataEncodeError(
              'table keys are not sorted and unique (build tables with data.table)'
            );
          }
          this.write(e.key, depth + 1);
          this.write(e.value, depth + 1);
        }
        return;
      }
      default:
        throw new DataEncodeError(`unknown kind: ${String((v as { kind: unknown }).kind)}`);
    }
  }

  private checkDepth(depth: number): void {
    if (depth >= this.limits.maxDepth) {
      throw new DataEncodeError(`value nests deeper than maxDepth (${this.limits.maxDepth})`);
    }
  }

  private writeAddress(a: Address): void {
    const b = a.bytes;
    if (!(b instanceof Uint8Array) || b.length !== 16) {
      throw new DataEncodeError('address is not 16 bytes');
    }
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < 16; i++) buf[p + i] = b[i] as number;
    this.pos = p + 16;
  }

  /** A string value held as bytes (not UTF-8, or given as bytes). */
  private writeBytes(b: Uint8Array): void {
    if (!(b instanceof Uint8Array))
      throw new DataEncodeError('string value is not a string or a Uint8Array');
    const len = b.length;
    this.ensure(1 + varbyteSize(len) + len);
    this.buf[this.pos++] = 5;
    this.writeVarbyte(len);
    this.buf.set(b, this.pos);
    this.pos += len;
  }

  private writeString(tag: number, s: string): void {
    if (typeof s !== 'string') throw new DataEncodeError('string value is not a string');
    const n = s.length;
    if (n <= ENCODE_LOOP_STRING) {
      // Short ASCII in one pass (cheaper than a native call): the length is n, one varbyte.
      this.ensure(2 + n);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 2;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[start] = tag;
        buf[start + 1] = n;
        this.pos = p;
        return;
      }
    }
    // Optimistic: Node's native writer straight into the buffer, behind a length prefix sized
    // for the shortest UTF-8 form (n bytes, all ASCII), with room for the longest (3 bytes per
    // UTF-16 unit); measuring the UTF-8 length first would cost a second pass.
    const most = 3 * n;
    const guess = varbyteSize(n);
    const start = this.pos;
    if (start + 1 + varbyteSize(most) + most <= this.limits.maxBytes) {
      this.ensure(1 + varbyteSize(most) + most);
      const at = start + 1 + guess;
      const written = (this.nb as unknown as NativeWriter).utf8Write(s, at, most);
      // The writer turns a lone surrogate into U+FFFD. n units in n bytes are all ASCII, so
      // only other text needs the check (nothing is committed until `pos` moves).
      if (written !== n && !isWellFormed(s))
        throw new DataEncodeError('string contains a lone surrogate');
      const need = varbyteSize(written);
      // A longer prefix than guessed (non-ASCII text): move the bytes up to make room.
      if (need > guess) this.buf.copyWithin(start + 1 + need, at, at + written);
      this.buf[start] = tag;
      this.pos = start + 1;
      this.writeVarbyte(written);
      this.pos += written;
      return;
    }
    if (!isWellFormed(s)) throw new DataEncodeError('string contains a lone surrogate');
    const len = utf8Length(s);
    this.ensure(1 + varbyteSize(len) + len);
    this.buf[this.pos++] = tag;
    this.writeVarbyte(len);
    utf8Encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
  }
}

/** Bytes of the varbyte form of `x` (0 <= x < 2^32). */
function varbyteSize(x: number): number {
  return x < 0x80 ? 1 : x < 0x4000 ? 2 : x < 0x200000 ? 3 : x < 0x10000000 ? 4 : 5;
}

/**
 * Decodes values, validating everything: it returns a valid canonical `Data` or throws
 * `DataDecodeError`, never anything else, and its work is bounded by the input size.
 * Not re-entrant; one per consumer is cheap.
 */
export class BinaryDecoder {
  private readonly limits: DataLimits;
  // The cached views of the last input's ArrayBuffer (inputs are often subarrays of one
  // socket buffer). Only small buffers are kept, so a decoder never pins much memory.
  private ab: ArrayBufferLike | undefined = undefined;
  private u8: Uint8Array = new Uint8Array(0);
  /** A Buffer over the same memory as `u8`, for its fast Latin-1 slicing. */
  private nb: Buffer = Buffer.alloc(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** Absolute offsets into `u8`; `base` is the input's first byte. Invariant: base <= pos <= end. */
  private base = 0;
  private pos = 0;
  private end = 0;

  constructor(limits?: Partial<DataLimits>) {
    this.limits = resolveLimits(limits);
  }

  /**
   * Decodes exactly one value filling all of `bytes`.
   * @throws DataDecodeError naming the problem and its byte offset.
   */
  decode(bytes: Uint8Array): Data {
    return this.run(bytes, true, 0, lengthOf(bytes)) as Data;
  }

  /**
   * Checks that `bytes` is exactly one valid value, with the same checks, errors and
   * offsets as {@link BinaryDecoder.decode}, but without building the value (only set
   * elements and table keys are built, to check their order). For a node that validates
   * and forwards bytes it never reads.
   * @throws DataDecodeError naming the problem and its byte offset.
   */
  validate(bytes: Uint8Array): void {
    this.run(bytes, false, 0, lengthOf(bytes));
  }

  /**
   * {@link BinaryDecoder.decode} of `bytes[start, end)`, without making a view of it first
   * (for a consumer walking many values packed in one buffer). Offsets in errors are
   * relative to `start`.
   * @throws DataDecodeError
   */
  decodeRange(bytes: Uint8Array, start: number, end: number): Data {
    return this.run(bytes, true, start, end) as Data;
  }

  /** {@link BinaryDecoder.validate} of `bytes[start, end)`, without making a view of it. */
  validateRange(bytes: Uint8Array, start: number, end: number): void {
    this.run(bytes, false, start, end);
  }

  private run(bytes: Uint8Array, build: boolean, start: number, end: number): Data | undefined {
    if (!(bytes instanceof Uint8Array)) {
      throw new DataDecodeError('malformed', 'input is not a Uint8Array', 0);
    }
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end > bytes.length ||
      start > end
    ) {
      throw new DataDecodeError('malformed', `range [${start}, ${end}) is not inside the input`, 0);
    }
    const length = end - start;
    if (length === 0) throw new DataDecodeError('empty-input', 'no bytes to decode', 0);
    if (length > this.limits.maxBytes) {
      throw new DataDecodeError(
        'size-limit',
        `input of ${length} bytes exceeds maxBytes (${this.limits.maxBytes})`,
        this.limits.maxBytes
      );
    }
    this.base = 0;
    this.pos = 0;
    try {
      this.attach(bytes);
      this.base = bytes.byteOffset + start;
      this.pos = this.base;
      this.end = this.base + length;
      let v: Data | undefined;
      if (build) v = this.value(0);
      else this.skip(0);
      if (this.pos !== this.end) {
        throw this.fail('trailing-bytes', `${this.end - this.pos} bytes after the value`, this.pos);
      }
      return v;
    } catch (e) {
      if (e instanceof DataDecodeError) throw e;
      throw new DataDecodeError(
        'malformed',
        `undecodable input: ${String(e)}`,
        this.pos - this.base,
        { cause: e }
      );
    } finally {
      this.detach();
    }
  }

  /**
   * Checks the values packed back to back from the start of `bytes`, the i-th taking
   * `sizes[i]` bytes, for the first `count` sizes: the checks of
   * {@link BinaryDecoder.validateRange} without its per-call setup. Returns -1 when all are
   * valid, else the index of the first that is not (or does not fit in `bytes`); call
   * `validateRange` on that one for the error.
   */
  validateEach(bytes: Uint8Array, sizes: readonly number[], count = sizes.length): number {
    if (!(bytes instanceof Uint8Array)) return count > 0 ? 0 : -1;
    const maxBytes = this.limits.maxBytes;
    try {
      this.attach(bytes);
      let off = bytes.byteOffset;
      const limit = off + bytes.length;
      for (let i = 0; i < count; i++) {
        const size = sizes[i] as number;
        if (!(size > 0) || size > maxBytes || size > limit - off) return i;
        this.base = off;
        this.pos = off;
        this.end = off + size;
        try {
          this.skip(0);
        } catch {
          return i;
        }
        if (this.pos !== this.end) return i;
        off += size;
      }
      return -1;
    } finally {
      this.detach();
    }
  }

  /** Points the cached views at `bytes`' memory. */
  private attach(bytes: Uint8Array): void {
    const ab = bytes.buffer;
    if (ab !== this.ab) {
      this.ab = undefined;
      this.u8 = new Uint8Array(ab);
      this.nb = Buffer.from(ab);
      this.view = new DataView(ab);
      if (ab.byteLength <= 1 << 20) this.ab = ab;
    }
  }

  /** Drops views of a large input, so the decoder does not pin it. */
  private detach(): void {
    if (this.ab === undefined) {
      this.u8 = new Uint8Array(0);
      this.nb = Buffer.alloc(0);
      this.view = new DataView(new ArrayBuffer(0));
    }
  }

  private copy16(p: number): Uint8Array {
    const out = new Uint8Array(16);
    const u8 = this.u8;
    for (let i = 0; i < 16; i++) out[i] = u8[p + i] as number;
    return out;
  }

  private fail(reason: DataDecodeReason, message: string, at: number): DataDecodeError {
    return new DataDecodeError(reason, message, at - this.base);
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw this.fail(
        'truncated',
        `${what} needs ${n} bytes, ${this.end - this.pos} left`,
        this.pos
      );
    }
  }

  /** Reads a varbyte; `what` and `field` name it in errors (kept apart: no string building per call). */
  private varbyte(what: string, field: string): number {
    const u8 = this.u8;
    const start = this.pos;
    let p = start;
    let x = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= this.end) throw this.fail('truncated', `${what} ${field} varbyte is cut off`, start);
      const b = u8[p++] as number;
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        // Shortest form only: a final zero byte after others is padding.
        if (b === 0 && p - start > 1)
          throw this.fail('bad-varint', `${what} ${field} varbyte is not minimal`, start);
        if (x > 0xffffffff)
          throw this.fail('bad-varint', `${what} ${field} varbyte exceeds 32 bits`, start);
        this.pos = p;
        return x;
      }
    }
    throw this.fail('bad-varint', `${what} ${field} varbyte is longer than 5 bytes`, start);
  }

  private value(depth: number): Data {
    const tagAt = this.pos;
    if (tagAt >= this.end) throw this.fail('truncated', 'expected a type tag', tagAt);
    const tag = this.u8[tagAt] as number;
    this.pos = tagAt + 1;
    switch (tag) {
      case 0:
        return NONE;
      case 1: {
        this.need(1, 'boolean');
        const b = this.u8[this.pos] as number;
        if (b > 1) throw this.fail('bad-boolean', `boolean byte is ${b}, not 0 or 1`, this.pos);
        this.pos++;
        return b === 1 ? TRUE : FALSE;
      }
      case 2: {
        this.need(8, 'count');
        const value = this.view.getBigUint64(this.pos);
        this.pos += 8;
        return { kind: 'count', value };
      }
      case 3:
      case 9:
      case 10: {
        this.need(8, tag === 3 ? 'integer' : tag === 9 ? 'timestamp' : 'timespan');
        const value = this.view.getBigInt64(this.pos);
        this.pos += 8;
        return tag === 3
          ? { kind: 'integer', value }
          : tag === 9
            ? { kind: 'timestamp', value }
            : { kind: 'timespan', value };
      }
      case 4: {
        this.need(8, 'real');
        const value = this.view.getFloat64(this.pos);
        this.pos += 8;
        return { kind: 'real', value };
      }
      case 5: {
        const value = this.string('string', true);
        return value === '' ? EMPTY_STRING : { kind: 'string', value };
      }
      case 11:
        return { kind: 'enum', name: this.string('enum', false) as string };
      case 6: {
        this.need(16, 'address');
        const p = this.pos;
        this.pos = p + 16;
        return { kind: 'address', value: new Address(this.copy16(p)) };
      }
      case 7: {
        this.need(17, 'subnet');
        const p = this.pos;
        const bytes = this.copy16(p);
        const raw = this.u8[p + 16] as number;
        if (raw > 128)
          throw this.fail('bad-prefix-length', `subnet prefix length ${raw} > 128`, p + 16);
        if (!hostBitsClear(bytes, raw)) {
          throw this.fail('subnet-host-bits', `subnet network has bits set after /${raw}`, p);
        }
        this.pos = p + 17;
        const address = new Address(bytes);
        // Host bits clear and IPv4-mapped imply raw >= 96 (bits 80..95 are ones).
        return { kind: 'subnet', address, length: address.isV4 ? raw - 96 : raw };
      }
      case 8: {
        this.need(3, 'port');
        const p = this.pos;
        const u8 = this.u8;
        const code = u8[p + 2] as number;
        const protocol = PORT_PROTOCOLS[code];
        if (protocol === undefined)
          throw this.fail('bad-port-protocol', `port protocol ${code} is not 0..3`, p + 2);
        this.pos = p + 3;
        return { kind: 'port', number: ((u8[p] as number) << 8) | (u8[p + 1] as number), protocol };
      }
      case 12:
      case 14: {
        if (depth >= this.limits.maxDepth) {
          throw this.fail(
            'depth-limit',
            `container nests deeper than maxDepth (${this.limits.maxDepth})`,
            tagAt
          );
        }
        const what = tag === 12 ? 'set' : 'vector';
        const n = this.varbyte(what, 'size');
        // Every element takes at least one byte: a bigger count is a lie, caught before allocating.
        if (n > this.end - this.pos) {
          throw this.fail(
            'length-beyond-input',
            `${what} claims ${n} elements, only ${this.end - this.pos} bytes left`,
            tagAt
          );
        }
        if (n === 0) return tag === 12 ? EMPTY_SET : EMPTY_VECTOR;
        // Sized up front: growing by push reserves 17+ slots, which a hostile input of many
        // one-element containers would multiply.
        const elements: Data[] = new Array<Data>(n);
        for (let i = 0; i < n; i++) {
          const at = this.pos;
          const e = this.value(depth + 1);
          if (tag === 12 && i > 0 && compareData(elements[i - 1] as Data, e) >= 0) {
            throw this.fail(
              'set-not-canonical',
              `set element ${i} is not greater than the one before (unsorted or duplicate)`,
              at
            );
          }
          elements[i] = e;
        }
        return tag === 12 ? { kind: 'set', elements } : { kind: 'vector', elements };
      }
      case 13: {
        if (depth >= this.limits.maxDepth) {
          throw this.fail(
            'depth-limit',
            `container nests deeper than maxDepth (${this.limits.maxDepth})`,
            tagAt
          );
        }
        const n = this.varbyte('table', 'size');
        if (n * 2 > this.end - this.pos) {
          throw this.fail(
            'length-beyond-input',
            `table claims ${n} entries, only ${this.end - this.pos} bytes left`,
            tagAt
          );
        }
        if (n === 0) return EMPTY_TABLE;
        const entries: TableEntry[] = new Array<TableEntry>(n);
        for (let i = 0; i < n; i++) {
          const at = this.pos;
          const key = this.value(depth + 1);
          if (i > 0 && compareData((entries[i - 1] as TableEntry).key, key) >= 0) {
            throw this.fail(
              'table-not-canonical',
              `table key ${i} is not greater than the one before (unsorted or duplicate)`,
              at
            );
          }
          const value = this.value(depth + 1);
          entries[i] = { key, value };
        }
        return { kind: 'table', entries };
      }
      default:
        throw this.fail('unknown-tag', `unknown type tag ${tag}`, tagAt);
    }
  }

  /**
   * Walks one value making every check of {@link BinaryDecoder.value}, in the same order and
   * with the same offsets, without building it.
   */
  private skip(depth: number): void {
    const tagAt = this.pos;
    if (tagAt >= this.end) throw this.fail('truncated', 'expected a type tag', tagAt);
    const u8 = this.u8;
    const tag = u8[tagAt] as number;
    this.pos = tagAt + 1;
    switch (tag) {
      case 0:
        return;
      case 1: {
        this.need(1, 'boolean');
        const b = u8[this.pos] as number;
        if (b > 1) throw this.fail('bad-boolean', `boolean byte is ${b}, not 0 or 1`, this.pos);
        this.pos++;
        return;
      }
      case 2:
      case 3:
      case 4:
      case 9:
      case 10:
        this.need(8, FIXED_NAMES[tag] as string);
        this.pos += 8;
        return;
      case 5:
        this.skipString('string', true);
        return;
      case 11:
        this.skipString('enum', false);
        return;
      case 6:
        this.need(16, 'address');
        this.pos += 16;
        return;
      case 7: {
        this.need(17, 'subnet');
        const p = this.pos;
        const raw = u8[p + 16] as number;
        if (raw > 128) {
          throw this.fail('bad-prefix-length', `subnet prefix length ${raw} > 128`, p + 16);
        }
        if (!hostBitsClear(u8, raw, p)) {
          throw this.fail('subnet-host-bits', `subnet network has bits set after /${raw}`, p);
        }
        this.pos = p + 17;
        return;
      }
      case 8: {
        this.need(3, 'port');
        const p = this.pos;
        const code = u8[p + 2] as number;
        if (code > 3) {
          throw this.fail('bad-port-protocol', `port protocol ${code} is not 0..3`, p + 2);
        }
        this.pos = p + 3;
        return;
      }
      case 12:
      case 14: {
        if (depth >= this.limits.maxDepth) {
          throw this.fail(
            'depth-limit',
            `container nests deeper than maxDepth (${this.limits.maxDepth})`,
            tagAt
          );
        }
        const what = tag === 12 ? 'set' : 'vector';
        const n = this.varbyte(what, 'size');
        if (n > this.end - this.pos) {
          throw this.fail(
            'length-beyond-input',
            `${what} claims ${n} elements, only ${this.end - this.pos} bytes left`,
            tagAt
          );
        }
        if (tag === 14) {
          for (let i = 0; i < n; i++) this.skip(depth + 1);
          return;
        }
        let prev: Data | undefined;
        for (let i = 0; i < n; i++) {
          const at = this.pos;
          const e = this.value(depth + 1);
          if (prev !== undefined && compareData(prev, e) >= 0) {
            throw this.fail(
              'set-not-canonical',
              `set element ${i} is not greater than the one before (unsorted or duplicate)`,
              at
            );
          }
          prev = e;
        }
        return;
      }
      case 13: {
        if (depth >= this.limits.maxDepth) {
          throw this.fail(
            'depth-limit',
            `container nests deeper than maxDepth (${this.limits.maxDepth})`,
            tagAt
          );
        }
        const n = this.varbyte('table', 'size');
        if (n * 2 > this.end - this.pos) {
          throw this.fail(
            'length-beyond-input',
            `table claims ${n} entries, only ${this.end - this.pos} bytes left`,
            tagAt
          );
        }
        let prev: Data | undefined;
        for (let i = 0; i < n; i++) {
          const at = this.pos;
          const key = this.value(depth + 1);
          if (prev !== undefined && compareData(prev, key) >= 0) {
            throw this.fail(
              'table-not-canonical',
              `table key ${i} is not greater than the one before (unsorted or duplicate)`,
              at
            );
          }
          prev = key;
          this.skip(depth + 1);
        }
        return;
      }
      default:
        throw this.fail('unknown-tag', `unknown type tag ${tag}`, tagAt);
    }
  }

  /** Skips a string or enum body; `anyBytes` for a string value (Broker byte strings). */
  private skipString(what: string, anyBytes: boolean): void {
    const lenAt = this.pos;
    const len = this.varbyte(what, 'length');
    const p = this.pos;
    if (len > this.end - p) {
      throw this.fail(
        'length-beyond-input',
        `${what} of ${len} bytes, only ${this.end - p} left`,
        lenAt
      );
    }
    this.pos = p + len;
    if (anyBytes) return;
    const u8 = this.u8;
    let ascii = 0;
    for (let i = p, e = p + len; i < e; i++) ascii |= u8[i] as number;
    if (ascii >= 0x80 && !isValidUtf8(u8, p, p + len)) {
      throw new DataDecodeError('invalid-utf8', `${what} is not valid UTF-8`, p - this.base);
    }
  }

  /**
   * Reads a string or enum body: text when it is UTF-8; otherwise, with `anyBytes` (a string
   * value), a copy of the bytes, else an error.
   */
  private string(what: string, anyBytes: boolean): string | Uint8Array {
    const lenAt = this.pos;
    const len = this.varbyte(what, 'length');
    const p = this.pos;
    if (len > this.end - p) {
      throw this.fail(
        'length-beyond-input',
        `${what} of ${len} bytes, only ${this.end - p} left`,
        lenAt
      );
    }
    this.pos = p + len;
    if (len === 0) return '';
    if (len <= SHORT_STRING) {
      // Most strings on the wire are short ASCII (UIDs, names): check and slice them without
      // the validating UTF-8 decoder.
      const u8 = this.u8;
      let ascii = 0;
      for (let i = p, e = p + len; i < e; i++) ascii |= u8[i] as number;
      if (ascii < 0x80) return this.nb.toString('latin1', p, p + len);
    }
    try {
      return utf8Decoder.decode(this.u8.subarray(p, p + len));
    } catch (e) {
      if (anyBytes) return this.u8.slice(p, p + len);
      throw new DataDecodeError('invalid-utf8', `${what} is not valid UTF-8`, p - this.base, {
        cause: e,
      });
    }
  }
}

const defaultEncoder = new BinaryEncoder();
const defaultDecoder = new BinaryDecoder();

/** Encodes with default limits into a new buffer the caller owns. */
export function encodeData(value: Data): Uint8Array {
  return defaultEncoder.encodeCopy(value);
}

/** Decodes with default limits. @throws DataDecodeError */
export function decodeData(bytes: Uint8Array): Data {
  return defaultDecoder.decode(bytes);
}

/** Length of an input that may not be a Uint8Array at all (checked later, with an error). */
function lengthOf(bytes: unknown): number {
  return bytes instanceof Uint8Array ? bytes.length : 0;
}
