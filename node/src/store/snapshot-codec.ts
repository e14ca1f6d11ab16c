/**
 * The binary form of a whole store, for Raft snapshots. Canonical: entries in `compareData`
 * order of their keys, so two replicas with the same state write the same bytes.
 *
 * ```
 * snapshot := magic "BKSS" version:u8 (=1) appliedIndex:u64 count:u32 entry* crc:u32
 * entry    := key:value value:value version:u64 flags:u8 [expiresAt:i64 when flags bit 0]
 * ```
 * `value` is a varuint length and one binary-encoded `Data`; `crc` is CRC-32C of every byte
 * before it. The reader checks the checksum first, then every field: keys strictly
 * increasing, versions in 1..appliedIndex, no trailing bytes.
 */
import { compareData } from '../data/index.js';
import { crc32c } from '../storage/index.js';

import { ByteFormatError, ByteReader, ByteWriter } from './byte-io.js';
import { StoreSnapshotError } from './errors.js';
import type { Entry } from './entry.js';

const MAGIC = [0x42, 0x4b, 0x53, 0x53]; // "BKSS"
/** The format version this module writes and reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;
const HEADER_BYTES = 4 + 1 + 8 + 4;
const F_EXPIRES = 1;
/** The smallest entry: two one-byte values with their lengths, a version and flags. */
const MIN_ENTRY_BYTES = 2 + 2 + 8 + 1;

/** Writes `entries` (already in key order) and the applied index. */
export function writeSnapshot(appliedIndex: number, entries: readonly Entry[]): Uint8Array {
  const w = new ByteWriter(1024);
  for (const b of MAGIC) w.u8(b);
  w.u8(SNAPSHOT_FORMAT_VERSION);
  w.u64(BigInt(appliedIndex));
  w.u32(entries.length);
  for (const e of entries) {
    w.data(e.key);
    w.data(e.value);
    w.u64(BigInt(e.version));
    if (e.expiresAt === undefined) {
      w.u8(0);
    } else {
      w.u8(F_EXPIRES);
      w.i64(e.expiresAt);
    }
  }
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32c(body));
  return out;
}

/** One restored entry and its map key. */
export interface RestoredEntry {
  readonly mk: string;
  readonly entry: Entry;
}

/**
 * Reads and validates a snapshot.
 * @throws StoreSnapshotError naming the problem; never anything else.
 */
export function readSnapshot(bytes: Uint8Array): {
  appliedIndex: number;
  entries: RestoredEntry[];
} {
  if (!(bytes instanceof Uint8Array))
    throw new StoreSnapshotError('a snapshot must be a Uint8Array');
  if (bytes.length < HEADER_BYTES + 4) {
    throw new StoreSnapshotError(
      `a snapshot of ${bytes.length} bytes is truncated (the smallest is ${HEADER_BYTES + 4})`
    );
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new StoreSnapshotError('not a store snapshot (bad magic)');
  }
  const bodyEnd = bytes.length - 4;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const want = view.getUint32(bodyEnd);
  const got = crc32c(bytes, 0, 0, bodyEnd);
  if (want !== got) {
    throw new StoreSnapshotError(
      `store snapshot checksum mismatch (stored ${want.toString(16)}, computed ${got.toString(16)}): damaged or truncated`
    );
  }
  const r = new ByteReader(bytes.subarray(0, bodyEnd));
  try {
    r.raw(4, 'magic');
    const version = r.u8('format version');
    if (version !== SNAPSHOT_FORMAT_VERSION) {
      throw new ByteFormatError(
        `unknown snapshot format version ${version} (this node reads ${SNAPSHOT_FORMAT_VERSION})`,
        4
      );
    }
    const applied = r.u64('applied index');
    if (applied > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ByteFormatError(`applied index ${applied} exceeds 2^53-1`, 5);
    }
    const appliedIndex = Number(applied);
    const at = r.pos;
    const count = r.u32('entry count');
    if (count * MIN_ENTRY_BYTES > r.remaining) {
      throw new ByteFormatError(`entry count ${count} exceeds what the bytes left can hold`, at);
    }
    const entries: RestoredEntry[] = new Array<RestoredEntry>(count);
    let prev: Entry | undefined;
    for (let i = 0; i < count; i++) {
      const keyAt = r.pos;
      const key = r.data(`entry ${i} key`);
      const keyBytes = r.lastDataBytes;
      const mk = r.lastDataLatin1();
      const value = r.data(`entry ${i} value`);
      const valueBytes = r.lastDataBytes;
      const vAt = r.pos;
      const v = r.u64(`entry ${i} version`);
      if (v < 1n || v > applied) {
        throw new ByteFormatError(`entry ${i} version ${v} is not in 1..${appliedIndex}`, vAt);
      }
      const fAt = r.pos;
      const flags = r.u8(`entry ${i} flags`);
      if ((flags & ~F_EXPIRES) !== 0) {
        throw new ByteFormatError(`entry ${i} has unknown flags 0x${flags.toString(16)}`, fAt);
      }
      const expiresAt = flags === F_EXPIRES ? r.i64(`entry ${i} deadline`) : undefined;
      if (prev !== undefined && compareData(prev.key, key) >= 0) {
        throw new ByteFormatError(`entry ${i} key is not greater than the one before`, keyAt);
      }
      const entry: Entry = { key, value, version: Number(v), expiresAt, keyBytes, valueBytes };
      entries[i] = { mk, entry };
      prev = entry;
    }
    if (r.remaining !== 0)
      throw new ByteFormatError(`${r.remaining} bytes after the entries`, r.pos);
    return { appliedIndex, entries };
  } catch (e) {
    if (e instanceof StoreSnapshotError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new StoreSnapshotError(`bad store snapshot: ${msg}`, { cause: e });
  }
}
