import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BrokerClient,
  BrokerClientError,
  type Data,
  connect,
  data,
} from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { waitForFilter, waitForMesh } from './support/mesh-client.js';
import { scrape, sumOf } from './support/prometheus-text.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
let a: BrokerClient;
let b: BrokerClient;

const QUEUE = 100;

beforeAll(async () => {
  ensureBuilt();
  // Small queues and windows so the bounds are reached with modest traffic.
  mesh = await startMesh(
    ['a', 'b'],
    [
      '--peer-credit',
      '1000',
      '--peer-queue',
      '1000',
      '--peer-batch-events',
      '100',
      '--block-timeout-ms',
      '60000',
    ]
  );
  a = connect(mesh.nodes[0]!.grpc);
  b = connect(mesh.nodes[1]!.grpc);
  await waitForMesh([a, b]);
}, 120_000);

afterAll(async () => {
  a?.close();
  b?.close();
  expect(await mesh?.stopAll()).toEqual([0, 0]);
});

function seq(d: Data): number {
  if (d.kind !== 'count') throw new Error(`expected a count, got ${d.kind}`);
  return Number(d.value);
}

async function publishRange(topic: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 1000) {
    const batch: Data[] = [];
    for (let j = i; j < Math.min(to, i + 1000); j++) batch.push(data.count(j));
    await a.publish(topic, batch);
  }
}

describe('a slow subscriber', () => {
  it('drop-oldest: bounded queue, drops counted in metrics and reported to the subscriber, order kept', async () => {
    const N = 60_000;
    const sub = b.subscribe(['/fc/drop'], { overflowPolicy: 'drop-oldest', queueCapacity: QUEUE });
    await sub.ready();
    await waitForFilter([a, b], 'b', '/fc/drop');
    const before = sumOf(await scrape(mesh.nodes[1]!.http!), 'broker_peer_received_messages_total');
    await publishRange('/fc/drop', 0, N);
    await waitFor(
      async () =>
        sumOf(await scrape(mesh.nodes[1]!.http!), 'broker_peer_received_messages_total') - before >=
        N,
      'b to receive every event',
      30_000
    );
    const m = await scrape(mesh.nodes[1]!.http!);
    expect(sumOf(m, 'broker_queue_depth_messages', { queue: 'subscriber' })).toBeLessThanOrEqual(
      QUEUE
    );
    const seen: number[] = [];
    for await (const msg of sub) {
      seen.push(seq(msg.data));
      if (seen[seen.length - 1] === N - 1) break;
    }
    sub.close();
    expect(sub.droppedTotal).toBeGreaterThan(0);
    expect(seen.length + sub.droppedTotal).toBe(N);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    const after = await scrape(mesh.nodes[1]!.http!);
    expect(sumOf(after, 'broker_dropped_messages_total', { reason: 'subscriber_overflow' })).toBe(
      sub.droppedTotal
    );
  }, 60_000);

  it('disconnect: the subscription ends with RESOURCE_EXHAUSTED naming the limit', async () => {
    const sub = b.subscribe(['/fc/disc'], { overflowPolicy: 'disconnect', queueCapacity: QUEUE });
    await sub.ready();
    await waitForFilter([a, b], 'b', '/fc/disc');
    await publishRange('/fc/disc', 0, 60_000);
    let error: unknown;
    try {
      for await (const _ of sub);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BrokerClientError);
    expect((error as BrokerClientError).code).toBe(8); // RESOURCE_EXHAUSTED
    // Issue 10, defect 6: this subscriber set its own capacity, so that is the limit named
    // (it said subscriber-queue, the node's default, before).
    expect((error as BrokerClientError).message).toMatch(/limit queue_capacity/);
    const m = await scrape(mesh.nodes[1]!.http!);
    expect(
      sumOf(m, 'broker_dropped_messages_total', { reason: 'subscriber_disconnected' })
    ).toBeGreaterThan(0);
    await waitFor(async () => (await b.status()).subscribers === 0, 'the subscriber to be gone');
  }, 60_000);

  it('block: back pressure stalls the publisher on another peer with bounded queues, then all arrives in order', async () => {
    const N = 400_000;
    const sub = b.subscribe(['/fc/block'], { overflowPolicy: 'block', queueCapacity: QUEUE });
    await sub.ready();
    await waitForFilter([a, b], 'b', '/fc/block');
    const pub = a.publisher({ batchEvents: 1000 });
    let published = 0;
    let blocked = false;
    while (published < N) {
      if (!pub.publish('/fc/block', data.count(published++))) {
        const ok = await Promise.race([
          pub.ready().then(() => true),
          new Promise((r) => setTimeout(r, 2000, false)),
        ]);
        if (!ok) {
          blocked = true;
          break;
        }
      }
    }
    expect(blocked).toBe(true);
    expect(published).toBeLessThan(N);
    const [ma, mb] = await Promise.all([
      scrape(mesh.nodes[0]!.http!),
      scrape(mesh.nodes[1]!.http!),
    ]);
    expect(sumOf(mb, 'broker_queue_depth_messages', { queue: 'subscriber' })).toBeLessThanOrEqual(
      QUEUE
    );
    expect(sumOf(ma, 'broker_queue_depth_messages', { queue: 'peer' })).toBeLessThanOrEqual(1000);
    // Now read: everything published arrives, in order, nothing dropped.
    let next = 0;
    let outOfOrder = 0;
    const reading = (async () => {
      for await (const msg of sub) {
        if (seq(msg.data) !== next) outOfOrder++;
        next++;
        if (next === published) break;
      }
    })();
    await pub.ready();
    expect(await pub.close()).toBe(published);
    await reading;
    sub.close();
    expect(outOfOrder).toBe(0);
    expect(next).toBe(published);
    expect(sub.droppedTotal).toBe(0);
  }, 90_000);
});
