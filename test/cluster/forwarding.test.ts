import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import type { BrokerStoreClient } from '../../node/src/gen/broker/v1/BrokerStore.js';
import type { RegisterInput } from '../lincheck/index.js';
import { checkLinearizable, registerModel, versionContractViolations } from '../lincheck/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { modelKey, runRegisterOp } from './support/register-op.js';
import { StoreCluster } from './support/store-cluster.js';
import {
  checkAcknowledgedWrites,
  HistoryRecorder,
  historyStats,
  toLincheck,
} from './support/store-history.js';
import { storeClient } from './support/store-ops.js';
import { waitFor } from './support/wait-for.js';

// Requests through a peer that holds no replica of the store while the store's leadership
// moves (TransferLeadership, itself asked of that peer): the peer forwards each request and,
// when its first guess is not the leader, follows the receiver's leader hint
// (node/src/cluster/leader-forwarder.ts). Every write is acknowledged or fails only as
// UNAVAILABLE with the `not-applied` verdict (nothing may be unknown), the failures are
// rare, and the history is linearizable with no acknowledged write lost.

const IDS = ['a', 'b', 'c', 'd'];
const STORE = 'fw';
const KEYS = 3;
const WRITERS = 3;
const TRANSFERS = 8;
/** Operations issued between two transfers (and after the last). */
const OPS_BETWEEN = 30;
const OP_TIMEOUT_MS = 10_000;

const out = (s: string): boolean => process.stderr.write(s + '\n');

let cluster: StoreCluster | undefined;

beforeAll(async () => {
  ensureBuilt();
  cluster = await StoreCluster.start({ ids: IDS, stores: [STORE] });
  await cluster.waitHealthy([STORE], 120_000);
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

function transfer(c: StoreCluster, via: string, to: string): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) =>
    c
      .admin(via)
      .TransferLeadership({ group: STORE, to }, { deadline: Date.now() + OP_TIMEOUT_MS }, (err) =>
        resolve(err)
      )
  );
}

describe('forwarding - a peer without a replica while leadership moves', () => {
  it('every write through it is acknowledged or certainly not applied, the failures are rare, and the history is linearizable', async () => {
    const c = cluster!;
    const replicas = await c.replicas(STORE);
    const outsider = IDS.find((id) => !replicas.includes(id))!;
    expect(outsider).toBeDefined();
    const rec = new HistoryRecorder(() => performance.now());
    const clients: BrokerStoreClient[] = Array.from({ length: WRITERS + 1 }, () =>
      storeClient(c.peer(outsider).address)
    );
    const stop = { stopped: false };
    const transferErrors: string[] = [];
    let moved = 0;
    try {
      const workers = clients.slice(0, WRITERS).map(async (client, w) => {
        const lastSeen = new Map<string, string>();
        for (let n = 0; !stop.stopped; n++) {
          const key = `k${(w + n) % KEYS}`;
          const mk = modelKey(STORE, key);
          const value = `w${w}-${n}`;
          const input: RegisterInput =
            n % 3 === 0
              ? { kind: 'read', key: mk }
              : n % 3 === 1
                ? { kind: 'write', key: mk, value }
                : { kind: 'cas', key: mk, expectedVersion: lastSeen.get(mk) ?? '0', value };
          const o = await runRegisterOp(rec, w, outsider, client, STORE, key, input, OP_TIMEOUT_MS);
          if (o !== undefined) lastSeen.set(mk, o.version);
        }
      });
      try {
        // Leadership around the replicas, each move asked of the outsider, with writes
        // flowing before and after each.
        for (let i = 0; i < TRANSFERS; i++) {
          const before = rec.ops.length;
          await waitFor(
            () => rec.ops.length >= before + OPS_BETWEEN,
            'writes between transfers',
            60_000
          );
          const leader = await waitFor(() => c.leader(STORE), `a leader of ${STORE}`, 30_000);
          const to = replicas.filter((r) => r !== leader)[i % 2]!;
          const err = await transfer(c, outsider, to);
          if (err !== null) transferErrors.push(`${leader}->${to}: ${err.details}`);
          await waitFor(
            async () => (await c.leader(STORE)) === to,
            `leadership of ${STORE} on ${to}`,
            30_000,
            50
          );
          moved++;
        }
        const before = rec.ops.length;
        await waitFor(
          () => rec.ops.length >= before + OPS_BETWEEN,
          'writes after the last move',
          60_000
        );
      } finally {
        stop.stopped = true;
        await Promise.all(workers);
      }
      // Final reads of every key, through the outsider too.
      const finals = new Map<string, string | null>();
      for (let k = 0; k < KEYS; k++) {
        const key = `k${k}`;
        const o = await runRegisterOp(
          rec,
          WRITERS,
          outsider,
          clients[WRITERS]!,
          STORE,
          key,
          { kind: 'read', key: modelKey(STORE, key) },
          OP_TIMEOUT_MS
        );
        expect(o?.kind).toBe('read');
        if (o?.kind === 'read') finals.set(modelKey(STORE, key), o.value);
      }

      const stats = historyStats(rec.ops);
      out(
        `forwarding: ${moved} transfers through ${outsider}; ${stats.total} operations, ` +
          `${stats.ok} ok, ${stats.failed} failed, ${stats.unknown} unknown; ` +
          `errors ${JSON.stringify(stats.errors)}`
      );
      expect(transferErrors).toEqual([]);
      expect(moved).toBe(TRANSFERS);
      // Failures only of the clear, retryable kind; none whose effect is unknown.
      const failures = rec.ops.filter((o) => o.outcome !== 'ok');
      expect(failures.filter((o) => o.error !== 'UNAVAILABLE not-applied')).toEqual([]);
      expect(stats.unknown).toBe(0);
      // While a leader exists a write succeeds: the only failures are those of a moment
      // without one, far fewer than one per transfer (before the hints, a peer without a
      // replica failed every write that it sent to a follower: most of them).
      expect(stats.failed).toBeLessThan(TRANSFERS);
      expect(stats.ok).toBeGreaterThan(TRANSFERS * OPS_BETWEEN);

      const history = toLincheck(rec.ops);
      const problems: string[] = [...versionContractViolations(history).slice(0, 10)];
      const check = checkLinearizable(registerModel, history, {
        maxSteps: 50_000_000,
        timeoutMs: 60_000,
      });
      for (const part of check.partitions)
        if (part.verdict !== 'ok')
          problems.push(`${part.operations[0]?.input.key ?? '?'}: ${part.verdict}`);
      problems.push(...checkAcknowledgedWrites(rec.ops, finals).map((p) => `lost write: ${p}`));
      expect(problems).toEqual([]);
    } catch (e) {
      out(`forwarding: peer logs\n${c.logs(40)}`);
      throw e;
    } finally {
      for (const cl of clients) cl.close();
    }
  }, 400_000);
});
