// Issue 10, defect 5: on main the client library and brokerctl refused depth 65 and values
// over 16 MiB whatever the node allowed, so a node started with --max-depth 200 could not be
// used up to its limit. Now both leave the decision to the node by default (and take lower
// limits as options / flags).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, type Data, connect, data } from '../../node/src/client/index.js';
import { type NodeProcess, freePort, spawnNode } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect } from './support/mesh-client.js';
import { runCtl, startCtl } from './support/run-ctl.js';
import { waitFor } from './support/wait-for.js';

const MiB = 1024 * 1024;
let node: NodeProcess;
let client: BrokerClient;

beforeAll(async () => {
  ensureBuilt();
  node = await spawnNode({
    id: 'big',
    args: [
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--max-depth',
      '200',
      '--max-message-bytes',
      String(20 * MiB),
      '--max-batch-bytes',
      String(24 * MiB),
    ],
  });
  // No limits given: the node's flags decide.
  client = connect(node.grpc);
}, 180_000);

afterAll(async () => {
  client?.close();
  expect(await node.stop()).toBe(0);
});

function nested(depth: number): Data {
  let v: Data = data.count(1);
  for (let i = 0; i < depth; i++) v = data.vector([v]);
  return v;
}

function nestedJson(depth: number): string {
  let v = '{"@data-type":"count","data":1}';
  for (let i = 0; i < depth; i++) v = `{"@data-type":"vector","data":[${v}]}`;
  return v;
}

describe("the client and brokerctl go as far as the node's limits", () => {
  it('the client publishes and receives depth 150 and a 17 MiB value', async () => {
    const sub = client.subscribe(['/lim']);
    await sub.ready();
    const got = collect(sub, (_t, d) => d);
    await client.publish('/lim/deep', nested(150));
    await client.publish('/lim/big', data.string('x'.repeat(17 * MiB)));
    await waitFor(() => got.items.length === 2, 'both values', 30_000);
    expect(got.items[0]).toEqual(nested(150));
    expect((got.items[1] as { value: string }).value.length).toBe(17 * MiB);
    expect(got.error).toBeUndefined();
    sub.close();
  }, 60_000);

  it('the node refuses past its own limits, naming them', async () => {
    await expect(client.publish('/lim/deep', nested(201))).rejects.toThrow(/max-depth/);
    await expect(client.publish('/lim/big', data.string('x'.repeat(21 * MiB)))).rejects.toThrow(
      /max-message-bytes/
    );
  }, 60_000);

  it('a client with lower limits refuses locally', async () => {
    const strict = connect({ server: node.grpc, limits: { maxDepth: 64 } });
    await expect(strict.publish('/lim/deep', nested(100))).rejects.toThrow(/maxDepth \(64\)/);
    strict.close();
  });

  it('brokerctl publishes and prints depth 100 without flags', async () => {
    const sub = startCtl(['--server', node.grpc, 'sub', 'lim/ctl', '--count', '1']);
    await waitFor(
      async () => (await client.status()).subscriptions.some((x) => x.topic === '/lim/ctl'),
      'the subscription'
    );
    const pub = await runCtl(['--server', node.grpc, 'pub', 'lim/ctl', nestedJson(100)]);
    expect(pub.stderr).toBe('published 1 message to lim/ctl\n');
    expect(pub.code).toBe(0);
    const r = await sub.result;
    expect(r.code).toBe(0);
    expect(r.stdout.split('"@data-type":"vector"').length - 1).toBe(100);
    // Past the node's limit the node refuses (exit 1), naming its flag.
    const over = await runCtl(['--server', node.grpc, 'pub', 'lim/ctl', nestedJson(201)]);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/max-depth/);
    // A lower --max-depth refuses before sending, and says which flag it was.
    const refused = await runCtl([
      '--server',
      node.grpc,
      '--max-depth',
      '64',
      'pub',
      'lim/ctl',
      nestedJson(100),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/deeper than maxDepth \(64\).*\(brokerctl --max-depth\)/);
  }, 60_000);
});
