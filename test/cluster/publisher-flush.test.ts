import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, connect, data } from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect, seq } from './support/mesh-client.js';
import { waitFor } from './support/wait-for.js';

// Publisher.flush() against a real broker-node (issue 11): it resolves only once the node has
// accepted everything published so far, with the count, and refusals surface there.

let mesh: Mesh;
let client: BrokerClient;

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(['a'], ['--max-message-bytes', '4096']);
  client = connect(mesh.nodes[0]!.grpc);
}, 60_000);

afterAll(async () => {
  client?.close();
  await mesh?.stopAll();
});

describe('Publisher.flush', () => {
  it('resolves with the events the node accepted, once they are routed, and keeps going after', async () => {
    const sub = client.subscribe(['/flush']);
    await sub.ready();
    const got = collect(sub, (_t, d) => seq(d));
    const pub = client.publisher({ batchEvents: 100 });
    for (let i = 0; i < 1000; i++) if (!pub.publish('/flush/x', data.count(i))) await pub.ready();
    expect(await pub.flush()).toBe(1000);
    // Accepted means routed: every event is in the subscriber's queue or already delivered.
    await waitFor(() => got.items.length >= 1000, 'the first 1000 events', 15_000);
    // A flush with nothing new says the same; publishing goes on (a new call) in order.
    expect(await pub.flush()).toBe(1000);
    for (let i = 1000; i < 1500; i++)
      if (!pub.publish('/flush/x', data.count(i))) await pub.ready();
    expect(await pub.close()).toBe(1500);
    await waitFor(() => got.items.length >= 1500, 'all 1500 events', 15_000);
    expect(got.items).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    sub.close();
    await got.done;
  }, 60_000);

  it('rejects with the node refusal: a malformed topic, and an event over the size limit', async () => {
    const bad = client.publisher();
    bad.publish('/flush/ok', data.count(1));
    bad.publish('/flush//empty-segment', data.count(2));
    await expect(bad.flush()).rejects.toMatchObject({
      name: 'BrokerClientError',
      code: 3, // INVALID_ARGUMENT
      message: expect.stringMatching(/topic/i),
    });
    // The publisher stays failed: the refusal is not lost by publishing on.
    expect(() => bad.publish('/flush/ok', data.count(3))).toThrow(/topic/i);

    const big = client.publisher();
    big.publish('/flush/big', data.string('x'.repeat(8000)));
    await expect(big.flush()).rejects.toMatchObject({
      code: 8, // RESOURCE_EXHAUSTED
      message: expect.stringMatching(/max-message-bytes/),
    });
  }, 60_000);
});
