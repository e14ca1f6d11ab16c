/** A minimal DNS message codec (RFC 1035): queries in, answers with A and SRV records out. */
import { DnsFormatError } from './errors.js';

export { DnsFormatError };

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const TYPE_SRV = 33;
export const CLASS_IN = 1;
export const RCODE_OK = 0;
export const RCODE_FORMERR = 1;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

export interface DnsQuestion {
  /** Lower-cased, without the trailing dot. */
  readonly name: string;
  readonly type: number;
  readonly cls: number;
}

export interface DnsQuery {
  readonly id: number;
  /** The RD bit, echoed in the answer. */
  readonly recursionDesired: boolean;
  readonly opcode: number;
  readonly questions: readonly DnsQuestion[];
}

export type DnsAnswer =
  | {
      readonly name: string;
      readonly type: typeof TYPE_A;
      readonly ttl: number;
      readonly ip: string;
    }
  | {
      readonly name: string;
      readonly type: typeof TYPE_SRV;
      readonly ttl: number;
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    };

/** Largest number of compression pointers followed in one name (guards against loops). */
const MAX_POINTERS = 16;

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let offset = start;
  let next = -1;
  let jumps = 0;
  for (;;) {
    if (offset >= buf.length) throw new DnsFormatError('name runs past the end of the message');
    const len = buf[offset] ?? 0;
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= buf.length) throw new DnsFormatError('truncated compression pointer');
      if (++jumps > MAX_POINTERS) throw new DnsFormatError('too many compression pointers');
      if (next < 0) next = offset + 2;
      offset = ((len & 0x3f) << 8) | (buf[offset + 1] ?? 0);
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError(`bad label length byte 0x${len.toString(16)}`);
    if (len === 0) {
      if (next < 0) next = offset + 1;
      break;
    }
    if (offset + 1 + len > buf.length)
      throw new DnsFormatError('label runs past the end of the message');
    labels.push(buf.toString('latin1', offset + 1, offset + 1 + len));
    offset += 1 + len;
    if (labels.join('.').length > 253) throw new DnsFormatError('name longer than 253 characters');
  }
  return { name: labels.join('.').toLowerCase(), next };
}

/** Parses a query message; throws {@link DnsFormatError} on malformed input. */
export function parseQuery(buf: Buffer): DnsQuery {
  if (buf.length < 12)
    throw new DnsFormatError(`message of ${buf.length} bytes is shorter than a header`);
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) throw new DnsFormatError('message is a response, not a query');
  const qdcount = buf.readUInt16BE(4);
  if (qdcount > 8) throw new DnsFormatError(`too many questions (${qdcount})`);
  const questions: DnsQuestion[] = [];
  let offset = 12;
  for (let i = 0; i < qdcount; i++) {
    const { name, next } = readName(buf, offset);
    if (next + 4 > buf.length)
      throw new DnsFormatError('question runs past the end of the message');
    questions.push({ name, type: buf.readUInt16BE(next), cls: buf.readUInt16BE(next + 2) });
    offset = next + 4;
  }
  return { id, recursionDesired: (flags & 0x0100) !== 0, opcode: (flags >> 11) & 0xf, questions };
}

function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.split('.').filter((l) => l !== '')) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length > 63) throw new DnsFormatError(`label "${label}" longer than 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function encodeAnswer(a: DnsAnswer): Buffer {
  let rdata: Buffer;
  if (a.type === TYPE_A) {
    rdata = Buffer.from(a.ip.split('.').map((o) => Number(o)));
  } else {
    const head = Buffer.alloc(6);
    head.writeUInt16BE(a.priority, 0);
    head.writeUInt16BE(a.weight, 2);
    head.writeUInt16BE(a.port, 4);
    rdata = Buffer.concat([head, encodeName(a.target)]);
  }
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(a.type, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(a.ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(a.name), fixed, rdata]);
}

/**
 * Builds a response to `query` (authoritative, no recursion available). When the answers do
 * not fit `maxBytes` (512 for UDP without EDNS) the TC bit is set and answers are dropped,
 * so the client retries over TCP.
 */
export function buildResponse(
  query: DnsQuery,
  rcode: number,
  answers: readonly DnsAnswer[],
  maxBytes = 65535
): Buffer {
  const question = query.questions[0];
  const qbuf =
    question === undefined
      ? Buffer.alloc(0)
      : Buffer.concat([
          encodeName(question.name),
          Buffer.from([
            question.type >> 8,
            question.type & 0xff,
            question.cls >> 8,
            question.cls & 0xff,
          ]),
        ]);
  const encoded = answers.map(encodeAnswer);
  let size = 12 + qbuf.length + encoded.reduce((n, b) => n + b.length, 0);
  let truncated = false;
  while (size > maxBytes && encoded.length > 0) {
    size -= encoded.pop()?.length ?? 0;
    truncated = true;
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  const flags =
    0x8000 |
    (query.opcode << 11) |
    0x0400 |
    (truncated ? 0x0200 : 0) |
    (query.recursionDesired ? 0x0100 : 0) |
    (rcode & 0xf);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(question === undefined ? 0 : 1, 4);
  header.writeUInt16BE(truncated ? 0 : encoded.length, 6);
  return Buffer.concat([header, qbuf, ...(truncated ? [] : encoded)]);
}
