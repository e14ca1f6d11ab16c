import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrokerStoreClient } from '../../node/src/gen/broker/v1/BrokerStore.js';
import {
  checkLinearizable,
  registerModel,
  type RegisterInput,
  type RegisterOutput,
  versionContractViolations,
} from '../lincheck/index.js';
import { Prng } from '../sim/prng.js';
import { ensureBuilt } from './support/ensure-built.js';
import {
  describeExecuted,
  describeSchedule,
  type ExecutedFault,
  FAULT_KINDS,
  Nemesis,
  planSchedule,
} from './support/nemesis.js';
import { modelKey, runRegisterOp } from './support/register-op.js';
import { StoreCluster } from './support/store-cluster.js';
import {
  checkAcknowledgedWrites,
  HistoryRecorder,
  historyStats,
  okWithin,
  type RecordedOp,
  toLincheck,
} from './support/store-history.js';
import { storeClient } from './support/store-ops.js';

// A Jepsen-style test of the replicated stores: 5 real broker-node peers, concurrent clients
// doing linearizable reads, puts and version compare-and-sets on a few keys of two stores
// through every peer (so requests are forwarded), while a nemesis kills, pauses, wipes and
// partitions peers. Every history is checked for linearizability (test/lincheck, versioned
// register model), every acknowledged write must be there at the end, and floors on the work
// done under faults keep a dead cluster from passing.
//
// STORE_SOAK=1 runs longer with more clients, keys and rounds of faults;
// STORE_JEPSEN_SEED=N replays a run's choices (the seed is printed).

const SOAK = process.env.STORE_SOAK === '1';
const SEED = parseSeed(process.env.STORE_JEPSEN_SEED);
const IDS = ['a', 'b', 'c', 'd', 'e'];
const STORES = ['jepsen', 'jepsen-two'];
const KEYS_PER_STORE = SOAK ? 4 : 3;
const WORKERS = SOAK ? 8 : 5;
const ROUNDS = SOAK ? 4 : 1;
const HOLD_MS: readonly [number, number] = SOAK ? [3_000, 8_000] : [2_000, 3_500];
/** A client's deadline per operation; past it, a write's outcome is unknown. */
const OP_TIMEOUT_MS = 3_000;
/** Random pause between two operations of a worker: keeps the history checkable. */
const THINK_MS = 15;
const HEAL_TIMEOUT_MS = 60_000;
const QUIET_MS = SOAK ? 3_000 : 1_500;
const FLOORS = {
  ok: SOAK ? 2_000 : 300,
  okReads: SOAK ? 500 : 80,
  okWrites: SOAK ? 300 : 40,
  swaps: SOAK ? 100 : 15,
  okDuringFaults: SOAK ? 300 : 30,
};

function parseSeed(raw: string | undefined): number {
  if (raw === undefined || raw === '') return (Date.now() ^ (process.pid << 16)) >>> 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new Error(
      `STORE_JEPSEN_SEED must be an integer in [0, 2^32), got ${JSON.stringify(raw)}`
    );
  }
  return n;
}

const out = (s: string): boolean => process.stderr.write(s + '\n');
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let cluster: StoreCluster | undefined;

beforeAll(async () => {
  ensureBuilt();
  out(`store-jepsen: seed ${SEED} (replay with STORE_JEPSEN_SEED=${SEED})${SOAK ? ', soak' : ''}`);
  cluster = await StoreCluster.start({ ids: IDS, stores: STORES });
  await cluster.waitHealthy(STORES, 90_000);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

/** One operation through `client` with this test's timeout. */
const runOp = (
  rec: HistoryRecorder,
  worker: number,
  peer: string,
  client: BrokerStoreClient,
  store: string,
  key: string,
  input: RegisterInput
): Promise<RegisterOutput | undefined> =>
  runRegisterOp(rec, worker, peer, client, store, key, input, OP_TIMEOUT_MS);

/**
 * A client: its own connection to every peer, one operation at a time, the next peer each
 * time. A compare-and-set expects the version this client last saw of the key.
 */
async function worker(
  w: number,
  rec: HistoryRecorder,
  stop: { stopped: boolean },
  clients: ReadonlyMap<string, BrokerStoreClient>
): Promise<void> {
  const rng = new Prng((SEED + 7919 * (w + 1)) >>> 0);
  const lastSeen = new Map<string, string>();
  let n = 0;
  while (!stop.stopped) {
    const peer = IDS[(w + n) % IDS.length]!;
    const store = rng.pick(STORES);
    const key = `k${rng.int(KEYS_PER_STORE)}`;
    const mk = modelKey(store, key);
    const value = `w${w}-${n}`;
    n++;
    const r = rng.next();
    const input: RegisterInput =
      r < 0.4
        ? { kind: 'read', key: mk }
        : r < 0.7
          ? { kind: 'write', key: mk, value }
          : { kind: 'cas', key: mk, expectedVersion: lastSeen.get(mk) ?? '0', value };
    const output = await runOp(rec, w, peer, clients.get(peer)!, store, key, input);
    if (output !== undefined) lastSeen.set(mk, output.version);
    await delay(rng.int(THINK_MS + 1));
  }
}

/** Final linearizable reads of every key, retried until each answers (they join the history). */
async function finalReads(
  rec: HistoryRecorder,
  clients: ReadonlyMap<string, BrokerStoreClient>
): Promise<Map<string, string | null>> {
  const finals = new Map<string, string | null>();
  let attempt = 0;
  for (const store of STORES) {
    for (let k = 0; k < KEYS_PER_STORE; k++) {
      const key = `k${k}`;
      for (let tries = 0; ; tries++) {
        const peer = IDS[attempt++ % IDS.length]!;
        const o = await runOp(rec, WORKERS, peer, clients.get(peer)!, store, key, {
          kind: 'read',
          key: modelKey(store, key),
        });
        if (o?.kind === 'read') {
          finals.set(modelKey(store, key), o.value);
          break;
        }
        if (tries >= 20) throw new Error(`no final read of ${store}/${key} in 20 tries`);
        await delay(250);
      }
    }
  }
  return finals;
}

/** The history of one key, in invocation order, as lincheck describes it. */
function keyHistory(ops: readonly RecordedOp[], key: string, t0: number): string {
  return ops
    .filter((op) => op.input.key === key)
    .map((op) => {
      const shifted = toLincheck([op])[0];
      const at = `@${op.peer} ${op.outcome ?? 'in flight'}${op.error !== undefined ? ` (${op.error})` : ''}`;
      if (shifted === undefined)
        return `  #${op.id} p${op.process} ${op.input.kind} ${at} (no effect)`;
      const rel = {
        ...shifted,
        call: Math.round(shifted.call - t0),
        return: shifted.return === Infinity ? Infinity : Math.round(shifted.return - t0),
      };
      return `  #${op.id} ${registerModel.describe!(rel)} ${at}`;
    })
    .join('\n');
}

describe('store - Jepsen-style test under real faults', () => {
  it(
    'every history is linearizable and every acknowledged write survives kills, pauses, a wipe and partitions',
    async () => {
      const c = cluster!;
      const t0 = performance.now();
      const rec = new HistoryRecorder(() => performance.now());
      const schedule = planSchedule(new Prng(SEED), ROUNDS, HOLD_MS);
      out(`store-jepsen: schedule\n${describeSchedule(schedule)}`);

      const conns = Array.from(
        { length: WORKERS + 1 },
        () => new Map(IDS.map((id) => [id, storeClient(c.peer(id).address)] as const))
      );
      const stop = { stopped: false };
      let executed: ExecutedFault[] = [];
      const problems: string[] = [];
      let finals = new Map<string, string | null>();
      try {
        const workers = conns.slice(0, WORKERS).map((m, w) => worker(w, rec, stop, m));
        // A little fault-free work first, so the faults hit a store with data in it.
        await delay(QUIET_MS);
        const nemesis = new Nemesis(c, {
          store: STORES[0]!,
          stores: STORES,
          healTimeoutMs: HEAL_TIMEOUT_MS,
          quietMs: QUIET_MS,
          now: () => performance.now(),
          log: (l) => out(`store-jepsen +${((performance.now() - t0) / 1000).toFixed(1)} s: ${l}`),
        });
        try {
          executed = await nemesis.run(schedule);
        } finally {
          executed = nemesis.executed;
          stop.stopped = true;
          await Promise.all(workers);
        }
        await c.heal();
        await c.waitHealthy(STORES, HEAL_TIMEOUT_MS);
        finals = await finalReads(rec, conns[WORKERS]!);
      } catch (e) {
        out(`store-jepsen: seed ${SEED}; faults so far:\n${describeExecuted(executed, t0)}`);
        out(`store-jepsen: peer logs\n${c.logs()}`);
        throw e;
      } finally {
        stop.stopped = true;
        for (const m of conns) for (const cl of m.values()) cl.close();
      }

      const ops = rec.ops;
      const stats = historyStats(ops);
      out(
        `store-jepsen: ${stats.total} operations: ${stats.ok} ok (${stats.okByKind.read} reads, ` +
          `${stats.okByKind.write} puts, ${stats.okByKind.cas} compare-and-sets, ${stats.swaps} swapped), ` +
          `${stats.failed} failed, ${stats.unknown} unknown; errors ${JSON.stringify(stats.errors.slice(0, 6))}`
      );
      out(`store-jepsen: faults\n${describeExecuted(executed, t0)}`);

      const history = toLincheck(ops);
      // One broken version tends to break many answers after it: the first few say enough.
      const contract = versionContractViolations(history);
      problems.push(...contract.slice(0, 10).map((p) => `version contract: ${p}`));
      if (contract.length > 10) problems.push(`version contract: ${contract.length - 10} more`);
      const checkStart = performance.now();
      const check = checkLinearizable(registerModel, history, {
        maxSteps: 50_000_000,
        timeoutMs: SOAK ? 600_000 : 60_000,
      });
      out(
        `store-jepsen: lincheck ${check.verdict} on ${history.length} operations in ` +
          `${check.partitions.length} keys, ${Math.round(performance.now() - checkStart)} ms`
      );
      let offending: string | undefined;
      for (const part of check.partitions) {
        if (part.verdict === 'ok') continue;
        const key = part.operations[0]?.input.key ?? '?';
        problems.push(
          part.verdict === 'illegal'
            ? `${key}: not linearizable (${part.operations.length} operations)`
            : `${key}: the checker ran out of budget (${part.steps} steps)`
        );
        if (part.verdict === 'illegal' && offending === undefined) {
          offending =
            `history of ${key}:\n${keyHistory(ops, key, t0)}\n` +
            `longest linearizable prefix:\n` +
            part.longestLinearized.map((o) => `  ${registerModel.describe!(o)}`).join('\n');
        }
      }
      problems.push(...checkAcknowledgedWrites(ops, finals).map((p) => `lost write: ${p}`));

      // The run did work, and did it under faults: a dead cluster cannot pass.
      const windows = executed.map((f) => [f.start, f.healed] as const);
      const duringFaults = okWithin(ops, windows);
      const floor = (what: string, got: number, min: number): void => {
        if (got < min) problems.push(`only ${got} ${what} (at least ${min} expected)`);
      };
      floor('ok operations', stats.ok, FLOORS.ok);
      floor('ok reads', stats.okByKind.read, FLOORS.okReads);
      floor('ok puts', stats.okByKind.write, FLOORS.okWrites);
      floor('swapped compare-and-sets', stats.swaps, FLOORS.swaps);
      floor('ok operations while a fault was in place', duringFaults, FLOORS.okDuringFaults);
      for (const kind of FAULT_KINDS) {
        floor(`${kind} faults`, executed.filter((f) => f.kind === kind).length, ROUNDS);
      }

      if (problems.length > 0) {
        out(`store-jepsen: FAILED with seed ${SEED} (replay: STORE_JEPSEN_SEED=${SEED})`);
        out(`store-jepsen: schedule\n${describeSchedule(schedule)}`);
        if (offending !== undefined) out(`store-jepsen: ${offending}`);
      }
      expect(problems).toEqual([]);
    },
    SOAK ? 3_600_000 : 230_000
  );
});
