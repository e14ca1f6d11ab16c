import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, data } from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { clientsFor, collect, seq, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { scrape, sumOf } from './support/prometheus-text.js';
import { waitFor } from './support/wait-for.js';

// Issue 10, defect 3: with peer b SIGSTOPped and a publishing at full speed to subscribers on
// b and c, c stalled for seconds (each of a's publish batches waited for room in b's full
// link queue). A frozen peer may cost a healthy subscriber at most its link's queue time,
// `--peer-queue-time-ms` (docs/pubsub.md): the test runs with the default and allows
// generous slack for a loaded machine, far below the seconds the defect cost.

/** The documented default of --peer-queue-time-ms. */
const QUEUE_TIME_MS = 500;
/** Scheduling noise allowed on a shared, busy test machine. */
const SLACK_MS = 2500;

let mesh: Mesh;
let clients: BrokerClient[];
let frozenPid: number | undefined;

beforeAll(async () => {
  ensureBuilt();
  // Small link queues so that b's share fills quickly; everything else at its default.
  mesh = await startMesh(['a', 'b', 'c'], ['--peer-queue', '4096', '--peer-credit', '1024']);
  clients = clientsFor(mesh);
  await waitForMesh(clients);
}, 120_000);

afterAll(async () => {
  if (frozenPid !== undefined) process.kill(frozenPid, 'SIGCONT');
  for (const c of clients ?? []) c.close();
  await mesh?.stopAll();
});

describe('a frozen peer under full load (issue 10, defect 3)', () => {
  it('costs a healthy subscriber at most the link queue time, and the healthy one gets everything', async () => {
    const [a, b, c] = clients as [BrokerClient, BrokerClient, BrokerClient];
    const subB = b.subscribe(['/iso']);
    const subC = c.subscribe(['/iso']);
    await Promise.all([subB.ready(), subC.ready()]);
    await waitForFilter(clients, 'b', '/iso');
    await waitForFilter(clients, 'c', '/iso');
    const gotC = collect(subC, (_t, d) => ({ seq: seq(d), at: performance.now() }));

    frozenPid = mesh.nodes[1]!.child.pid!;
    process.kill(frozenPid, 'SIGSTOP');

    // Full speed: far more than b's link can hold (credit plus queue), so a meets b's full
    // queue within the first few batches and again for every batch after, unless it stops
    // waiting for a link that makes no progress.
    const N = 60_000;
    const pub = a.publisher({ batchEvents: 500 });
    for (let i = 0; i < N; i++) {
      if (!pub.publish('/iso/x', data.count(i))) await pub.ready();
    }
    expect(await pub.flush()).toBe(N);
    await waitFor(() => gotC.items.length >= N, 'every event at c while b is frozen', 20_000);
    // b is still stopped: what c got did not wait for b's keepalive to give up on the link.
    expect(frozenPid).toBeDefined();
    expect(gotC.items.map((x) => x.seq)).toEqual(Array.from({ length: N }, (_, i) => i));
    let gap = 0;
    for (let i = 1; i < gotC.items.length; i++)
      gap = Math.max(gap, gotC.items[i]!.at - gotC.items[i - 1]!.at);
    expect(gap).toBeLessThan(QUEUE_TIME_MS + SLACK_MS);

    // b's share was dropped at a and counted, not silently lost.
    const m = await scrape(mesh.nodes[0]!.http!);
    expect(
      sumOf(m, 'broker_dropped_messages_total', { reason: 'peer_queue_timeout' })
    ).toBeGreaterThan(0);
    await pub.close();
    process.kill(frozenPid, 'SIGCONT');
    frozenPid = undefined;
    subB.close();
    subC.close();
    await gotC.done;
  }, 120_000);
});
