// Callback subscriptions (issue 11, nats.js style) and add/remove on the bidirectional stream,
// against a real broker-node.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BrokerClientError,
  type BrokerClient,
  type Message,
  connect,
  data,
} from '../../node/src/client/index.js';
import { type NodeProcess, freePort, spawnNode } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { waitFor } from './support/wait-for.js';

let node: NodeProcess;
let client: BrokerClient;

beforeAll(async () => {
  ensureBuilt();
  node = await spawnNode({
    id: 'cb',
    args: ['--listen', `127.0.0.1:${await freePort()}`, '--max-topic-length', '32'],
  });
  client = connect(node.grpc);
}, 180_000);

afterAll(async () => {
  client?.close();
  if (node !== undefined) expect(await node.stop()).toBe(0);
});

describe('callback subscriptions', () => {
  it('deliver in order, wait for a returned promise, and cannot be iterated', async () => {
    const seen: number[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const sub = client.subscribe('cb/order', {
      callback: async (error: Error | null, m: Message | undefined) => {
        expect(error).toBeNull();
        const n = Number((m!.data as { value: bigint }).value);
        seen.push(n);
        if (n === 0) await held; // the next message waits for this one
      },
    });
    await sub.ready();
    expect(() => sub[Symbol.asyncIterator]()).toThrow(/delivers to its callback/);
    await client.publish(
      '/cb/order',
      [0, 1, 2, 3].map((i) => data.count(i))
    );
    await waitFor(() => seen.length === 1, 'the first message');
    // Held: nothing else is delivered until the first callback's promise settles.
    await client.publish('/cb/order', data.count(4));
    expect(seen).toEqual([0]);
    release();
    await waitFor(() => seen.length === 5, 'the rest');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    sub.close();
  }, 30_000);

  it('report an error end once through the callback', async () => {
    const calls: Array<[string | null, boolean]> = [];
    // Longer than the node's --max-topic-length: the node refuses the subscription.
    const sub = client.subscribe(`/cb/${'x'.repeat(40)}`, {
      callback: (error, m) => calls.push([error?.message ?? null, m !== undefined]),
    });
    await expect(sub.ready()).rejects.toThrow(/max-topic-length|too long|longer/);
    await waitFor(() => calls.length === 1, 'the error');
    expect(calls[0]![1]).toBe(false);
    expect(calls[0]![0]).toMatch(/subscription/);
  }, 30_000);
});

describe('add and remove on a changeable subscription', () => {
  it('change the filter relative to the confirmed one, refusing typos and an empty filter', async () => {
    const sub = client.subscribe(['cb/a'], { changeable: true });
    expect(await sub.ready()).toEqual(['/cb/a']);
    expect((await sub.add(['cb/b', '/cb/a'])).sort()).toEqual(['/cb/a', '/cb/b']);
    expect(await sub.remove(['cb/a/'])).toEqual(['/cb/b']);
    await expect(sub.remove(['/cb/zzz'])).rejects.toThrow(/not subscribed to "\/cb\/zzz"/);
    await expect(sub.remove(['cb/b'])).rejects.toThrow(BrokerClientError);
    await expect(sub.remove(['cb/b'])).rejects.toThrow(/close\(\) ends it/);
    await expect(sub.add([])).rejects.toThrow(/add needs a topic/);
    await expect(sub.add(['a//b'])).rejects.toThrow(/add: /);
    const st = await client.status();
    expect(st.subscriptions.filter((s) => s.topic.startsWith('/cb/')).map((s) => s.topic)).toEqual([
      '/cb/b',
    ]);
    const plain = client.subscribe(['cb/c']);
    await plain.ready();
    await expect(plain.add(['cb/d'])).rejects.toThrow(/cannot change its topics/);
    plain.close();
    sub.close();
  }, 30_000);
});
