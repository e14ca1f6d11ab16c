/**
 * Rebuilds every group's state from the WAL segments and snapshot files.
 *
 * Segments are replayed in order through GroupLog, the same rules the writer validated with,
 * so anything the writer could not have produced (a gap, a decreasing term, an older
 * snapshot) is reported as corruption instead of being replayed.
 *
 * The only damage repaired silently (with a log line) is a torn tail: an invalid frame in the
 * last segment with no valid frame after it. It can only be the batch whose fsync had not
 * returned when the process died, so nothing in it was acknowledged. Anything else is a
 * WalCorruptionError naming the file and offset.
 */
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroupId } from '../raft/types.js';
import { InvalidLogWriteError, SnapshotCorruptionError, WalCorruptionError } from './errors.js';
import { fsyncDir, readFully } from './fs-util.js';
import { GroupLog } from './group-log.js';
import { listSnapshotFiles, readSnapshotFile } from './snapshot-file.js';
import type { StorageLogger } from './types.js';
import {
  BATCH_HEADER_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_TYPE_BATCH,
  FormatError,
  MAX_FRAME_BYTES,
  RecordType,
  SEGMENT_HEADER_BYTES,
  decodeBatch,
  decodeSegmentHeader,
  probeFrame,
  type WalRecord,
} from './wal-format.js';

/** Segment files are named by their number, 16 hex digits, so lexical order is log order. */
export const SEGMENT_NAME_RE = /^([0-9a-f]{16})\.wal$/;
/** A segment is at most its size limit plus one batch; anything far bigger is not ours. */
export const MAX_SEGMENT_FILE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/** `<seq>.wal` with 16 hex digits. */
export function segmentFileName(seq: number): string {
  return `${seq.toString(16).padStart(16, '0')}.wal`;
}

/** A segment that recovery found intact (after any tail truncation). */
export interface SegmentInfo {
  readonly seq: number;
  readonly path: string;
  /** Highest entry index written per group in this segment: it may be deleted once every group compacted past it. */
  readonly maxIndex: Map<GroupId, number>;
}

/** Everything replay produced: the groups, the intact segments, what was repaired. */
export interface RecoveryResult {
  readonly groups: Map<GroupId, GroupLog>;
  readonly segments: SegmentInfo[];
  /** The batch sequence number the next frame must carry. */
  readonly nextBatchSeq: number;
  /** Set when a torn tail was cut off. */
  readonly truncatedTail?: {
    readonly file: string;
    readonly offset: number;
    readonly droppedBytes: number;
  };
  /** Snapshot files that failed validation (an older valid one was used instead). */
  readonly snapshotProblems: SnapshotCorruptionError[];
}

/** Where to recover from, and the bounds and logger to use. */
export interface RecoveryOptions {
  readonly walDir: string;
  readonly snapRoot: string;
  readonly maxSnapshotBytes: number;
  readonly logger: StorageLogger;
}

/** A placeholder confState for a snapshot marker until its file is loaded. */
const NO_CONF = {
  voters: [],
  votersOutgoing: [],
  learners: [],
  learnersNext: [],
  autoLeave: false,
};

/**
 * Whether some valid frame with a higher batch sequence starts after `from`: then the damage
 * at `from` is in the middle of the log, not a torn tail.
 */
function validFrameAfter(b: Buffer, from: number, lastSeq: number): number | undefined {
  const lastStart = b.length - FRAME_HEADER_BYTES - BATCH_HEADER_BYTES;
  for (let q = from + 1; q <= lastStart; q++) {
    if (b[q + 8] !== FRAME_TYPE_BATCH) continue;
    const len = b.readUInt32LE(q);
    if (
      len < BATCH_HEADER_BYTES ||
      len > MAX_FRAME_BYTES ||
      q + FRAME_HEADER_BYTES + len > b.length
    )
      continue;
    const seq = b.readDoubleLE(q + FRAME_HEADER_BYTES);
    if (!Number.isSafeInteger(seq) || seq <= lastSeq) continue;
    if (probeFrame(b, q).ok) return q;
  }
  return undefined;
}

/**
 * A segment whose creation was cut short by a crash: shorter than its header, or its first
 * bytes never reached the disk (zeros). A full header with a wrong magic is someone else's file.
 */
function isZero(b: Buffer, from: number): boolean {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function looksHalfCreated(b: Buffer): boolean {
  return b.length < SEGMENT_HEADER_BYTES || b.subarray(0, 8).every((x) => x === 0);
}

function applyRecord(
  groups: Map<GroupId, GroupLog>,
  rec: WalRecord,
  maxIndex: Map<GroupId, number>,
  trimmed: boolean,
  seen: Set<GroupId>,
  earlier: readonly SegmentInfo[]
): void {
  if (rec.type === RecordType.Drop) {
    // The dropped incarnation's entries no longer hold any segment back from deletion.
    for (const seg of earlier) seg.maxIndex.delete(rec.group);
    // Whatever follows for this group is a new incarnation written after the drop, so its
    // first entries never follow a hole.
    groups.delete(rec.group);
    maxIndex.delete(rec.group);
    seen.add(rec.group);
    return;
  }
  let log = groups.get(rec.group);
  if (log === undefined) {
    log = new GroupLog(rec.group);
    groups.set(rec.group, log);
  }
  switch (rec.type) {
    case RecordType.Entries: {
      // Once the oldest segments are deleted, a group's first surviving entries may start past
      // the snapshot in the checkpoint: the snapshot covering the hole is recorded later in
      // the log. Whether one did is checked after replay.
      const first = rec.entries[0];
      if (trimmed && !seen.has(rec.group) && first !== undefined && first.index > log.base() + 1) {
        log.adoptHead(rec.entries);
      } else {
        log.append(rec.entries);
      }
      seen.add(rec.group);
      const last = rec.entries[rec.entries.length - 1];
      if (last !== undefined)
        maxIndex.set(rec.group, Math.max(maxIndex.get(rec.group) ?? 0, last.index));
      break;
    }
    case RecordType.HardState:
      log.setHardState(rec.hardState);
      break;
    case RecordType.Snapshot:
      log.saveSnapshot(
        { meta: { index: rec.index, term: rec.term, confState: NO_CONF }, data: new Uint8Array(0) },
        rec.keepsLog,
        rec.restated
      );
      break;
    case RecordType.Compact:
      log.compact(rec.index);
      break;
  }
}

async function readWhole(path: string): Promise<Buffer> {
  const size = (await stat(path)).size;
  if (size > MAX_SEGMENT_FILE_BYTES) {
    throw new WalCorruptionError(
      path,
      0,
      `segment is ${size} bytes, larger than any segment this store writes`
    );
  }
  const fh = await open(path, 'r');
  try {
    return await readFully(fh, size);
  } finally {
    await fh.close();
  }
}

async function truncateFile(path: string, length: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(length);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replays the WAL and loads each group's snapshot. Throws WalCorruptionError / SnapshotCorruptionError. */
export async function recoverWal(opts: RecoveryOptions): Promise<RecoveryResult> {
  const names = (await readdir(opts.walDir)).filter((n) => SEGMENT_NAME_RE.test(n)).sort();
  const groups = new Map<GroupId, GroupLog>();
  const segments: SegmentInfo[] = [];
  let lastSeq = 0;
  let truncatedTail: RecoveryResult['truncatedTail'];
  // Segment 1 is the first ever written; a higher first number means older ones were deleted.
  const firstName = names[0];
  const trimmed = firstName !== undefined && parseInt(firstName.slice(0, 16), 16) > 1;
  /** Groups whose entries were replayed already: only a group's first entries may follow a hole. */
  const seen = new Set<GroupId>();

  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const path = join(opts.walDir, name);
    const seq = parseInt((SEGMENT_NAME_RE.exec(name) as RegExpExecArray)[1] as string, 16);
    const isLast = i === names.length - 1;
    const prev = segments[segments.length - 1];
    if (prev !== undefined && seq !== prev.seq + 1) {
      throw new WalCorruptionError(
        path,
        0,
        `segment ${prev.seq + 1} is missing (found ${prev.seq}, then ${seq})`
      );
    }
    const b = await readWhole(path);
    try {
      const headerSeq = decodeSegmentHeader(b);
      if (headerSeq !== seq)
        throw new FormatError(`header names segment ${headerSeq}, file name says ${seq}`, 12);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      // A segment is created and its header fsynced before anything refers to it, so only the
      // newest one can be half-created; it holds nothing acknowledged if no frame in it is valid.
      if (isLast && looksHalfCreated(b) && validFrameAfter(b, 0, lastSeq) === undefined) {
        opts.logger.warn(`wal: removing half-created segment ${path} (${err.message})`);
        await unlink(path);
        await fsyncDir(opts.walDir);
        truncatedTail = { file: path, offset: 0, droppedBytes: b.length };
        break;
      }
      throw new WalCorruptionError(path, err.offset, err.message, { cause: err });
    }

    const maxIndex = new Map<GroupId, number>();
    let p = SEGMENT_HEADER_BYTES;
    while (p < b.length) {
      const probe = probeFrame(b, p);
      if (!probe.ok) {
        const later = isLast ? validFrameAfter(b, p, lastSeq) : undefined;
        if (!isLast || later !== undefined) {
          const where =
            later === undefined
              ? 'in a segment that is not the last'
              : `valid data follows at ${later}`;
          throw new WalCorruptionError(path, p, `${probe.reason}; ${where}`);
        }
        if (isZero(b, p)) {
          opts.logger.info(
            `wal: ${path}: dropping ${b.length - p} preallocated bytes after offset ${p}`
          );
        } else
          opts.logger.warn(
            `wal: truncating torn tail of ${path} at offset ${p} (${b.length - p} bytes: ${probe.reason}); it was never acknowledged`
          );
        await truncateFile(path, p);
        truncatedTail = { file: path, offset: p, droppedBytes: b.length - p };
        break;
      }
      if (lastSeq !== 0 && probe.seq !== lastSeq + 1) {
        throw new WalCorruptionError(path, p, `batch ${probe.seq} follows batch ${lastSeq}`);
      }
      try {
        for (const rec of decodeBatch(b, probe.payloadStart, probe.end))
          applyRecord(groups, rec, maxIndex, trimmed, seen, segments);
      } catch (err) {
        if (err instanceof FormatError) {
          throw new WalCorruptionError(path, p, `batch ${probe.seq}: ${err.message}`, {
            cause: err,
          });
        }
        if (err instanceof InvalidLogWriteError) {
          throw new WalCorruptionError(
            path,
            p,
            `batch ${probe.seq} is inconsistent with the log before it: ${err.message}`,
            { cause: err }
          );
        }
        throw err;
      }
      lastSeq = probe.seq;
      p = probe.end;
    }
    segments.push({ seq, path, maxIndex });
  }

  for (const log of groups.values()) {
    const head = log.entries[0];
    if (head !== undefined && head.index > log.base() + 1) {
      const file = segments[0]?.path ?? opts.walDir;
      throw new WalCorruptionError(
        file,
        0,
        `group ${JSON.stringify(log.group)}: entries before ${head.index} are missing and no snapshot covers them`
      );
    }
  }
  const snapshotProblems = await loadSnapshots(groups, opts);
  const result: RecoveryResult = { groups, segments, nextBatchSeq: lastSeq + 1, snapshotProblems };
  return truncatedTail === undefined ? result : { ...result, truncatedTail };
}

/**
 * Replaces each snapshot marker by the snapshot file it names. If that file is missing or bad,
 * an older valid file is used when the retained log still covers everything after it.
 */
async function loadSnapshots(
  groups: Map<GroupId, GroupLog>,
  opts: RecoveryOptions
): Promise<SnapshotCorruptionError[]> {
  const problems: SnapshotCorruptionError[] = [];
  for (const [group, log] of groups) {
    const marker = log.snapshot?.meta;
    if (marker === undefined) continue;
    const files = await listSnapshotFiles(opts.snapRoot, group);
    const own = files.find((f) => f.index === marker.index && f.term === marker.term);
    const groupProblems: SnapshotCorruptionError[] = [];
    if (own === undefined) {
      groupProblems.push(
        new SnapshotCorruptionError(
          `snapshot ${marker.index}/${marker.term} of group ${JSON.stringify(group)}`,
          'file is missing'
        )
      );
    }
    for (const ref of files) {
      if (ref.index > marker.index || (ref.index === marker.index && ref !== own)) continue;
      if (ref !== own && !coversAfter(log, ref.index, ref.term, marker.index)) continue;
      try {
        log.snapshot = await readSnapshotFile(ref, group, opts.maxSnapshotBytes);
        if (ref !== own) {
          opts.logger.warn(
            `wal: group ${JSON.stringify(group)} restored from older snapshot ${ref.path}`
          );
        }
        break;
      } catch (err) {
        if (!(err instanceof SnapshotCorruptionError)) throw err;
        opts.logger.warn(`wal: ${err.message}`);
        groupProblems.push(err);
      }
    }
    if (log.snapshot?.meta.confState === NO_CONF) {
      const first = groupProblems[0] as SnapshotCorruptionError;
      throw new SnapshotCorruptionError(
        first.file,
        `${first.message.replace(/^snapshot file \S+ is unusable: /, '')}; no older snapshot file can replace it`,
        {
          cause: first,
        }
      );
    }
    problems.push(...groupProblems);
  }
  return problems;
}

/** Whether the log still holds every entry after (index, term) up to the marker's index. */
function coversAfter(log: GroupLog, index: number, term: number, markerIndex: number): boolean {
  const head = log.entries[0];
  const tail = log.entries[log.entries.length - 1];
  if (head === undefined || tail === undefined) return false;
  if (head.index > index + 1 || tail.index < markerIndex) return false;
  return head.index === index + 1 || log.termAt(index) === term;
}
