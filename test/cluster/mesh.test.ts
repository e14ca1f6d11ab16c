import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, type Data, data } from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { clientsFor, collect, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
let clients: BrokerClient[];

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(['a', 'b', 'c']);
  clients = clientsFor(mesh);
  await waitForMesh(clients);
}, 120_000);

afterAll(async () => {
  for (const c of clients ?? []) c.close();
  const codes = await mesh?.stopAll();
  expect(codes).toEqual([0, 0, 0]);
});

function pair(d: Data): [number, number] {
  if (d.kind !== 'vector') throw new Error(`expected a vector, got ${d.kind}`);
  const [p, s] = d.elements;
  if (p?.kind !== 'count' || s?.kind !== 'count') throw new Error('expected [count, count]');
  return [Number(p.value), Number(s.value)];
}

describe('3-peer mesh', () => {
  it('shows a full mesh in status, in plaintext on loopback', async () => {
    for (const c of clients) {
      const s = await c.status();
      expect(s.security).toBe('plaintext-loopback');
      expect(
        s.peers
          .filter((p) => p.state === 'connected' || p.state === 'inbound')
          .map((p) => p.id)
          .sort()
      ).toEqual(['a', 'b', 'c'].filter((id) => id !== s.id));
    }
  });

  it('delivers every message exactly once and in publish order to subscribers on every peer', async () => {
    const N = 3000;
    const subs = clients.map((c) => c.subscribe(['/mesh']));
    await Promise.all(subs.map((s) => s.ready()));
    for (const id of ['a', 'b', 'c']) await waitForFilter(clients, id, '/mesh');
    const got = subs.map((s) => collect(s, (topic, d) => ({ topic, pair: pair(d as Data) })));
    // Every peer publishes N events on its own subtopic, concurrently, batched.
    await Promise.all(
      clients.map(async (c, p) => {
        const pub = c.publisher({ batchEvents: 256 });
        for (let i = 0; i < N; i++) {
          if (!pub.publish(`/mesh/p${p}`, data.vector([data.count(p), data.count(i)])))
            await pub.ready();
        }
        expect(await pub.close()).toBe(N);
      })
    );
    await waitFor(
      () => got.every((g) => g.items.length >= 3 * N),
      'all events at every subscriber',
      30_000
    );
    // Markers published after everything else: anything duplicated would arrive before them.
    for (const [p, c] of clients.entries())
      await c.publish(`/mesh/p${p}`, data.vector([data.count(p), data.count(N)]));
    await waitFor(() => got.every((g) => g.items.length >= 3 * (N + 1)), 'the markers', 15_000);
    for (const s of subs) s.close();
    await Promise.all(got.map((g) => g.done));
    for (const g of got) {
      expect(g.items).toHaveLength(3 * (N + 1));
      for (let p = 0; p < 3; p++) {
        const seqs = g.items.filter((x) => x.pair[0] === p).map((x) => x.pair[1]);
        expect(seqs).toEqual(Array.from({ length: N + 1 }, (_, i) => i));
        expect(g.items.filter((x) => x.pair[0] === p).every((x) => x.topic === `/mesh/p${p}`)).toBe(
          true
        );
      }
    }
  }, 90_000);

  it('matches subscriptions by whole segments, locally and across peers', async () => {
    const remote = clients[2]!.subscribe(['/seg/a/b']);
    const local = clients[0]!.subscribe(['/seg/a/b']);
    await Promise.all([remote.ready(), local.ready()]);
    await waitForFilter(clients, 'c', '/seg/a/b');
    const r = collect(remote, (t) => t);
    const l = collect(local, (t) => t);
    const topics = [
      '/seg/a/b',
      '/seg/a/bc',
      '/seg/a',
      '/seg/a/b/c',
      '/seg/a/bb/c',
      '/seg/a/b/c/d',
      '/seg/ab',
      '/seg/a/b/end',
    ];
    for (const t of topics) await clients[0]!.publish(t, data.string(t));
    const want = ['/seg/a/b', '/seg/a/b/c', '/seg/a/b/c/d', '/seg/a/b/end'];
    await waitFor(
      () => r.items.includes('/seg/a/b/end') && l.items.includes('/seg/a/b/end'),
      'the end marker'
    );
    remote.close();
    local.close();
    expect(r.items).toEqual(want);
    expect(l.items).toEqual(want);
  }, 30_000);

  it('lets a subscriber change its filter on the bidirectional stream', async () => {
    const sub = clients[1]!.subscribe(['/chg/x'], { changeable: true });
    expect(await sub.ready()).toEqual(['/chg/x']);
    await waitForFilter(clients, 'b', '/chg/x');
    expect(await sub.update(['/chg/y'])).toEqual(['/chg/y']);
    await waitForFilter(clients, 'b', '/chg/y');
    const g = collect(sub, (t) => t);
    await clients[0]!.publish('/chg/x/1', data.count(1));
    await clients[0]!.publish('/chg/y/1', data.count(2));
    await waitFor(() => g.items.length >= 1, 'the /chg/y event');
    await clients[0]!.publish('/chg/y/2', data.count(3));
    await waitFor(() => g.items.length >= 2, 'the second /chg/y event');
    sub.close();
    expect(g.items).toEqual(['/chg/y/1', '/chg/y/2']);
  }, 30_000);
});

describe('filter changes the node refuses', () => {
  it('reject the pending update and end the subscription with the reason', async () => {
    const sub = clients[0]!.subscribe(['/ok'], { changeable: true });
    await sub.ready();
    await expect(sub.update(['/bad//topic'])).rejects.toThrow(/empty segment/);
    await expect(sub.update(['/ok'])).rejects.toThrow(/empty segment/);
  });
});
