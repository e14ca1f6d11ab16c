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
import { groupStatus, listStores, storeClient } from './support/store-ops.js';
import { waitFor } from './support/wait-for.js';

// The placement driver with real broker-node processes: 5 peers, 20 stores. First a skewed
// load (two stores take 4x the operations of each other store, and both start led by the same
// peer) while clients keep reading and writing: leaderships and replicas move until every
// peer is within the threshold, the recorded history is linearizable and no acknowledged
// write is lost. Then a peer is killed and kept down past --member-down-timeout-ms: every
// store is re-created at its replication factor on the others; it comes back, the replicas it
// left behind are cleaned and it takes replicas again.
//
// That the moves then stop at constant load (and the 10-minute soak) is
// rebalance-settle.test.ts.

const IDS = ['a', 'b', 'c', 'd', 'e'];
const STORES = Array.from({ length: 20 }, (_, i) => `st-${String(i).padStart(2, '0')}`);
const HOT = [STORES[3]!, STORES[11]!];
const RATIO = 0.1;
const FLOOR = 5;
const DOWN_TIMEOUT_MS = 6_000;
const WORKERS = 6;
const FLAGS = [
  '--placement',
  '--placement-interval-ms',
  '1000',
  '--placement-load-floor',
  String(FLOOR),
  '--placement-max-moves',
  '4',
  '--member-down-timeout-ms',
  String(DOWN_TIMEOUT_MS),
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

/** The driver's status, from whichever peer answers (it is forwarded to the meta leader). */
async function status(): Promise<PlacementStatus__Output> {
  const c = cluster!;
  for (const p of c.peers) {
    if (!c.isUp(p.id)) continue;
    const r = await placementStatus(c.admin(p.id));
    if (r.ok && r.value.driver !== '') return r.value;
  }
  throw new Error('no peer answered PlacementStatus from a driver');
}

/** Every store's placement as the map says, from the first peer that answers. */
async function placements(): Promise<Map<string, string[]>> {
  const c = cluster!;
  for (const p of c.peers) {
    if (!c.isUp(p.id)) continue;
    const r = await listStores(c.store(p.id), 3_000);
    if (r.ok) return new Map(r.value.stores.map((s) => [s.name, [...s.replicas]] as const));
  }
  throw new Error('no peer could list the stores');
}

/** The voters (member ids) of a store's group as its leader reports them, if one answers. */
async function confVoters(store: string): Promise<string[] | undefined> {
  const c = cluster!;
  for (const p of c.peers) {
    if (!c.isUp(p.id)) continue;
    const r = await groupStatus(c.admin(p.id), store, 3_000);
    if (!r.ok) continue;
    const g = r.value.groups.find((x) => x.store === store && x.role === 'leader');
    if (g !== undefined) return g.voters.map((v) => v.split('@')[0]!);
  }
  return undefined;
}

describe('rebalance - the placement driver with real peers', () => {
  it('skewed load on two stores: leaderships and replicas move until every peer is within the threshold; the history stays linearizable, no acknowledged write is lost', async () => {
    const c = cluster!;
    // Both hot stores led by peer a, so the skew lands on one peer.
    for (const s of HOT) {
      await waitFor(
        async () => {
          const voters = await confVoters(s);
          if (voters === undefined) return false;
          if (!voters.includes('a')) return true; // a holds no replica: leave it be
          await new Promise<void>((resolve) =>
            c
              .admin('a')
              .TransferLeadership({ group: s, to: 'a' }, { deadline: Date.now() + 3_000 }, () =>
                resolve()
              )
          );
          return (await c.leader(s)) === 'a';
        },
        `leadership of ${s} on a`,
        30_000,
        500
      );
    }
    const before = await status();
    const load: Workload = {
      ids: IDS,
      stores: STORES,
      weights: STORES.map((s) => (HOT.includes(s) ? 4 : 1)),
      keysPerStore: 2,
      seed: 20261202,
    };
    const rec = new HistoryRecorder(() => performance.now());
    const conns = Array.from(
      { length: WORKERS + 1 },
      () => new Map(IDS.map((id) => [id, storeClient(c.peer(id).address)] as const))
    );
    const stop = { stopped: false };
    let finals = new Map<string, string | null>();
    let settled: PlacementStatus__Output | undefined;
    try {
      const workers = conns.slice(0, WORKERS).map((m, w) => worker(w, load, rec, stop, m));
      try {
        // Settled: a move was made under this load, and then every peer has stayed within
        // the threshold for 5 consecutive measurements.
        let calm = 0;
        let lastMeasurement = '';
        settled = await waitFor(
          async () => {
            const st = await status();
            if (st.measurements === lastMeasurement) return undefined;
            lastMeasurement = st.measurements;
            const moved = Number(st.moves_started) > Number(before.moves_started);
            const over = aboveThreshold(st, RATIO, FLOOR);
            calm = moved && over.length === 0 && st.moves_in_flight === 0 ? calm + 1 : 0;
            return calm >= 5 ? st : undefined;
          },
          'every peer within the threshold after moves',
          150_000,
          500
        );
      } finally {
        stop.stopped = true;
        await Promise.all(workers);
      }
      finals = await finalReads(load, rec, WORKERS, conns[WORKERS]!);
    } catch (e) {
      out(`rebalance: peer logs\n${c.logs(60)}`);
      out(`rebalance: status ${JSON.stringify(await status().catch((x: unknown) => String(x)))}`);
      throw e;
    } finally {
      for (const m of conns) for (const cl of m.values()) cl.close();
    }

    const moves = settled.recent_moves;
    out(
      `rebalance: ${Number(settled.moves_started) - Number(before.moves_started)} moves under load: ` +
        moves.map((m) => `${m.kind} ${m.store} ${m.from}->${m.to} (${m.reason})`).join('; ')
    );
    out(
      `rebalance: final loads ${settled.members.map((m) => `${m.id}=${m.load.toFixed(1)}/${m.leaders}L/${m.replicas}R`).join(' ')}`
    );
    const stats = historyStats(rec.ops);
    out(
      `rebalance: ${stats.total} operations, ${stats.ok} ok, ${stats.failed} failed, ${stats.unknown} unknown`
    );
    expect(moves.some((m) => m.reason === 'load' || m.reason === 'leaders')).toBe(true);
    expect(stats.ok).toBeGreaterThan(500);

    const history = toLincheck(rec.ops);
    const problems: string[] = [];
    problems.push(...versionContractViolations(history).slice(0, 10));
    const check = checkLinearizable(registerModel, history, {
      maxSteps: 50_000_000,
      timeoutMs: 60_000,
    });
    for (const part of check.partitions) {
      if (part.verdict !== 'ok')
        problems.push(`${part.operations[0]?.input.key ?? '?'}: ${part.verdict}`);
    }
    problems.push(...checkAcknowledgedWrites(rec.ops, finals).map((p) => `lost write: ${p}`));
    expect(problems).toEqual([]);
    // Every store still at its replication factor, on distinct peers.
    for (const [name, reps] of await placements()) {
      expect({ name, n: new Set(reps).size }).toEqual({ name, n: 3 });
    }
  }, 400_000);

  it('a peer killed and kept down past the timeout: every store back at rf 3 on the others; it returns, is cleaned and reused', async () => {
    const c = cluster!;
    const victim = 'e';
    const held = [...(await placements())].filter(([, r]) => r.includes(victim)).map(([n]) => n);
    expect(held.length).toBeGreaterThan(0);
    await c.kill(victim);
    const killedAt = Date.now();
    try {
      // Every store: the map no longer names the victim, and its group runs with 3 voters
      // of the others.
      await waitFor(
        async () => {
          const map = await placements();
          for (const s of STORES) {
            const reps = map.get(s) ?? [];
            if (reps.includes(victim) || new Set(reps).size !== 3) return false;
          }
          for (const s of held) {
            const v = await confVoters(s);
            if (v === undefined || v.includes(victim) || v.length !== 3) return false;
          }
          return true;
        },
        'every store back at rf 3 without the killed peer',
        120_000,
        500
      );
      // Not before the timeout: a short absence moves nothing.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(DOWN_TIMEOUT_MS);
      const st = await status();
      expect(st.members.find((m) => m.id === victim)?.down).toBe(true);
      expect(st.recent_moves.some((m) => m.reason === 'repair' && m.from === victim)).toBe(true);

      await c.startPeer(victim);
      // Cleaned: the replicas it kept while away go once their groups' leaders confirm they
      // moved on; reused: the driver gives it replicas again (it is far below the mean).
      await waitFor(
        async () => {
          const map = await placements();
          const mine = STORES.filter((s) => map.get(s)?.includes(victim));
          const r = await groupStatus(c.admin(victim), '', 3_000);
          if (!r.ok) return false;
          const local = r.value.groups.map((g) => g.store).filter((s) => s !== '');
          const leftovers = local.filter((s) => !mine.includes(s));
          return mine.length >= 6 && leftovers.length === 0;
        },
        'the returned peer cleaned and holding replicas again',
        180_000,
        1_000
      );
      await c.waitHealthy(STORES, 120_000);
    } catch (e) {
      out(`rebalance: peer logs\n${c.logs(60)}`);
      throw e;
    }
  }, 400_000);
});
