/**
 * The on-disk LogStore: one write-ahead log per process for all groups (so one fsync commits a
 * whole Ready round of every group, like dragonboat's LogDB), plus one snapshot file per saved
 * snapshot. Format and guarantees: docs/storage.md.
 *
 * Staging encodes records straight into the next batch's buffer. `sync()` seals the batch as one
 * checksummed frame, writes any snapshot files it refers to (fsynced first), and appends the
 * frame to the current segment, opened O_DSYNC so the write returns once it is on stable
 * storage (write + fdatasync in one system call). Only one flush runs at a time; syncs called
 * while it runs are served together by the next one (group commit).
 */
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry, GroupId, HardState, Snapshot } from '../raft/types.js';
import {
  StagingLimitError,
  StorageError,
  StorageClosedError,
  StorageConfigError,
  WalFailedError,
} from './errors.js';
import type { SnapshotCorruptionError } from './errors.js';
import { fsyncDir, writeFully } from './fs-util.js';
import { GroupLog } from './group-log.js';
import { checkSnapshotFileSize, listSnapshotFiles, writeSnapshotFile } from './snapshot-file.js';
import type { LogStore, RecoveredGroup, StorageLogger } from './types.js';
import { validateEntries, validateGroupId, validateSnapshotMeta } from './validate.js';
import { BatchBuilder, MAX_FRAME_BYTES, encodeSegmentHeader } from './wal-format.js';
import {
  recoverWal,
  segmentFileName,
  type RecoveryResult,
  type SegmentInfo,
} from './wal-recovery.js';

/** What recovery did, without the recovered data. */
export interface RecoveryReport {
  /** Segment files found intact. */
  readonly segments: number;
  /** Set when a torn tail (or a half-created segment) was cut off. */
  readonly truncatedTail?: RecoveryResult['truncatedTail'];
  /** Snapshot files that failed validation (an older valid one was used instead). */
  readonly snapshotProblems: readonly SnapshotCorruptionError[];
}

/** Options of WalLogStore.open(); every bound is checked (StorageConfigError). */
export interface WalLogStoreOptions {
  /** The store owns `<dataDir>/wal/` and `<dataDir>/snap/`. One process at a time. */
  readonly dataDir: string;
  /** A segment is closed and a new one started once it reaches this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** Bytes that may be staged before a sync; staging beyond throws StagingLimitError. Default 64 MiB. */
  readonly maxStagedBytes?: number;
  /** Largest snapshot file recovery will read; saveSnapshot() refuses larger ones. Default 1 GiB. */
  readonly maxSnapshotBytes?: number;
  /**
   * The segment file is extended with zeros this many bytes ahead of the data (0: never).
   * A synchronous write into already-allocated space has no size change to journal, which
   * on ext4 makes it several times faster than an appending write. Default 4 MiB.
   */
  readonly preallocateBytes?: number;
  /** Snapshot files kept per group (the newest), so a damaged newest one has a fallback. Default 2. */
  readonly keepSnapshots?: number;
  /**
   * A flush (snapshot files, frame write) taking longer than this fails the store: a disk that
   * stops answering must surface as an error, not as syncs that never return. Default 60 s.
   */
  readonly stallTimeoutMs?: number;
  readonly logger?: StorageLogger;
}

const MiB = 1024 * 1024;

function checkRange(
  name: string,
  v: number | undefined,
  def: number,
  min: number,
  max: number
): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new StorageConfigError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

const stderrLogger: StorageLogger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`${m}\n`),
};

/** The segment being appended to. */
interface OpenSegment {
  readonly seq: number;
  readonly path: string;
  readonly fh: FileHandle;
  /** Bytes of frames. Invariant: size <= allocated (the file length, zeros past size). */
  size: number;
  allocated: number;
  /** A background preallocation in progress, and the error of a failed one (fatal on next use). */
  extending?: Promise<void> | undefined;
  extendError?: unknown;
  readonly maxIndex: Map<GroupId, number>;
}

interface Waiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** What one flush writes, taken from the staging state in one synchronous step. */
interface TakenBatch {
  readonly gen: number;
  readonly frame: Buffer;
  readonly snapshots: { group: GroupId; snapshot: Snapshot }[];
  readonly maxIndex: Map<GroupId, number>;
  readonly compactions: Map<GroupId, number>;
  readonly snapshotIndexes: Map<GroupId, number>;
  /** Groups dropped in this batch (before any of their records that follow in it). */
  readonly drops: Set<GroupId>;
  /** Set when the segment is full after this batch: the next segment's first frame. */
  readonly checkpoint?: Buffer;
}

/** The on-disk LogStore (see the file comment and docs/storage.md). Open with WalLogStore.open(). */
export class WalLogStore implements LogStore {
  private readonly walDir: string;
  private readonly snapRoot: string;
  private readonly segmentBytes: number;
  private readonly maxStagedBytes: number;
  private readonly keepSnapshots: number;
  /** Recovery refuses larger snapshot files, so staging refuses to write them. */
  private readonly maxSnapshotBytes: number;
  private readonly preallocateBytes: number;
  private readonly stallTimeoutMs: number;
  private readonly logger: StorageLogger;

  /** Staged view per group (durable + staged), used to validate each write. */
  private readonly groups: Map<GroupId, GroupLog>;
  /** What open() recovered; released by the first load() so it does not pin compacted entries. */
  private recovered: Map<GroupId, RecoveredGroup> | undefined;
  /** What recovery repaired or skipped, for operators and tests. */
  readonly recovery: RecoveryReport;

  private builder = new BatchBuilder();
  private stagedSnapshots: { group: GroupId; snapshot: Snapshot }[] = [];
  private stagedMaxIndex = new Map<GroupId, number>();
  private stagedCompactions = new Map<GroupId, number>();
  private stagedSnapshotIndexes = new Map<GroupId, number>();
  private stagedDrops = new Set<GroupId>();

  /** Closed segments, oldest first; a prefix of them is deleted once compaction covers it. */
  private readonly segments: SegmentInfo[];
  private current: OpenSegment;
  private nextBatchSeq: number;

  /** Batches handed to the flusher / made durable. Invariant: durableGen <= takenGen. */
  private takenGen = 0;
  private durableGen = 0;
  private waiters: Waiter[] = [];
  /** The running flush loop, if any. Invariant: flushActive iff a loop has not yet exited. */
  private flushing: Promise<void> | undefined;
  private flushActive = false;
  private failed: WalFailedError | undefined;
  private closed = false;

  private flushes = 0;
  private bytesWritten = 0;

  private readonly durableCompacted = new Map<GroupId, number>();
  private readonly durableSnapshotIndex = new Map<GroupId, number>();

  private constructor(
    opts: Required<Omit<WalLogStoreOptions, 'dataDir'>> & { walDir: string; snapRoot: string },
    recovery: RecoveryResult,
    current: OpenSegment
  ) {
    this.walDir = opts.walDir;
    this.snapRoot = opts.snapRoot;
    this.segmentBytes = opts.segmentBytes;
    this.maxStagedBytes = opts.maxStagedBytes;
    this.keepSnapshots = opts.keepSnapshots;
    this.maxSnapshotBytes = opts.maxSnapshotBytes;
    this.preallocateBytes = opts.preallocateBytes;
    this.stallTimeoutMs = opts.stallTimeoutMs;
    this.logger = opts.logger;
    this.recovery = {
      segments: recovery.segments.length,
      snapshotProblems: recovery.snapshotProblems,
      ...(recovery.truncatedTail === undefined ? {} : { truncatedTail: recovery.truncatedTail }),
    };
    this.groups = recovery.groups;
    this.segments = recovery.segments;
    this.current = current;
    this.nextBatchSeq = recovery.nextBatchSeq + 1;
    const recovered = new Map<GroupId, RecoveredGroup>();
    this.recovered = recovered;
    for (const [group, log] of this.groups) {
      recovered.set(group, log.recovered());
      this.durableCompacted.set(group, log.compacted);
      this.durableSnapshotIndex.set(group, log.base());
    }
  }

  /**
   * Opens (creating if needed) the store in `dataDir`, recovering what is there. Throws
   * WalCorruptionError / SnapshotCorruptionError when the data cannot be trusted, and
   * StorageConfigError for bad options.
   */
  static async open(options: WalLogStoreOptions): Promise<WalLogStore> {
    if (typeof options.dataDir !== 'string' || options.dataDir.length === 0) {
      throw new StorageConfigError('dataDir must be a non-empty path');
    }
    const segmentBytes = checkRange(
      'segmentBytes',
      options.segmentBytes,
      64 * MiB,
      4096,
      1024 * MiB
    );
    const maxStagedBytes = checkRange(
      'maxStagedBytes',
      options.maxStagedBytes,
      64 * MiB,
      4096,
      MAX_FRAME_BYTES - MiB
    );
    const maxSnapshotBytes = checkRange(
      'maxSnapshotBytes',
      options.maxSnapshotBytes,
      1024 * MiB,
      1024,
      2 ** 31 - 1
    );
    const keepSnapshots = checkRange('keepSnapshots', options.keepSnapshots, 2, 1, 100);
    const preallocateBytes = checkRange(
      'preallocateBytes',
      options.preallocateBytes,
      Math.min(4 * MiB, segmentBytes),
      0,
      segmentBytes
    );
    const stallTimeoutMs = checkRange(
      'stallTimeoutMs',
      options.stallTimeoutMs,
      60_000,
      1,
      3_600_000
    );
    const logger = options.logger ?? stderrLogger;
    const walDir = join(options.dataDir, 'wal');
    const snapRoot = join(options.dataDir, 'snap');
    await mkdir(walDir, { recursive: true });
    await mkdir(snapRoot, { recursive: true });
    await fsyncDir(options.dataDir);

    const recovery = await recoverWal({ walDir, snapRoot, maxSnapshotBytes, logger });
    if (recovery.truncatedTail !== undefined) {
      const t = recovery.truncatedTail;
      logger.info(`wal: recovered after dropping ${t.droppedBytes} unsynced bytes of ${t.file}`);
    }
    // Always continue in a fresh segment: recovered segments are never written again, and the
    // new one starts with a checkpoint of the recovered state so older ones can go.
    const seq = (recovery.segments[recovery.segments.length - 1]?.seq ?? 0) + 1;
    const checkpoint = checkpointFrame(recovery.groups, recovery.nextBatchSeq);
    const current = await createSegment(walDir, seq, checkpoint, preallocateBytes);
    const store = new WalLogStore(
      {
        segmentBytes,
        maxStagedBytes,
        maxSnapshotBytes,
        keepSnapshots,
        preallocateBytes,
        stallTimeoutMs,
        logger,
        walDir,
        snapRoot,
      },
      recovery,
      current
    );
    await store.collectGarbage(new Set(recovery.groups.keys()));
    return store;
  }

  append(group: GroupId, entries: readonly Entry[]): void {
    this.checkUsable();
    validateGroupId(group);
    if (entries.length === 0) return;
    validateEntries(group, entries);
    this.reserve(BatchBuilder.entriesRecordBytes(group, entries));
    this.log(group).append(entries, true);
    this.builder.putEntries(group, entries);
    const last = (entries[entries.length - 1] as Entry).index;
    if (last > (this.stagedMaxIndex.get(group) ?? 0)) this.stagedMaxIndex.set(group, last);
  }

  setHardState(group: GroupId, hardState: HardState): void {
    this.checkUsable();
    validateGroupId(group);
    this.reserve(64 + 2 * 256 + 4);
    const hs: HardState = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
    this.log(group).setHardState(hs);
    this.builder.putHardState(group, hs);
  }

  saveSnapshot(group: GroupId, snapshot: Snapshot): void {
    this.checkUsable();
    validateGroupId(group);
    this.reserve(64 + 256);
    // The size check reads the confState, so the metadata is validated first.
    validateSnapshotMeta(group, snapshot.meta);
    checkSnapshotFileSize(group, snapshot, this.maxSnapshotBytes);
    const kept = this.log(group).saveSnapshot(snapshot);
    this.builder.putSnapshot(group, snapshot.meta.index, snapshot.meta.term, kept);
    this.stagedSnapshots.push({ group, snapshot });
    this.stagedSnapshotIndexes.set(group, snapshot.meta.index);
  }

  compact(group: GroupId, index: number): void {
    this.checkUsable();
    validateGroupId(group);
    this.reserve(64 + 256);
    const log = this.log(group);
    log.compact(index);
    this.builder.putCompact(group, index);
    this.stagedCompactions.set(group, log.compacted);
  }

  /**
   * Stages the removal of a group's whole state (log, hard state, snapshot, compaction point):
   * after the sync, a restart no longer recovers it, its snapshot files are deleted and its
   * entries stop holding segments back. Writes staged for the group afterwards start a new,
   * empty group of the same id (a replica destroyed and re-created).
   */
  dropGroup(group: GroupId): void {
    this.checkUsable();
    validateGroupId(group);
    this.reserve(16 + 256);
    this.groups.delete(group);
    this.builder.putDrop(group);
    // Entries staged earlier in this batch belong to the dropped incarnation.
    this.stagedMaxIndex.delete(group);
    this.stagedCompactions.delete(group);
    this.stagedSnapshotIndexes.delete(group);
    this.stagedSnapshots = this.stagedSnapshots.filter((s) => s.group !== group);
    this.stagedDrops.add(group);
  }

  /** Counters: flushes (one fsync of the log each), bytes appended, live segment files. */
  stats(): { flushes: number; bytesWritten: number; segments: number } {
    return {
      flushes: this.flushes,
      bytesWritten: this.bytesWritten,
      segments: this.segments.length + 1,
    };
  }

  /** Bytes staged and not yet handed to a flush. */
  get stagedBytes(): number {
    return this.builder.records === 0 ? 0 : this.builder.bytes;
  }

  sync(): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new StorageClosedError());
    const target = this.builder.records > 0 ? this.takenGen + 1 : this.takenGen;
    if (target <= this.durableGen) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) =>
      this.waiters.push({ target, resolve, reject })
    );
    this.kick();
    return done;
  }

  /**
   * The state recovered when the store was opened. It is handed over once: the store then
   * drops its reference, so entries compacted later are not kept alive by it. A second call
   * throws StorageError.
   */
  load(): Map<GroupId, RecoveredGroup> {
    if (this.closed) throw new StorageClosedError();
    const recovered = this.recovered;
    if (recovered === undefined) {
      throw new StorageError('load() hands over the recovered state once and was already called');
    }
    this.recovered = undefined;
    return recovered;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    let syncError: unknown;
    try {
      if (this.failed === undefined) await this.sync();
    } catch (err) {
      syncError = err;
    }
    // A stalled flush already failed the store; do not wait for it forever.
    await settleWithin(this.flushing, this.stallTimeoutMs);
    this.closed = true;
    try {
      // A cleanly closed segment has no preallocated zeros, so a reader never mistakes them
      // for a torn tail. A background extension that never settles (a stalled disk) is not
      // waited for: the zeros it leaves are dropped by recovery like any preallocated tail.
      const settled = await settleWithin(
        settleExtension(this.current).catch(() => undefined),
        this.stallTimeoutMs
      );
      if (settled && this.failed === undefined) await trimSegment(this.current);
    } finally {
      await this.current.fh.close();
    }
    if (syncError !== undefined) throw syncError;
  }

  private checkUsable(): void {
    if (this.closed) throw new StorageClosedError();
    if (this.failed !== undefined) throw this.failed;
  }

  private reserve(bytes: number): void {
    const staged = this.builder.bytes + bytes;
    if (staged > this.maxStagedBytes) throw new StagingLimitError(staged, this.maxStagedBytes);
  }

  private log(group: GroupId): GroupLog {
    let log = this.groups.get(group);
    if (log === undefined) {
      log = new GroupLog(group);
      this.groups.set(group, log);
    }
    return log;
  }

  private kick(): void {
    if (this.flushActive) return;
    this.flushActive = true;
    this.flushing = this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.builder.records > 0 && this.failed === undefined) {
        let timer: NodeJS.Timeout | undefined;
        const stalled = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`a flush did not complete within ${this.stallTimeoutMs} ms`)),
            this.stallTimeoutMs
          );
        });
        try {
          await Promise.race([this.flush(this.take()), stalled]);
        } catch (err) {
          this.fail(err);
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      // Cleared in the same synchronous step as the loop's last check, so a write staged after
      // it always finds the flag down and starts a new loop.
      this.flushActive = false;
    }
  }

  /** Seals the staged batch; synchronous, so it is exactly what was staged up to now. */
  private take(): TakenBatch {
    const frame = this.builder.finish(this.nextBatchSeq++);
    const full = this.current.size + frame.length >= this.segmentBytes;
    const batch: TakenBatch = {
      gen: ++this.takenGen,
      frame,
      snapshots: this.stagedSnapshots,
      maxIndex: this.stagedMaxIndex,
      compactions: this.stagedCompactions,
      snapshotIndexes: this.stagedSnapshotIndexes,
      drops: this.stagedDrops,
      ...(full ? { checkpoint: checkpointFrame(this.groups, this.nextBatchSeq++) } : {}),
    };
    this.stagedSnapshots = [];
    this.stagedMaxIndex = new Map();
    this.stagedCompactions = new Map();
    this.stagedSnapshotIndexes = new Map();
    this.stagedDrops = new Set();
    return batch;
  }

  private async flush(batch: TakenBatch): Promise<void> {
    // Snapshot files first: the frame's markers must never name a file that is not durable.
    for (const s of batch.snapshots) await writeSnapshotFile(this.snapRoot, s.group, s.snapshot);
    const seg = this.current;
    const end = seg.size + batch.frame.length;
    if (end > seg.allocated) {
      await settleExtension(seg);
      if (end > seg.allocated && this.preallocateBytes > 0) {
        await preallocate(seg, end + this.preallocateBytes);
      }
    }
    // The segment is open with O_DSYNC: the write returns once the frame is on stable storage
    // (one system call instead of write + fdatasync).
    await writeFully(seg.fh, batch.frame, seg.size);
    seg.size = end;
    if (end > seg.allocated) seg.allocated = end;
    for (const g of batch.drops) {
      // Durable now: the old incarnation's entries no longer keep any segment.
      for (const old of this.segments) old.maxIndex.delete(g);
      seg.maxIndex.delete(g);
      this.durableCompacted.delete(g);
      this.durableSnapshotIndex.delete(g);
    }
    for (const [g, i] of batch.maxIndex) if (i > (seg.maxIndex.get(g) ?? 0)) seg.maxIndex.set(g, i);
    if (this.failed !== undefined) return;
    this.extendAhead(seg);
    this.flushes++;
    this.bytesWritten += batch.frame.length;

    if (batch.checkpoint !== undefined) {
      // The full segment loses its zero tail before the next one exists: only the last
      // segment may end in something other than a whole frame.
      await settleExtension(seg);
      await trimSegment(seg);
      this.current = await createSegment(
        this.walDir,
        seg.seq + 1,
        batch.checkpoint,
        this.preallocateBytes
      );
      this.segments.push({ seq: seg.seq, path: seg.path, maxIndex: seg.maxIndex });
      await seg.fh.close();
    }

    for (const [g, i] of batch.compactions) this.durableCompacted.set(g, i);
    for (const [g, i] of batch.snapshotIndexes) this.durableSnapshotIndex.set(g, i);
    // Reclaiming runs before the waiters are released (it is rare: after a compaction, a
    // snapshot or a rotation), so when sync() returns the space is reclaimed too.
    if (
      batch.compactions.size > 0 ||
      batch.snapshotIndexes.size > 0 ||
      batch.drops.size > 0 ||
      batch.checkpoint !== undefined
    ) {
      // A dropped group's snapshot files all lie above its (now absent) durable marker.
      await this.collectGarbage(new Set([...batch.snapshotIndexes.keys(), ...batch.drops]));
    }

    this.durableGen = batch.gen;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.target <= batch.gen) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /**
   * Deletes the oldest segments whose entries every group has compacted, and snapshot files
   * beyond the newest `keepSnapshots` of the groups given. Failures are logged, not fatal:
   * leftover files cost space, never correctness.
   */
  private async collectGarbage(snapshotGroups: Set<GroupId>): Promise<void> {
    try {
      let removed = 0;
      while (removed < this.segments.length) {
        const seg = this.segments[removed] as SegmentInfo;
        let covered = true;
        for (const [g, i] of seg.maxIndex) {
          if (i > (this.durableCompacted.get(g) ?? 0)) {
            covered = false;
            break;
          }
        }
        if (!covered) break;
        await unlink(seg.path);
        removed++;
      }
      if (removed > 0) {
        this.segments.splice(0, removed);
        await fsyncDir(this.walDir);
      }
      for (const group of snapshotGroups) {
        const durable = this.durableSnapshotIndex.get(group) ?? 0;
        const files = await listSnapshotFiles(this.snapRoot, group);
        let kept = 0;
        for (const f of files) {
          // Files above the durable marker are leftovers of a crash between file and marker.
          if (f.index <= durable && kept < this.keepSnapshots) {
            kept++;
            continue;
          }
          await unlink(f.path);
        }
      }
    } catch (err) {
      this.logger.warn(
        `wal: garbage collection failed (will retry later): ${(err as Error).message}`
      );
    }
  }

  /**
   * Once less than half the preallocated space is left, extends the segment in the background
   * so the next flushes write into allocated space without waiting for it. Frames are written
   * below `allocated` only, so the zero writes never overlap them.
   */
  private extendAhead(seg: OpenSegment): void {
    const ahead = this.preallocateBytes;
    if (ahead === 0 || seg.extending !== undefined || seg.allocated - seg.size >= ahead / 2) return;
    seg.extending = preallocate(seg, seg.allocated + ahead).then(
      () => {
        seg.extending = undefined;
      },
      (err: unknown) => {
        seg.extending = undefined;
        seg.extendError = err;
      }
    );
  }

  private fail(err: unknown): void {
    this.failed = new WalFailedError((err as Error).message ?? String(err), { cause: err });
    this.logger.warn(this.failed.message);
    for (const w of this.waiters) w.reject(this.failed);
    this.waiters = [];
  }
}

/** A frame restating every group's hard state, snapshot and compaction point. */
function checkpointFrame(groups: Map<GroupId, GroupLog>, seq: number): Buffer {
  const b = new BatchBuilder();
  for (const [group, log] of groups) {
    const hs = log.hardState;
    if (hs.term !== 0 || hs.vote !== '' || hs.commit !== 0) b.putHardState(group, hs);
    if (log.snapshot !== undefined)
      // Restating the snapshot in use: the log after it is consistent with it. After a fallback
      // to an older file it is older than the last marker, hence the restated flag.
      b.putSnapshot(group, log.snapshot.meta.index, log.snapshot.meta.term, true, true);
    if (log.compacted > 0) b.putCompact(group, log.compacted);
  }
  return b.finish(seq);
}

/** Waits for `p` (which must not reject) at most `ms`; returns whether it settled in time. */
async function settleWithin(p: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (p === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const ZEROS = Buffer.alloc(1024 * 1024);

/** Waits for a background extension; rethrows its error (the store then fails closed). */
async function settleExtension(seg: OpenSegment): Promise<void> {
  if (seg.extending !== undefined) await seg.extending;
  if (seg.extendError !== undefined) throw seg.extendError;
}

/** Extends the segment file with zeros up to `length` (durable on return: O_DSYNC). */
async function preallocate(seg: OpenSegment, length: number): Promise<void> {
  let at = seg.allocated;
  while (at < length) {
    const n = Math.min(ZEROS.length, length - at);
    await writeFully(seg.fh, ZEROS.subarray(0, n), at);
    at += n;
  }
  seg.allocated = length;
}

/** Cuts the zeros past the last frame and makes the new length durable. */
async function trimSegment(seg: OpenSegment): Promise<void> {
  if (seg.allocated === seg.size) return;
  await seg.fh.truncate(seg.size);
  await seg.fh.sync();
  seg.allocated = seg.size;
}

/**
 * Creates segment `seq` with its header, first frame and preallocated space, durable (file
 * and directory entry) before use.
 */
async function createSegment(
  walDir: string,
  seq: number,
  firstFrame: Buffer,
  preallocateBytes: number
): Promise<OpenSegment> {
  const path = join(walDir, segmentFileName(seq));
  const fh = await open(
    path,
    fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_DSYNC
  );
  try {
    const head = Buffer.concat([encodeSegmentHeader(seq), firstFrame]);
    const seg: OpenSegment = {
      seq,
      path,
      fh,
      size: head.length,
      allocated: head.length,
      maxIndex: new Map(),
    };
    if (preallocateBytes > 0) await preallocate(seg, head.length + preallocateBytes);
    await writeFully(fh, head, 0);
    await fh.sync();
    await fsyncDir(walDir);
    return seg;
  } catch (err) {
    await fh.close();
    throw err;
  }
}
