import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PlacementStatus__Output } from '../../node/src/gen/broker/v1/PlacementStatus.js';
import { checkLinearizable, registerModel, versionContractViolations } from '../lincheck/index.js';
import {
  aboveThreshold,
  finalReads,
  placementStatus,
  type Workload,
  worker,
} from './rebalance-support.js';
import { ensureBuilt } from './support/ensure-built.js';
import { StoreCluster } from './support/store-cluster.js';
import {
  checkAcknowledgedWrites,
  HistoryRecorder,
  historyStats,
  toLincheck,
} from './support/store-history.js';
import { storeClient } from './support/store-ops.js';
import { waitFor } from './support/wait-for.js';

// No thrash with real peers: 5 broker-node processes, 20 stores, two of them taking 4x the
// operations of each other store, under a constant closed-loop load through every peer. The
// driver moves until every peer is within the threshold; then, for QUIET measurement periods
// at the same load, it moves nothing at all. REBALANCE_SOAK=1 runs the quiet window for 10
// minutes instead (docs/testing.md) and prints the moves per minute.

const SOAK = process.env['REBALANCE_SOAK'] === '1';
const IDS = ['a', 'b', 'c', 'd', 'e'];
const STORES = Array.from({ length: 20 }, (_, i) => `st-${String(i).padStart(2, '0')}`);
const HOT = [STORES[3]!, STORES[11]!];
const RATIO = 0.1;
const FLOOR = 5;
const INTERVAL_MS = 1_000;
/** Measurement periods without a move that prove the driver settled. */
const QUIET = SOAK ? 600 : 45;
/** Measurements after the load starts before it counts as constant. */
const WARMUP = 60;
/** Measurements in a row without a move, within the threshold, that count as balanced. */
const CALM = 10;
const WORKERS = 6;
/** In the soak, each client pauses this long after each operation (a bounded history). */
const SOAK_PAUSE_MS = 30;
const FLAGS = [
  '--placement',
  '--placement-interval-ms',
  String(INTERVAL_MS),
  '--placement-load-floor',
  String(FLOOR),
];

const out = (s: string): boolean => process.stderr.write(s + '\n');

let cluster: StoreCluster | undefined;

beforeAll(async () => {
  ensureBuilt();
  cluster = await StoreCluster.start({ ids: IDS, stores: STORES, extraArgs: FLAGS });
  await cluster.waitHealthy(STORES, 120_000);
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

async function status(): Promise<PlacementStatus__Output> {
  const c = cluster!;
  for (const p of c.peers) {
    const r = await placementStatus(c.admin(p.id));
    if (r.ok && r.value.driver !== '') return r.value;
  }
  throw new Error('no peer answered PlacementStatus from a driver');
}

const loads = (st: PlacementStatus__Output): string =>
  st.members.map((m) => `${m.id}=${m.load.toFixed(1)}/${m.leaders}L/${m.replicas}R`).join(' ');

describe('rebalance - no thrash with real peers', () => {
  it(
    `constant skewed load: the moves stop once balanced; ${QUIET} measurements in a row without a move`,
    async () => {
      const c = cluster!;
      const load: Workload = {
        ids: IDS,
        stores: STORES,
        weights: STORES.map((s) => (HOT.includes(s) ? 4 : 1)),
        keysPerStore: 2,
        seed: 20261203,
      };
      const rec = new HistoryRecorder(() => performance.now());
      const conns = Array.from(
        { length: WORKERS + 1 },
        () => new Map(IDS.map((id) => [id, storeClient(c.peer(id).address)] as const))
      );
      const stop = { stopped: false };
      const started = performance.now();
      const movesPerMinute = new Map<number, number>();
      /** Moves started so far, counted per minute since the load started. */
      let counted: number | undefined;
      const tally = (st: PlacementStatus__Output): number => {
        const total = Number(st.moves_started);
        const n = counted === undefined ? 0 : total - counted;
        counted = total;
        const minute = Math.floor((performance.now() - started) / 60_000);
        if (n > 0) movesPerMinute.set(minute, (movesPerMinute.get(minute) ?? 0) + n);
        return n;
      };
      let finals = new Map<string, string | null>();
      try {
        tally(await status());
        const workers = conns
          .slice(0, WORKERS)
          .map((m, w) => worker(w, load, rec, stop, m, SOAK ? SOAK_PAUSE_MS : 0));
        try {
          // The driver's view of the load averages over many measurements: the load counts as
          // constant WARMUP measurements after it started.
          const first = Number((await status()).measurements);
          await waitFor(
            async () => {
              const st = await status();
              tally(st);
              return Number(st.measurements) >= first + WARMUP;
            },
            'the warm-up',
            WARMUP * INTERVAL_MS * 4 + 60_000,
            INTERVAL_MS
          );
          // Balanced: every peer within the threshold, nothing in flight and no move started,
          // for CALM measurements in a row.
          let calm = 0;
          let last = '';
          const converged = await waitFor(
            async () => {
              const st = await status();
              const n = tally(st);
              if (st.measurements === last) return undefined;
              last = st.measurements;
              const over = aboveThreshold(st, RATIO, FLOOR);
              calm = n === 0 && over.length === 0 && st.moves_in_flight === 0 ? calm + 1 : 0;
              return calm >= CALM ? st : undefined;
            },
            'every peer within the threshold',
            300_000,
            INTERVAL_MS / 2
          );
          out(
            `rebalance-settle: balanced after ${converged.moves_started} moves, ` +
              `${((performance.now() - started) / 1000).toFixed(0)} s: ${loads(converged)}`
          );
          // The quiet window: QUIET further measurements at the same load, and not one move.
          const moved: string[] = [];
          let lastReport = Number(converged.measurements);
          await waitFor(
            async () => {
              const st = await status();
              const n = tally(st);
              if (n > 0) {
                const names = st.recent_moves
                  .slice(-n)
                  .map((m) => `${m.kind} ${m.store} ${m.from}->${m.to} (${m.reason})`);
                moved.push(...names);
                out(
                  `rebalance-settle: moved in the quiet window: ${names.join('; ')}; ${loads(st)}`
                );
              }
              if (SOAK && Number(st.measurements) - lastReport >= 60) {
                lastReport = Number(st.measurements);
                out(`rebalance-settle: ${st.measurements} measurements, ${loads(st)}`);
              }
              // A normal run stops at the first move; the soak runs its full length and counts.
              if (n > 0 && !SOAK) return true;
              return Number(st.measurements) - Number(converged.measurements) >= QUIET;
            },
            `${QUIET} measurements without a move`,
            QUIET * INTERVAL_MS * 4 + 60_000,
            INTERVAL_MS / 2
          );
          expect(moved).toEqual([]);
        } finally {
          stop.stopped = true;
          await Promise.all(workers);
        }
        finals = await finalReads(load, rec, WORKERS, conns[WORKERS]!);
      } catch (e) {
        out(`rebalance-settle: peer logs\n${c.logs(30)}`);
        out(`rebalance-settle: status ${await status().then(loads, (x: unknown) => String(x))}`);
        throw e;
      } finally {
        for (const m of conns) for (const cl of m.values()) cl.close();
        out(
          `rebalance-settle: moves per minute ${JSON.stringify([...movesPerMinute].sort((a, b) => a[0] - b[0]))}`
        );
      }
      const stats = historyStats(rec.ops);
      out(
        `rebalance-settle: ${stats.total} operations, ${stats.ok} ok, ${stats.failed} failed, ` +
          `${stats.unknown} unknown; errors ${JSON.stringify(stats.errors.slice(0, 5))}`
      );
      expect(stats.ok).toBeGreaterThan(500);
      const history = toLincheck(rec.ops);
      const problems: string[] = [...versionContractViolations(history).slice(0, 10)];
      const check = checkLinearizable(registerModel, history, {
        maxSteps: 50_000_000,
        timeoutMs: 120_000,
      });
      for (const part of check.partitions)
        if (part.verdict !== 'ok')
          problems.push(`${part.operations[0]?.input.key ?? '?'}: ${part.verdict}`);
      problems.push(...checkAcknowledgedWrites(rec.ops, finals).map((p) => `lost write: ${p}`));
      expect(problems).toEqual([]);
    },
    SOAK ? 3_000_000 : 900_000
  );
});
