/** Small builders shared by the storage tests. */
import type { Entry, Snapshot } from '../../node/src/raft/types.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageLogger } from '../../node/src/storage/index.js';

/** mulberry32: a seeded generator in [0, 1), so randomized tests replay exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Entries first..last (inclusive) of one term, each with data naming its index and term. */
export function ents(first: number, last: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = first; i <= last; i++) {
    out.push({ index: i, term, type: 0, data: new TextEncoder().encode(`e${i}t${term}`) });
  }
  return out;
}

/** [index, term] pairs, for compact assertions. */
export function ids(entries: readonly Entry[]): [number, number][] {
  return entries.map((e) => [e.index, e.term]);
}

export function snap(index: number, term: number, data = 'state'): Snapshot {
  return {
    meta: {
      index,
      term,
      confState: {
        voters: ['a', 'b', 'c'],
        votersOutgoing: [],
        learners: [],
        learnersNext: [],
        autoLeave: false,
      },
    },
    data: new TextEncoder().encode(data),
  };
}

/** Temp directories made by a suite, removed by `cleanup()` (call it in afterEach). */
export class TempDirs {
  private readonly dirs: string[] = [];
  async make(prefix = 'bc-storage-'): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }
  async cleanup(): Promise<void> {
    for (const d of this.dirs.splice(0)) await rm(d, { recursive: true, force: true });
  }
}

/** A logger that keeps its lines, so tests can assert what recovery reported. */
export function memoryLogger(): StorageLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m) };
}
