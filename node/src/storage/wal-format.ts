/**
 * The byte layout of WAL segments (see docs/storage.md for the picture).
 *
 * A segment is a header followed by frames. A frame holds one batch: every record staged
 * between two syncs, written with one write and made durable with one fsync. The checksum
 * covers the whole frame, so a batch is either entirely valid or recognisably torn; a torn
 * frame can only be the last one, because the next batch is written only after this one's
 * fsync returned.
 *
 * All integers are little-endian. Indexes and terms are float64, which holds every integer up
 * to 2^53 exactly; the reader rejects anything that is not a safe non-negative integer.
 */
import type { Entry, EntryType, GroupId, HardState } from '../raft/types.js';
import { crc32c } from './crc32c.js';
import { MAX_GROUP_ID_BYTES, MAX_NODE_ID_BYTES } from './validate.js';

/** "BCWALSEG": identifies a segment file. */
export const SEGMENT_MAGIC = Buffer.from('BCWALSEG', 'latin1');
/** Bumped on any incompatible change of the layout; readers reject other versions. */
export const SEGMENT_VERSION = 1;
/** magic(8) version(u32) segment number(u32) crc32c of the first 16 bytes(u32). */
export const SEGMENT_HEADER_BYTES = 20;

/** payload length(u32) crc32c(u32) over [type, payload] frame type(u8). */
export const FRAME_HEADER_BYTES = 9;
/** The only frame type: a batch of records. */
export const FRAME_TYPE_BATCH = 1;
/** batch sequence(f64) record count(u32): the start of every batch payload. */
export const BATCH_HEADER_BYTES = 12;
/** record type(u8) body length(u32). */
export const RECORD_HEADER_BYTES = 5;

/** The largest frame a reader accepts: bounds what a corrupt length field can make it allocate. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** Record types inside a batch. */
export const RecordType = {
  Entries: 1,
  HardState: 2,
  Snapshot: 3,
  Compact: 4,
  Drop: 5,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Snapshot marker flag: the log matched the snapshot and was kept. */
const SNAPSHOT_KEEPS_LOG = 1;
/** Snapshot marker flag: a checkpoint's restatement of the snapshot in use. */
const SNAPSHOT_RESTATED = 2;

/** A decoded record. */
export type WalRecord =
  | { readonly type: 1; readonly group: GroupId; readonly entries: Entry[] }
  | { readonly type: 2; readonly group: GroupId; readonly hardState: HardState }
  | {
      readonly type: 3;
      readonly group: GroupId;
      readonly index: number;
      readonly term: number;
      readonly keepsLog: boolean;
      /** A checkpoint's restatement: it replaces the snapshot replayed so far, even a newer one. */
      readonly restated: boolean;
    }
  | { readonly type: 4; readonly group: GroupId; readonly index: number }
  /** The group's whole state is gone (its replica was destroyed); a later record starts anew. */
  | { readonly type: 5; readonly group: GroupId };

/** A malformed byte sequence; `offset` is relative to the buffer given to the decoder. */
export class FormatError extends Error {
  readonly offset: number;
  constructor(reason: string, offset: number) {
    super(reason);
    this.name = 'FormatError';
    this.offset = offset;
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Encoded group ids, memoised: a node serves a bounded set of groups and re-encodes them every batch. */
const groupBytesCache = new Map<string, Buffer>();
const GROUP_CACHE_LIMIT = 65536;

function groupBytes(group: GroupId): Buffer {
  let b = groupBytesCache.get(group);
  if (b === undefined) {
    b = Buffer.from(utf8.encode(group));
    if (groupBytesCache.size >= GROUP_CACHE_LIMIT) groupBytesCache.clear();
    groupBytesCache.set(group, b);
  }
  return b;
}

/** The 20-byte header that starts segment number `segment`. */
export function encodeSegmentHeader(segment: number): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt32LE(SEGMENT_VERSION, 8);
  b.writeUInt32LE(segment, 12);
  b.writeUInt32LE(crc32c(b, 0, 0, 16), 16);
  return b;
}

/** Checks a segment header and returns the segment number it names. */
export function decodeSegmentHeader(b: Uint8Array): number {
  if (b.length < SEGMENT_HEADER_BYTES) throw new FormatError('segment header is short', 0);
  const buf = Buffer.from(b.buffer, b.byteOffset, SEGMENT_HEADER_BYTES);
  if (!buf.subarray(0, 8).equals(SEGMENT_MAGIC))
    throw new FormatError('wrong magic: not a WAL segment', 0);
  if (buf.readUInt32LE(16) !== crc32c(buf, 0, 0, 16))
    throw new FormatError('segment header checksum mismatch', 16);
  const version = buf.readUInt32LE(8);
  if (version !== SEGMENT_VERSION)
    throw new FormatError(`unsupported segment version ${version}`, 8);
  return buf.readUInt32LE(12);
}

/**
 * Accumulates the records of one batch directly in their on-disk form, so staging costs one
 * copy of the entry data and sync costs one checksum pass and one write.
 */
export class BatchBuilder {
  private buf: Buffer;
  private len = FRAME_HEADER_BYTES + BATCH_HEADER_BYTES;
  private count = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 256));
  }

  /** Records staged in this batch. */
  get records(): number {
    return this.count;
  }

  /** Bytes this batch will take in the segment, frame header included. */
  get bytes(): number {
    return this.len;
  }

  /** Bytes an entries record for these entries would add, to check a bound before staging. */
  static entriesRecordBytes(group: GroupId, entries: readonly Entry[]): number {
    let n = RECORD_HEADER_BYTES + 2 + groupBytes(group).length + 8 + 4;
    for (const e of entries) n += 13 + e.data.length;
    return n;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private beginRecord(type: RecordType, group: GroupId, bodyBytes: number): number {
    const g = groupBytes(group);
    const body = 2 + g.length + bodyBytes;
    this.ensure(RECORD_HEADER_BYTES + body);
    const b = this.buf;
    let o = this.len;
    b[o] = type;
    b.writeUInt32LE(body, o + 1);
    o += RECORD_HEADER_BYTES;
    b.writeUInt16LE(g.length, o);
    g.copy(b, o + 2);
    this.count++;
    return o + 2 + g.length;
  }

  /** Entries must be contiguous (validated by the caller); index i is firstIndex + i. */
  putEntries(group: GroupId, entries: readonly Entry[]): void {
    let dataBytes = 0;
    for (const e of entries) dataBytes += 13 + e.data.length;
    let o = this.beginRecord(RecordType.Entries, group, 12 + dataBytes);
    const b = this.buf;
    b.writeDoubleLE((entries[0] as Entry).index, o);
    b.writeUInt32LE(entries.length, o + 8);
    o += 12;
    for (const e of entries) {
      b.writeDoubleLE(e.term, o);
      b[o + 8] = e.type;
      b.writeUInt32LE(e.data.length, o + 9);
      b.set(e.data, o + 13);
      o += 13 + e.data.length;
    }
    this.len = o;
  }

  putHardState(group: GroupId, hs: HardState): void {
    const vote = utf8.encode(hs.vote);
    const o = this.beginRecord(RecordType.HardState, group, 18 + vote.length);
    const b = this.buf;
    b.writeDoubleLE(hs.term, o);
    b.writeDoubleLE(hs.commit, o + 8);
    b.writeUInt16LE(vote.length, o + 16);
    b.set(vote, o + 18);
    this.len = o + 18 + vote.length;
  }

  /**
   * `keepsLog`: the log matched the snapshot and was kept (else it was discarded). `restated`:
   * a checkpoint restating the snapshot in use, which after a fallback to an older snapshot
   * file is older than the last marker replayed before it.
   */
  putSnapshot(
    group: GroupId,
    index: number,
    term: number,
    keepsLog: boolean,
    restated = false
  ): void {
    const o = this.beginRecord(RecordType.Snapshot, group, 17);
    this.buf.writeDoubleLE(index, o);
    this.buf.writeDoubleLE(term, o + 8);
    this.buf[o + 16] = (keepsLog ? SNAPSHOT_KEEPS_LOG : 0) | (restated ? SNAPSHOT_RESTATED : 0);
    this.len = o + 17;
  }

  putDrop(group: GroupId): void {
    this.len = this.beginRecord(RecordType.Drop, group, 0);
  }

  putCompact(group: GroupId, index: number): void {
    const o = this.beginRecord(RecordType.Compact, group, 8);
    this.buf.writeDoubleLE(index, o);
    this.len = o + 8;
  }

  /**
   * Seals the batch as a frame numbered `seq` and returns its bytes. The builder starts a new,
   * empty batch in a fresh buffer, so the returned bytes stay valid while they are written.
   */
  finish(seq: number): Buffer {
    const b = this.buf;
    const len = this.len;
    b.writeUInt32LE(len - FRAME_HEADER_BYTES, 0);
    b[8] = FRAME_TYPE_BATCH;
    b.writeDoubleLE(seq, FRAME_HEADER_BYTES);
    b.writeUInt32LE(this.count, FRAME_HEADER_BYTES + 8);
    b.writeUInt32LE(crc32c(b, 0, 8, len), 4);
    this.buf = Buffer.allocUnsafe(Math.min(Math.max(b.length, 256), 4 * 1024 * 1024));
    this.len = FRAME_HEADER_BYTES + BATCH_HEADER_BYTES;
    this.count = 0;
    return b.subarray(0, len);
  }
}

/** The result of looking for a frame at an offset. */
export type FrameProbe =
  | { readonly ok: true; readonly seq: number; readonly end: number; readonly payloadStart: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks whether a whole, checksum-valid batch frame starts at `offset` in `b` (the full
 * segment contents), without decoding its records.
 */
export function probeFrame(b: Buffer, offset: number): FrameProbe {
  if (b.length - offset < FRAME_HEADER_BYTES + BATCH_HEADER_BYTES) {
    return { ok: false, reason: `only ${b.length - offset} bytes left, less than a frame header` };
  }
  const len = b.readUInt32LE(offset);
  if (b[offset + 8] !== FRAME_TYPE_BATCH)
    return { ok: false, reason: `unknown frame type ${b[offset + 8]}` };
  if (len < BATCH_HEADER_BYTES || len > MAX_FRAME_BYTES) {
    return { ok: false, reason: `frame length ${len} out of range` };
  }
  const end = offset + FRAME_HEADER_BYTES + len;
  if (end > b.length)
    return { ok: false, reason: `frame of ${len} bytes runs past the end of the file` };
  const seq = b.readDoubleLE(offset + FRAME_HEADER_BYTES);
  if (!Number.isSafeInteger(seq) || seq < 1)
    return { ok: false, reason: `bad batch sequence ${seq}` };
  if (b.readUInt32LE(offset + 4) !== crc32c(b, 0, offset + 8, end)) {
    return { ok: false, reason: 'frame checksum mismatch' };
  }
  return { ok: true, seq, end, payloadStart: offset + FRAME_HEADER_BYTES };
}

/** A bounds-checked reader over one frame's payload. */
class Reader {
  readonly b: Buffer;
  readonly end: number;
  o: number;
  constructor(b: Buffer, start: number, end: number) {
    this.b = b;
    this.o = start;
    this.end = end;
  }
  need(n: number, what: string): void {
    if (this.o + n > this.end)
      throw new FormatError(`${what} runs past the end of its record`, this.o);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.o++] as number;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.b.readUInt16LE(this.o);
    this.o += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.b.readUInt32LE(this.o);
    this.o += 4;
    return v;
  }
  int(what: string): number {
    this.need(8, what);
    const v = this.b.readDoubleLE(this.o);
    if (!Number.isSafeInteger(v) || v < 0)
      throw new FormatError(`${what} ${v} is not an integer >= 0`, this.o);
    this.o += 8;
    return v;
  }
  str(what: string, max: number): string {
    const n = this.u16(`${what} length`);
    if (n > max) throw new FormatError(`${what} length ${n} exceeds ${max}`, this.o - 2);
    this.need(n, what);
    try {
      const s = utf8Strict.decode(this.b.subarray(this.o, this.o + n));
      this.o += n;
      return s;
    } catch {
      throw new FormatError(`${what} is not valid UTF-8`, this.o);
    }
  }
}

/**
 * Decodes the records of a checksum-valid frame. A failure here means the writer was wrong or
 * the checksum collided: the caller reports corruption. Entry data is copied out so the
 * segment buffer can be released.
 */
export function decodeBatch(b: Buffer, payloadStart: number, end: number): WalRecord[] {
  const r = new Reader(b, payloadStart + 8, end);
  const count = r.u32('record count');
  const out: WalRecord[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8('record type');
    const bodyLen = r.u32('record length');
    r.need(bodyLen, 'record body');
    const bodyEnd = r.o + bodyLen;
    const body = new Reader(b, r.o, bodyEnd);
    const group = body.str('group id', MAX_GROUP_ID_BYTES);
    if (group.length === 0) throw new FormatError('empty group id', body.o);
    switch (type) {
      case RecordType.Entries: {
        const first = body.int('first index');
        const n = body.u32('entry count');
        if (n === 0 || n * 13 > bodyEnd - body.o)
          throw new FormatError(`entry count ${n} does not fit the record`, body.o - 4);
        const entries: Entry[] = new Array<Entry>(n);
        for (let k = 0; k < n; k++) {
          const term = body.int('entry term');
          const etype = body.u8('entry type');
          if (etype !== 0 && etype !== 1)
            throw new FormatError(`unknown entry type ${etype}`, body.o - 1);
          const dlen = body.u32('entry data length');
          body.need(dlen, 'entry data');
          const data = new Uint8Array(dlen);
          data.set(b.subarray(body.o, body.o + dlen));
          body.o += dlen;
          entries[k] = { index: first + k, term, type: etype as EntryType, data };
        }
        out.push({ type: RecordType.Entries, group, entries });
        break;
      }
      case RecordType.HardState: {
        const term = body.int('term');
        const commit = body.int('commit');
        const vote = body.str('vote', MAX_NODE_ID_BYTES);
        out.push({ type: RecordType.HardState, group, hardState: { term, vote, commit } });
        break;
      }
      case RecordType.Snapshot: {
        const index = body.int('snapshot index');
        const term = body.int('snapshot term');
        const flags = body.u8('snapshot flags');
        if ((flags & ~(SNAPSHOT_KEEPS_LOG | SNAPSHOT_RESTATED)) !== 0) {
          throw new FormatError(`unknown snapshot flags ${flags}`, body.o - 1);
        }
        out.push({
          type: RecordType.Snapshot,
          group,
          index,
          term,
          keepsLog: (flags & SNAPSHOT_KEEPS_LOG) !== 0,
          restated: (flags & SNAPSHOT_RESTATED) !== 0,
        });
        break;
      }
      case RecordType.Compact:
        out.push({ type: RecordType.Compact, group, index: body.int('compaction index') });
        break;
      case RecordType.Drop:
        out.push({ type: RecordType.Drop, group });
        break;
      default:
        throw new FormatError(`unknown record type ${type}`, r.o - RECORD_HEADER_BYTES);
    }
    if (body.o !== bodyEnd)
      throw new FormatError(`record has ${bodyEnd - body.o} trailing bytes`, body.o);
    r.o = bodyEnd;
  }
  if (r.o !== end) throw new FormatError(`batch has ${end - r.o} trailing bytes`, r.o);
  return out;
}
