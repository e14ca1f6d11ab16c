import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { waitFor } from './support/wait-for.js';

function start(args: string[]): {
  child: ReturnType<typeof spawn>;
  out: () => string;
  exited: Promise<number | null>;
} {
  ensureBuilt();
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'dist/node/src/dev/local-cluster.js'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

describe('make run (local-cluster)', () => {
  it('runs the demo across three peers and exits 0 with --exit-after-demo', async () => {
    const run = start(['--exit-after-demo']);
    expect(await run.exited).toBe(0);
    const out = run.out();
    expect(out.match(/c received \/demo\/conn \{"@data-type":"vector"/g)).toHaveLength(3);
    expect(out).toMatch(/a received \/demo\/alert \{"@data-type":"string","data":"hello from b"\}/);
    expect(out.match(/metrics http:\/\/127\.0\.0\.1:\d+\/metrics/g)).toHaveLength(3);
    // The store: written through a, read through b; the leader's peer killed, the store still
    // answers through the other two (3 + 1 = 4), and the restarted peer catches up.
    expect(out).toMatch(
      /store demo: get 10\.0\.0\.1 through b -> \{"@data-type":"string","data":"web-1"\}/
    );
    expect(out).toMatch(
      /store demo: with [abc] down, increment through [abc] and get through [abc] -> \{"@data-type":"count","data":4\}/
    );
    expect(out).toMatch(/store demo: [abc] is back and serves the store from its own replica/);
    expect(out).toMatch(/peers exited with 0, 0, 0/);
  }, 120_000);

  it('keeps running until interrupted, then stops the peers cleanly', async () => {
    const run = start([]);
    await waitFor(() => run.out().includes('press Ctrl-C'), 'the cluster to be up', 30_000);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.out()).toMatch(/peers exited with 0, 0, 0/);
  }, 60_000);
});
