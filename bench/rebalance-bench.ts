/**
 * `make bench-rebalance`: how the placement driver takes a new peer into a loaded cluster.
 *
 * Four broker-node peers (fsync on) with --placement and 20 stores of rf 3, each preloaded
 * with --preload-bytes of values; writers keep putting 100-byte values into random stores
 * through random peers (a closed loop, --writers in flight). After a quiet phase ("before")
 * a fifth peer starts, joins and is promoted; the driver moves replicas (and leaderships)
 * onto it, learner first, each new replica caught up by a snapshot sent at --snapshot-rate.
 *
 * Prints: the time from the fifth peer's start until it holds its share (at least
 * floor(60 / 5) - 1 replicas, nothing in flight), moves started per minute, snapshot bytes
 * sent and the transfer rate against the throttle, and the writers' p50/p99 latency before
 * and during the moves (the aim: p99 during under 2x before). No assertions: a measurement.
 * The writers run in this process (one gRPC connection per peer).
 *
 * Flags: --before S (default 15), --timeout S (default 300), --writers N (default 16),
 * --preload-bytes B per store (default 262144), --snapshot-rate B/s (default 1048576).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parseFlags, type FlagSpec } from '../node/src/config/index.js';
import { data, encodeData } from '../node/src/data/index.js';
import { freePort, type NodeProcess, spawnNode } from '../node/src/dev/index.js';
import type { BrokerAdminClient } from '../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../node/src/gen/broker/v1/BrokerStore.js';
import type { PlacementStatus__Output } from '../node/src/gen/broker/v1/PlacementStatus.js';
import { loadProtos } from '../node/src/transport/index.js';

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'before',
    kind: 'int',
    min: 1,
    max: 3_600,
    default: '15',
    help: 'seconds of load before the new peer',
  },
  {
    name: 'timeout',
    kind: 'int',
    min: 10,
    max: 36_000,
    default: '300',
    help: 'seconds to wait for the new peer to take its share',
  },
  { name: 'writers', kind: 'int', min: 1, max: 1_000, default: '16', help: 'writes in flight' },
  {
    name: 'preload-bytes',
    kind: 'int',
    min: 0,
    max: 1 << 30,
    default: '262144',
    help: 'bytes of values per store before the run',
  },
  {
    name: 'snapshot-rate',
    kind: 'int',
    min: 4096,
    max: 1 << 30,
    default: '1048576',
    help: 'snapshot throttle of every peer, bytes/s',
  },
];

const CLUSTER_SECRET = 'rebalance-bench-secret-0123456789';
const STORES = Array.from({ length: 20 }, (_, i) => `rb-${String(i).padStart(2, '0')}`);
const CALL_TIMEOUT_MS = 5_000;
const MAX_SAMPLES = 200_000;

interface Peer {
  id: string;
  grpc: number;
  http: number;
  node?: NodeProcess;
}

function unary<T>(
  start: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void
): Promise<T> {
  return new Promise((resolve, reject) =>
    start((err, res) => (err !== null ? reject(err) : resolve(res as T)))
  );
}
const opts = (): grpc.CallOptions => ({ deadline: Date.now() + CALL_TIMEOUT_MS });
const enc = (s: string): Buffer => Buffer.from(encodeData(data.string(s)));
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startPeer(
  root: string,
  p: Peer,
  peers: string,
  snapshotRate: number
): Promise<void> {
  const dataDir = join(root, p.id);
  mkdirSync(dataDir, { recursive: true });
  p.node = await spawnNode({
    id: p.id,
    args: [
      '--listen',
      `127.0.0.1:${p.grpc}`,
      '--http',
      `127.0.0.1:${p.http}`,
      '--peers',
      peers,
      '--data-dir',
      dataDir,
      '--cluster-secret',
      CLUSTER_SECRET,
      '--stores',
      STORES.join(','),
      '--snapshot-rate',
      String(snapshotRate),
      '--placement',
      '--placement-interval-ms',
      '1000',
    ],
    startTimeoutMs: 60_000,
  });
}

/** Sum of a counter over every peer's /metrics. */
async function scrapeSum(peers: readonly Peer[], metric: string): Promise<number> {
  let total = 0;
  for (const p of peers) {
    if (p.node === undefined) continue;
    try {
      const text = await (
        await fetch(`http://127.0.0.1:${p.http}/metrics`, { signal: AbortSignal.timeout(3_000) })
      ).text();
      for (const line of text.split('\n')) {
        if (line.startsWith(metric + '{') || line.startsWith(metric + ' '))
          total += Number(line.split(' ').pop());
      }
    } catch {
      // a peer that does not answer adds nothing
    }
  }
  return total;
}

class Latencies {
  private readonly samples: number[] = [];
  count = 0;
  errors = 0;
  readonly kinds = new Map<string, number>();
  fail(e: unknown): void {
    this.errors++;
    const k = ((e as Error)?.message ?? String(e)).replace(/rb-\d+/g, 'rb-N').slice(0, 120);
    if (this.kinds.size < 50 || this.kinds.has(k)) this.kinds.set(k, (this.kinds.get(k) ?? 0) + 1);
  }
  top(): string {
    return [...this.kinds.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, n]) => `${n}x ${k}`)
      .join(' | ');
  }
  add(ms: number): void {
    this.count++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(ms);
  }
  q(p: number): number {
    const s = [...this.samples].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  }
}

async function main(): Promise<void> {
  const v = parseFlags(FLAGS, process.argv.slice(2), {}, { allowPositionals: false }).values;
  const beforeS = v.get('before') as number;
  const timeoutS = v.get('timeout') as number;
  const writers = v.get('writers') as number;
  const preload = v.get('preload-bytes') as number;
  const snapshotRate = v.get('snapshot-rate') as number;
  const root = mkdtempSync(join(tmpdir(), 'broker-rebalance-bench-'));
  const all: Peer[] = [];
  for (const id of ['a', 'b', 'c', 'd', 'e'])
    all.push({ id, grpc: await freePort(), http: await freePort() });
  const first = all.slice(0, 4);
  const list = (ps: readonly Peer[]): string =>
    ps.map((p) => `${p.id}=127.0.0.1:${p.grpc}`).join(',');
  const protos = loadProtos().broker.v1;
  const stores: BrokerStoreClient[] = [];
  const admins: BrokerAdminClient[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of [...stores, ...admins]) c.close();
    await Promise.all(all.map((p) => p.node?.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await Promise.all(first.map((p) => startPeer(root, p, list(first), snapshotRate)));
    for (const p of all) {
      stores.push(new protos.BrokerStore(`127.0.0.1:${p.grpc}`, grpc.credentials.createInsecure()));
      admins.push(new protos.BrokerAdmin(`127.0.0.1:${p.grpc}`, grpc.credentials.createInsecure()));
    }
    // Every store answering, then preloaded. Writes are retried: the driver is already
    // evening out leaderships, and a leader moving answers UNAVAILABLE for a moment.
    const value = 'x'.repeat(1000);
    const write = async (peer: number, store: string, ops: object[]): Promise<void> => {
      for (let tries = 0; ; tries++) {
        try {
          await unary((cb) => stores[(peer + tries) % 4]!.Write({ store, ops }, opts(), cb));
          return;
        } catch (e) {
          if (tries > 120) throw e;
          await delay(500);
        }
      }
    };
    for (const [i, s] of STORES.entries()) {
      await write(i, s, [{ put: { key: enc('k'), value: enc('v') } }]);
      for (let b = 0; b < preload; b += 16 * 1000) {
        const ops = Array.from({ length: 16 }, (_, j) => ({
          put: { key: enc(`pre-${b}-${j}`), value: enc(value) },
        }));
        await write(i, s, ops);
      }
    }
    process.stdout.write(
      `rebalance-bench: 4 peers, ${STORES.length} stores preloaded with ${preload} bytes each\n`
    );

    const phase = { name: 'warmup' as 'warmup' | 'before' | 'during' | 'after' };
    const lat = { before: new Latencies(), during: new Latencies() };
    const stop = { stopped: false };
    let n = 0;
    const writer = async (w: number): Promise<void> => {
      while (!stop.stopped) {
        const i = (w + n++) % 4;
        const s = STORES[(w * 7 + n) % STORES.length]!;
        const t = performance.now();
        try {
          await unary((cb) =>
            stores[i]!.Write(
              { store: s, ops: [{ put: { key: enc(`w${w}`), value: enc('y'.repeat(100)) } }] },
              opts(),
              cb
            )
          );
          if (phase.name === 'before' || phase.name === 'during')
            lat[phase.name].add(performance.now() - t);
        } catch (e) {
          if (phase.name === 'before' || phase.name === 'during') lat[phase.name].fail(e);
          await delay(20);
        }
      }
    };
    const running = Array.from({ length: writers }, (_, w) => writer(w));
    await delay(3_000);
    phase.name = 'before';
    await delay(beforeS * 1000);

    // The new peer: joins (it finds the formed cluster through the others), is promoted.
    const status = async (): Promise<PlacementStatus__Output | undefined> => {
      for (const a of admins.slice(0, 4)) {
        try {
          const st = await unary<PlacementStatus__Output>((cb) =>
            a.PlacementStatus({}, opts(), cb)
          );
          if (st.driver !== '') return st;
        } catch {
          // try the next
        }
      }
      return undefined;
    };
    const movesBefore = Number((await status())?.moves_started ?? 0);
    const snapBefore = await scrapeSum(all, 'broker_raft_snapshot_sent_bytes_total');
    phase.name = 'during';
    const t0 = performance.now();
    const startedAt = Date.now();
    await startPeer(root, all[4]!, list(all), snapshotRate);
    for (;;) {
      try {
        await unary((cb) => admins[0]!.PromoteMember({ id: 'e' }, opts(), cb));
        break;
      } catch (e) {
        if (performance.now() - t0 > timeoutS * 1000) throw e;
        await delay(500);
      }
    }
    const share = Math.floor((STORES.length * 3) / 5) - 1;
    let took = NaN;
    let last: PlacementStatus__Output | undefined;
    while (performance.now() - t0 < timeoutS * 1000) {
      last = await status();
      const e = last?.members.find((m) => m.id === 'e');
      if (e !== undefined && e.replicas >= share && last!.moves_in_flight === 0) {
        took = (performance.now() - t0) / 1000;
        break;
      }
      await delay(500);
    }
    phase.name = 'after';
    const elapsed = (performance.now() - t0) / 1000;
    stop.stopped = true;
    await Promise.all(running);
    const moves = Number(last?.moves_started ?? 0) - movesBefore;
    const snapBytes = (await scrapeSum(all, 'broker_raft_snapshot_sent_bytes_total')) - snapBefore;
    const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
    const lines = [
      `new peer took its share (${share}+ replicas) in   ${Number.isFinite(took) ? `${fmt(took)} s` : `not within ${timeoutS} s`}`,
      `moves started                              ${moves} (${fmt((moves * 60) / elapsed)}/min)`,
      `snapshot bytes sent                        ${snapBytes} (${fmt(snapBytes / elapsed / 1024)} KiB/s over the phase; throttle ${fmt(snapshotRate / 1024)} KiB/s per sending peer)`,
      `writers before: p50 ${fmt(lat.before.q(0.5))} ms p99 ${fmt(lat.before.q(0.99))} ms (${lat.before.count} ok, ${lat.before.errors} errors)`,
      `writers during: p50 ${fmt(lat.during.q(0.5))} ms p99 ${fmt(lat.during.q(0.99))} ms (${lat.during.count} ok, ${lat.during.errors} errors)`,
      `p99 during / before                        ${fmt(lat.during.q(0.99) / lat.before.q(0.99))}x (aim: under 2x)`,
      `errors before: ${lat.before.top()}`,
      `errors during: ${lat.during.top()}`,
      `moves: ${(last?.recent_moves ?? []).map((m) => `${m.kind} ${m.store} ${m.from}->${m.to} (${m.reason}) +${((Number(m.started_unix_ms) - startedAt) / 1000).toFixed(0)}s`).join('; ')}`,
      `final replicas per peer                    ${(last?.members ?? []).map((m) => `${m.id}=${m.replicas}`).join(' ')}`,
    ];
    process.stdout.write(lines.map((l) => `rebalance-bench: ${l}`).join('\n') + '\n');
  } finally {
    await stopAll();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`rebalance-bench: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
