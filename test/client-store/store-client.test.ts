import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AdminArgumentError,
  type BrokerClient,
  StoreArgumentError,
  type StoreClient,
  connect,
  data,
} from '../../node/src/client/index.js';
import { freePort } from '../../node/src/dev/index.js';

// Nothing listens on this port: every assertion below is about what the client refuses
// before it sends anything.
let client: BrokerClient;
beforeAll(async () => {
  client = connect(`127.0.0.1:${await freePort()}`);
});
afterAll(() => client?.close());

const k = data.string('k');

describe('store client - refuses bad arguments before sending', () => {
  it('a bad store name throws at once', () => {
    expect(() => client.store('')).toThrow(StoreArgumentError);
    expect(() => client.store('s', { timeoutMs: 0 })).toThrow(/timeoutMs must be an integer/);
    expect(() => client.store('s', { limits: { maxDepth: -1 } })).toThrow(/^limits: /);
  });

  const bad = { kind: 'count', value: -1n } as never;
  it.each<[string, (s: StoreClient) => Promise<unknown>, RegExp]>([
    ['put', (s) => s.put(k, bad), /^value: /],
    ['put expiry', (s) => s.put(k, k, { expiry: 'later' }), /not a timespan/],
    ['putUnique', (s) => s.putUnique(bad, k), /^key: /],
    ['get', (s) => s.get(bad), /^key: /],
    ['getIndexFromValue', (s) => s.getIndexFromValue(k, bad), /^index: /],
    ['increment', (s) => s.increment(k, bad), /^value: /],
    ['append', (s) => s.append(k, data.count(1)), /append needs a string/],
    ['insertInto', (s) => s.insertInto(k, bad), /^value: /],
    ['compareAndSet', (s) => s.compareAndSet(k, -2n, k), /expectedVersion/],
    ['timeout', (s) => s.exists(k, { timeoutMs: 1.5 }), /timeoutMs/],
    ['add initType', (s) => s.add(k, k, { initType: 'text' as never }), /initType/],
  ])(
    '%s rejects (never throws) with StoreArgumentError naming the argument',
    async (_w, call, msg) => {
      const p = call(client.store('s'));
      await expect(p).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(p).rejects.toThrow(msg);
    }
  );

  it('a batch is committed once and never empty', async () => {
    const s = client.store('s');
    await expect(s.batch().commit()).rejects.toThrow(/empty batch/);
    const b = s.batch().put(k, k).erase(k);
    expect(b.size).toBe(2);
    const first = b.commit();
    await expect(b.commit()).rejects.toThrow(/already committed/);
    expect(() => b.put(k, k)).toThrow(/already committed/);
    await first.catch(() => undefined); // UNAVAILABLE: nobody listens
  });

  it('watch options are checked', () => {
    const s = client.store('s');
    expect(() => s.watch({ fromIndex: -1n })).toThrow(/fromIndex/);
    expect(() => s.watch({ maxRetries: -1 })).toThrow(/maxRetries/);
  });

  it('admin arguments are checked', async () => {
    const a = client.admin;
    await expect(a.addMember('x y', '127.0.0.1:1')).rejects.toBeInstanceOf(AdminArgumentError);
    await expect(a.addMember('x', '127.0.0.1')).rejects.toThrow(/invalid address/);
    await expect(a.addMember('x', '127.0.0.1:70000')).rejects.toThrow(/invalid address/);
    await expect(a.createStore('s', { replicationFactor: 256 })).rejects.toThrow(
      /replicationFactor/
    );
    await expect(a.createStore('s', { maxKeys: -1n })).rejects.toThrow(/maxKeys/);
    await expect(a.transferLeadership('s', 'bad id')).rejects.toThrow(/invalid member id/);
    await expect(a.groupStatus('a\u0001')).rejects.toThrow(/invalid group/);
    await expect(a.clusterMap({ timeoutMs: 0 })).rejects.toBeInstanceOf(AdminArgumentError);
  });
});
