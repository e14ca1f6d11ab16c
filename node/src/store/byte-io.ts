/**
 * A growable byte writer and a bounds-checked reader for the store's own formats (commands
 * and snapshots). The reader throws `ByteFormatError` on any overrun; each format turns that
 * into its own named error.
 */
import {
  BinaryDecoder,
  BinaryEncoder,
  MAX_BYTES_CEILING,
  MAX_DEPTH_CEILING,
} from '../data/index.js';
import type { Data } from '../data/index.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The store's formats carry values of any size and depth; the store's limits apply later. */
const CEILING_LIMITS = { maxDepth: MAX_DEPTH_CEILING, maxBytes: MAX_BYTES_CEILING } as const;

/** Malformed bytes, with the offset where the problem was found. */
export class ByteFormatError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number, options?: ErrorOptions) {
    super(`${message} (at byte ${offset})`, options);
    this.name = 'ByteFormatError';
    this.offset = offset;
  }
}

/** Appends to one buffer that doubles as needed. Not re-entrant. */
export class ByteWriter {
  /** Invariant: `view` covers exactly `buf`; bytes before `pos` are written. */
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly dataEncoder = new BinaryEncoder({ limits: CEILING_LIMITS });
  private readonly initialCapacity: number;

  constructor(initialCapacity = 256) {
    this.initialCapacity = initialCapacity;
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  /** Starts over (dropping a buffer that grew large, so one big command does not pin it). */
  reset(): void {
    this.pos = 0;
    if (this.buf.length > 1 << 20) {
      this.buf = new Uint8Array(this.initialCapacity);
      this.view = new DataView(this.buf.buffer);
    }
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(x: number): void {
    this.ensure(1);
    this.buf[this.pos++] = x;
  }

  /** Unsigned LEB128 of a value in 0..2^32-1. */
  varuint(x: number): void {
    this.ensure(5);
    while (x > 0x7f) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
  }

  u32(x: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, x);
    this.pos += 4;
  }

  u64(x: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, x);
    this.pos += 8;
  }

  i64(x: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, x);
    this.pos += 8;
  }

  /** Length-prefixed UTF-8 (the caller checked `s` is well-formed). */
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varuint(n);
    this.ensure(n);
    if (n > 0) utf8Encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * Encodes `value` length-prefixed; returns the value's encoded size (without the prefix).
   * @throws DataEncodeError when `value` is not a valid `Data`.
   */
  data(value: Data): number {
    const b = this.dataEncoder.encode(value);
    this.varuint(b.length);
    this.raw(b);
    return b.length;
  }

  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

// One decoder for every reader: readers are short-lived, decoding is not re-entrant.
const sharedDecoder = new BinaryDecoder(CEILING_LIMITS);

/** Reads `bytes` front to back, checking every length against what is left. */
export class ByteReader {
  private readonly view: DataView;
  /** Invariant: 0 <= pos <= bytes.length. */
  pos = 0;
  private readonly dataDecoder = sharedDecoder;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.bytes.length - this.pos < n) {
      throw new ByteFormatError(
        `${what} needs ${n} bytes, ${this.bytes.length - this.pos} left (truncated)`,
        this.pos
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++] as number;
  }

  varuint(what: string): number {
    const start = this.pos;
    let x = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.bytes.length) {
        throw new ByteFormatError(`${what} is cut off (truncated)`, start);
      }
      const b = this.bytes[this.pos++] as number;
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (b === 0 && this.pos - start > 1) {
          throw new ByteFormatError(`${what} is not in its shortest form`, start);
        }
        if (x > 0xffffffff) throw new ByteFormatError(`${what} exceeds 32 bits`, start);
        return x;
      }
    }
    throw new ByteFormatError(`${what} is longer than 5 bytes`, start);
  }

  u32(what: string): number {
    this.need(4, what);
    const x = this.view.getUint32(this.pos);
    this.pos += 4;
    return x;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const x = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return x;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const x = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return x;
  }

  string(what: string, maxBytes: number): string {
    const at = this.pos;
    const n = this.varuint(`${what} length`);
    if (n > maxBytes) throw new ByteFormatError(`${what} of ${n} bytes exceeds ${maxBytes}`, at);
    this.need(n, what);
    const b = this.bytes;
    const p = this.pos;
    let ascii = 0;
    for (let i = p; i < p + n; i++) ascii |= b[i] as number;
    if (ascii < 0x80) {
      // Ids are short ASCII: skip the validating decoder.
      this.pos += n;
      return Buffer.from(b.buffer, b.byteOffset + p, n).toString('latin1');
    }
    try {
      return utf8Decoder.decode(this.bytes.subarray(this.pos, this.pos + n));
    } catch (e) {
      throw new ByteFormatError(`${what} is not valid UTF-8`, this.pos, { cause: e });
    } finally {
      this.pos += n;
    }
  }

  /** Where the last `data()` value's bytes start and how many there are. */
  private lastStart = 0;
  lastDataBytes = 0;

  /** The last `data()` value's encoding as a Latin-1 string (the store's map key). */
  lastDataLatin1(): string {
    const b = this.bytes;
    return Buffer.from(b.buffer, b.byteOffset + this.lastStart, this.lastDataBytes).toString(
      'latin1'
    );
  }

  /** A length-prefixed binary-encoded value, fully validated. */
  data(what: string): Data {
    const at = this.pos;
    const n = this.varuint(`${what} length`);
    this.need(n, what);
    const start = this.pos;
    this.pos += n;
    this.lastStart = start;
    this.lastDataBytes = n;
    try {
      return this.dataDecoder.decodeRange(this.bytes, start, start + n);
    } catch (e) {
      throw new ByteFormatError(
        `${what} is not a valid value: ${e instanceof Error ? e.message : String(e)}`,
        at,
        { cause: e }
      );
    }
  }

  /** `n` raw bytes as a view. */
  raw(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
