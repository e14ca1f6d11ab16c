import { type BrokerClient, type Subscription, connect } from '../../../node/src/client/index.js';
import type { Data } from '../../../node/src/data/index.js';
import type { Mesh } from '../../../node/src/dev/index.js';
import { waitFor } from './wait-for.js';

/** One client per node of the mesh. */
export function clientsFor(mesh: Mesh): BrokerClient[] {
  return mesh.nodes.map((n) => connect(n.grpc));
}

/**
 * Waits until every node has a live link to every other node and knows that `holder` (an
 * index into `clients`) subscribes to `topic`.
 */
export async function waitForFilter(
  clients: BrokerClient[],
  holderId: string,
  topic: string,
  timeoutMs = 15_000
): Promise<void> {
  await waitFor(
    async () => {
      for (const c of clients) {
        const s = await c.status();
        if (s.id === holderId) continue;
        const p = s.peers.find((x) => x.id === holderId);
        if (
          p === undefined ||
          !['connected', 'inbound'].includes(p.state) ||
          !p.topics.includes(topic)
        )
          return false;
      }
      return true;
    },
    `every peer to see ${holderId} subscribe to ${topic}`,
    timeoutMs
  );
}

/** Waits until every node links to all the others. */
export async function waitForMesh(clients: BrokerClient[], timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => {
      for (const c of clients) {
        const s = await c.status();
        const up = s.peers.filter((p) => p.state === 'connected' || p.state === 'inbound').length;
        if (up !== clients.length - 1) return false;
      }
      return true;
    },
    'a full mesh',
    timeoutMs
  );
}

/**
 * Collects decoded messages of a subscription in the background; `error` is how the
 * subscription ended, if it ended with an error.
 */
export function collect<T>(
  sub: Subscription,
  map: (topic: string, data: unknown) => T
): { items: T[]; done: Promise<void>; error: unknown } {
  const out = { items: [] as T[], done: Promise.resolve(), error: undefined as unknown };
  out.done = (async () => {
    try {
      for await (const m of sub) out.items.push(map(m.topic, m.data));
    } catch (e) {
      out.error = e; // the test inspects what arrived and how it ended
    }
  })();
  return out;
}

/** The sequence number a test published as a `count` value. */
export function seq(d: unknown): number {
  const v = d as Data;
  if (v.kind !== 'count') throw new Error(`expected a count, got ${v.kind}`);
  return Number(v.value);
}
