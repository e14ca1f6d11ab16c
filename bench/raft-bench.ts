/**
 * Raft benchmark: a 3-node group in one process over an in-memory transport, each node with
 * its own on-disk WAL (fsync on) in a temp dir. For each concurrency level, N proposers each
 * keep one proposal outstanding (propose on the leader, wait until it is applied there, repeat)
 * for a fixed time; the bench prints committed proposals per second and the commit latency
 * (propose -> applied on the leader) percentiles.
 *
 * Usage: node dist/bench/raft-bench.js [--seconds 5] [--proposers 1,16,256] [--payload 100]
 *                                      [--warmup 1] [--dir /tmp] [--batch on|off]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchCluster } from './raft-bench-cluster.js';

interface Options {
  readonly seconds: number;
  readonly warmup: number;
  readonly proposers: readonly number[];
  readonly payload: number;
  readonly dir: string;
  /** Step the proposals of one event-loop turn as one Propose message (default) or one each. */
  readonly batch: boolean;
}

const USAGE =
  'usage: raft-bench [--seconds S (0.2..600, default 5)] [--proposers N,N,... (1..4096, default 1,16,256)]\n' +
  '                  [--payload BYTES (1..1048576, default 100)] [--warmup S (0..60, default 1)] [--dir DIR]\n' +
  '                  [--batch on|off (default on: one Propose step per event-loop turn; off: RawNode.propose per command)]';

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const opts = {
    seconds: 5,
    warmup: 1,
    proposers: [1, 16, 256] as number[],
    payload: 100,
    dir: tmpdir(),
    batch: true,
  };
  const num = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(
        `${flag} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`
      );
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[++i];
    switch (flag) {
      case '--seconds':
        opts.seconds = num(flag, v, 0.2, 600);
        break;
      case '--warmup':
        opts.warmup = num(flag, v, 0, 60);
        break;
      case '--payload':
        opts.payload = Math.floor(num(flag, v, 1, 1024 * 1024));
        break;
      case '--proposers':
        opts.proposers = (v ?? '').split(',').map((p) => Math.floor(num(flag, p, 1, 4096)));
        break;
      case '--batch':
        if (v !== 'on' && v !== 'off')
          throw new UsageError(`--batch must be on or off, got ${JSON.stringify(v)}`);
        opts.batch = v === 'on';
        break;
      case '--dir':
        if (v === undefined || v === '') throw new UsageError('--dir needs a directory');
        opts.dir = v;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  return opts;
}

interface LevelResult {
  readonly proposers: number;
  readonly seconds: number;
  readonly committed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly leaderSyncsPerSec: number;
  readonly entriesPerSync: number;
  /** Mean wait for wal.sync() on the leader and on the followers, ms. */
  readonly leaderSyncMs: number;
  readonly followerSyncMs: number;
  readonly dropped: number;
  readonly note: string;
}

/** Set by SIGINT/SIGTERM: the current level stops early, the bench cleans up and exits. */
let interrupted = false;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function runLevel(opts: Options, base: string, proposers: number): Promise<LevelResult> {
  const cluster = await BenchCluster.start({ baseDir: join(base, `p${proposers}`), tickMs: 50 });
  try {
    const leader = await cluster.elect(10_000);
    const template = new Uint8Array(opts.payload).map((_, i) => (i * 31 + 7) & 0xff);
    /** Latency samples in ms; bounded, later samples beyond the cap are not kept. */
    const samples = new Float64Array(4_000_000);
    let n = 0;
    let committed = 0;
    let dropped = 0;
    let measuring = false;
    let stop = false;
    let lostLeadership = false;

    const proposer = async (): Promise<void> => {
      while (!stop && !interrupted) {
        const data = template.slice();
        const t0 = performance.now();
        const outcome = await (opts.batch ? leader.proposeBatched(data) : leader.proposeOne(data));
        if (outcome === 'not-leader') {
          lostLeadership = true;
          return;
        }
        if (outcome === 'dropped') {
          dropped++;
          await nextTurn();
          continue;
        }
        if (measuring && outcome === 'committed') {
          committed++;
          if (n < samples.length) samples[n++] = performance.now() - t0;
        }
      }
    };

    const syncs0 = { value: 0 };
    const workers = Array.from({ length: proposers }, () => proposer());
    await sleep(opts.warmup * 1000);
    measuring = true;
    syncs0.value = leader.syncs;
    const before = cluster.nodes.map((x) => ({ syncs: x.syncs, ms: x.syncMs }));
    const start = performance.now();
    const end = start + opts.seconds * 1000;
    while (performance.now() < end && !interrupted && !lostLeadership) await sleep(20);
    measuring = false;
    const elapsed = (performance.now() - start) / 1000;
    const leaderSyncs = leader.syncs - syncs0.value;
    const meanSync = (pick: (i: number) => boolean): number => {
      let ms = 0;
      let count = 0;
      cluster.nodes.forEach((x, i) => {
        if (!pick(i)) return;
        ms += x.syncMs - (before[i]?.ms ?? 0);
        count += x.syncs - (before[i]?.syncs ?? 0);
      });
      return count > 0 ? ms / count : NaN;
    };
    const li = cluster.nodes.indexOf(leader);
    stop = true;
    // Outstanding proposals commit within a few fsyncs; stop() fails any that do not.
    await Promise.race([Promise.allSettled(workers), sleep(5000)]);

    const sorted = samples.subarray(0, n).sort();
    const notes: string[] = [];
    if (lostLeadership || cluster.leader() !== leader) notes.push('leader changed');
    if (interrupted) notes.push('interrupted');
    if (n === samples.length) notes.push('latency sample cap reached');
    return {
      proposers,
      seconds: elapsed,
      committed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : NaN,
      leaderSyncsPerSec: leaderSyncs / elapsed,
      entriesPerSync: leaderSyncs > 0 ? committed / leaderSyncs : 0,
      leaderSyncMs: meanSync((i) => i === li),
      followerSyncMs: meanSync((i) => i !== li),
      dropped,
      note: notes.join(', '),
    };
  } finally {
    await cluster.stop();
  }
}

function table(rows: readonly LevelResult[]): string {
  const head = [
    'proposers',
    'committed/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'leader fsync/s',
    'proposals/fsync',
    'sync ms L/F',
    'note',
  ];
  const body = rows.map((r) => [
    String(r.proposers),
    Math.round(r.committed / r.seconds).toLocaleString('en-US'),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    r.max.toFixed(1),
    Math.round(r.leaderSyncsPerSec).toLocaleString('en-US'),
    r.entriesPerSync.toFixed(1),
    `${r.leaderSyncMs.toFixed(2)}/${r.followerSyncMs.toFixed(2)}`,
    r.note + (r.dropped > 0 ? `${r.note ? ', ' : ''}${r.dropped} dropped` : ''),
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] as string).length))
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message ? `raft-bench: ${err.message}\n` : ''}${USAGE}\n`);
    return err.message ? 2 : 0;
  }
  const onSignal = (sig: string): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nraft-bench: ${sig}, stopping and cleaning up\n`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const base = await mkdtemp(join(opts.dir, 'raft-bench-'));
  const results: LevelResult[] = [];
  try {
    process.stdout.write(
      `raft-bench: 3 nodes in one process, in-memory transport, on-disk WAL (O_DSYNC write) per Ready (${base})\n` +
        `proposal batching ${opts.batch ? 'on (one Propose step per event-loop turn)' : 'off (RawNode.propose per command)'}, ` +
        `payload ${opts.payload} B, ${opts.seconds} s per level after ${opts.warmup} s warm-up, node ${process.version}\n\n`
    );
    for (const p of opts.proposers) {
      if (interrupted) break;
      const r = await runLevel(opts, base, p);
      results.push(r);
      process.stdout.write(
        `  ${p} proposers: ${Math.round(r.committed / r.seconds).toLocaleString('en-US')} committed/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms\n`
      );
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  process.stdout.write(`\n${table(results)}\n`);
  return interrupted ? 130 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `raft-bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`
    );
    process.exit(1);
  }
);
