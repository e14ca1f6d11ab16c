import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WalLogStore } from '../../node/src/storage/index.js';
import { TempDirs, memoryLogger } from './helpers.js';

const dirs = new TempDirs();
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await dirs.cleanup();
});

const root = resolve(import.meta.dirname, '../..');
const NODE = join(root, 'node_modules/.bin/node');
const HOOK = join(root, 'test/storage/fixtures/ts-resolve.ts');
const CHILD = join(root, 'test/storage/fixtures/wal-crash-child.ts');
const WRITERS = 4;

interface Ack {
  readonly index: number;
  readonly term: number;
}

/**
 * Runs the writer child until it has acknowledged `minAcks` syncs, then SIGKILLs it.
 * Returns the highest acknowledged index per group (only complete lines count).
 */
async function runAndKill(
  dataDir: string,
  term: number,
  minAcks: number
): Promise<Map<string, Ack>> {
  const child = spawn(NODE, ['--import', HOOK, CHILD, dataDir, String(term), String(WRITERS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const acked = new Map<string, Ack>();
  let count = 0;
  let buffered = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`child acknowledged only ${count} syncs in 20 s; stderr: ${stderr}`)),
      20_000
    );
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') done();
      else
        fail(new Error(`child exited early (code ${code}, signal ${signal}); stderr: ${stderr}`));
    });
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, group, index, t] = line.split(' ');
        if (kind !== 'ack' || group === undefined) continue;
        acked.set(group, { index: Number(index), term: Number(t) });
        if (++count === minAcks) child.kill('SIGKILL');
      }
    });
  });
  return acked;
}

describe('WalLogStore - crash safety with a real process', () => {
  it('recovers every write acknowledged before SIGKILL, across several crashes', async () => {
    const dataDir = await dirs.make();
    const everAcked = new Map<string, Ack>();
    const dec = new TextDecoder();
    for (let round = 1; round <= 3; round++) {
      const acked = await runAndKill(dataDir, round, 60 + round * 37);
      for (const [g, a] of acked) everAcked.set(g, a);
      expect(everAcked.size).toBe(WRITERS);

      const store = await WalLogStore.open({
        dataDir,
        logger: memoryLogger(),
        segmentBytes: 64 * 1024,
      });
      const loaded = store.load();
      for (const [group, ack] of everAcked) {
        const r = loaded.get(group);
        expect(r).toBeDefined();
        if (r === undefined) continue;
        const last = r.entries[r.entries.length - 1]?.index ?? r.snapshot?.meta.index ?? 0;
        expect(last).toBeGreaterThanOrEqual(ack.index);
        expect(r.hardState.commit).toBeGreaterThanOrEqual(ack.index);
        expect(r.hardState.term).toBeGreaterThanOrEqual(ack.term);
        // Every recovered entry carries exactly the bytes the child wrote for it.
        for (const e of r.entries) {
          expect(dec.decode(e.data).startsWith(`${group}:${e.index}:${e.term}:`)).toBe(true);
        }
        if (r.snapshot !== undefined) {
          expect(dec.decode(r.snapshot.data)).toBe(`snapshot ${group} ${r.snapshot.meta.index}`);
          expect(r.entries[0]?.index ?? r.snapshot.meta.index + 1).toBe(r.snapshot.meta.index + 1);
        }
      }
      await store.close();
    }
    // Compaction kept the log from growing without bound across the rounds.
    const segments = (await readdir(join(dataDir, 'wal'))).filter((n) => n.endsWith('.wal'));
    expect(segments.length).toBeLessThan(12);
  }, 90_000);
});
