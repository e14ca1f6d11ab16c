import { isUtf8 } from 'node:buffer';
import type { Delivery, Delivery__Output } from '../gen/broker/v1/Delivery.js';
import type { EnvelopeBatch, EnvelopeBatch__Output } from '../gen/broker/v1/EnvelopeBatch.js';
import type { EventRun, EventRun__Output } from '../gen/broker/v1/EventRun.js';
import type { PeerFrame, PeerFrame__Output } from '../gen/broker/v1/PeerFrame.js';
import type { PoolMembership, PoolMembership__Output } from '../gen/broker/v1/PoolMembership.js';
import type { PublishRequest, PublishRequest__Output } from '../gen/broker/v1/PublishRequest.js';

/**
 * Hand-written protobuf encoding of the messages that carry events (`PublishRequest`,
 * `Delivery`, the `envelopes` body of `PeerFrame`). The bytes are exactly the proto3
 * encoding of `proto/broker/v1/client.proto` and `peer.proto`, and the objects have the
 * shapes proto-loader produces (int64 as decimal strings, defaults filled in), so either side
 * may use protobufjs instead. It exists because protobufjs builds a writer operation per
 * packed size (one per event) and converts every message through toObject/fromObject; here
 * a batch is sized once, written into one buffer, and read back with its payload bytes as a
 * view of the received message (no copy).
 */

/** A protobuf message on the wire is malformed: names the field and the defect. */
export class WireDecodeError extends Error {
  override readonly name = 'WireDecodeError';
}

type Int64 = number | string | { toString(): string } | null | undefined;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function varintSize(x: number): number {
  return x < 0x80 ? 1 : x < 0x4000 ? 2 : x < 0x200000 ? 3 : x < 0x10000000 ? 4 : 5;
}

/** An int64/uint64 field value as a non-negative number (safe) or a 64-bit two's complement bigint. */
function int64Value(v: Int64): number | bigint {
  if (v === undefined || v === null || v === '' || v === 0 || v === '0') return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const b = BigInt(typeof v === 'number' ? Math.trunc(v) : v.toString());
  const u = BigInt.asUintN(64, b);
  return u <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(u) : u;
}

function int64Size(v: number | bigint): number {
  if (typeof v === 'number') {
    if (v < 0x100000000) return varintSize(v);
    let n = 5;
    for (let x = Math.floor(v / 2 ** 35); x > 0; x = Math.floor(x / 128)) n++;
    return n;
  }
  let n = 1;
  for (let x = v >> 7n; x > 0n; x >>= 7n) n++;
  return n;
}

/**
 * A writer over one exactly-sized buffer. Invariant: `pos` <= `buf.length`; sizes are
 * computed before writing, so a write never needs to grow the buffer.
 */
class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(x: number): void {
    const buf = this.buf;
    let p = this.pos;
    while (x > 0x7f) {
      buf[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[p++] = x;
    this.pos = p;
  }

  int64(v: number | bigint): void {
    if (typeof v === 'number' && v < 0x100000000) return this.varint(v);
    let b = BigInt(v);
    const buf = this.buf;
    while (b > 0x7fn) {
      buf[this.pos++] = Number(b & 0x7fn) | 0x80;
      b >>= 7n;
    }
    buf[this.pos++] = Number(b);
  }

  bytes(src: Uint8Array): void {
    if (Buffer.isBuffer(src)) src.copy(this.buf, this.pos);
    else this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  utf8(s: string, len: number): void {
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }
}

/** Per-run numbers computed in the sizing pass and reused by the writing pass. */
interface RunPlan {
  topicLen: number;
  dataLen: number;
  sizesLen: number;
  time: number | bigint;
  /** The run's encoded body length (without its own tag and length). */
  body: number;
}

function asBytes(d: EventRun['data']): Uint8Array {
  if (d === undefined) return EMPTY;
  return typeof d === 'string' ? Buffer.from(d, 'base64') : d;
}

const EMPTY = Buffer.alloc(0);

function planRun(r: EventRun): RunPlan {
  const topicLen = r.topic === undefined ? 0 : Buffer.byteLength(r.topic, 'utf8');
  const dataLen = asBytes(r.data).length;
  let sizesLen = 0;
  const sizes = r.sizes ?? [];
  for (let i = 0; i < sizes.length; i++) sizesLen += varintSize(sizes[i] as number);
  const time = int64Value(r.publish_time_unix_ns);
  let body = 0;
  if (topicLen > 0) body += 1 + varintSize(topicLen) + topicLen;
  if (dataLen > 0) body += 1 + varintSize(dataLen) + dataLen;
  if (sizesLen > 0) body += 1 + varintSize(sizesLen) + sizesLen;
  if (time !== 0) body += 1 + int64Size(time);
  return { topicLen, dataLen, sizesLen, time, body };
}

function writeRun(w: Writer, field: number, r: EventRun, p: RunPlan): void {
  w.varint((field << 3) | WIRE_LEN);
  w.varint(p.body);
  if (p.topicLen > 0) {
    w.varint((1 << 3) | WIRE_LEN);
    w.varint(p.topicLen);
    w.utf8(r.topic as string, p.topicLen);
  }
  if (p.dataLen > 0) {
    w.varint((2 << 3) | WIRE_LEN);
    w.varint(p.dataLen);
    w.bytes(asBytes(r.data));
  }
  if (p.sizesLen > 0) {
    w.varint((3 << 3) | WIRE_LEN);
    w.varint(p.sizesLen);
    const sizes = r.sizes as number[];
    const buf = w.buf;
    let pos = w.pos;
    for (let i = 0; i < sizes.length; i++) {
      const x = sizes[i] as number;
      // Events under 128 bytes (most) take one byte: no call per event.
      if (x < 0x80) buf[pos++] = x;
      else {
        w.pos = pos;
        w.varint(x);
        pos = w.pos;
      }
    }
    w.pos = pos;
  }
  if (p.time !== 0) {
    w.varint((4 << 3) | WIRE_VARINT);
    w.int64(p.time);
  }
}

function planRuns(runs: readonly EventRun[] | undefined): { plans: RunPlan[]; size: number } {
  const plans: RunPlan[] = [];
  let size = 0;
  for (const r of runs ?? []) {
    const p = planRun(r);
    plans.push(p);
    size += 1 + varintSize(p.body) + p.body;
  }
  return { plans, size };
}

function writeRuns(
  w: Writer,
  field: number,
  runs: readonly EventRun[] | undefined,
  plans: RunPlan[]
): void {
  const rs = runs ?? [];
  for (let i = 0; i < rs.length; i++) writeRun(w, field, rs[i] as EventRun, plans[i] as RunPlan);
}

/** `PublishRequest` -> bytes. */
export function encodePublishRequest(m: PublishRequest): Buffer {
  const { plans, size } = planRuns(m.runs);
  // Pools (docs/pools.md): fields 2 (pool) and 3 (key), present only on pool publishes.
  const pool = m.pool ?? '';
  const key = m.key === undefined ? EMPTY : asBytes(m.key);
  const poolLen = Buffer.byteLength(pool, 'utf8');
  let extra = 0;
  if (poolLen > 0) extra += 1 + varintSize(poolLen) + poolLen;
  if (key.length > 0) extra += 1 + varintSize(key.length) + key.length;
  const w = new Writer(Buffer.allocUnsafe(size + extra));
  writeRuns(w, 1, m.runs, plans);
  if (poolLen > 0) {
    w.varint((2 << 3) | WIRE_LEN);
    w.varint(poolLen);
    w.utf8(pool, poolLen);
  }
  if (key.length > 0) {
    w.varint((3 << 3) | WIRE_LEN);
    w.varint(key.length);
    w.bytes(key);
  }
  return w.buf;
}

/** `Delivery` -> bytes. */
export function encodeDelivery(m: Delivery): Buffer {
  const { plans, size: runsSize } = planRuns(m.runs);
  const dt = int64Value(m.dropped_total);
  const ds = int64Value(m.dropped_since_last);
  let size = runsSize;
  if (dt !== 0) size += 1 + int64Size(dt);
  if (ds !== 0) size += 1 + int64Size(ds);
  if (m.ack === true) size += 2;
  const topicLens: number[] = [];
  for (const t of m.topics ?? []) {
    const n = Buffer.byteLength(t, 'utf8');
    topicLens.push(n);
    size += 1 + varintSize(n) + n;
  }
  const membership =
    m.pool_membership !== undefined && m.pool_membership !== null
      ? encodeMembership(m.pool_membership)
      : undefined;
  if (membership !== undefined) size += 1 + varintSize(membership.length) + membership.length;
  const w = new Writer(Buffer.allocUnsafe(size));
  writeRuns(w, 1, m.runs, plans);
  if (dt !== 0) {
    w.varint((2 << 3) | WIRE_VARINT);
    w.int64(dt);
  }
  if (ds !== 0) {
    w.varint((3 << 3) | WIRE_VARINT);
    w.int64(ds);
  }
  if (m.ack === true) {
    w.varint((4 << 3) | WIRE_VARINT);
    w.varint(1);
  }
  (m.topics ?? []).forEach((t, i) => {
    w.varint((5 << 3) | WIRE_LEN);
    w.varint(topicLens[i] as number);
    w.utf8(t, topicLens[i] as number);
  });
  if (membership !== undefined) {
    w.varint((6 << 3) | WIRE_LEN);
    w.varint(membership.length);
    w.bytes(membership);
  }
  return w.buf;
}

// Pools (docs/pools.md): the PoolMembership message of Delivery field 6, all strings.

const MEMBERSHIP_FIELDS = ['pool', 'member', 'joined', 'left', 'members'] as const;

function encodeMembership(m: PoolMembership): Buffer {
  const parts: Array<[number, string]> = [];
  MEMBERSHIP_FIELDS.forEach((f, i) => {
    const v = m[f];
    if (v === undefined) return;
    for (const s of typeof v === 'string' ? [v] : v) if (s !== '') parts.push([i + 1, s]);
  });
  let size = 0;
  for (const [, s] of parts) {
    const n = Buffer.byteLength(s, 'utf8');
    size += 1 + varintSize(n) + n;
  }
  const w = new Writer(Buffer.allocUnsafe(size));
  for (const [field, s] of parts) {
    const n = Buffer.byteLength(s, 'utf8');
    w.varint((field << 3) | WIRE_LEN);
    w.varint(n);
    w.utf8(s, n);
  }
  return w.buf;
}

function readMembership(r: Reader): PoolMembership__Output {
  const start = r.len('Delivery.pool_membership');
  const mr = new Reader(r.buf, start, r.pos);
  const out: PoolMembership__Output = { pool: '', member: '', joined: [], left: [], members: [] };
  while (mr.pos < mr.end) {
    const tag = mr.varint32('PoolMembership tag');
    const field = tag >>> 3;
    if (field < 1 || field > 5) {
      mr.skip(tag & 7, 'PoolMembership');
      continue;
    }
    const name = MEMBERSHIP_FIELDS[field - 1] as (typeof MEMBERSHIP_FIELDS)[number];
    expectWire(tag & 7, WIRE_LEN, `PoolMembership.${name}`);
    const s = readUtf8(mr, `PoolMembership.${name}`);
    if (name === 'pool' || name === 'member') out[name] = s;
    else out[name].push(s);
  }
  return out;
}

/** A length-delimited string field that must be valid UTF-8. */
function readUtf8(r: Reader, what: string): string {
  const s = r.len(what);
  const bytes = r.buf.subarray(s, r.pos);
  if (!isUtf8(bytes)) throw new WireDecodeError(`${what}: not valid UTF-8`);
  return bytes.toString('utf8');
}

/** `EnvelopeBatch` wrapped in a `PeerFrame` (field 2) -> bytes. */
export function encodeEnvelopeFrame(b: EnvelopeBatch): Buffer {
  const { plans, size: runsSize } = planRuns(b.runs);
  const seq = int64Value(b.seq);
  const body = runsSize + (seq !== 0 ? 1 + int64Size(seq) : 0);
  const w = new Writer(Buffer.allocUnsafe(1 + varintSize(body) + body));
  w.varint((2 << 3) | WIRE_LEN);
  w.varint(body);
  writeRuns(w, 1, b.runs, plans);
  if (seq !== 0) {
    w.varint((2 << 3) | WIRE_VARINT);
    w.int64(seq);
  }
  return w.buf;
}

/**
 * A reader over `[pos, end)` of one buffer. Every read is bounds-checked: malformed input
 * throws {@link WireDecodeError}, never reads past `end`.
 */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number
  ) {}

  varint32(what: string): number {
    const buf = this.buf;
    let x = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw new WireDecodeError(`${what}: truncated varint`);
      const b = buf[this.pos++] as number;
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return x > 0xffffffff ? x % 2 ** 32 : x;
    }
    // A 32-bit value may be sign-extended to 10 bytes; the extra bytes carry no bits we keep.
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw new WireDecodeError(`${what}: truncated varint`);
      if ((buf[this.pos++] as number) < 0x80) return x % 2 ** 32;
    }
    throw new WireDecodeError(`${what}: varint longer than 10 bytes`);
  }

  /** An int64/uint64 as proto-loader's decimal string. */
  int64(what: string, signed: boolean): string {
    const start = this.pos;
    const buf = this.buf;
    let x = 0;
    let i = 0;
    for (; ; i++) {
      if (i >= 10) throw new WireDecodeError(`${what}: varint longer than 10 bytes`);
      if (this.pos >= this.end) throw new WireDecodeError(`${what}: truncated varint`);
      const b = buf[this.pos++] as number;
      if (i < 7) x += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) break;
    }
    if (i < 7 && x <= Number.MAX_SAFE_INTEGER) return String(x);
    let v = 0n;
    for (let p = this.pos - 1; p >= start; p--) v = (v << 7n) | BigInt((buf[p] as number) & 0x7f);
    return (signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)).toString();
  }

  /** Start and end of a length-delimited field's contents; advances past it. */
  len(what: string): number {
    const n = this.varint32(what);
    if (n > this.end - this.pos) {
      throw new WireDecodeError(
        `${what}: length ${n} beyond the ${this.end - this.pos} bytes left`
      );
    }
    const start = this.pos;
    this.pos += n;
    return start;
  }

  skip(wire: number, what: string): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint32(what);
        return;
      case WIRE_I64:
        if (this.end - this.pos < 8) throw new WireDecodeError(`${what}: truncated fixed64`);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.len(what);
        return;
      case WIRE_I32:
        if (this.end - this.pos < 4) throw new WireDecodeError(`${what}: truncated fixed32`);
        this.pos += 4;
        return;
      default:
        throw new WireDecodeError(`${what}: unsupported wire type ${wire}`);
    }
  }
}

function expectWire(got: number, want: number, what: string): void {
  if (got !== want) throw new WireDecodeError(`${what}: wire type ${got}, expected ${want}`);
}

function readRun(r: Reader): EventRun__Output {
  const start = r.len('EventRun');
  const end = r.pos;
  const rr = new Reader(r.buf, start, end);
  let topic = '';
  let data: Buffer = EMPTY;
  const sizes: number[] = [];
  let time = '0';
  while (rr.pos < end) {
    const tag = rr.varint32('EventRun tag');
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1: {
        expectWire(wire, WIRE_LEN, 'EventRun.topic');
        const s = rr.len('EventRun.topic');
        // Refused, not repaired with U+FFFD: a topic is what a subscriber matches on.
        if (!isUtf8(rr.buf.subarray(s, rr.pos)))
          throw new WireDecodeError('EventRun.topic: not valid UTF-8');
        topic = rr.buf.toString('utf8', s, rr.pos);
        break;
      }
      case 2: {
        expectWire(wire, WIRE_LEN, 'EventRun.data');
        const s = rr.len('EventRun.data');
        data = rr.buf.subarray(s, rr.pos);
        break;
      }
      case 3:
        if (wire === WIRE_LEN) {
          const s = rr.len('EventRun.sizes');
          const sr = new Reader(rr.buf, s, rr.pos);
          const buf = rr.buf;
          const e = rr.pos;
          while (sr.pos < e) {
            const b = buf[sr.pos] as number;
            if (b < 0x80) {
              sizes.push(b);
              sr.pos++;
            } else sizes.push(sr.varint32('EventRun.sizes'));
          }
        } else {
          expectWire(wire, WIRE_VARINT, 'EventRun.sizes');
          sizes.push(rr.varint32('EventRun.sizes'));
        }
        break;
      case 4:
        expectWire(wire, WIRE_VARINT, 'EventRun.publish_time_unix_ns');
        time = rr.int64('EventRun.publish_time_unix_ns', true);
        break;
      default:
        rr.skip(wire, 'EventRun');
    }
  }
  return { topic, data, sizes, publish_time_unix_ns: time };
}

function wholeBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Wire size of each decoded publish request, for the batch limit (see publishRequestBytes). */
const publishRequestSizes = new WeakMap<PublishRequest__Output, number>();

/** The encoded size of a request returned by {@link decodePublishRequest}, if it came from one. */
export function publishRequestBytes(req: PublishRequest__Output): number | undefined {
  return publishRequestSizes.get(req);
}

/** bytes -> `PublishRequest`. @throws WireDecodeError */
export function decodePublishRequest(bytes: Uint8Array): PublishRequest__Output {
  const r = new Reader(wholeBuffer(bytes), 0, bytes.length);
  const runs: EventRun__Output[] = [];
  let pool = '';
  let key: Buffer = EMPTY;
  while (r.pos < r.end) {
    const tag = r.varint32('PublishRequest tag');
    if (tag >>> 3 === 1) {
      expectWire(tag & 7, WIRE_LEN, 'PublishRequest.runs');
      runs.push(readRun(r));
    } else if (tag >>> 3 === 2) {
      expectWire(tag & 7, WIRE_LEN, 'PublishRequest.pool');
      pool = readUtf8(r, 'PublishRequest.pool');
    } else if (tag >>> 3 === 3) {
      expectWire(tag & 7, WIRE_LEN, 'PublishRequest.key');
      const s = r.len('PublishRequest.key');
      key = r.buf.subarray(s, r.pos);
    } else r.skip(tag & 7, 'PublishRequest');
  }
  const req = { runs, pool, key };
  publishRequestSizes.set(req, bytes.length);
  return req;
}

/** bytes -> `Delivery`. @throws WireDecodeError */
export function decodeDelivery(bytes: Uint8Array): Delivery__Output {
  const r = new Reader(wholeBuffer(bytes), 0, bytes.length);
  const out: Delivery__Output = {
    runs: [],
    dropped_total: '0',
    dropped_since_last: '0',
    ack: false,
    topics: [],
    pool_membership: null,
  };
  while (r.pos < r.end) {
    const tag = r.varint32('Delivery tag');
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(wire, WIRE_LEN, 'Delivery.runs');
        out.runs.push(readRun(r));
        break;
      case 2:
        expectWire(wire, WIRE_VARINT, 'Delivery.dropped_total');
        out.dropped_total = r.int64('Delivery.dropped_total', false);
        break;
      case 3:
        expectWire(wire, WIRE_VARINT, 'Delivery.dropped_since_last');
        out.dropped_since_last = r.int64('Delivery.dropped_since_last', false);
        break;
      case 4:
        expectWire(wire, WIRE_VARINT, 'Delivery.ack');
        out.ack = r.int64('Delivery.ack', false) !== '0';
        break;
      case 5: {
        expectWire(wire, WIRE_LEN, 'Delivery.topics');
        const s = r.len('Delivery.topics');
        out.topics.push(r.buf.toString('utf8', s, r.pos));
        break;
      }
      case 6:
        expectWire(wire, WIRE_LEN, 'Delivery.pool_membership');
        out.pool_membership = readMembership(r);
        break;
      default:
        r.skip(wire, 'Delivery');
    }
  }
  return out;
}

/**
 * bytes of a `PeerFrame` whose only field is `envelopes` -> the frame; `undefined` for any
 * other frame (the caller decodes those with protobufjs). @throws WireDecodeError
 */
export function decodeEnvelopeFrame(bytes: Uint8Array): PeerFrame__Output | undefined {
  const buf = wholeBuffer(bytes);
  if (buf.length === 0 || buf[0] !== ((2 << 3) | WIRE_LEN)) return undefined;
  const r = new Reader(buf, 1, buf.length);
  const start = r.len('PeerFrame.envelopes');
  if (r.pos !== r.end) return undefined;
  const br = new Reader(buf, start, r.end);
  const batch: EnvelopeBatch__Output = { runs: [], seq: '0' };
  while (br.pos < br.end) {
    const tag = br.varint32('EnvelopeBatch tag');
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(wire, WIRE_LEN, 'EnvelopeBatch.runs');
        batch.runs.push(readRun(br));
        break;
      case 2:
        expectWire(wire, WIRE_VARINT, 'EnvelopeBatch.seq');
        batch.seq = br.int64('EnvelopeBatch.seq', false);
        break;
      default:
        br.skip(wire, 'EnvelopeBatch');
    }
  }
  return { envelopes: batch, body: 'envelopes' };
}

/** The `PeerFrame` serializer: envelopes by hand, every other body by `fallback`. */
export function peerFrameSerializer(fallback: (f: PeerFrame) => Buffer): (f: PeerFrame) => Buffer {
  return (f) =>
    f.envelopes !== undefined && f.envelopes !== null
      ? encodeEnvelopeFrame(f.envelopes)
      : fallback(f);
}

/** The `PeerFrame` deserializer: envelopes by hand, every other body by `fallback`. */
export function peerFrameDeserializer(
  fallback: (b: Buffer) => PeerFrame__Output
): (b: Buffer) => PeerFrame__Output {
  return (b) => decodeEnvelopeFrame(b) ?? fallback(b);
}
