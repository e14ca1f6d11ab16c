import { afterEach, describe, expect, it } from '@jest/globals';
import { cp } from 'node:fs/promises';
import type { Entry } from '../../node/src/raft/types.js';
import { MemoryLogStore, WalLogStore } from '../../node/src/storage/index.js';
import { TempDirs, ents, memoryLogger, seededRandom, snap } from './helpers.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

/** What the generator knows about a group, to produce only valid writes. */
interface Model {
  /** Term of each retained index. */
  readonly terms: Map<number, number>;
  last: number;
  snapIndex: number;
  compacted: number;
  term: number;
}

/**
 * The same random write sequence goes to the on-disk store and to the in-memory model; after
 * every reopen of the disk store, and from a copy of its directory taken right after a sync
 * (a crash image), what it recovers must equal what the memory store holds as durable. Small segments make rotation, checkpoints and segment deletion happen often.
 */
describe('WalLogStore - differential against MemoryLogStore', () => {
  it.each([1, 2, 3, 4, 5, 6])('recovers what the memory model holds (seed %i)', async (seed) => {
    const rng = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
    const dataDir = await dirs.make();
    const opts = { dataDir, segmentBytes: 4096, preallocateBytes: 1024, logger: memoryLogger() };
    let wal = await WalLogStore.open(opts);
    const mem = new MemoryLogStore();
    const models = new Map<string, Model>();
    for (const g of ['a', 'b', 'c']) {
      models.set(g, { terms: new Map(), last: 0, snapIndex: 0, compacted: 0, term: 1 });
    }
    let reopens = 0;
    let crashImages = 0;

    for (let step = 0; step < 250; step++) {
      const g = pick(['a', 'b', 'c']);
      const m = models.get(g) as Model;
      const r = rng();
      if (r < 0.45) {
        if (rng() < 0.15) m.term++;
        const from = Math.max(m.snapIndex + 1, m.last + 1 - Math.floor(rng() * 3));
        const batch: Entry[] = ents(from, from + Math.floor(rng() * 4), m.term);
        for (const k of [...m.terms.keys()]) if (k >= from) m.terms.delete(k);
        for (const e of batch) m.terms.set(e.index, e.term);
        m.last = from + batch.length - 1;
        wal.append(g, batch);
        mem.append(g, batch);
      } else if (r < 0.6) {
        const hs = {
          term: m.term,
          vote: pick(['', 'n1', 'n2']),
          commit: Math.floor(rng() * (m.last + 1)),
        };
        wal.setHardState(g, hs);
        mem.setHardState(g, hs);
      } else if (r < 0.7) {
        let s;
        if (rng() < 0.7 && m.last > m.snapIndex) {
          // A snapshot of the own log: it matches, the log is kept.
          const at = m.snapIndex + 1 + Math.floor(rng() * (m.last - m.snapIndex));
          s = snap(at, m.terms.get(at) as number, `${g}@${at}`);
        } else {
          // A leader's snapshot past our log: it does not match, the log is discarded.
          m.term++;
          s = snap(m.last + 3, m.term, `${g}@${m.last + 3}`);
          m.terms.clear();
          m.last = m.last + 3;
        }
        m.snapIndex = s.meta.index;
        wal.saveSnapshot(g, s);
        mem.saveSnapshot(g, s);
      } else if (r < 0.78) {
        const at = m.compacted + Math.floor(rng() * (m.snapIndex - m.compacted + 1));
        m.compacted = at;
        for (const k of [...m.terms.keys()]) if (k <= at) m.terms.delete(k);
        wal.compact(g, at);
        mem.compact(g, at);
      } else if (r < 0.92) {
        await wal.sync();
        mem.syncNow();
      } else if (r < 0.95) {
        // A copy of the directory taken now is what a crash right after this sync leaves
        // (preallocated zeros included); it must recover to the same durable state.
        await wal.sync();
        mem.syncNow();
        const image = await dirs.make();
        await cp(dataDir, image, { recursive: true });
        const crashed = await WalLogStore.open({ ...opts, dataDir: image });
        expect(crashed.load()).toEqual(mem.load());
        await crashed.close();
        crashImages++;
      } else {
        await wal.close();
        mem.syncNow();
        wal = await WalLogStore.open(opts);
        reopens++;
        expect(wal.load()).toEqual(mem.load());
      }
    }
    await wal.close();
    mem.syncNow();
    const final = await WalLogStore.open(opts);
    expect(final.load()).toEqual(mem.load());
    expect(final.recovery.truncatedTail).toBeUndefined();
    await final.close();
    expect(reopens).toBeGreaterThan(0);
    expect(crashImages).toBeGreaterThan(0);
  });
});
