/**
 * Pieces of the rebalancing tests (test/cluster/rebalance*.test.ts): a recorded workload of
 * reads, puts and compare-and-sets over many stores with a chosen skew, the placement
 * driver's status through the admin API, and the threshold check the driver itself applies.
 */
import type { BrokerAdminClient } from '../../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../../node/src/gen/broker/v1/BrokerStore.js';
import type { PlacementStatus__Output } from '../../node/src/gen/broker/v1/PlacementStatus.js';
import type { RegisterInput, RegisterOutput } from '../lincheck/index.js';
import { Prng } from '../sim/prng.js';
import { modelKey, runRegisterOp } from './support/register-op.js';
import type { HistoryRecorder } from './support/store-history.js';
import type { CallResult } from './support/store-ops.js';

export const OP_TIMEOUT_MS = 4_000;
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function placementStatus(
  c: BrokerAdminClient,
  timeoutMs = 3_000
): Promise<CallResult<PlacementStatus__Output>> {
  return new Promise((resolve) =>
    c.PlacementStatus({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err !== null) resolve({ ok: false, error: err });
      else if (res === undefined) resolve({ ok: false, error: new Error('empty response') });
      else resolve({ ok: true, value: res });
    })
  );
}

/**
 * The members above the driver's line for load: score > max(mean * (1 + ratio), mean + floor),
 * over the members that are not down. Empty = every member within the threshold.
 */
export function aboveThreshold(
  st: PlacementStatus__Output,
  ratio: number,
  floor: number
): string[] {
  const live = st.members.filter((m) => !m.down);
  if (live.length === 0) return ['(no members)'];
  const mean = live.reduce((a, m) => a + m.load, 0) / live.length;
  const line = Math.max(mean * (1 + ratio), mean + floor);
  return live
    .filter((m) => m.load > line)
    .map((m) => `${m.id}=${m.load.toFixed(1)}>${line.toFixed(1)}`);
}

/** One operation through `client` with this suite's timeout. */
export const runOp = (
  rec: HistoryRecorder,
  worker: number,
  peer: string,
  client: BrokerStoreClient,
  store: string,
  key: string,
  input: RegisterInput
): Promise<RegisterOutput | undefined> =>
  runRegisterOp(rec, worker, peer, client, store, key, input, OP_TIMEOUT_MS);

export interface Workload {
  readonly ids: readonly string[];
  readonly stores: readonly string[];
  /** Relative weight of each store (same order as stores). */
  readonly weights: readonly number[];
  readonly keysPerStore: number;
  readonly seed: number;
}

/**
 * A client: one operation at a time, the next peer each time, stores picked by weight. A
 * compare-and-set expects the version this client last saw of the key. Failed operations are
 * followed by a short pause (a leader moving answers UNAVAILABLE for a moment).
 */
export async function worker(
  w: number,
  load: Workload,
  rec: HistoryRecorder,
  stop: { stopped: boolean },
  clients: ReadonlyMap<string, BrokerStoreClient>,
  /** A pause after every operation (keeps a long run's history within its bound). */
  pauseMs = 0
): Promise<void> {
  const rng = new Prng((load.seed + 7919 * (w + 1)) >>> 0);
  const total = load.weights.reduce((a, b) => a + b, 0);
  const lastSeen = new Map<string, string>();
  let n = 0;
  while (!stop.stopped) {
    const peer = load.ids[(w + n) % load.ids.length]!;
    let x = rng.next() * total;
    let i = 0;
    while (i < load.stores.length - 1 && x >= load.weights[i]!) x -= load.weights[i++]!;
    const store = load.stores[i]!;
    const key = `k${rng.int(load.keysPerStore)}`;
    const mk = modelKey(store, key);
    const value = `w${w}-${n}`;
    n++;
    const r = rng.next();
    const input: RegisterInput =
      r < 0.5
        ? { kind: 'read', key: mk }
        : r < 0.85
          ? { kind: 'write', key: mk, value }
          : { kind: 'cas', key: mk, expectedVersion: lastSeen.get(mk) ?? '0', value };
    const output = await runOp(rec, w, peer, clients.get(peer)!, store, key, input);
    if (output !== undefined) lastSeen.set(mk, output.version);
    else await delay(50);
    if (pauseMs > 0) await delay(pauseMs);
  }
}

/** Final linearizable reads of every key written, retried until each answers. */
export async function finalReads(
  load: Workload,
  rec: HistoryRecorder,
  worker: number,
  clients: ReadonlyMap<string, BrokerStoreClient>
): Promise<Map<string, string | null>> {
  const finals = new Map<string, string | null>();
  let attempt = 0;
  for (const store of load.stores) {
    for (let k = 0; k < load.keysPerStore; k++) {
      const key = `k${k}`;
      for (let tries = 0; ; tries++) {
        const peer = load.ids[attempt++ % load.ids.length]!;
        const o = await runOp(rec, worker, peer, clients.get(peer)!, store, key, {
          kind: 'read',
          key: modelKey(store, key),
        });
        if (o?.kind === 'read') {
          finals.set(modelKey(store, key), o.value);
          break;
        }
        if (tries >= 40) throw new Error(`no final read of ${store}/${key} in 40 tries`);
        await delay(250);
      }
    }
  }
  return finals;
}
