// Issue 10, "what Broker and NATS users reach for first": on main a subscription (client
// library and brokerctl sub) ended for good when its node went away. Now it can reconnect and
// resubscribe by itself, reporting disconnected / reconnecting / reconnected.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BrokerClient,
  type SubscriptionStatus,
  connect,
  data,
} from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect } from './support/mesh-client.js';
import { startCtl } from './support/run-ctl.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
const clients: BrokerClient[] = [];

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(['r']);
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await mesh?.stopAll();
});

/** Publishes until `done()` holds: the subscriber's new call is up at an unknown moment. */
async function publishUntil(topic: string, done: () => boolean, what: string): Promise<void> {
  const c = connect(mesh.nodes[0]!.grpc);
  clients.push(c);
  await waitFor(
    async () => {
      await c.publish(topic, data.count(1), 1000).catch(() => 0);
      return done();
    },
    what,
    30_000,
    100
  );
}

describe('subscriptions that reconnect', () => {
  it('the client library resubscribes after its node was killed and restarted', async () => {
    const c = connect(mesh.nodes[0]!.grpc);
    clients.push(c);
    const states: string[] = [];
    const sub = c.subscribe(['re'], {
      reconnect: { baseMs: 50, maxMs: 500 },
      onStatus: (s: SubscriptionStatus) => states.push(s.state),
    });
    await sub.ready();
    const got = collect(sub, (t) => t);
    await publishUntil('re/1', () => got.items.length >= 1, 'the first event');
    await mesh.nodes[0]!.kill();
    await waitFor(() => states.includes('disconnected'), 'the disconnected status');
    await mesh.restart(0);
    await waitFor(() => states.includes('reconnected'), 'the reconnected status', 30_000);
    const before = got.items.length;
    await publishUntil('re/2', () => got.items.length > before, 'an event after the restart');
    expect(got.items.at(-1)).toBe('/re/2');
    expect(states[0]).toBe('disconnected');
    expect(states.at(-1)).toBe('reconnected');
    expect(got.error).toBeUndefined();
    sub.close();
  }, 60_000);

  it('brokerctl sub --reconnect keeps printing across a node restart', async () => {
    const ctl = startCtl(['--server', mesh.nodes[0]!.grpc, 'sub', 'ctl', '--reconnect']);
    let out = '';
    let err = '';
    ctl.child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    ctl.child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    await publishUntil('ctl/a', () => out.includes('"/ctl/a"'), 'the first line');
    await mesh.nodes[0]!.kill();
    await waitFor(() => err.includes('disconnected from'), 'the disconnect notice');
    await mesh.restart(0);
    await waitFor(() => err.includes('reconnected to'), 'the reconnect notice', 30_000);
    await publishUntil('ctl/b', () => out.includes('"/ctl/b"'), 'a line after the restart');
    ctl.child.kill('SIGTERM');
    expect((await ctl.result).code).toBe(0);
  }, 60_000);
});
