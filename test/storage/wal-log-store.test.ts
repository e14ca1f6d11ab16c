import { afterEach, describe, expect, it } from '@jest/globals';
import {
  appendFile,
  cp,
  mkdir,
  readFile,
  readdir,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry } from '../../node/src/raft/types.js';
import {
  InvalidLogWriteError,
  SnapshotCorruptionError,
  StagingLimitError,
  StorageClosedError,
  StorageConfigError,
  WalCorruptionError,
  WalFailedError,
  WalLogStore,
  type WalLogStoreOptions,
} from '../../node/src/storage/index.js';
import { groupSnapshotDir } from '../../node/src/storage/snapshot-file.js';
import { TempDirs, ents, ids, memoryLogger, snap } from './helpers.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const SEG1 = '0000000000000001.wal';
const SEG2 = '0000000000000002.wal';

async function openStore(dataDir: string, extra: Partial<WalLogStoreOptions> = {}) {
  const logger = memoryLogger();
  const store = await WalLogStore.open({ dataDir, logger, ...extra });
  return { store, logger };
}

/** Start offsets of the frames in a segment file (header is 20 bytes, frame = 9 + length). */
function frameOffsets(b: Buffer): number[] {
  const out: number[] = [];
  for (let p = 20; p + 9 <= b.length; p += 9 + b.readUInt32LE(p)) out.push(p);
  return out;
}

/** Writes three batches to a fresh store (entries 1..3, 4..6, 7..9 of group g) and closes it. */
async function threeBatches(dataDir: string): Promise<void> {
  const { store } = await openStore(dataDir);
  for (let b = 0; b < 3; b++) {
    store.append('g', ents(b * 3 + 1, b * 3 + 3, 1));
    store.setHardState('g', { term: 1, vote: 'a', commit: b * 3 + 3 });
    await store.sync();
  }
  await store.close();
}

function data(e: Entry | undefined): string {
  return new TextDecoder().decode(e?.data);
}

describe('WalLogStore - round trip', () => {
  it('recovers entries and hard state of several groups after close', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir);
    expect(store.load().size).toBe(0);
    expect(() => store.load()).toThrow(/hands over the recovered state once/);
    store.append('alpha', ents(1, 5, 1));
    store.setHardState('alpha', { term: 1, vote: 'n1', commit: 3 });
    store.append('beta', ents(1, 2, 7));
    store.setHardState('beta', { term: 7, vote: '', commit: 0 });
    store.append('γ/unicode group', ents(1, 1, 2));
    await store.sync();
    store.append('alpha', ents(6, 6, 2));
    await store.close();

    const { store: again } = await openStore(dir);
    const loaded = again.load();
    expect(ids(loaded.get('alpha')?.entries ?? [])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 2],
    ]);
    expect(loaded.get('alpha')?.hardState).toEqual({ term: 1, vote: 'n1', commit: 3 });
    expect(ids(loaded.get('beta')?.entries ?? [])).toEqual([
      [1, 7],
      [2, 7],
    ]);
    expect(loaded.get('beta')?.hardState).toEqual({ term: 7, vote: '', commit: 0 });
    expect(data(loaded.get('γ/unicode group')?.entries[0])).toBe('e1t2');
    expect(again.recovery.truncatedTail).toBeUndefined();
    await again.close();
  });

  it('keeps the replacement when a conflicting suffix was overwritten', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir);
    store.append('g', ents(1, 6, 1));
    await store.sync();
    store.append('g', ents(4, 5, 2));
    await store.sync();
    await store.close();
    const { store: again } = await openStore(dir);
    const r = again.load().get('g');
    expect(ids(r?.entries ?? [])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
    ]);
    expect(data(r?.entries[3])).toBe('e4t2');
    // The recovered state is also what new writes are validated against.
    expect(() => again.append('g', ents(7, 7, 2))).toThrow(/gap: last index is 5/);
    await again.close();
  });

  it('commits many groups and concurrent syncs with one flush (group commit)', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir);
    for (let g = 0; g < 50; g++) store.append(`g${g}`, ents(1, 2, 1));
    const before = store.stats().flushes;
    await Promise.all(Array.from({ length: 10 }, () => store.sync()));
    expect(store.stats().flushes).toBe(before + 1);

    // Let the flush loop notice it is idle (it ends in microtasks, before the next macrotask).
    await new Promise((r) => setImmediate(r));
    // While a flush is in flight, later writes and syncs wait for one more flush together.
    store.append('g0', ents(3, 3, 1));
    const first = store.sync();
    store.append('g1', ents(3, 3, 1));
    const second = Promise.all([store.sync(), store.sync(), store.sync()]);
    await Promise.all([first, second]);
    expect(store.stats().flushes).toBe(before + 3);
    // A sync with nothing staged and nothing in flight resolves without a flush.
    await store.sync();
    expect(store.stats().flushes).toBe(before + 3);
    await store.close();
    const { store: again } = await openStore(dir);
    const loaded = again.load();
    expect(loaded.size).toBe(50);
    expect(ids(loaded.get('g1')?.entries ?? [])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    await again.close();
  });
});

describe('WalLogStore - validation and limits', () => {
  it('rejects invalid writes without staging them', async () => {
    const { store } = await openStore(await dirs.make());
    store.append('g', ents(1, 2, 2));
    const staged = store.stagedBytes;
    expect(() => store.append('g', ents(4, 4, 2))).toThrow(InvalidLogWriteError);
    expect(() => store.append('g', ents(3, 3, 1))).toThrow(/term decreases/);
    expect(() => store.setHardState('g', { term: 1.5, vote: '', commit: 0 })).toThrow(
      InvalidLogWriteError
    );
    expect(() => store.compact('g', 1)).toThrow(/snapshot only covers up to 0/);
    expect(() => store.append('x'.repeat(300), ents(1, 1, 1))).toThrow(/at most 256/);
    expect(store.stagedBytes).toBe(staged);
    await store.close();
  });

  it('bounds staged bytes: beyond the limit staging throws until a sync drains it', async () => {
    const { store } = await openStore(await dirs.make(), { maxStagedBytes: 8192 });
    const big = (first: number, n: number): Entry[] =>
      Array.from({ length: n }, (_, i) => ({
        index: first + i,
        term: 1,
        type: 0,
        data: new Uint8Array(1000),
      }));
    expect(() => store.append('g', big(1, 10))).toThrow(StagingLimitError);
    expect(store.stagedBytes).toBe(0);
    store.append('g', big(1, 5));
    expect(() => store.append('g', big(6, 5))).toThrow(/await sync\(\) before staging more/);
    await store.sync();
    store.append('g', big(6, 5));
    await store.close();
  });

  it('rejects bad options and use after close', async () => {
    const dir = await dirs.make();
    await expect(WalLogStore.open({ dataDir: dir, segmentBytes: 10 })).rejects.toThrow(
      StorageConfigError
    );
    await expect(WalLogStore.open({ dataDir: '' })).rejects.toThrow(/dataDir/);
    const { store } = await openStore(dir);
    await store.close();
    expect(() => store.append('g', ents(1, 1, 1))).toThrow(StorageClosedError);
    await expect(store.sync()).rejects.toThrow(StorageClosedError);
  });

  it('fails closed when a flush stalls beyond stallTimeoutMs', async () => {
    const { store, logger } = await openStore(await dirs.make(), { stallTimeoutMs: 1 });
    store.append('g', ents(1, 1, 1));
    // A 32 MiB snapshot file (written and fsynced in the flush) cannot finish within 1 ms.
    store.saveSnapshot('g', { ...snap(1, 1), data: new Uint8Array(32 * 1024 * 1024) });
    await expect(store.sync()).rejects.toThrow(/did not complete within 1 ms/);
    expect(() => store.append('g', ents(2, 2, 1))).toThrow(WalFailedError);
    expect(logger.lines.some((l) => l.includes('failed and accepts no more writes'))).toBe(true);
    await store.close();
  });

  it('close() does not wait forever for a preallocation that never completes', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir, { stallTimeoutMs: 50 });
    store.append('g', ents(1, 2, 1));
    await store.sync();
    // Stand-in for a disk that stopped answering during a background extension (the only way
    // to get one without a faulty device): the segment's extension promise never settles.
    (store as unknown as { current: { extending: Promise<void> } }).current.extending =
      new Promise<void>(() => undefined);
    await store.close();
    expect(() => store.append('g', ents(3, 3, 1))).toThrow(StorageClosedError);
    // The untrimmed zeros are dropped by recovery like any preallocated tail.
    const { store: again } = await openStore(dir);
    expect(ids(again.load().get('g')?.entries ?? [])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    await again.close();
  });

  it('fails closed after an I/O error: the sync rejects and later writes are refused', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir);
    // A plain file where the group's snapshot directory must go makes the snapshot write fail.
    await writeFile(groupSnapshotDir(join(dir, 'snap'), 'g'), 'in the way');
    store.append('g', ents(1, 3, 1));
    store.saveSnapshot('g', snap(3, 1));
    await expect(store.sync()).rejects.toThrow(WalFailedError);
    expect(() => store.append('g', ents(4, 4, 1))).toThrow(WalFailedError);
    await store.close();
  });
});

describe('WalLogStore - preallocated segments', () => {
  it('preallocates ahead of the data, drops the zeros after a crash and trims them on close', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir, { preallocateBytes: 64 * 1024 });
    store.append('g', ents(1, 50, 1));
    await store.sync();
    const seg = join(dir, 'wal', SEG1);
    const allocated = (await stat(seg)).size;
    expect(allocated).toBeGreaterThanOrEqual(64 * 1024);

    // A copy taken now is what a crash leaves: synced frames followed by zeros.
    const crashed = await dirs.make();
    await cp(dir, crashed, { recursive: true });
    const { store: recovered, logger } = await openStore(crashed);
    expect(ids(recovered.load().get('g')?.entries ?? [])).toEqual(ids(ents(1, 50, 1)));
    expect(logger.lines.some((l) => l.includes('preallocated bytes'))).toBe(true);
    expect(logger.lines.some((l) => l.includes('torn tail'))).toBe(false);
    await recovered.close();

    await store.close();
    const b = await readFile(seg);
    const offs = frameOffsets(b);
    const last = offs[offs.length - 1] as number;
    expect(b.length).toBe(last + 9 + b.readUInt32LE(last));
  });
});

describe('WalLogStore - torn tails and corruption', () => {
  it('truncates a half-written last batch and keeps everything before it', async () => {
    const dir = await dirs.make();
    await threeBatches(dir);
    // Cut into the last frame of the only segment.
    const seg = join(dir, 'wal', SEG1);
    const b = await readFile(seg);
    const offs = frameOffsets(b);
    const last = offs[offs.length - 1] as number;
    await truncate(seg, last + 15);

    const { store, logger } = await openStore(dir);
    const g = store.load().get('g');
    expect(ids(g?.entries ?? [])).toEqual(ids(ents(1, 6, 1)));
    expect(g?.hardState.commit).toBe(6);
    expect(store.recovery.truncatedTail).toEqual({ file: seg, offset: last, droppedBytes: 15 });
    expect(logger.lines.some((l) => l.includes('truncating torn tail') && l.includes(seg))).toBe(
      true
    );
    expect((await stat(seg)).size).toBe(last);
    // The store continues, and the repaired segment (no longer the last) reads back clean.
    store.append('g', ents(7, 7, 3));
    await store.close();
    const { store: again } = await openStore(dir);
    expect(ids(again.load().get('g')?.entries ?? []).at(-1)).toEqual([7, 3]);
    await again.close();
  });

  it.each([
    ['random garbage', Buffer.from('this is not a frame, just trailing junk of some length')],
    [
      'a frame header promising more than is there',
      Buffer.from([0xe8, 0x03, 0, 0, 1, 2, 3, 4, 1, 9, 9]),
    ],
    ['zeros', Buffer.alloc(4096)],
    ['a few bytes', Buffer.from([7, 7])],
  ])('treats %s after the last frame as a torn tail', async (_name, junk) => {
    const dir = await dirs.make();
    await threeBatches(dir);
    const seg = join(dir, 'wal', SEG1);
    const size = (await stat(seg)).size;
    await appendFile(seg, junk);
    const { store } = await openStore(dir);
    expect(ids(store.load().get('g')?.entries ?? [])).toEqual(ids(ents(1, 9, 1)));
    expect(store.recovery.truncatedTail?.offset).toBe(size);
    await store.close();
  });

  it('raises WalCorruptionError naming file and offset for a bad frame followed by valid ones', async () => {
    const dir = await dirs.make();
    await threeBatches(dir);
    const seg = join(dir, 'wal', SEG1);
    const b = await readFile(seg);
    const victim = frameOffsets(b)[2] as number;
    b[victim + 30] = (b[victim + 30] as number) ^ 0x40;
    await writeFile(seg, b);
    const err = await WalLogStore.open({ dataDir: dir, logger: memoryLogger() }).catch(
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect(err).toMatchObject({ file: seg, offset: victim });
    expect((err as Error).message).toMatch(/checksum mismatch; valid data follows/);
    // Nothing was "repaired": the file is untouched.
    expect((await readFile(seg)).equals(b)).toBe(true);
  });

  it('raises WalCorruptionError for damage in a segment that is not the last', async () => {
    const dir = await dirs.make();
    await threeBatches(dir);
    await (await openStore(dir)).store.close(); // segment 2 now follows segment 1
    const seg = join(dir, 'wal', SEG1);
    await truncate(seg, (await stat(seg)).size - 3);
    await expect(WalLogStore.open({ dataDir: dir, logger: memoryLogger() })).rejects.toThrow(
      /corrupt in .*0000000000000001\.wal at offset \d+: .*not the last/
    );
  });

  it('rejects a huge frame length, a wrong magic and a missing segment clearly', async () => {
    const dir = await dirs.make();
    await threeBatches(dir);
    const seg1 = join(dir, 'wal', SEG1);
    const b = await readFile(seg1);
    const victim = frameOffsets(b)[1] as number;
    const huge = Buffer.from(b);
    huge.writeUInt32LE(0xfffffff0, victim);
    await writeFile(seg1, huge);
    await expect(WalLogStore.open({ dataDir: dir, logger: memoryLogger() })).rejects.toThrow(
      /frame length 4294967280 out of range/
    );

    const notOurs = Buffer.concat([Buffer.from('NOTAWAL!'), Buffer.alloc(200, 1)]);
    await writeFile(seg1, notOurs);
    await expect(WalLogStore.open({ dataDir: dir, logger: memoryLogger() })).rejects.toThrow(
      /wrong magic/
    );

    await writeFile(seg1, b);
    await (await openStore(dir)).store.close();
    await (await openStore(dir)).store.close(); // now segments 1, 2, 3
    await unlink(join(dir, 'wal', SEG2));
    await expect(WalLogStore.open({ dataDir: dir, logger: memoryLogger() })).rejects.toThrow(
      /segment 2 is missing/
    );
  });

  it('reports entries whose history is missing after the oldest segment vanished', async () => {
    const dir = await dirs.make();
    await threeBatches(dir);
    const { store } = await openStore(dir);
    store.append('g', ents(10, 12, 1));
    await store.close();
    await unlink(join(dir, 'wal', SEG1));
    await expect(WalLogStore.open({ dataDir: dir, logger: memoryLogger() })).rejects.toThrow(
      /entries before 10 are missing and no snapshot covers them/
    );
  });

  it('removes a half-created last segment (crash while starting a segment)', async () => {
    const dir = await dirs.make();
    await threeBatches(dir);
    await writeFile(join(dir, 'wal', SEG2), Buffer.alloc(4096));
    const { store, logger } = await openStore(dir);
    expect(ids(store.load().get('g')?.entries ?? [])).toEqual(ids(ents(1, 9, 1)));
    expect(logger.lines.some((l) => l.includes('half-created segment'))).toBe(true);
    await store.close();
  });
});

describe('WalLogStore - snapshots and reclaiming space', () => {
  async function withSnapshots(dir: string, compactTo = 0): Promise<void> {
    const { store } = await openStore(dir);
    store.append('g', ents(1, 35, 1));
    for (const at of [10, 20, 30]) {
      store.saveSnapshot('g', snap(at, 1, `state@${at}`));
      await store.sync();
    }
    if (compactTo > 0) store.compact('g', compactTo);
    store.setHardState('g', { term: 1, vote: '', commit: 35 });
    await store.close();
  }

  it('writes snapshot files atomically, keeps the newest two and restores the newest', async () => {
    const dir = await dirs.make();
    await withSnapshots(dir);
    const files = await readdir(groupSnapshotDir(join(dir, 'snap'), 'g'));
    expect(files.sort()).toEqual([
      '0000000000000014-0000000000000001.snap',
      '000000000000001e-0000000000000001.snap',
    ]);
    const { store } = await openStore(dir);
    const r = store.load().get('g');
    expect(r?.snapshot?.meta).toMatchObject({
      index: 30,
      term: 1,
      confState: { voters: ['a', 'b', 'c'] },
    });
    expect(new TextDecoder().decode(r?.snapshot?.data)).toBe('state@30');
    expect(ids(r?.entries ?? [])).toEqual(ids(ents(31, 35, 1)));
    await store.close();
  });

  it('falls back to the previous snapshot when the newest fails its checksum and the log covers the gap', async () => {
    const dir = await dirs.make();
    await withSnapshots(dir);
    const newest = join(
      groupSnapshotDir(join(dir, 'snap'), 'g'),
      '000000000000001e-0000000000000001.snap'
    );
    const b = await readFile(newest);
    b[b.length - 10] = (b[b.length - 10] as number) ^ 1;
    await writeFile(newest, b);
    const { store, logger } = await openStore(dir);
    const r = store.load().get('g');
    expect(new TextDecoder().decode(r?.snapshot?.data)).toBe('state@20');
    expect(ids(r?.entries ?? [])).toEqual(ids(ents(21, 35, 1)));
    expect(store.recovery.snapshotProblems).toHaveLength(1);
    expect(store.recovery.snapshotProblems[0]).toBeInstanceOf(SnapshotCorruptionError);
    expect(store.recovery.snapshotProblems[0]?.file).toBe(newest);
    expect(logger.lines.some((l) => l.includes('checksum mismatch'))).toBe(true);
    store.append('g', ents(36, 36, 1));
    await store.close();

    // The next restart replays the old segments (with the marker of the bad snapshot) and
    // then the new segment's checkpoint: it must open again, with the same fallback.
    const { store: again } = await openStore(dir);
    const r2 = again.load().get('g');
    expect(new TextDecoder().decode(r2?.snapshot?.data)).toBe('state@20');
    expect(ids(r2?.entries ?? [])).toEqual(ids(ents(21, 36, 1)));
    await again.close();
  });

  it('falls back to the previous snapshot when the newest cannot be read at all', async () => {
    const dir = await dirs.make();
    await withSnapshots(dir);
    const newest = join(
      groupSnapshotDir(join(dir, 'snap'), 'g'),
      '000000000000001e-0000000000000001.snap'
    );
    // A directory under the file's name: stat and open succeed, read fails (EISDIR).
    await unlink(newest);
    await mkdir(newest);
    const { store } = await openStore(dir);
    const r = store.load().get('g');
    expect(new TextDecoder().decode(r?.snapshot?.data)).toBe('state@20');
    expect(store.recovery.snapshotProblems.map((p) => p.message)).toEqual([
      expect.stringMatching(/cannot be read/),
    ]);
    await store.close();
  });

  it('refuses to open when the newest snapshot is bad and compaction removed what a fallback needs', async () => {
    const dir = await dirs.make();
    await withSnapshots(dir, 30);
    const newest = join(
      groupSnapshotDir(join(dir, 'snap'), 'g'),
      '000000000000001e-0000000000000001.snap'
    );
    const b = await readFile(newest);
    b.writeUInt32LE(0x7fffffff, 8); // a header length far beyond the file
    await writeFile(newest, b);
    const err = await WalLogStore.open({ dataDir: dir, logger: memoryLogger() }).catch(
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(SnapshotCorruptionError);
    expect((err as Error).message).toMatch(
      /header length 2147483647 does not fit.*no older snapshot file/
    );
  });

  it('refuses to stage a snapshot whose file recovery would refuse to read (maxSnapshotBytes)', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir, { maxSnapshotBytes: 4096 });
    store.append('g', ents(1, 3, 1));
    expect(() => store.saveSnapshot('g', { ...snap(3, 1), data: new Uint8Array(8192) })).toThrow(
      /file would be \d+ bytes, above maxSnapshotBytes 4096/
    );
    expect(() => store.saveSnapshot('g', { ...snap(3, 1), data: new Uint8Array(8192) })).toThrow(
      InvalidLogWriteError
    );
    // Nothing was staged: the store stays usable and reopens with the same bound.
    store.saveSnapshot('g', snap(2, 1));
    await store.close();
    const { store: again } = await openStore(dir, { maxSnapshotBytes: 4096 });
    const r = again.load().get('g');
    expect(r?.snapshot?.meta.index).toBe(2);
    expect(ids(r?.entries ?? [])).toEqual([[3, 1]]);
    expect(await readdir(groupSnapshotDir(join(dir, 'snap'), 'g'))).toHaveLength(1);
    await again.close();
  });

  it('discards the log when a snapshot does not match it (follower install), across restart', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir);
    store.append('g', ents(1, 5, 1));
    await store.sync();
    store.saveSnapshot('g', snap(100, 3));
    store.append('g', ents(101, 102, 3));
    await store.close();
    const { store: again } = await openStore(dir);
    const r = again.load().get('g');
    expect(r?.snapshot?.meta.index).toBe(100);
    expect(ids(r?.entries ?? [])).toEqual([
      [101, 3],
      [102, 3],
    ]);
    await again.close();
  });

  it('deletes segments once every group compacted past them, and recovers from what is left', async () => {
    const dir = await dirs.make();
    const { store } = await openStore(dir, { segmentBytes: 4096 });
    const payload = (i: number, term: number): Entry => ({
      index: i,
      term,
      type: 0,
      data: new Uint8Array(300).fill(i % 256),
    });
    for (let i = 1; i <= 60; i++) {
      store.append('busy', [payload(i, 1)]);
      store.setHardState('busy', { term: 1, vote: 'a', commit: i });
      if (i === 3) store.append('idle', ents(1, 1, 1));
      await store.sync();
    }
    expect(store.stats().segments).toBeGreaterThan(4);
    const before = (await readdir(join(dir, 'wal'))).length;
    // 'idle' pins the segment its entry is in until it too is covered by a snapshot.
    store.saveSnapshot('busy', snap(50, 1));
    store.compact('busy', 50);
    await store.sync();
    expect((await readdir(join(dir, 'wal'))).length).toBe(before);
    store.saveSnapshot('idle', snap(1, 1));
    store.compact('idle', 1);
    await store.sync();
    const after = await readdir(join(dir, 'wal'));
    expect(after.length).toBeLessThan(before);
    expect(after).not.toContain(SEG1);
    await store.close();

    const { store: again } = await openStore(dir, { segmentBytes: 4096 });
    const loaded = again.load();
    const busy = loaded.get('busy');
    expect(busy?.snapshot?.meta.index).toBe(50);
    expect(ids(busy?.entries ?? [])).toEqual(
      ids(Array.from({ length: 10 }, (_, k) => payload(51 + k, 1)))
    );
    expect(busy?.hardState).toEqual({ term: 1, vote: 'a', commit: 60 });
    expect(loaded.get('idle')?.snapshot?.meta.index).toBe(1);
    await again.close();
  });
});
