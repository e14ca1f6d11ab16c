import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BrokerClient,
  type Data,
  type Subscription,
  data,
} from '../../node/src/client/index.js';
import { type Mesh, brokerctlEntry, startMesh } from '../../node/src/dev/index.js';
import { hrwMember, pickHrw } from '../../node/src/pubsub/index.js';
import { encodeData } from '../../node/src/data/index.js';
import { loadProtos } from '../../node/src/transport/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { clientsFor, collect, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { parsePrometheusText } from './support/prometheus-text.js';
import { runCtl } from './support/run-ctl.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
let clients: BrokerClient[];
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(['a', 'b', 'c']);
  clients = clientsFor(mesh);
  await waitForMesh(clients);
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of clients ?? []) c.close();
  const codes = await mesh?.stopAll();
  expect(codes).toEqual([0, 0, 0]);
});

/** [key index, sequence] of a test event. */
function pair(d: Data): [number, number] {
  if (d.kind !== 'vector') throw new Error(`expected a vector, got ${d.kind}`);
  const [k, s] = d.elements;
  if (k?.kind !== 'count' || s?.kind !== 'count') throw new Error('expected [count, count]');
  return [Number(k.value), Number(s.value)];
}

function owner(key: string, members: readonly string[]): string {
  return pickHrw(Buffer.from(key, 'utf8'), members.map(hrwMember))!.id;
}

/** Joins `pool` on every node; resolves once each member sees `expect` members. */
async function joinEverywhere(
  pool: string,
  topic: string,
  expectMembers: number
): Promise<Subscription[]> {
  const subs = clients.map((c) => c.subscribe([topic], { pool }));
  await Promise.all(subs.map((s) => s.ready()));
  await Promise.all(
    subs.map((s) => s.waitForMembership((e) => e.members.length === expectMembers, 15_000))
  );
  return subs;
}

describe('pools across a 3-peer mesh', () => {
  it('routes each keyed event to exactly one member, the rendezvous owner of its key, while plain subscribers get everything', async () => {
    const subs = await joinEverywhere('workers', '/jobs', 3);
    const members = subs.map((s) => s.membership!.member);
    expect(new Set(members).size).toBe(3);
    expect([...members].sort()).toEqual(subs[0]!.membership!.members);
    const plain = clients[1]!.subscribe(['/jobs']);
    await plain.ready();
    await waitForFilter(clients, 'b', '/jobs');
    const got = subs.map((s) => collect(s, (_t, d) => pair(d as Data)));
    const all = collect(plain, (_t, d) => pair(d as Data));
    const KEYS = 60;
    const ROUNDS = 4;
    // Publishers on a and c, so routing decisions are made by two different peers.
    for (let r = 0; r < ROUNDS; r++)
      for (let k = 0; k < KEYS; k++)
        await clients[r % 2 === 0 ? 0 : 2]!.publish(
          '/jobs/x',
          data.vector([data.count(k), data.count(r)]),
          { pool: 'workers', key: `key-${k}` }
        );
    const total = KEYS * ROUNDS;
    await waitFor(
      () => got.reduce((n, g) => n + g.items.length, 0) >= total && all.items.length >= total,
      'every pool event at a member and at the plain subscriber',
      30_000
    );
    for (const s of subs) s.close();
    plain.close();
    await Promise.all([...got.map((g) => g.done), all.done]);
    expect(all.items).toHaveLength(total);
    expect(got.reduce((n, g) => n + g.items.length, 0)).toBe(total);
    for (let k = 0; k < KEYS; k++) {
      const at = got.map((g) => g.items.filter(([key]) => key === k).length);
      const want = members.indexOf(owner(`key-${k}`, members));
      expect(at[want]).toBe(ROUNDS);
    }
    // Every member owns some of the 60 keys.
    for (const g of got) expect(g.items.length).toBeGreaterThan(0);
  }, 90_000);

  it('without a key hands events to the members in turn', async () => {
    const subs = await joinEverywhere('turns', '/rr', 3);
    const got = subs.map((s) => collect(s, (_t, d) => pair(d as Data)));
    const N = 90;
    await clients[1]!.publish(
      '/rr/x',
      Array.from({ length: N }, (_, i) => data.vector([data.count(0), data.count(i)])),
      { pool: 'turns' }
    );
    await waitFor(
      () => got.reduce((n, g) => n + g.items.length, 0) >= N,
      'every round-robin event',
      20_000
    );
    for (const s of subs) s.close();
    await Promise.all(got.map((g) => g.done));
    for (const g of got) expect(g.items).toHaveLength(N / 3);
    const seqs = got.flatMap((g) => g.items.map(([, s]) => s)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i));
  }, 60_000);

  it('reports pool members and events routed per member on /metrics', async () => {
    const subs = await joinEverywhere('metered', '/met', 3);
    const members = subs.map((s) => s.membership!.member);
    const got = subs.map((s) => collect(s, (_t, d) => pair(d as Data)));
    for (let k = 0; k < 30; k++)
      await clients[0]!.publish('/met/x', data.vector([data.count(k), data.count(0)]), {
        pool: 'metered',
        key: `m-${k}`,
      });
    await waitFor(() => got.reduce((n, g) => n + g.items.length, 0) >= 30, 'the events', 20_000);
    const res = await fetch(`http://${mesh.nodes[0]!.http}/metrics`);
    const { samples } = parsePrometheusText(await res.text());
    const gauge = samples.find(
      (s) => s.name === 'broker_pool_members' && s.labels.pool === 'metered'
    );
    expect(gauge?.value).toBe(3);
    const routed = samples.filter(
      (s) => s.name === 'broker_pool_routed_messages_total' && s.labels.pool === 'metered'
    );
    let sum = 0;
    for (const [i, m] of members.entries()) {
      const v = routed.find((s) => s.labels.member === m)?.value ?? 0;
      expect(v).toBe(got[i]!.items.length);
      sum += v;
    }
    expect(sum).toBe(30);
    for (const s of subs) s.close();
    await Promise.all(got.map((g) => g.done));
  }, 60_000);
});

describe('a member joining a pool', () => {
  it('takes only the keys it now owns; every other key stays with its member', async () => {
    const pool = 'grow';
    const first = [0, 2].map((i) => clients[i]!.subscribe(['/grow'], { pool }));
    await Promise.all(first.map((s) => s.ready()));
    await Promise.all(first.map((s) => s.waitForMembership((e) => e.members.length === 2)));
    const got = first.map((s) => collect(s, (_t, d) => pair(d as Data)));
    const KEYS = 90;
    const round = async (r: number): Promise<void> => {
      for (let k = 0; k < KEYS; k++)
        await clients[1]!.publish('/grow/x', data.vector([data.count(k), data.count(r)]), {
          pool,
          key: `grow-${k}`,
        });
    };
    await round(0);
    await waitFor(() => got.reduce((n, g) => n + g.items.length, 0) >= KEYS, 'round 0', 20_000);
    const holder = (r: number, gs: ReadonlyArray<{ items: Array<[number, number]> }>): number[] =>
      Array.from({ length: KEYS }, (_, k) =>
        gs.findIndex((g) => g.items.some(([kk, rr]) => kk === k && rr === r))
      );
    const before = holder(0, got);
    // A third member joins on b; once every member (and so every peer) knows it, publish again.
    const late = clients[1]!.subscribe(['/grow'], { pool });
    await late.ready();
    await Promise.all(
      [...first, late].map((s) => s.waitForMembership((e) => e.members.length === 3))
    );
    got.push(collect(late, (_t, d) => pair(d as Data)));
    await round(1);
    await waitFor(
      () => got.reduce((n, g) => n + g.items.filter(([, r]) => r === 1).length, 0) >= KEYS,
      'round 1',
      20_000
    );
    const after = holder(1, got);
    let moved = 0;
    for (let k = 0; k < KEYS; k++) {
      if (after[k] === 2) moved++;
      else expect(after[k]).toBe(before[k]);
    }
    // About a third of the keys move, all to the newcomer.
    // (Member ids are random per process: bounds 4 standard deviations from the mean.)
    expect(moved).toBeGreaterThan(KEYS / 9);
    expect(moved).toBeLessThan(KEYS * 0.6);
    for (const s of [...first, late]) s.close();
    await Promise.all(got.map((g) => g.done));
  }, 60_000);
});

describe('pool events a member holds unacknowledged', () => {
  async function routedAt(node: number, pool: string): Promise<Map<string, number>> {
    const res = await fetch(`http://${mesh.nodes[node]!.http}/metrics`);
    const { samples } = parsePrometheusText(await res.text());
    const out = new Map<string, number>();
    for (const s of samples)
      if (s.name === 'broker_pool_routed_messages_total' && s.labels.pool === pool)
        out.set(s.labels.member!, s.value);
    return out;
  }

  it('are routed again to the new owners when the member leaves, each exactly once', async () => {
    // The member on b never reads: what it is sent stays unacknowledged.
    const subs = await joinEverywhere('held', '/held', 3);
    const ids = subs.map((s) => s.membership!.member);
    const reader = [0, 2].map((i) => collect(subs[i]!, (_t, d) => pair(d as Data)));
    const keys = Array.from({ length: 200 }, (_, k) => `held-${k}`).filter(
      (k) => owner(k, ids) === ids[1]
    );
    expect(keys.length).toBeGreaterThan(20);
    for (const [i, k] of keys.entries())
      await clients[0]!.publish('/held/x', data.vector([data.count(i), data.count(0)]), {
        pool: 'held',
        key: k,
      });
    await waitFor(
      async () => (await routedAt(0, 'held')).get(ids[1]!) === keys.length,
      'every event routed to the member on b',
      15_000
    );
    expect(reader.every((g) => g.items.length === 0)).toBe(true);
    subs[1]!.close();
    const rest = [ids[0]!, ids[2]!];
    await waitFor(
      () => reader.reduce((n, g) => n + g.items.length, 0) >= keys.length,
      'the held events at the other members',
      20_000
    );
    // Then the rest of the pool leaves; nothing more may arrive.
    await Promise.all(
      [subs[0]!, subs[2]!].map((s) =>
        s.waitForMembership((e) => e.members.length === 2 && e.left.includes(ids[1]!))
      )
    );
    subs[0]!.close();
    subs[2]!.close();
    await Promise.all(reader.map((g) => g.done));
    for (const [i, k] of keys.entries()) {
      const at = [0, 1].filter((r) => reader[r]!.items.some(([x]) => x === i));
      expect(at.map((r) => rest[r])).toEqual([owner(k, rest)]);
      expect(reader[at[0]!]!.items.filter(([x]) => x === i)).toHaveLength(1);
    }
  }, 60_000);
});

/** A `brokerctl sub --pool` child whose stdout lines are parsed as they come. */
interface CtlMember {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  member(): string | undefined;
  messages(): Array<[number, number]>;
  memberships(): Array<{ joined: string[]; left: string[]; members: string[] }>;
}

function ctlMember(server: string, pool: string, topic: string): CtlMember {
  const child = spawn(
    process.execPath,
    [brokerctlEntry(), '--server', server, 'sub', '--pool', pool, topic],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (l) =>
    lines.push(JSON.parse(l) as Record<string, unknown>)
  );
  child.stderr!.resume();
  const memberships = (): Array<{ joined: string[]; left: string[]; members: string[] }> =>
    lines.filter((l) => l.type === 'pool-membership') as never;
  return {
    child,
    lines,
    member: () => lines.find((l) => l.type === 'pool-membership')?.member as string | undefined,
    memberships,
    messages: () =>
      lines
        .filter((l) => l.type === 'data-message')
        .map((l) => {
          const v = (l as { data: Array<{ data: number }> }).data;
          return [v[0]!.data, v[1]!.data] as [number, number];
        }),
  };
}

describe('pool members that come and go (brokerctl sub --pool, pub --pool --key)', () => {
  it("tells every member who joined and left; a killed member's keys go to the others and nothing published after its death is lost", async () => {
    const servers = mesh.nodes.map((n) => n.grpc);
    const m = servers.map((s) => ctlMember(s, 'ha', '/ha'));
    await waitFor(
      () => m.every((x) => x.memberships().some((e) => e.members.length === 3)),
      'three members seen by every member',
      20_000
    );
    const ids = m.map((x) => x.member()!);
    // Each member heard of the others joining (or saw them present when it joined).
    for (const x of m) {
      const seen = new Set(x.memberships().flatMap((e) => [...e.joined, ...e.members]));
      for (const id of ids) expect(seen.has(id)).toBe(true);
    }
    const KEYS = 40;
    const publishRound = async (round: number): Promise<void> => {
      for (let k = 0; k < KEYS; k++)
        await clients[0]!.publish('/ha/x', data.vector([data.count(k), data.count(round)]), {
          pool: 'ha',
          key: `ha-${k}`,
        });
    };
    const received = (round: number, who: readonly CtlMember[]): Set<number> =>
      new Set(
        who.flatMap((x) =>
          x
            .messages()
            .filter(([, r]) => r === round)
            .map(([k]) => k)
        )
      );
    await publishRound(0);
    await waitFor(() => received(0, m).size === KEYS, 'round 0 at the members', 20_000);
    for (let k = 0; k < KEYS; k++) {
      const at = m.findIndex((x) => x.messages().some(([kk, r]) => kk === k && r === 0));
      expect(ids[at]).toBe(owner(`ha-${k}`, ids));
    }
    // brokerctl pub --pool --key reaches the key's owner only.
    const ctl = await runCtl([
      '--server',
      servers[2]!,
      'pub',
      '--pool',
      'ha',
      '--key',
      'ha-7',
      '/ha/x',
      '{"@data-type":"vector","data":[{"@data-type":"count","data":7},{"@data-type":"count","data":99}]}',
    ]);
    expect(ctl.code).toBe(0);
    await waitFor(() => received(99, m).has(7), 'the brokerctl event', 15_000);
    expect(m.filter((x) => x.messages().some(([, r]) => r === 99))).toEqual([
      m[ids.indexOf(owner('ha-7', ids))],
    ]);

    // SIGKILL the member on b, then publish at once: events routed to it before every peer
    // knows it is gone are given back and routed again.
    const dead = ids[1]!;
    m[1]!.child.kill('SIGKILL');
    await publishRound(1);
    const alive = [m[0]!, m[2]!];
    const rest = [ids[0]!, ids[2]!];
    await waitFor(() => received(1, alive).size === KEYS, 'round 1 at the live members', 30_000);
    await waitFor(
      () =>
        alive.every((x) =>
          x.memberships().some((e) => e.left.includes(dead) && e.members.length === 2)
        ),
      'the leave event at every live member',
      20_000
    );
    for (const x of alive) {
      const e = x.memberships().find((y) => y.left.includes(dead))!;
      expect(e.members).toEqual([...rest].sort());
    }
    // Membership settled: every key goes to its owner among the two; keys the survivors
    // held before stay where they were.
    await publishRound(2);
    await waitFor(() => received(2, alive).size === KEYS, 'round 2', 20_000);
    for (let k = 0; k < KEYS; k++) {
      const at = alive
        .map((x, i) => (x.messages().some(([kk, r]) => kk === k && r === 2) ? rest[i] : undefined))
        .filter((x) => x !== undefined);
      const before = owner(`ha-${k}`, ids);
      expect(at).toEqual([owner(`ha-${k}`, rest)]);
      if (before !== dead) expect(at).toEqual([before]);
    }
    for (const x of alive) x.child.kill('SIGTERM');
  }, 120_000);

  it('refuses pool flags where they do not apply', async () => {
    const server = mesh.nodes[0]!.grpc;
    const noPool = await runCtl(['--server', server, 'pub', '--key', 'k', '/ha', '1']);
    expect(noPool.code).toBe(2);
    expect(noPool.stderr).toMatch(/--key applies to pub --pool only/);
    const badName = await runCtl(['--server', server, 'sub', '--pool', 'no spaces', '/ha']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/--pool: pool "no spaces"/);
    const wrongCommand = await runCtl(['--server', server, 'status', '--pool', 'x']);
    expect(wrongCommand.code).toBe(2);
  }, 30_000);
});

describe('a peer that dies with pool events for its member', () => {
  it('has them routed again by the publishing peer to the members left', async () => {
    const subs = await joinEverywhere('crash', '/crash', 3);
    const ids = subs.map((s) => s.membership!.member);
    const reader = [0, 2].map((i) => collect(subs[i]!, (_t, d) => pair(d as Data)));
    const keys = Array.from({ length: 200 }, (_, k) => `crash-${k}`).filter(
      (k) => owner(k, ids) === ids[1]
    );
    // The member on b never reads, so b holds every event it was sent, unacknowledged.
    for (const [i, k] of keys.entries())
      await clients[0]!.publish('/crash/x', data.vector([data.count(i), data.count(0)]), {
        pool: 'crash',
        key: k,
      });
    await mesh.nodes[1]!.kill();
    const rest = [ids[0]!, ids[2]!];
    await waitFor(
      () => reader.reduce((n, g) => n + g.items.length, 0) >= keys.length,
      'the events b held, at the other members',
      20_000
    );
    subs[0]!.close();
    subs[2]!.close();
    subs[1]!.close();
    await Promise.all(reader.map((g) => g.done));
    for (const [i, k] of keys.entries()) {
      const at = [0, 1].filter((r) => reader[r]!.items.some(([x]) => x === i));
      expect(at.map((r) => rest[r])).toEqual([owner(k, rest)]);
    }
    await mesh.restart(1);
    await waitForMesh(clients, 30_000);
  }, 90_000);
});

describe('pool requests the node refuses', () => {
  it('names what is wrong: pool name, key without pool, unary pool subscribe, bad acknowledgements', async () => {
    const Ctor = loadProtos().broker.v1.BrokerClient;
    const stub = new Ctor(mesh.nodes[0]!.grpc, grpc.credentials.createInsecure());
    const event = Buffer.from(encodeData(data.count(1)));
    const runs = [{ topic: '/refuse', data: event, sizes: [event.length] }];
    const publish = (req: object): Promise<grpc.ServiceError | null> =>
      new Promise((resolve) =>
        stub.Publish({ runs, ...req }, { deadline: Date.now() + 10_000 }, (e) => resolve(e))
      );
    const badName = await publish({ pool: 'no spaces' });
    expect(badName?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badName?.details).toMatch(/pool "no spaces": a pool name is/);
    const keyOnly = await publish({ key: Buffer.from('k') });
    expect(keyOnly?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(keyOnly?.details).toMatch(/a key needs a pool/);
    const longKey = await publish({ pool: 'p', key: Buffer.alloc(2000) });
    expect(longKey?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(longKey?.details).toMatch(/key of 2000 bytes, at most 1024/);

    const ended = (call: grpc.ClientReadableStream<unknown>): Promise<grpc.ServiceError> =>
      new Promise((resolve) => {
        call.on('data', () => undefined);
        call.on('error', (e: grpc.ServiceError) => resolve(e));
      });
    const unary = await ended(stub.Subscribe({ topics: ['/refuse'], pool: 'p' }));
    expect(unary.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(unary.details).toMatch(/SubscribeStream/);
    const dropOldest = stub.SubscribeStream();
    dropOldest.write({
      topics: ['/refuse'],
      pool: 'p',
      overflow_policy: 'OVERFLOW_POLICY_DROP_OLDEST',
    });
    const e1 = await ended(dropOldest);
    expect(e1.details).toMatch(/cannot use drop-oldest/);
    const overAck = stub.SubscribeStream();
    const overAckEnd = ended(overAck);
    overAck.write({ topics: ['/refuse'], pool: 'p' });
    overAck.write({ pool_ack: 5 });
    const e2 = await overAckEnd;
    expect(e2.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e2.details).toMatch(/pool_ack of 5 events, but 0 are unacknowledged/);
    const change = stub.SubscribeStream();
    const changeEnd = ended(change);
    change.write({ topics: ['/refuse'], pool: 'p' });
    change.write({ topics: ['/other'] });
    expect((await changeEnd).details).toMatch(/cannot change its topics or pool/);
    stub.close();
  }, 30_000);
});
