// Issue 10, "Broker's topic conventions": on main `/lead` and `lead` were different topics,
// and Broker's empty prefix (subscribe to everything) and `zeek/cluster/` were refused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, data } from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { clientsFor, collect, waitForFilter } from './support/mesh-client.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
let clients: BrokerClient[];

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(['a', 'b']);
  clients = clientsFor(mesh);
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const code of await mesh.stopAll()) expect(code).toBe(0);
});

describe('topics as a Broker user writes them', () => {
  it('one canonical form with a leading "/", Broker\'s form accepted, "" subscribes to everything', async () => {
    const [ca, cb] = clients as [BrokerClient, BrokerClient];
    const all = cb.subscribe(['']);
    const zeek = cb.subscribe(['zeek/cluster/']);
    const lead = cb.subscribe(['/lead']);
    expect(await all.ready()).toEqual(['']);
    expect(await zeek.ready()).toEqual(['/zeek/cluster']);
    expect(await lead.ready()).toEqual(['/lead']);
    await waitForFilter(clients, 'b', '');
    await waitForFilter(clients, 'b', '/zeek/cluster');
    await waitForFilter(clients, 'b', '/lead');
    const gotAll = collect(all, (t) => t);
    const gotZeek = collect(zeek, (t) => t);
    const gotLead = collect(lead, (t) => t);
    await ca.publish('zeek/cluster/node1', data.count(1));
    await ca.publish('lead', data.count(2));
    await ca.publish('/other/x', data.count(3));
    await waitFor(() => gotAll.items.length === 3, 'everything at the "" subscriber');
    await waitFor(() => gotLead.items.length === 1, 'lead at the /lead subscriber');
    expect(gotAll.items).toEqual(['/zeek/cluster/node1', '/lead', '/other/x']);
    expect(gotZeek.items).toEqual(['/zeek/cluster/node1']);
    expect(gotLead.items).toEqual(['/lead']);
    for (const s of [all, zeek, lead]) s.close();
  }, 60_000);
});
