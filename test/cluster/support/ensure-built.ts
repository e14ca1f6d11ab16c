import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brokerNodeEntry, repoRoot } from '../../../node/src/dev/index.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts') || e.name.endsWith('.proto'))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Cluster tests run the built broker-node (`make test` builds first). When run alone and the
 * build is missing or older than the sources, build it here, once across jest workers
 * (a directory is the lock).
 */
export function ensureBuilt(): void {
  const root = repoRoot();
  const entry = brokerNodeEntry();
  const stale = (): boolean => {
    try {
      return statSync(entry).mtimeMs < newestMtime(join(root, 'node', 'src'));
    } catch {
      return true;
    }
  };
  if (!stale()) return;
  const lock = join(root, 'dist', '.build-lock');
  mkdirSync(join(root, 'dist'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('timed out waiting for another build');
      sleepSync(200);
      if (!stale()) return;
    }
  }
  try {
    if (stale()) {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: root,
        stdio: 'inherit',
      });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
