import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, connect, data } from '../../node/src/client/index.js';
import { freePort, type NodeProcess, spawnNode } from '../../node/src/dev/index.js';
import type { BrokerAdminClient } from '../../node/src/gen/broker/v1/BrokerAdmin.js';
import type { ClusterMapResponse__Output } from '../../node/src/gen/broker/v1/ClusterMapResponse.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect } from './support/mesh-client.js';
import { adminClient, get, listStores, put, storeClient } from './support/store-ops.js';
import { waitFor } from './support/wait-for.js';

// A peer that joins after the founders started, with only the founders in its --peers: the
// founders learn it from the cluster map (node/src/transport/peer-set.ts) and link to it
// without a restart onto a longer --peers list; pub/sub events flow both ways and it holds
// store replicas. A second late peer links to the first late one the same way (neither is in
// the other's --peers).

const SECRET = 'peers-from-map-test-secret-0123456789';
const FOUNDERS = ['a', 'b', 'c'];
const LATE = ['d', 'e'];

interface Peer {
  readonly id: string;
  /** Empty until a late peer first starts. */
  address: string;
  readonly dataDir: string;
  proc: NodeProcess | undefined;
}

let root: string;
const peers = new Map<string, Peer>();
const clients: BrokerClient[] = [];
const admins: BrokerAdminClient[] = [];
let founderList = '';

function unary<T>(start: (cb: (err: Error | null, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    start((err, res) => (err !== null || res === undefined ? reject(err) : resolve(res)))
  );
}

const deadline = (): { deadline: number } => ({ deadline: Date.now() + 3_000 });

async function start(id: string): Promise<void> {
  const p = peers.get(id)!;
  if (p.address === '') p.address = `127.0.0.1:${await freePort()}`;
  p.proc = await spawnNode({
    id,
    args: [
      '--listen',
      p.address,
      '--peers',
      founderList,
      '--data-dir',
      p.dataDir,
      '--cluster-secret',
      SECRET,
      '--stores',
      'early',
    ],
    startTimeoutMs: 30_000,
  });
}

function admin(id: string): BrokerAdminClient {
  const c = adminClient(peers.get(id)!.address);
  admins.push(c);
  return c;
}

function client(id: string): BrokerClient {
  const c = connect(peers.get(id)!.address);
  clients.push(c);
  return c;
}

async function linkedTo(id: string): Promise<string[]> {
  const s = await client(id).status();
  return s.peers
    .filter((p) => p.state === 'connected' || p.state === 'inbound')
    .map((p) => p.id)
    .sort();
}

beforeAll(async () => {
  ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'broker-peers-from-map-'));
  // A late peer's port is picked when it starts (see start): picked here, it could be taken
  // meanwhile by another suite's process (an outgoing connection's ephemeral port).
  for (const id of [...FOUNDERS, ...LATE]) {
    peers.set(id, {
      id,
      address: FOUNDERS.includes(id) ? `127.0.0.1:${await freePort()}` : '',
      dataDir: join(root, id),
      proc: undefined,
    });
  }
  founderList = FOUNDERS.map((id) => `${id}=${peers.get(id)!.address}`).join(',');
  await Promise.all(FOUNDERS.map(start));
  const st = storeClient(peers.get('a')!.address);
  await waitFor(
    async () => {
      const r = await listStores(st, 2_000);
      return r.ok && r.value.stores.some((s) => s.name === 'early' && s.leader !== '');
    },
    'the founders to form the cluster and elect a leader of store early',
    60_000,
    200
  );
  st.close();
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const c of admins) c.close();
  await Promise.all([...peers.values()].map((p) => p.proc?.stop()));
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('peers learned from the cluster map', () => {
  it('late peers with only the founders in --peers link to every peer, the founders unrestarted', async () => {
    const founderPids = FOUNDERS.map((id) => peers.get(id)!.proc!.child.pid);
    for (const id of LATE) await start(id);
    const a = admin('a');
    // The late peers join the map (as learners) and are promoted once caught up.
    for (const id of LATE) {
      await waitFor(
        async () => {
          const map = await unary<ClusterMapResponse__Output>((cb) =>
            a.ClusterMap({}, deadline(), cb)
          );
          const m = map.members.find((x) => x.id === id);
          if (m === undefined) return false;
          if (m.state === 'MEMBER_STATE_ACTIVE') return true;
          await unary((cb) => a.PromoteMember({ id }, deadline(), cb)).catch(() => undefined);
          return false;
        },
        `${id} to be an active member`,
        60_000,
        250
      );
    }
    const all = [...FOUNDERS, ...LATE];
    await waitFor(
      async () => {
        for (const id of all) {
          const want = all.filter((x) => x !== id).sort();
          if (JSON.stringify(await linkedTo(id)) !== JSON.stringify(want)) return false;
        }
        return true;
      },
      'a full mesh of five peers',
      60_000,
      250
    );
    // Nothing was restarted to get there.
    for (const [i, id] of FOUNDERS.entries()) {
      const p = peers.get(id)!.proc!;
      expect(p.child.pid).toBe(founderPids[i]);
      expect(p.child.exitCode).toBeNull();
    }
  }, 180_000);

  it('pub/sub events flow between a founder and each late peer, both ways', async () => {
    const pairs: Array<[string, string]> = [
      ['a', 'd'],
      ['d', 'a'],
      ['b', 'e'],
      ['e', 'd'],
    ];
    for (const [from, to] of pairs) {
      const topic = `/late/${from}-${to}`;
      const sub = client(to).subscribe([topic]);
      await sub.ready();
      const got = collect(sub, (t, d) => ({ t, d }));
      const pub = client(from);
      // The filter reaches the publisher's peer asynchronously: publish until one arrives.
      await waitFor(
        async () => {
          await pub.publish(topic, data.string(`${from}->${to}`));
          return got.items.length > 0;
        },
        `an event from ${from} at a subscriber on ${to}`,
        20_000,
        200
      );
      sub.close();
      await got.done;
      expect(got.items[0]).toEqual({ t: topic, d: data.string(`${from}->${to}`) });
    }
  }, 120_000);

  it('a late peer holds a replica of a new store and serves its writes', async () => {
    const a = admin('a');
    await unary((cb) =>
      a.CreateStore(
        { name: 'late', replication_factor: 5, options: { max_keys: 0, max_bytes: 0 } },
        deadline(),
        cb
      )
    );
    const e = storeClient(peers.get('e')!.address);
    const d = storeClient(peers.get('d')!.address);
    try {
      await waitFor(
        async () => {
          const r = await listStores(e, 2_000);
          const s = r.ok ? r.value.stores.find((x) => x.name === 'late') : undefined;
          return s !== undefined && s.replicas.includes('e') && s.replicas.includes('d');
        },
        'store late placed on the late peers',
        60_000,
        250
      );
      // Written through one late peer, read back from the other's own replica (stale read:
      // local, so it proves that replica holds the data).
      await waitFor(
        async () => (await put(d, 'late', 'k', 'v1', 3_000)).ok,
        'a write through d',
        30_000,
        250
      );
      await waitFor(
        async () => {
          const r = await get(e, 'late', 'k', 2_000, true);
          return r.ok && r.value.value === 'v1';
        },
        "e's replica of store late to hold the write",
        30_000,
        250
      );
    } finally {
      e.close();
      d.close();
    }
  }, 120_000);
});
