import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry, Snapshot } from '../../node/src/raft/types.js';
import { WalLogStore } from '../../node/src/storage/index.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const quiet = { info: () => undefined, warn: () => undefined };

function ents(first: number, last: number, term: number, bytes = 16): Entry[] {
  const out: Entry[] = [];
  for (let i = first; i <= last; i++)
    out.push({ index: i, term, type: 0, data: new Uint8Array(bytes).fill(i & 0xff) });
  return out;
}

function snap(index: number, term: number): Snapshot {
  return {
    meta: {
      index,
      term,
      confState: {
        voters: ['a'],
        votersOutgoing: [],
        learners: [],
        learnersNext: [],
        autoLeave: false,
      },
    },
    data: new TextEncoder().encode(`state@${index}`),
  };
}

async function snapshotFiles(dir: string): Promise<number> {
  let n = 0;
  for (const g of await readdir(join(dir, 'snap'))) {
    n += (await readdir(join(dir, 'snap', g))).filter((f) => f.endsWith('.snap')).length;
  }
  return n;
}

async function open(dir: string): Promise<WalLogStore> {
  return WalLogStore.open({ dataDir: dir, segmentBytes: 4096, preallocateBytes: 0, logger: quiet });
}

describe('WalLogStore.dropGroup', () => {
  it('a dropped group is gone after a restart; its snapshot files and old segments are reclaimed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bc-drop-'));
    dirs.push(dir);
    let s = await open(dir);
    s.saveSnapshot('gone', snap(1, 1));
    await s.sync();
    for (let b = 0; b < 5; b++) {
      s.append('gone', ents(2 + b * 80, 81 + b * 80, 1, 64));
      await s.sync();
    }
    s.setHardState('gone', { term: 1, vote: 'a', commit: 150 });
    await s.sync();
    const before = (await readdir(join(dir, 'wal'))).length;
    expect(before).toBeGreaterThanOrEqual(5);
    expect(await snapshotFiles(dir)).toBe(1);
    s.dropGroup('gone');
    s.append('kept', ents(1, 3, 1));
    await s.sync();
    // Nothing holds the dropped group's segments or its snapshot file any more.
    expect((await readdir(join(dir, 'wal'))).length).toBeLessThan(before);
    expect(await snapshotFiles(dir)).toBe(0);
    await s.close();

    s = await open(dir);
    const rec = s.load();
    expect([...rec.keys()]).toEqual(['kept']);
    expect(rec.get('kept')?.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    await s.close();
  });

  it('a group dropped and re-created in one batch recovers as the new incarnation only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bc-drop-'));
    dirs.push(dir);
    let s = await open(dir);
    s.saveSnapshot('g', snap(50, 3));
    s.append('g', ents(51, 60, 3));
    s.setHardState('g', { term: 4, vote: 'b', commit: 60 });
    await s.sync();
    s.dropGroup('g');
    s.setHardState('g', { term: 4, vote: 'b', commit: 0 });
    s.saveSnapshot('g', snap(1, 1));
    s.append('g', ents(2, 3, 4));
    await s.sync();
    await s.close();

    s = await open(dir);
    const g = s.load().get('g');
    expect(g?.snapshot?.meta.index).toBe(1);
    expect(g?.hardState).toEqual({ term: 4, vote: 'b', commit: 0 });
    expect(g?.entries.map((e) => [e.index, e.term])).toEqual([
      [2, 4],
      [3, 4],
    ]);
    await s.close();
  });
});
