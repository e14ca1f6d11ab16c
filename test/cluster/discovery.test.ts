import { afterAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, connect, data } from '../../node/src/client/index.js';
import { type NodeProcess, freePort, spawnNode } from '../../node/src/dev/index.js';
import { startDnsServer } from './support/dns-server.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { waitFor } from './support/wait-for.js';

const nodes: NodeProcess[] = [];
const clients: BrokerClient[] = [];
let dnsClose: (() => Promise<void>) | undefined;

afterAll(async () => {
  for (const c of clients) c.close();
  for (const n of nodes) expect(await n.stop()).toBe(0);
  await dnsClose?.();
});

describe('--peers-dns', () => {
  it('forms a full mesh from SRV records (one link per pair) and carries pub/sub', async () => {
    ensureBuilt();
    const ids = ['p1', 'p2', 'p3'];
    const ports = [await freePort(), await freePort(), await freePort()];
    const zone = new Map([
      ['_broker._tcp.mesh.test', ports.map((port) => ({ target: '127.0.0.1', port }))],
    ]);
    const dns = await startDnsServer(zone);
    dnsClose = dns.close;
    for (const [i, id] of ids.entries()) {
      nodes.push(
        await spawnNode({
          id,
          args: [
            '--listen',
            `127.0.0.1:${ports[i]}`,
            '--peers-dns',
            '_broker._tcp.mesh.test',
            '--dns-server',
            dns.address,
            '--peers-dns-interval-ms',
            '200',
          ],
        })
      );
      clients.push(connect(nodes[i]!.grpc));
    }
    await waitForMesh(clients, 20_000);
    for (const c of clients) {
      const s = await c.status();
      const linked = s.peers.filter((p) => p.state === 'connected' || p.state === 'inbound');
      expect(linked.map((p) => p.id).sort()).toEqual(ids.filter((x) => x !== s.id));
    }
    const sub = clients[0]!.subscribe(['/dns']);
    await sub.ready();
    await waitForFilter(clients, 'p1', '/dns');
    const got = collect(sub, (t) => t);
    await clients[2]!.publish('/dns/x', data.count(1));
    await clients[1]!.publish('/dns/y', data.count(2));
    await waitFor(() => got.items.length === 2, 'events from peers found by DNS');
    sub.close();
    expect(got.items.sort()).toEqual(['/dns/x', '/dns/y']);
  }, 60_000);
});
