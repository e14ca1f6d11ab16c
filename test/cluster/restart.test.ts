import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BrokerClient,
  BrokerClientError,
  connect,
  data,
} from '../../node/src/client/index.js';
import { type Mesh, freePort, spawnNode, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { scrape, sumOf } from './support/prometheus-text.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
const clients: BrokerClient[] = [];

beforeAll(async () => {
  ensureBuilt();
  // Short backoff so the rejoin is quick; a short shutdown bound for the SIGTERM cases.
  mesh = await startMesh(
    ['a', 'b', 'c', 'd'],
    ['--reconnect-base-ms', '50', '--reconnect-max-ms', '500', '--shutdown-timeout-ms', '5000']
  );
  for (const n of mesh.nodes) clients.push(connect(n.grpc));
  await waitForMesh(clients);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await mesh?.stopAll();
});

describe('peer failure and restart', () => {
  it('a peer killed with SIGKILL and restarted rejoins, and traffic resumes', async () => {
    const [a, , c] = clients as [BrokerClient, BrokerClient, BrokerClient, BrokerClient];
    let sub = clients[1]!.subscribe(['/r']);
    await sub.ready();
    await waitForFilter(clients, 'b', '/r');
    let got = collect(sub, (t) => t);
    await a.publish('/r/before', data.count(1));
    await waitFor(() => got.items.length === 1, 'the first event');
    sub.close();

    await mesh.nodes[1]!.kill();
    await waitFor(async () => {
      const s = await a.status();
      const b = s.peers.find((p) => p.id === 'b');
      return b !== undefined && b.state !== 'connected';
    }, 'a to notice that b is gone');

    const restarted = await mesh.restart(1);
    clients[1]!.close();
    clients[1] = connect(restarted.grpc);
    await waitForMesh(clients);
    sub = clients[1]!.subscribe(['/r']);
    await sub.ready();
    await waitForFilter(clients, 'b', '/r');
    got = collect(sub, (t) => t);
    await a.publish('/r/after-a', data.count(2));
    await c.publish('/r/after-c', data.count(3));
    await waitFor(() => got.items.length === 2, 'events from a and c after the restart');
    sub.close();
    expect(got.items.sort()).toEqual(['/r/after-a', '/r/after-c']);

    const s = await a.status();
    expect(s.peers.find((p) => p.id === 'b')!.connection_attempts).toBeGreaterThan(1);
    const m = await scrape(mesh.nodes[0]!.http!);
    expect(
      sumOf(m, 'broker_peer_connection_attempts_total', { result: 'failure' })
    ).toBeGreaterThan(0);
    expect(sumOf(m, 'broker_peers_connected')).toBe(3);
  }, 60_000);

  it('SIGTERM flushes accepted events to peers, ends subscriptions and exits 0', async () => {
    const d = mesh.nodes[3]!;
    const sub = clients[2]!.subscribe(['/flush']);
    const local = clients[3]!.subscribe(['/flush']);
    await Promise.all([sub.ready(), local.ready()]);
    await waitForFilter(clients, 'c', '/flush');
    const got = collect(sub, (_t, v) => v);
    let localError: unknown;
    const localDone = (async () => {
      try {
        for await (const _ of local);
      } catch (e) {
        localError = e;
      }
    })();
    const N = 20_000;
    const events = Array.from({ length: N }, (_, i) => data.count(i));
    let accepted = 0;
    for (let i = 0; i < N; i += 2000)
      accepted += await clients[3]!.publish('/flush/x', events.slice(i, i + 2000));
    expect(accepted).toBe(N);
    d.child.kill('SIGTERM');
    const exit = await d.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    await localDone;
    expect(localError).toBeInstanceOf(BrokerClientError);
    expect((localError as BrokerClientError).message).toMatch(/shutting down/);
    await waitFor(
      () => got.items.length >= N,
      'every accepted event at the remote subscriber',
      15_000
    );
    sub.close();
    expect(got.items.length).toBe(N);
  }, 60_000);
});

describe('bounded shutdown', () => {
  it('exits 0 within --shutdown-timeout-ms even with a publisher stuck behind a blocked subscriber', async () => {
    const node = await spawnNode({
      id: 'stuck',
      args: ['--listen', `127.0.0.1:${await freePort()}`, '--shutdown-timeout-ms', '3000'],
    });
    const c = connect(node.grpc);
    const sub = c.subscribe(['/stuck'], { overflowPolicy: 'block', queueCapacity: 10 });
    await sub.ready();
    const pub = c.publisher({ batchEvents: 100 });
    let blocked = false;
    for (let i = 0; i < 200_000 && !blocked; i++) {
      if (!pub.publish('/stuck/x', data.count(i))) {
        blocked = !(await Promise.race([
          pub.ready().then(() => true),
          new Promise((r) => setTimeout(r, 1000, false)),
        ]));
      }
    }
    expect(blocked).toBe(true);
    node.child.kill('SIGTERM');
    // broker-node exits 1 if its shutdown overran the bound by 2 s; 0 means it kept to it.
    expect(await node.exited).toEqual({ code: 0, signal: null });
    sub.close();
    c.close();
  }, 60_000);
});
