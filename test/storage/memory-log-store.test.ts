import { describe, expect, it } from '@jest/globals';
import type { Entry } from '../../node/src/raft/types.js';
import {
  InvalidLogWriteError,
  MemoryLogStore,
  StorageClosedError,
  type RecoveredGroup,
} from '../../node/src/storage/index.js';
import { GroupLog } from '../../node/src/storage/group-log.js';
import { ents, ids, seededRandom, snap } from './helpers.js';

function group(store: MemoryLogStore, g: string): RecoveredGroup {
  const r = store.load().get(g);
  if (r === undefined) throw new Error(`group ${g} not in load()`);
  return r;
}

describe('MemoryLogStore - durability model', () => {
  it('shows staged writes in load() only after syncNow()', () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 3, 1));
    s.setHardState('g', { term: 1, vote: 'a', commit: 2 });
    expect(s.load().has('g')).toBe(false);
    expect(s.pendingWrites).toBe(2);
    s.syncNow();
    expect(s.pendingWrites).toBe(0);
    expect(ids(group(s, 'g').entries)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(group(s, 'g').hardState).toEqual({ term: 1, vote: 'a', commit: 2 });
  });

  it('loses every unsynced write on a crash without rng, keeps the synced ones', () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 2, 1));
    s.setHardState('g', { term: 1, vote: '', commit: 1 });
    s.syncNow();
    s.append('g', ents(3, 5, 1));
    s.setHardState('g', { term: 2, vote: 'b', commit: 4 });
    const report = s.crash();
    expect(report).toEqual({ lostWrites: 2, keptWrites: 0, tornEntriesKept: 0 });
    expect(ids(group(s, 'g').entries)).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(group(s, 'g').hardState).toEqual({ term: 1, vote: '', commit: 1 });
    // The store continues from the durable state: the next append must follow index 2.
    expect(() => s.append('g', ents(4, 4, 1))).toThrow(InvalidLogWriteError);
    s.append('g', ents(3, 3, 2));
    s.syncNow();
    expect(ids(group(s, 'g').entries)).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
  });

  it('sync() resolves with the writes durable (the async shape of the same store)', async () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 1, 1));
    await s.sync();
    s.crash();
    expect(ids(group(s, 'g').entries)).toEqual([[1, 1]]);
    expect(s.syncCount).toBe(1);
  });

  it('keeps groups independent', () => {
    const s = new MemoryLogStore();
    s.append('a', ents(1, 3, 1));
    s.append('b', ents(1, 1, 5));
    s.setHardState('b', { term: 5, vote: 'x', commit: 1 });
    s.syncNow();
    s.append('a', ents(2, 2, 2));
    s.syncNow();
    expect(ids(group(s, 'a').entries)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(ids(group(s, 'b').entries)).toEqual([[1, 5]]);
    expect(group(s, 'a').hardState).toEqual({ term: 0, vote: '', commit: 0 });
  });

  it('copies entry data so later mutation by the caller does not reach the store', () => {
    const s = new MemoryLogStore();
    const batch = ents(1, 1, 1);
    s.append('g', batch);
    s.syncNow();
    (batch[0] as Entry).data[0] = 0xff;
    expect(new TextDecoder().decode((group(s, 'g').entries[0] as Entry).data)).toBe('e1t1');
  });

  it('refuses use after close with StorageClosedError, having synced what was staged', async () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 1, 1));
    await s.close();
    expect(() => s.load()).toThrow(StorageClosedError);
    expect(() => s.append('g', ents(2, 2, 1))).toThrow(StorageClosedError);
  });
});

describe('MemoryLogStore - log rules', () => {
  it('replaces a conflicting suffix', () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 5, 1));
    s.syncNow();
    s.append('g', ents(3, 4, 2));
    s.syncNow();
    expect(ids(group(s, 'g').entries)).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
    ]);
  });

  it('rejects a gap, a decreasing term and a malformed batch without staging anything', () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 2, 3));
    expect(() => s.append('g', ents(4, 4, 3))).toThrow(/gap: last index is 2/);
    expect(() => s.append('g', ents(3, 3, 2))).toThrow(/term decreases/);
    expect(() => s.append('g', [...ents(3, 3, 3), ...ents(5, 5, 3)])).toThrow(/not contiguous/);
    expect(() => s.append('g', ents(0, 0, 1))).toThrow(InvalidLogWriteError);
    expect(() => s.setHardState('g', { term: -1, vote: '', commit: 0 })).toThrow(
      InvalidLogWriteError
    );
    expect(() => s.append('', ents(1, 1, 1))).toThrow(/non-empty string/);
    expect(s.pendingWrites).toBe(1);
  });

  it('keeps the log after a snapshot it matches and returns only entries after it', () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 6, 1));
    s.saveSnapshot('g', snap(4, 1));
    s.syncNow();
    const r = group(s, 'g');
    expect(r.snapshot?.meta.index).toBe(4);
    expect(ids(r.entries)).toEqual([
      [5, 1],
      [6, 1],
    ]);
  });

  it('discards the log on a snapshot it does not match (a follower installing a leader snapshot)', () => {
    const s = new MemoryLogStore();
    s.append('g', ents(1, 6, 1));
    s.saveSnapshot('g', snap(10, 3));
    expect(() => s.append('g', ents(12, 12, 3))).toThrow(/gap: last index is 10/);
    s.append('g', ents(11, 12, 3));
    s.syncNow();
    const r = group(s, 'g');
    expect(ids(r.entries)).toEqual([
      [11, 3],
      [12, 3],
    ]);
    expect(new TextDecoder().decode(r.snapshot?.data)).toBe('state');
  });

  it('ignores appended entries at or below the snapshot, rejects older snapshots and over-compaction', () => {
    const s = new MemoryLogStore();
    s.saveSnapshot('g', snap(10, 2));
    s.append('g', ents(8, 11, 2));
    expect(() => s.saveSnapshot('g', snap(9, 2))).toThrow(/older than the current one/);
    expect(() => s.compact('g', 11)).toThrow(/only covers up to 10/);
    s.compact('g', 10);
    s.syncNow();
    expect(ids(group(s, 'g').entries)).toEqual([[11, 2]]);
  });

  it('drops compacted entries from the retained log', () => {
    const log = new GroupLog('g');
    log.append(ents(1, 8, 1));
    log.saveSnapshot(snap(5, 1));
    expect(log.entries.length).toBe(8);
    log.compact(3);
    expect(ids(log.entries)[0]).toEqual([4, 1]);
    expect(ids(log.recovered().entries)).toEqual([
      [6, 1],
      [7, 1],
      [8, 1],
    ]);
  });
});

describe('MemoryLogStore - torn crashes', () => {
  /** A random but valid write sequence for two groups, recorded so a reference can replay it. */
  type Op = (s: {
    append: MemoryLogStore['append'];
    setHardState: MemoryLogStore['setHardState'];
  }) => void;

  function randomOps(rng: () => number, count: number): Op[] {
    const last: Record<string, number> = { a: 0, b: 0 };
    const term: Record<string, number> = { a: 1, b: 1 };
    const ops: Op[] = [];
    for (let i = 0; i < count; i++) {
      const g = rng() < 0.5 ? 'a' : 'b';
      if (rng() < 0.25) {
        const hs = {
          term: term[g] as number,
          vote: '',
          commit: Math.floor((last[g] as number) / 2),
        };
        ops.push((s) => s.setHardState(g, hs));
        continue;
      }
      if (rng() < 0.2) term[g] = (term[g] as number) + 1;
      // Sometimes overwrite a suffix: start below the current last index.
      const from = Math.max(1, (last[g] as number) + 1 - Math.floor(rng() * 3));
      const to = from + Math.floor(rng() * 4);
      const batch = ents(from, to, term[g] as number);
      last[g] = to;
      ops.push((s) => s.append(g, batch));
    }
    return ops;
  }

  it('keeps exactly the reported prefix of the unsynced writes, possibly with a torn append', () => {
    let tornSeen = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rng = seededRandom(seed);
      const ops = randomOps(rng, 12);
      const synced = Math.floor(rng() * ops.length);
      const store = new MemoryLogStore();
      ops.slice(0, synced).forEach((op) => op(store));
      store.syncNow();
      ops.slice(synced).forEach((op) => op(store));
      const report = store.crash(rng);
      expect(report.keptWrites + report.lostWrites).toBe(ops.length - synced);

      // Reference: replay the synced ops and the kept prefix, then the torn part if any.
      const ref = new MemoryLogStore();
      ops.slice(0, synced + report.keptWrites).forEach((op) => op(ref));
      if (report.tornEntriesKept > 0) {
        tornSeen++;
        const next = ops[synced + report.keptWrites] as Op;
        next({
          append: (g, entries) => ref.append(g, entries.slice(0, report.tornEntriesKept)),
          setHardState: () => {
            throw new Error('a torn write must be an append');
          },
        });
      }
      ref.syncNow();
      expect(store.load()).toEqual(ref.load());
    }
    expect(tornSeen).toBeGreaterThan(0);
  });

  it('is deterministic for a given seed', () => {
    const run = (): unknown => {
      const rng = seededRandom(42);
      const s = new MemoryLogStore();
      randomOps(rng, 20).forEach((op) => op(s));
      return [s.crash(rng), s.load()];
    };
    expect(run()).toEqual(run());
  });
});
