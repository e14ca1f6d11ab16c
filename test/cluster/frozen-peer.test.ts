import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, data } from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { clientsFor, collect, seq, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { scrape, sumOf } from './support/prometheus-text.js';
import { waitFor } from './support/wait-for.js';

// A peer that is alive to TCP but does nothing (SIGSTOP: a hung process, a VM paused, a node
// under a long GC or swap storm). Nothing closes its connections, so only keepalive and the
// bounded queues protect the rest of the mesh. Detection takes up to keepalive interval plus
// timeout: 10 s + 5 s on peer links, 15 s + 5 s for clients.

let mesh: Mesh;
let clients: BrokerClient[];
let frozenPid: number | undefined;

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(
    ['a', 'b', 'c'],
    [
      '--reconnect-base-ms',
      '50',
      '--reconnect-max-ms',
      '500',
      '--peer-queue',
      '512',
      '--peer-credit',
      '256',
      '--publish-timeout-ms',
      '200',
    ]
  );
  clients = clientsFor(mesh);
  await waitForMesh(clients);
}, 120_000);

afterAll(async () => {
  if (frozenPid !== undefined) process.kill(frozenPid, 'SIGCONT');
  for (const c of clients ?? []) c.close();
  await mesh?.stopAll();
});

describe('a frozen peer (SIGSTOP)', () => {
  it('does not hold up the others, is detected by keepalive, and rejoins after SIGCONT', async () => {
    const [a, b, c] = clients as [BrokerClient, BrokerClient, BrokerClient];
    const subB = b.subscribe(['/f']);
    const subC = c.subscribe(['/f']);
    await Promise.all([subB.ready(), subC.ready()]);
    await waitForFilter(clients, 'b', '/f');
    await waitForFilter(clients, 'c', '/f');
    const gotB = collect(subB, (_t, d) => seq(d));
    const gotC = collect(subC, (_t, d) => seq(d));

    frozenPid = mesh.nodes[2]!.child.pid!;
    process.kill(frozenPid, 'SIGSTOP');

    // a feeds b and the frozen c: c's link fills, a waits --publish-timeout-ms for it and
    // then drops c's share; b still gets everything, in order.
    const N = 4000;
    const pub = a.publisher({ batchEvents: 200 });
    for (let i = 0; i < N; i++) {
      if (!pub.publish('/f/x', data.count(i))) await pub.ready();
    }
    expect(await pub.close()).toBe(N);
    await waitFor(() => gotB.items.length >= N, 'every event at b', 30_000);
    expect(gotB.items).toEqual(Array.from({ length: N }, (_, i) => i));

    await waitFor(
      async () => {
        const s = await a.status();
        const p = s.peers.find((x) => x.id === 'c');
        return p !== undefined && p.state !== 'connected' && p.state !== 'inbound';
      },
      'a to notice, by keepalive, that c no longer answers',
      30_000
    );
    const m = await scrape(mesh.nodes[0]!.http!);
    expect(
      sumOf(m, 'broker_dropped_messages_total', { reason: 'peer_queue_timeout' }) +
        sumOf(m, 'broker_dropped_messages_total', { reason: 'peer_unavailable' })
    ).toBeGreaterThan(0);
    // The client of the frozen node learns of it too, instead of waiting forever.
    await waitFor(() => gotC.error !== undefined, "c's subscriber to see its node gone", 30_000);
    await gotC.done;

    process.kill(frozenPid, 'SIGCONT');
    frozenPid = undefined;
    await waitForMesh(clients, 30_000);
    const again = c.subscribe(['/f']);
    await again.ready();
    await waitForFilter(clients, 'c', '/f');
    const gotAgain = collect(again, (_t, d) => seq(d));
    await a.publish('/f/x', data.count(N));
    await waitFor(() => gotAgain.items.length >= 1, 'the event after the thaw at c', 15_000);
    expect(gotAgain.items).toEqual([N]);
    // What c received before and during the freeze is a prefix-ordered subset, never reordered.
    expect(gotC.items).toEqual([...gotC.items].sort((x, y) => x - y));
    again.close();
    subB.close();
    await gotAgain.done;
    await gotB.done;
  }, 120_000);
});
