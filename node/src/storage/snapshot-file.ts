/**
 * Snapshot files: one file per saved snapshot, `<dataDir>/snap/<group dir>/<index>-<term>.snap`
 * (both as 16 hex digits, so names sort by index).
 *
 * Layout: magic "BCSNAP01", header length (u32), header JSON {group, index, term, confState},
 * data length (f64), data, crc32c (u32) over everything before it.
 *
 * Written crash-safely: to a temporary name, fsynced, renamed over the final name, and the
 * directory fsynced, so after a crash a final name either holds a complete file or does not exist.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfState, GroupId, Snapshot } from '../raft/types.js';
import { crc32c } from './crc32c.js';
import { InvalidLogWriteError, SnapshotCorruptionError } from './errors.js';
import { fsyncDir, readFully, writeFully } from './fs-util.js';
import { validateConfState, validateGroupId } from './validate.js';

/** "BCSNAP01": identifies a snapshot file. */
export const SNAPSHOT_MAGIC = Buffer.from('BCSNAP01', 'latin1');
const MAX_HEADER_BYTES = 1024 * 1024;
const NAME_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

/** A snapshot file found in a group's directory (not yet validated). */
export interface SnapshotFileRef {
  readonly index: number;
  readonly term: number;
  readonly path: string;
}

/**
 * The directory of a group's snapshots. Plain ids are used as they are (readable); others,
 * or long ones, by their SHA-256 (a file name is at most 255 bytes). The group id inside each
 * file is checked on load, so a hash collision cannot mix groups up.
 */
export function groupSnapshotDir(snapRoot: string, group: GroupId): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/.test(group)) return join(snapRoot, `g-${group}`);
  return join(snapRoot, `h-${createHash('sha256').update(group).digest('hex')}`);
}

/** `<index>-<term>.snap`, both as 16 hex digits, so names sort by index. */
export function snapshotFileName(index: number, term: number): string {
  return `${index.toString(16).padStart(16, '0')}-${term.toString(16).padStart(16, '0')}.snap`;
}

function encodeHeader(group: GroupId, snapshot: Snapshot): Buffer {
  const { index, term, confState } = snapshot.meta;
  return Buffer.from(JSON.stringify({ group, index, term, confState }), 'utf8');
}

/**
 * Checks, before a snapshot is staged, that its file will be readable by recovery: the file
 * fits `maxBytes` (the reader's bound) and the header fits the header bound. A file written
 * beyond either would make the next open() fail. Throws InvalidLogWriteError.
 */
export function checkSnapshotFileSize(group: GroupId, snapshot: Snapshot, maxBytes: number): void {
  const headerLen = encodeHeader(group, snapshot).length;
  const total = 8 + 4 + headerLen + 8 + snapshot.data.length + 4;
  if (headerLen > MAX_HEADER_BYTES) {
    throw new InvalidLogWriteError(
      group,
      `snapshot ${snapshot.meta.index} metadata is ${headerLen} bytes, above the limit ${MAX_HEADER_BYTES}`
    );
  }
  if (total > maxBytes) {
    throw new InvalidLogWriteError(
      group,
      `snapshot ${snapshot.meta.index} file would be ${total} bytes, above maxSnapshotBytes ${maxBytes}`
    );
  }
}

/** The bytes of a snapshot file (layout in the file comment). */
export function encodeSnapshotFile(group: GroupId, snapshot: Snapshot): Buffer {
  const header = encodeHeader(group, snapshot);
  const total = 8 + 4 + header.length + 8 + snapshot.data.length + 4;
  const b = Buffer.allocUnsafe(total);
  SNAPSHOT_MAGIC.copy(b, 0);
  b.writeUInt32LE(header.length, 8);
  header.copy(b, 12);
  let o = 12 + header.length;
  b.writeDoubleLE(snapshot.data.length, o);
  o += 8;
  b.set(snapshot.data, o);
  o += snapshot.data.length;
  b.writeUInt32LE(crc32c(b, 0, 0, o), o);
  return b;
}

/** Parses and checks a snapshot file's bytes; throws SnapshotCorruptionError naming `path`. */
export function decodeSnapshotFile(
  path: string,
  b: Buffer
): { readonly group: GroupId; readonly snapshot: Snapshot } {
  const bad = (reason: string): SnapshotCorruptionError =>
    new SnapshotCorruptionError(path, reason);
  if (b.length < 8 + 4 + 8 + 4) throw bad(`file is ${b.length} bytes, too short`);
  if (!b.subarray(0, 8).equals(SNAPSHOT_MAGIC)) throw bad('wrong magic: not a snapshot file');
  const headerLen = b.readUInt32LE(8);
  if (headerLen > MAX_HEADER_BYTES || 12 + headerLen + 8 + 4 > b.length) {
    throw bad(`header length ${headerLen} does not fit the file`);
  }
  const dataLenAt = 12 + headerLen;
  const dataLen = b.readDoubleLE(dataLenAt);
  if (!Number.isSafeInteger(dataLen) || dataLen < 0 || dataLenAt + 8 + dataLen + 4 !== b.length) {
    throw bad(`data length ${dataLen} does not match the file size ${b.length}`);
  }
  const crcAt = b.length - 4;
  if (b.readUInt32LE(crcAt) !== crc32c(b, 0, 0, crcAt)) throw bad('checksum mismatch');
  let header: unknown;
  try {
    header = JSON.parse(b.toString('utf8', 12, 12 + headerLen));
  } catch (err) {
    throw new SnapshotCorruptionError(path, 'header is not JSON', { cause: err });
  }
  const h = header as { group?: unknown; index?: unknown; term?: unknown; confState?: unknown };
  if (typeof h !== 'object' || h === null) throw bad('header is not an object');
  const { group, index, term } = h;
  if (
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(term) ||
    (index as number) < 1 ||
    (term as number) < 1
  ) {
    throw bad(`header index ${String(index)} term ${String(term)} invalid`);
  }
  try {
    validateGroupId(group);
    validateConfState(group, h.confState as ConfState);
  } catch (err) {
    throw new SnapshotCorruptionError(path, `header invalid: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // A plain Uint8Array view (not a Buffer), like every other byte field the stores hand out.
  const data = new Uint8Array(b.buffer, b.byteOffset + dataLenAt + 8, dataLen);
  return {
    group,
    snapshot: {
      meta: { index: index as number, term: term as number, confState: h.confState as ConfState },
      data,
    },
  };
}

/** Writes a snapshot file crash-safely (temp name, fsync, rename, directory fsync); returns its path. */
export async function writeSnapshotFile(
  snapRoot: string,
  group: GroupId,
  snapshot: Snapshot
): Promise<string> {
  const dir = groupSnapshotDir(snapRoot, group);
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined) await fsyncDir(snapRoot);
  const path = join(dir, snapshotFileName(snapshot.meta.index, snapshot.meta.term));
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    const bytes = encodeSnapshotFile(group, snapshot);
    await writeFully(fh, bytes, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dir);
  return path;
}

/**
 * Reads and validates one snapshot file, checking that it is the snapshot `expect` names.
 * `maxBytes` bounds the read, so a damaged size cannot exhaust memory.
 */
export async function readSnapshotFile(
  ref: SnapshotFileRef,
  group: GroupId,
  maxBytes: number
): Promise<Snapshot> {
  let size: number;
  try {
    size = (await stat(ref.path)).size;
  } catch (err) {
    throw new SnapshotCorruptionError(ref.path, 'cannot be read', { cause: err });
  }
  if (size > maxBytes)
    throw new SnapshotCorruptionError(
      ref.path,
      `file is ${size} bytes, above the limit ${maxBytes}`
    );
  let fh: FileHandle;
  try {
    fh = await open(ref.path, 'r');
  } catch (err) {
    throw new SnapshotCorruptionError(ref.path, 'cannot be opened', { cause: err });
  }
  let b: Buffer;
  try {
    b = await readFully(fh, size);
  } catch (err) {
    throw new SnapshotCorruptionError(ref.path, 'cannot be read', { cause: err });
  } finally {
    await fh.close();
  }
  if (b.length !== size)
    throw new SnapshotCorruptionError(ref.path, `short read: ${b.length} of ${size} bytes`);
  const decoded = decodeSnapshotFile(ref.path, b);
  if (decoded.group !== group) {
    throw new SnapshotCorruptionError(
      ref.path,
      `belongs to group ${JSON.stringify(decoded.group)}, not ${JSON.stringify(group)}`
    );
  }
  const { index, term } = decoded.snapshot.meta;
  if (index !== ref.index || term !== ref.term) {
    throw new SnapshotCorruptionError(
      ref.path,
      `holds index ${index} term ${term}, its name says ${ref.index}/${ref.term}`
    );
  }
  return decoded.snapshot;
}

/** The snapshot files of a group, newest (highest index) first. Leftover temp files are removed. */
export async function listSnapshotFiles(
  snapRoot: string,
  group: GroupId
): Promise<SnapshotFileRef[]> {
  const dir = groupSnapshotDir(snapRoot, group);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SnapshotFileRef[] = [];
  for (const name of names) {
    if (name.endsWith('.snap.tmp')) {
      await unlink(join(dir, name));
      continue;
    }
    const m = NAME_RE.exec(name);
    if (m === null) continue;
    out.push({
      index: parseInt(m[1] as string, 16),
      term: parseInt(m[2] as string, 16),
      path: join(dir, name),
    });
  }
  return out.sort((a, b) => b.index - a.index || b.term - a.term);
}
