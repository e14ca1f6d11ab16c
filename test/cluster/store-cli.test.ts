/**
 * The store and admin APIs end to end: a real 3-peer cluster (durable data dirs, one cluster
 * secret), every client method and every brokerctl store and cluster command, through each
 * of the three peers (any peer forwards to the leader).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BrokerClient,
  type Data,
  type StoreEvent,
  StoreError,
  connect,
  data,
  dataEquals,
} from '../../node/src/client/index.js';
import { type NodeProcess, freePort, spawnNode } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { runCtl, startCtl } from './support/run-ctl.js';
import { waitFor } from './support/wait-for.js';

const SECRET = 'store-cli-test-secret-32-chars!!';
const IDS = ['a', 'b', 'c'] as const;

let nodes: NodeProcess[] = [];
let clients: BrokerClient[] = [];
let dataRoot: string;

/** broker-node arguments of peer `i`, the same on every (re)start. */
let nodeArgs: (i: number) => string[];

beforeAll(async () => {
  ensureBuilt();
  dataRoot = mkdtempSync(join(tmpdir(), 'store-cli-'));
  const ports: number[] = [];
  for (let i = 0; i < IDS.length; i++) ports.push(await freePort());
  const peers = IDS.map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(',');
  nodeArgs = (i) => [
    '--listen',
    `127.0.0.1:${ports[i]}`,
    '--peers',
    peers,
    '--data-dir',
    join(dataRoot, IDS[i]!),
    '--cluster-secret',
    SECRET,
  ];
  nodes = await Promise.all(IDS.map((id, i) => spawnNode({ id, args: nodeArgs(i) })));
  clients = nodes.map((n) => connect(n.grpc));
  // The meta group has a leader and every member is active, as seen from every peer.
  for (const c of clients) {
    await waitFor(
      async () => {
        const m = await c.admin.clusterMap({ timeoutMs: 2000 });
        return m.metaLeader !== '' && m.members.filter((x) => x.state === 'active').length === 3;
      },
      'the cluster map to show a meta leader and three active members',
      60_000,
      100
    );
  }
  for (const id of IDS) await createStore(clients[0]!, `s-${id}`);
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  if (dataRoot !== undefined) rmSync(dataRoot, { recursive: true, force: true });
});

/** Creates a store and waits until it has a leader. */
async function createStore(c: BrokerClient, name: string): Promise<void> {
  const p = await c.admin.createStore(name, { replicationFactor: 3 });
  expect(p.name).toBe(name);
  expect(p.replicationFactor).toBe(3);
  await waitFor(
    async () => (await c.stores()).find((s) => s.name === name && s.leader !== ''),
    `store ${name} to have a leader`,
    30_000,
    100
  );
}

const str = (s: string): Data => data.string(s);
const json = (d: Data): string => JSON.stringify(dataJson(d));
function dataJson(d: Data): unknown {
  switch (d.kind) {
    case 'string':
      return { '@data-type': 'string', data: d.value };
    case 'count':
      return { '@data-type': 'count', data: Number(d.value) };
    default:
      throw new Error(`dataJson: ${d.kind} not needed here`);
  }
}

async function rejection(p: Promise<unknown>): Promise<StoreError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err
  );
  expect(e).toBeInstanceOf(StoreError);
  return e as StoreError;
}

describe.each(IDS.map((id, i) => [id, i] as const))('store client through peer %s', (id, i) => {
  const store = `s-${id}`;
  const c = (): BrokerClient => clients[i]!;

  it('put, get, getEntry, exists, putUnique, erase, keys, stale reads', async () => {
    const s = c().store(store);
    const w1 = await s.put(str('k1'), data.count(1));
    expect(w1.index).toBeGreaterThan(0n);
    expect(w1.version).toBeGreaterThan(0n);
    expect(await s.get(str('k1'))).toEqual(data.count(1));
    const e1 = await s.getEntry(str('k1'));
    expect(e1).toEqual({ value: data.count(1), version: w1.version });
    const w2 = await s.put(str('k1'), data.count(2));
    expect(w2.index).toBeGreaterThan(w1.index);
    expect(w2.version).toBeGreaterThan(w1.version);
    expect(await s.exists(str('k1'))).toBe(true);
    expect(await s.exists(str('nope'))).toBe(false);
    expect(await s.get(str('nope'))).toBeUndefined();
    expect(await s.putUnique(str('k1'), data.count(9))).toBe(false);
    expect(await s.putUnique(str('k2'), data.count(9))).toBe(true);
    expect(await s.get(str('k1'))).toEqual(data.count(2));
    expect(await s.keys()).toEqual([str('k1'), str('k2')]);
    // A stale read on this peer's replica catches up with the write.
    await waitFor(
      async () => (await s.get(str('k2'), { stale: true }))?.kind === 'count',
      'a stale read to see k2'
    );
    expect(await s.erase(str('k2'))).toBe(true);
    expect(await s.erase(str('k2'))).toBe(false);
    expect(await s.keys({ stale: false })).toEqual([str('k1')]);
  });

  it('expiry: a key written with an expiry reports when it expires, and goes away', async () => {
    const s = c().store(store);
    const before = BigInt(Date.now()) * 1_000_000n;
    await s.put(str('long'), str('x'), { expiry: '1h' });
    const e = await s.getEntry(str('long'));
    expect(e?.expiresAt).toBeGreaterThan(before + 3_500n * 1_000_000_000n);
    await s.put(str('short'), str('x'), { expiry: 300_000_000n });
    await waitFor(async () => !(await s.exists(str('short'))), 'the short key to expire', 20_000);
  });

  it("Broker's add and subtract family", async () => {
    const s = c().store(store);
    await s.increment(str('n'));
    await s.increment(str('n'), data.count(5));
    await s.decrement(str('n'));
    expect(await s.get(str('n'))).toEqual(data.count(5));
    await s.add(str('i'), data.integer(-2), { initType: 'integer' });
    await s.subtract(str('i'), data.integer(3));
    expect(await s.get(str('i'))).toEqual(data.integer(-5));
    await s.append(str('t'), 'ab');
    await s.append(str('t'), 'cd');
    expect(await s.get(str('t'))).toEqual(str('abcd'));
    await s.insertInto(str('set'), data.count(1));
    await s.insertInto(str('set'), data.count(2));
    expect(await s.getIndexFromValue(str('set'), data.count(2))).toEqual(data.boolean(true));
    await s.removeFrom(str('set'), data.count(2));
    expect(await s.get(str('set'))).toEqual(data.set([data.count(1)]));
    await s.insertInto(str('tab'), str('x'), data.count(7));
    expect(await s.getIndexFromValue(str('tab'), str('x'))).toEqual(data.count(7));
    await s.removeFrom(str('tab'), str('x'));
    expect(await s.get(str('tab'))).toEqual(data.table([]));
    await s.push(str('vec'), str('p'));
    await s.push(str('vec'), str('q'));
    expect(await s.getIndexFromValue(str('vec'), data.count(1))).toEqual(str('q'));
    await s.pop(str('vec'));
    expect(await s.get(str('vec'))).toEqual(data.vector([str('p')]));
    // Wrong types and missing keys are refused and change nothing.
    const bad = await rejection(s.add(str('t'), data.count(1)));
    expect(bad.outcome).toBe('not-applied');
    expect(await s.get(str('t'))).toEqual(str('abcd'));
    expect((await rejection(s.subtract(str('missing'), data.count(1)))).outcome).toBe(
      'not-applied'
    );
  });

  it('compareAndSet on versions, compare-and-delete', async () => {
    const s = c().store(store);
    const created = await s.compareAndSet(str('cas'), 0n, str('v1'));
    expect(created.swapped).toBe(true);
    const stale = await s.compareAndSet(str('cas'), 0n, str('v2'));
    expect(stale).toEqual(expect.objectContaining({ swapped: false, version: created.version }));
    const swapped = await s.compareAndSet(str('cas'), created.version, str('v2'));
    expect(swapped.swapped).toBe(true);
    expect(await s.get(str('cas'))).toEqual(str('v2'));
    expect((await s.compareAndSet(str('cas'), created.version, undefined)).swapped).toBe(false);
    expect((await s.compareAndSet(str('cas'), swapped.version, undefined)).swapped).toBe(true);
    expect(await s.exists(str('cas'))).toBe(false);
  });

  it('a batch applies atomically in one entry', async () => {
    const s = c().store(store);
    const r = await s
      .batch()
      .put(str('b1'), data.count(1))
      .putUnique(str('b2'), data.count(2))
      .increment(str('b3'))
      .erase(str('b1'))
      .commit();
    expect(r.results).toHaveLength(4);
    expect(r.results[1]?.inserted).toBe(true);
    expect(r.results[3]?.existed).toBe(true);
    expect(await s.exists(str('b1'))).toBe(false);
    expect(await s.get(str('b3'))).toEqual(data.count(1));
    // The failing subtract fails the whole batch: b4 is not written.
    const err = await rejection(
      s.batch().put(str('b4'), data.count(4)).subtract(str('no-such-key'), data.count(1)).commit()
    );
    expect(err.outcome).toBe('not-applied');
    expect(await s.exists(str('b4'))).toBe(false);
  });

  it('watch delivers every change in order and resumes from an index', async () => {
    const s = c().store(store);
    const first = await s.put(str('w'), data.count(1));
    await s.put(str('w'), data.count(2));
    await s.erase(str('w'));
    const events: StoreEvent[] = [];
    const w = s.watch({ fromIndex: first.index });
    for await (const ev of w) {
      if (ev.key.kind === 'string' && ev.key.value === 'w') events.push(ev);
      if (events.length === 3) break;
    }
    expect(events.map((e) => e.type)).toEqual(['insert', 'update', 'erase']);
    expect(events[1]).toEqual(
      expect.objectContaining({ value: data.count(2), oldValue: data.count(1) })
    );
    expect(events[0]!.index).toBe(first.index);
    expect(events[0]!.publisher).toBe(id);
    // Resume from just after the update: only the erase again.
    const again = s.watch({ fromIndex: events[1]!.index + 1n });
    for await (const ev of again) {
      expect(ev).toEqual(expect.objectContaining({ type: 'erase', index: events[2]!.index }));
      break;
    }
  });

  it('clear erases every key', async () => {
    const s = c().store(store);
    await s.put(str('c1'), data.count(1));
    const r = await s.clear();
    expect(r.index).toBeGreaterThan(0n);
    expect(await s.keys()).toEqual([]);
  });

  it('an unknown store is NOT_FOUND and not applied', async () => {
    const e = await rejection(c().store('no-such-store').put(str('k'), data.count(1)));
    expect(e.status).toBe('NOT_FOUND');
    expect(e.outcome).toBe('not-applied');
  });
});

describe('admin client', () => {
  it('cluster map, stores, group status, snapshot, leadership transfer', async () => {
    const [a, b] = clients as [BrokerClient, BrokerClient, BrokerClient];
    const m = await a.admin.clusterMap();
    expect(m.members.map((x) => x.id).sort()).toEqual(['a', 'b', 'c']);
    expect(m.stores.map((s) => s.name)).toEqual(expect.arrayContaining(['s-a', 's-b', 's-c']));
    const list = await b.stores();
    expect(
      list
        .find((s) => s.name === 's-a')
        ?.replicas.slice()
        .sort()
    ).toEqual(['a', 'b', 'c']);
    const st = await a.admin.groupStatus();
    expect(st.member).toBe('a');
    expect(st.groups.map((g) => g.group)).toContain('meta');
    await a.store('s-a').put(str('snap'), data.count(1));
    const snap = await a.admin.forceSnapshot('s-a');
    expect(snap.snapshotIndex).toBeGreaterThan(0n);
    const group = (await a.admin.groupStatus('s-a')).groups[0]!;
    const target = IDS.find((x) => x !== group.leader)!;
    await a.admin.transferLeadership('s-a', target);
    await waitFor(
      async () => (await a.admin.groupStatus('s-a')).groups[0]?.leader === target,
      `leadership of s-a to move to ${target}`,
      20_000
    );
    const drain = await a.admin.drainStatus('c');
    expect(drain).toEqual(expect.objectContaining({ id: 'c', state: 'active', done: false }));
  });

  it('create and delete a store', async () => {
    await createStore(clients[1]!, 'tmp');
    const after = await clients[2]!.admin.deleteStore('tmp');
    expect(after.stores.map((s) => s.name)).not.toContain('tmp');
  });
});

describe.each(IDS.map((id, i) => [id, i] as const))('brokerctl through peer %s', (id, i) => {
  const store = `s-${id}`;
  const server = (): string => nodes[i]!.grpc;
  const ctl = (...args: string[]) => runCtl(['--server', server(), ...args]);
  const K = json(str('ck'));

  it('store put, get, exists, put-unique, keys, erase', async () => {
    const put = await ctl('store', 'put', store, K, json(data.count(3)), '--output', 'json');
    expect(put.code).toBe(0);
    const info = JSON.parse(put.stdout) as { index: number; version: number };
    expect(info.index).toBeGreaterThan(0);
    const get = await ctl('store', 'get', store, K);
    expect([get.code, get.stdout]).toEqual([0, `${json(data.count(3))}\n`]);
    const getJson = await ctl('store', 'get', store, K, '--stale', '--output', 'json');
    expect(getJson.code).toBe(0);
    expect(JSON.parse(getJson.stdout)).toEqual(
      expect.objectContaining({ value: { '@data-type': 'count', data: 3 } })
    );
    expect((await ctl('store', 'exists', store, K)).stdout).toBe('true\n');
    expect((await ctl('store', 'put-unique', store, K, json(data.count(4)))).stdout).toMatch(
      /^not inserted/
    );
    expect((await ctl('store', 'keys', store)).stdout).toContain(`${K}\n`);
    expect((await ctl('store', 'erase', store, K)).stdout).toBe('erased\n');
    const missing = await ctl('store', 'get', store, K);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such key/);
  });

  it('store add, subtract, cas, clear', async () => {
    const N = json(str('cn'));
    expect(
      (await ctl('store', 'add', store, N, json(data.count(5)), '--init-type', 'count')).code
    ).toBe(0);
    expect((await ctl('store', 'subtract', store, N, json(data.count(2)))).code).toBe(0);
    const got = await ctl('store', 'get', store, N, '--output', 'json');
    const entry = JSON.parse(got.stdout) as { value: unknown; version: number };
    expect(entry.value).toEqual({ '@data-type': 'count', data: 3 });
    const refused = await ctl('store', 'cas', store, N, '0', json(data.count(9)));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^not swapped/);
    const ok = await ctl('store', 'cas', store, N, String(entry.version), json(data.count(9)));
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringMatching(/^swapped version \d+/)]);
    const erased = await ctl('store', 'cas', store, N, '0', '--erase');
    expect(erased.code).toBe(1);
    expect((await ctl('store', 'clear', store)).code).toBe(0);
    expect((await ctl('store', 'keys', store, '--output', 'json')).stdout).toBe('[]\n');
  });

  it('store watch prints changes from an index as JSON lines', async () => {
    const W = json(str('cw'));
    const first = await ctl('store', 'put', store, W, json(data.count(1)), '--output', 'json');
    const from = (JSON.parse(first.stdout) as { index: number }).index;
    await ctl('store', 'put', store, W, json(data.count(2)));
    const watch = startCtl([
      '--server',
      server(),
      'store',
      'watch',
      store,
      '--from-index',
      String(from),
      '--count',
      '2',
    ]);
    const r = await watch.result;
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['type'])).toEqual(['insert', 'update']);
    expect(lines[0]).toEqual(
      expect.objectContaining({ store, index: from, key: { '@data-type': 'string', data: 'cw' } })
    );
  });

  it('stores and cluster commands', async () => {
    const stores = await ctl('stores', '--output', 'json');
    expect(stores.code).toBe(0);
    expect((JSON.parse(stores.stdout) as Array<{ name: string }>).map((s) => s.name)).toEqual(
      expect.arrayContaining(['s-a', 's-b', 's-c'])
    );
    expect((await ctl('stores')).stdout).toMatch(/^STORE +RF +REPLICAS/);
    const members = await ctl('cluster', 'members');
    expect(members.code).toBe(0);
    expect(members.stdout).toMatch(/\na +active/);
    const status = await ctl('cluster', 'status', '--output', 'json');
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { member: string }).member).toBe(id);
    expect((await ctl('cluster', 'status', store)).stdout).toMatch(
      new RegExp(`\\n\\S+ +${store} `)
    );
    expect((await ctl('cluster', 'snapshot', store)).code).toBe(0);
    expect((await ctl('cluster', 'drain-status', id)).stdout).toMatch(
      new RegExp(`^member ${id} +active`)
    );
    const tmp = `ctl-${id}`;
    expect((await ctl('cluster', 'create-store', tmp, '--replication-factor', '3')).stdout).toMatch(
      new RegExp(`^store ${tmp} `)
    );
    await waitFor(
      async () => (await clients[i]!.stores()).some((s) => s.name === tmp && s.leader !== ''),
      `store ${tmp} to have a leader`,
      30_000
    );
    expect((await ctl('cluster', 'transfer', tmp)).code).toBe(0);
    expect((await ctl('cluster', 'delete-store', tmp)).stdout).toBe(`deleted store ${tmp}\n`);
    const unknown = await ctl('store', 'get', 'no-such-store', K);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/NOT_FOUND/);
  });
});

describe('watch across a peer restart (changes the cluster: runs after the read-only parts)', () => {
  it('a watch on a peer that is killed and restarted resumes without gaps or duplicates', async () => {
    const s = clients[2]!.store('s-c');
    const first = await clients[0]!.store('s-c').put(str('r'), data.count(0));
    const w = s.watch({
      fromIndex: first.index,
      backoffBaseMs: 50,
      backoffMaxMs: 500,
      maxRetries: 200,
    });
    const seen: bigint[] = [];
    const reader = (async () => {
      for await (const ev of w) {
        if (ev.key.kind === 'string' && ev.key.value === 'r' && ev.value?.kind === 'count') {
          seen.push(ev.value.value);
          if (ev.value.value === 10n) break;
        }
      }
    })();
    const writer = clients[0]!.store('s-c');
    // While c is down the store may elect a new leader: retry a put that certainly did not
    // apply, or that did (an unknown outcome whose value is there).
    const put = (n: bigint): Promise<boolean> =>
      waitFor(
        async () => {
          try {
            await writer.put(str('r'), data.count(n));
          } catch (e) {
            if (!(e instanceof StoreError)) throw e;
            if (
              e.outcome === 'unknown' &&
              dataEquals((await writer.get(str('r'))) ?? data.none(), data.count(n))
            )
              return true;
            throw e;
          }
          return true;
        },
        `the put of ${n}`,
        30_000,
        100
      );
    for (let n = 1n; n <= 4n; n++) await put(n);
    await waitFor(() => seen.length >= 5, 'the watch to see the first five values', 20_000);
    await nodes[2]!.kill();
    // Writes while the watched peer is down still commit on the other two.
    for (let n = 5n; n <= 8n; n++) await put(n);
    nodes[2] = await spawnNode({ id: 'c', args: nodeArgs(2) });
    for (let n = 9n; n <= 10n; n++) await put(n);
    await reader;
    expect(seen).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
    expect(w.attempts).toBeGreaterThan(1);
  });
});

describe('membership (runs last: it changes the cluster)', () => {
  it('a new peer joins, is promoted, drained and removed; add and forced remove by id', async () => {
    const [a, b] = clients as [BrokerClient, BrokerClient, BrokerClient];
    const port = await freePort();
    const peers = [...nodes.map((n) => `${n.id}=${n.grpc}`), `d=127.0.0.1:${port}`].join(',');
    const d = await spawnNode({
      id: 'd',
      args: [
        '--listen',
        `127.0.0.1:${port}`,
        '--peers',
        peers,
        '--data-dir',
        join(dataRoot, 'd'),
        '--cluster-secret',
        SECRET,
      ],
    });
    nodes.push(d);
    await waitFor(
      async () => (await a.admin.clusterMap()).members.find((m) => m.id === 'd'),
      'd to join the cluster map',
      30_000,
      100
    );
    // Promotion is refused (FAILED_PRECONDITION) until d has caught up; then d is active.
    await waitFor(
      async () =>
        (await b.admin.promoteMember('d')).members.find((m) => m.id === 'd')?.state === 'active',
      'd to be promoted',
      30_000,
      200
    );
    const drain = await runCtl(['--server', nodes[2]!.grpc, 'cluster', 'drain', 'd']);
    expect(drain.code).toBe(0);
    expect(drain.stdout).toMatch(/^member d +draining/);
    await waitFor(
      async () => (await a.admin.drainStatus('d')).done,
      'd to be drained',
      60_000,
      200
    );
    const removed = await a.admin.removeMember('d');
    expect(removed.members.find((m) => m.id === 'd')?.state ?? 'removed').toBe('removed');
    await d.stop();

    // A member added by id (no process behind it yet) and removed again with --force.
    const add = await runCtl(['--server', nodes[1]!.grpc, 'cluster', 'add', 'e', '127.0.0.1:1']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/\ne +joining +127\.0\.0\.1:1 /);
    const promote = await runCtl(['--server', nodes[0]!.grpc, 'cluster', 'promote', 'e']);
    expect(promote.code).toBe(1); // never caught up: refused
    const rm = await runCtl(['--server', nodes[2]!.grpc, 'cluster', 'remove', 'e', '--force']);
    expect(rm.code).toBe(0);
    const m = await a.admin.clusterMap();
    expect(m.members.find((x) => x.id === 'e')?.state ?? 'removed').toBe('removed');
    expect((await a.admin.addMember('f', '127.0.0.1:2')).members.map((x) => x.id)).toContain('f');
    await a.admin.removeMember('f', { force: true });
  });
});
