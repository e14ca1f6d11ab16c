/**
 * The replicated stores through real broker-node processes: every operation through every
 * peer (forwarding), batches, limits, bad requests, expiry, store events on the mesh, watch
 * resume, a killed leader, a restart from the WAL and a wiped data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, connect } from '../../node/src/client/index.js';
import { type Data, data, dataEquals, decodeData, encodeData } from '../../node/src/data/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import type { WatchResponse__Output } from '../../node/src/gen/broker/v1/WatchResponse.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect } from './support/mesh-client.js';
import { scrape, sumOf } from './support/prometheus-text.js';
import { StoreRpc, failureOf, op } from './support/store-rpc.js';
import { waitFor } from './support/wait-for.js';

const SECRET = 'store-basics-test-secret-0123456789';
const ids = ['a', 'b', 'c'];
let mesh: Mesh;
let root: string;
const rpc: StoreRpc[] = [];

function dataDir(id: string): string {
  return join(root, id);
}

async function leaderOf(group: string): Promise<number> {
  return waitFor(
    async () => {
      for (let i = 0; i < rpc.length; i++) {
        if (mesh.nodes[i]!.child.exitCode !== null || mesh.nodes[i]!.child.signalCode !== null)
          continue;
        try {
          const st = await rpc[i]!.admin1<{ groups: { group: string; role: string }[] }>(
            'GroupStatus',
            { group },
            2000
          );
          if (st.groups.some((g) => g.role === 'leader')) return i + 1;
        } catch {
          // not up
        }
      }
      return 0;
    },
    `a leader of ${group}`,
    30_000,
    100
  ).then((i) => i - 1);
}

beforeAll(async () => {
  ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'store-basics-'));
  mesh = await startMesh(
    ids,
    [
      '--cluster-secret',
      SECRET,
      '--stores',
      'kv,events,expiring',
      '--raft-tick-ms',
      '50',
      '--snapshot-entries',
      '64',
      '--max-key-bytes',
      '256',
      '--shutdown-timeout-ms',
      '5000',
    ],
    { argsFor: (id) => ['--data-dir', dataDir(id)] }
  );
  for (const n of mesh.nodes) rpc.push(new StoreRpc(n.grpc));
  // Formed: every peer lists the declared stores with a leader.
  await waitFor(
    async () => {
      for (const r of rpc) {
        const res = await new Promise<{ stores: { name: string; leader: string }[] }>((ok, ko) =>
          r.store.ListStores({}, { deadline: Date.now() + 2000 }, (e, v) => (e ? ko(e) : ok(v!)))
        );
        if (res.stores.length < 3 || res.stores.some((s) => s.leader === '')) return false;
      }
      return true;
    },
    'every store to have a leader on every peer',
    60_000,
    200
  );
}, 120_000);

afterAll(async () => {
  for (const r of rpc) r.close();
  await mesh?.stopAll();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

const s = data.string;
const c = data.count;

describe('operations through every peer', () => {
  // Each row runs through the next peer in turn, so most requests are forwarded.
  const rows: Array<{
    name: string;
    ops: ReturnType<typeof op.put>[];
    key: Data;
    expect: Data | undefined;
  }> = [
    { name: 'put', ops: [op.put(s('p'), c(1))], key: s('p'), expect: c(1) },
    { name: 'put overwrites', ops: [op.put(s('p'), s('x'))], key: s('p'), expect: s('x') },
    { name: 'erase', ops: [op.erase(s('p'))], key: s('p'), expect: undefined },
    { name: 'add creates a count', ops: [op.add(s('n'), c(5))], key: s('n'), expect: c(5) },
    { name: 'add to a count', ops: [op.add(s('n'), c(2))], key: s('n'), expect: c(7) },
    { name: 'subtract from a count', ops: [op.subtract(s('n'), c(3))], key: s('n'), expect: c(4) },
    {
      name: 'add integer',
      ops: [op.add(s('i'), data.integer(-2)), op.add(s('i'), data.integer(5))],
      key: s('i'),
      expect: data.integer(3),
    },
    {
      name: 'add real',
      ops: [op.add(s('r'), data.real(1.5)), op.add(s('r'), data.real(1))],
      key: s('r'),
      expect: data.real(2.5),
    },
    {
      name: 'append string',
      ops: [op.put(s('str'), s('ab')), op.add(s('str'), s('cd'))],
      key: s('str'),
      expect: s('abcd'),
    },
    {
      name: 'insert into a set',
      ops: [op.add(s('set'), c(2), 'set'), op.add(s('set'), c(1), 'set')],
      key: s('set'),
      expect: data.set([c(1), c(2)]),
    },
    {
      name: 'remove from a set',
      ops: [op.subtract(s('set'), c(2))],
      key: s('set'),
      expect: data.set([c(1)]),
    },
    {
      name: 'insert into a table',
      ops: [op.add(s('tab'), data.vector([s('k'), c(9)]), 'table')],
      key: s('tab'),
      expect: data.table([[s('k'), c(9)]]),
    },
    {
      name: 'remove from a table',
      ops: [op.subtract(s('tab'), s('k'))],
      key: s('tab'),
      expect: data.table([]),
    },
    {
      name: 'push to a vector',
      ops: [op.add(s('vec'), c(1), 'vector'), op.add(s('vec'), c(2), 'vector')],
      key: s('vec'),
      expect: data.vector([c(1), c(2)]),
    },
    {
      name: 'pop from a vector',
      ops: [op.subtract(s('vec'), data.none())],
      key: s('vec'),
      expect: data.vector([c(1)]),
    },
  ];
  rows.forEach((row, i) => {
    it(`${row.name} (via ${ids[i % 3]}, read via ${ids[(i + 1) % 3]})`, async () => {
      await rpc[i % 3]!.write('kv', row.ops);
      const got = await rpc[(i + 1) % 3]!.get('kv', row.key);
      if (row.expect === undefined) expect(got).toBeUndefined();
      else expect(got !== undefined && dataEquals(got, row.expect)).toBe(true);
    });
  });

  it('put_unique inserts once; erase says whether the key existed', async () => {
    const first = await rpc[0]!.write('kv', [op.putUnique(s('u'), c(1))]);
    const second = await rpc[1]!.write('kv', [op.putUnique(s('u'), c(2))]);
    expect(first.results[0]!.inserted).toBe(true);
    expect(second.results[0]!.inserted).toBe(false);
    expect(dataEquals((await rpc[2]!.get('kv', s('u')))!, c(1))).toBe(true);
    const e1 = await rpc[2]!.write('kv', [op.erase(s('u'))]);
    const e2 = await rpc[0]!.write('kv', [op.erase(s('u'))]);
    expect([e1.results[0]!.existed, e2.results[0]!.existed]).toEqual([true, false]);
  });

  it('exists, keys and get_index_from_value', async () => {
    await rpc[1]!.write('kv', [op.put(s('gv'), data.vector([s('x'), s('y')]))]);
    const r = await rpc[2]!.read('kv', [
      { exists: { key: encodeData(s('gv')) } },
      { exists: { key: encodeData(s('absent')) } },
      { get_index: { key: encodeData(s('gv')), index: encodeData(c(1)) } },
      { keys: {} },
    ]);
    expect(dataEquals(decodeData(r.results[0]!.value), data.boolean(true))).toBe(true);
    expect(dataEquals(decodeData(r.results[1]!.value), data.boolean(false))).toBe(true);
    expect(dataEquals(decodeData(r.results[2]!.value), s('y'))).toBe(true);
    const keys = decodeData(r.results[3]!.value);
    expect(keys.kind).toBe('set');
    expect(keys.kind === 'set' && keys.elements.some((k) => dataEquals(k, s('gv')))).toBe(true);
  });

  it('compare-and-set follows the key version', async () => {
    const w = await rpc[0]!.write('kv', [op.put(s('cas'), c(1))]);
    const v = BigInt(w.results[0]!.version);
    expect(v).toBe(BigInt(w.index));
    const stale = await rpc[1]!.write('kv', [op.cas(s('cas'), v - 1n, c(2))]);
    expect(stale.results[0]!.swapped).toBe(false);
    const ok = await rpc[2]!.write('kv', [op.cas(s('cas'), v, c(3))]);
    expect(ok.results[0]!.swapped).toBe(true);
    const absent = await rpc[0]!.write('kv', [op.cas(s('cas-new'), 0n, c(1))]);
    expect(absent.results[0]!.swapped).toBe(true);
    expect(dataEquals((await rpc[1]!.get('kv', s('cas')))!, c(3))).toBe(true);
  });

  it('a batch is atomic: one failing operation applies none', async () => {
    await rpc[0]!.write('kv', [op.put(s('atom-s'), s('text'))]);
    const f = await rpc[1]!
      .write('kv', [op.put(s('atom'), c(1)), op.add(s('atom-s'), c(1))])
      .then(() => undefined, failureOf);
    expect(f?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(f?.outcome).toBe('not-applied');
    expect(await rpc[2]!.get('kv', s('atom'))).toBeUndefined();
  });

  it('bad requests: unknown store, wrong types, malformed bytes, oversized keys', async () => {
    const unknown = await rpc[0]!
      .write('nope', [op.put(s('k'), c(1))])
      .then(() => undefined, failureOf);
    expect(unknown?.code).toBe(grpc.status.NOT_FOUND);
    const badBytes = await rpc[1]!
      .write('kv', [{ put: { key: Buffer.from([0xff, 0x00]), value: encodeData(c(1)) } }])
      .then(() => undefined, failureOf);
    expect(badBytes?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badBytes?.details).toMatch(/ops\[0\]\.key/);
    const big = await rpc[2]!
      .write('kv', [op.put(s('x'.repeat(400)), c(1))])
      .then(() => undefined, failureOf);
    expect(big?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(big?.details).toMatch(/--max-key-bytes/);
    expect(big?.outcome).toBe('not-applied');
    const empty = await rpc[0]!.write('kv', []).then(() => undefined, failureOf);
    expect(empty?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe('expiry, events and watch', () => {
  it('a key with an expiry disappears on every replica, with one expire event', async () => {
    const w = await rpc[0]!.write('expiring', [op.put(s('e'), c(1), 300_000_000n)]);
    await waitFor(
      async () => (await rpc[1]!.get('expiring', s('e'))) === undefined,
      'the key to expire',
      15_000,
      100
    );
    for (const r of rpc)
      await waitFor(
        async () => (await r.get('expiring', s('e'), true)) === undefined,
        'stale read to agree',
        10_000,
        100
      );
    const events = await watchUntil(rpc[2]!, 'expiring', Number(w.index), (evs) =>
      evs.some((e) => e.type === 'STORE_EVENT_TYPE_EXPIRE')
    );
    expect(events.filter((e) => e.type === 'STORE_EVENT_TYPE_EXPIRE')).toHaveLength(1);
  });

  it('store events are published once each, in order, on the mesh', async () => {
    const client: BrokerClient = connect(mesh.nodes[2]!.grpc);
    try {
      const sub = client.subscribe(['<$>/local/data/store-events/events']);
      await sub.ready();
      await new Promise((r) => setTimeout(r, 500)); // filters reach the other peers
      const got = collect(sub, (_t, d) => d as Data);
      await rpc[0]!.write('events', [op.put(s('k'), c(1))]);
      await rpc[1]!.write('events', [op.put(s('k'), c(2))]);
      await rpc[2]!.write('events', [op.erase(s('k'))]);
      await waitFor(() => got.items.length >= 3, 'three store events', 10_000);
      const kinds = got.items.map((v) => {
        return v.kind === 'vector' && v.elements[0]!.kind === 'string' ? v.elements[0]!.value : '?';
      });
      expect(kinds).toEqual(['insert', 'update', 'erase']);
      await new Promise((r) => setTimeout(r, 300));
      expect(got.items.length).toBe(3);
    } finally {
      client.close();
    }
  });

  it('watch resumes from an index without gaps or duplicates', async () => {
    const first = await rpc[0]!.write('kv', [op.put(s('w'), c(1))]);
    const from = Number(first.index);
    const seen = await watchUntil(rpc[1]!, 'kv', from, (evs) => evs.length >= 1);
    expect(seen[0]!.index).toBe(String(from));
    const more: number[] = [];
    for (let i = 2; i <= 4; i++)
      more.push(Number((await rpc[2]!.write('kv', [op.put(s('w'), c(i))])).index));
    const resumed = await watchUntil(rpc[2]!, 'kv', from + 1, (evs) =>
      evs.some((e) => Number(e.index) === more[2])
    );
    const indexes = resumed.map((e) => Number(e.index)).filter((i) => i <= more[2]!);
    expect(indexes.filter((i) => more.includes(i))).toEqual(more);
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(indexes.every((i) => i > from)).toBe(true);
  });
});

describe('metrics', () => {
  it('every peer exports its groups over HTTP, labelled by store; one leader per group', async () => {
    await rpc[0]!.write('kv', [op.put(s('m'), c(1))]);
    const all = await Promise.all(mesh.nodes.map((n) => scrape(n.http!)));
    for (const samples of all) {
      expect(samples.some((x) => x.name === 'broker_raft_term' && x.labels['store'] === 'kv')).toBe(
        true
      );
      expect(
        samples.some((x) => x.name === 'broker_raft_term' && x.labels['store'] === 'meta')
      ).toBe(true);
      expect(sumOf(samples, 'broker_raft_fsync_seconds_count')).toBeGreaterThan(0);
    }
    const leaders = all.map((x) => sumOf(x, 'broker_raft_is_leader', { store: 'kv' }));
    expect(leaders.reduce((a, b) => a + b, 0)).toBe(1);
    const l = leaders.indexOf(1);
    expect(
      sumOf(all[l]!, 'broker_store_proposals_total', { store: 'kv', outcome: 'applied' })
    ).toBeGreaterThan(0);
    expect(sumOf(all[l]!, 'broker_store_apply_seconds_count', { store: 'kv' })).toBeGreaterThan(0);
    expect(sumOf(all[(l + 1) % 3]!, 'broker_store_keys', { store: 'kv' })).toBeGreaterThan(0);
  });
});

describe('faults', () => {
  it('the leader of a store killed: writes go on through the others; it rejoins from its WAL', async () => {
    const l = await leaderOf('kv');
    const others = [0, 1, 2].filter((i) => i !== l);
    await mesh.nodes[l]!.kill();
    await waitFor(
      async () => {
        try {
          await rpc[others[0]!]!.write('kv', [op.put(s('after-kill'), c(1))], 3000);
          return true;
        } catch {
          return false;
        }
      },
      'a write after the leader was killed',
      30_000,
      200
    );
    expect(dataEquals((await rpc[others[1]!]!.get('kv', s('after-kill')))!, c(1))).toBe(true);
    await mesh.restart(l);
    rpc[l]!.close();
    rpc[l] = new StoreRpc(mesh.nodes[l]!.grpc);
    await waitFor(
      async () => {
        const v = await rpc[l]!.get('kv', s('after-kill'), true);
        return v !== undefined && dataEquals(v, c(1));
      },
      'the restarted peer to catch up',
      30_000,
      200
    );
  });

  it('a peer whose data directory was wiped rejoins with a new generation and is restored', async () => {
    // Enough entries that the store groups have snapshotted (--snapshot-entries 64).
    for (let i = 0; i < 80; i++) await rpc[i % 3]!.write('kv', [op.put(s(`bulk-${i}`), c(i))]);
    const victim = 1;
    await mesh.nodes[victim]!.stop();
    rmSync(dataDir(ids[victim]!), { recursive: true, force: true });
    await rpc[0]!.write('kv', [op.put(s('while-down'), c(1))]);
    await mesh.restart(victim);
    rpc[victim]!.close();
    rpc[victim] = new StoreRpc(mesh.nodes[victim]!.grpc);
    const map = await waitFor(
      async () => {
        const m = await rpc[0]!.admin1<{ members: { id: string; generation: number }[] }>(
          'ClusterMap',
          {}
        );
        const me = m.members.find((x) => x.id === ids[victim]);
        return me !== undefined && me.generation > 0 ? m : undefined;
      },
      'the wiped peer to rejoin with a new generation',
      30_000,
      200
    );
    expect(map.members.find((x) => x.id === ids[victim])!.generation).toBeGreaterThan(0);
    await waitFor(
      async () => {
        const v = await rpc[victim]!.get('kv', s('while-down'), true);
        const w = await rpc[victim]!.get('kv', s('bulk-3'), true);
        return v !== undefined && w !== undefined && dataEquals(w, c(3));
      },
      'the wiped peer to be restored by snapshot',
      60_000,
      250
    );
  });
});

type WatchEvent = WatchResponse__Output['events'][number];

/** Watches `store` from `from` until `done` holds for what arrived (bounded). */
function watchUntil(
  r: StoreRpc,
  store: string,
  from: number,
  done: (events: WatchEvent[]) => boolean
): Promise<WatchEvent[]> {
  return new Promise((resolve, reject) => {
    const events: WatchEvent[] = [];
    const call = r.store.Watch({ store, from_index: String(from) });
    const timer = setTimeout(() => {
      call.cancel();
      reject(
        new Error(
          `watch of ${store} from ${from}: condition not met; got ${JSON.stringify(events.map((e) => [e.type, e.index]))}`
        )
      );
    }, 15_000);
    call.on('data', (m: WatchResponse__Output) => {
      events.push(...m.events);
      if (done(events)) {
        clearTimeout(timer);
        call.cancel();
        resolve(events);
      }
    });
    call.on('error', (e: grpc.ServiceError) => {
      if (e.code === grpc.status.CANCELLED) return;
      clearTimeout(timer);
      reject(e);
    });
  });
}
