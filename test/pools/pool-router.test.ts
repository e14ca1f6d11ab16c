import { describe, expect, it } from '@jest/globals';
import * as protoLoader from '@grpc/proto-loader';
import {
  type EventRun,
  InvalidPoolError,
  LimitExceededError,
  type MembershipChange,
  type MembershipEvent,
  NULL_OBSERVER,
  type PoolMemberInfo,
  type PoolPeerLink,
  PoolRouter,
  PoolTable,
  Subscriber,
  hrwMember,
  pickHrw,
  validatePoolName,
} from '../../node/src/pubsub/index.js';
import { PoolFrames, protoRoot } from '../../node/src/transport/index.js';
import type { PeerLink } from '../../node/src/transport/index.js';
import {
  decodeDelivery,
  decodePublishRequest,
  encodeDelivery,
  encodePublishRequest,
} from '../../node/src/transport/run-codec.js';

// Pure logic only: the fake links below record what the router sends (the real ones are
// network links, exercised by test/cluster/pools.test.ts).

function run(topic: string, n: number, from = 0): EventRun {
  return {
    topic,
    data: Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff)),
    sizes: Array<number>(n).fill(1),
    publishTimeMs: 0,
  };
}

class FakeLink implements PoolPeerLink {
  readonly deliveries: Array<{ id: number; member: string; run: EventRun }> = [];
  readonly acks: Array<{ done: number[]; returned: number[] }> = [];
  announced: PoolMemberInfo[] = [];
  constructor(readonly peerId: string) {}
  sendPoolDelivery(id: number, _pool: string, member: string, _key: Uint8Array, r: EventRun): void {
    this.deliveries.push({ id, member, run: r });
  }
  sendPoolAck(done: readonly number[], returned: readonly number[]): void {
    this.acks.push({ done: [...done], returned: [...returned] });
  }
  sendPoolAnnouncement(members: readonly PoolMemberInfo[]): void {
    this.announced = [...members];
  }
}

function member(topics: string[]): Subscriber {
  const s = new Subscriber(
    { policy: 'block', capacity: 1000, maxBytes: 1 << 20, blockTimeoutMs: 1000 },
    NULL_OBSERVER
  );
  s.setTopics(topics);
  return s;
}

function newRouter(
  maxPendingEvents = 1000,
  publishTimeoutMs = 1000
): {
  router: PoolRouter;
  obs: { rerouted: number; dropped: number; changes: MembershipChange[] };
} {
  const obs = { rerouted: 0, dropped: 0, changes: [] as MembershipChange[] };
  const router = new PoolRouter(
    { nodeId: 'a', maxPendingEvents, publishTimeoutMs },
    {
      routed: () => undefined,
      rerouted: (_p, n) => (obs.rerouted += n),
      droppedNoMember: (_p, n) => (obs.dropped += n),
      membership: (c) => obs.changes.push(c),
    }
  );
  return { router, obs };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('pool table', () => {
  it('reports who joined and left per pool, and ignores the teardown of a replaced link', () => {
    const t = new PoolTable();
    const changes: MembershipChange[] = [];
    t.onChange((c) => changes.push(c));
    t.addLocal('w', 'a/1', ['/jobs']);
    const oldLink = {};
    const newLink = {};
    t.replacePeer('b', oldLink, [{ pool: 'w', member: 'b/1', topics: ['/jobs'] }]);
    t.replacePeer('b', newLink, [
      { pool: 'w', member: 'b/1', topics: ['/jobs'] },
      { pool: 'w', member: 'b/2', topics: ['/jobs'] },
    ]);
    t.removePeer('b', oldLink);
    expect(t.members('w')).toEqual(['a/1', 'b/1', 'b/2']);
    t.removePeer('b', newLink);
    expect(changes).toEqual([
      { pool: 'w', joined: ['a/1'], left: [], members: ['a/1'] },
      { pool: 'w', joined: ['b/1'], left: [], members: ['a/1', 'b/1'] },
      { pool: 'w', joined: ['b/2'], left: [], members: ['a/1', 'b/1', 'b/2'] },
      { pool: 'w', joined: [], left: ['b/1', 'b/2'], members: ['a/1'] },
    ]);
    expect(t.candidates('w', '/jobs/x').map((m) => m.id)).toEqual(['a/1']);
    expect(t.candidates('w', '/other')).toEqual([]);
  });

  it('accepts pool names of letters, digits, dot, underscore and dash only', () => {
    expect(validatePoolName('workers-1.eu_west')).toBe('workers-1.eu_west');
    for (const bad of ['', 'has space', '-lead', 'x'.repeat(129), 'ü'])
      expect(() => validatePoolName(bad)).toThrow(InvalidPoolError);
  });
});

describe('pool router', () => {
  it('sends keyed events to the HRW owner, tells members of changes, and gives back what a leaver held', async () => {
    const { router, obs } = newRouter();
    const events: MembershipEvent[] = [];
    const s1 = member(['/jobs']);
    const s2 = member(['/jobs']);
    const id1 = router.join(s1, 'w', (e) => events.push(e));
    const id2 = router.join(s2, 'w', (e) => events.push(e));
    const b = new FakeLink('b');
    router.linkUp(b);
    router.onAnnouncement(b, [{ pool: 'w', member: 'b/x.1', topics: ['/jobs'] }]);
    const ids = [id1, id2, 'b/x.1'];
    expect(events.at(-1)).toEqual({
      pool: 'w',
      member: id2,
      joined: ['b/x.1'],
      left: [],
      members: [...ids].sort(),
    });
    // Keys for each member.
    const keyFor = (id: string): Buffer => {
      for (let i = 0; ; i++) {
        const k = Buffer.from(`k${i}`);
        if (pickHrw(k, ids.map(hrwMember))!.id === id) return k;
      }
    };
    await router.publish('w', keyFor(id1), [run('/jobs/x', 3)]);
    await router.publish('w', keyFor('b/x.1'), [run('/jobs/x', 2)]);
    await tick();
    expect(s1.queue.events).toBe(3);
    expect(s2.queue.events).toBe(0);
    expect(b.deliveries.map((d) => [d.member, d.run.sizes.length])).toEqual([['b/x.1', 2]]);
    expect(router.pendingCount).toBe(5);
    // Acks beyond what the member holds are refused; a valid ack settles events.
    expect(() => router.ack(s1, 4)).toThrow(/3 are unacknowledged/);
    router.ack(s1, 1);
    expect(router.pendingCount).toBe(5); // a run is settled only as a whole
    // s1 leaves: its run goes to the next owner among the others.
    router.leave(s1);
    await tick();
    expect(obs.rerouted).toBe(3);
    const next = pickHrw(keyFor(id1), [id2, 'b/x.1'].map(hrwMember))!.id;
    if (next === id2) expect(s2.queue.events).toBe(3);
    else expect(b.deliveries.at(-1)?.member).toBe('b/x.1');
    // The peer acknowledges its delivery; the link then goes down with the rest in flight.
    router.onAck(b, [b.deliveries[0]!.id], []);
    expect(router.pendingCount).toBe(3);
    router.linkDown(b);
    await tick();
    expect(router.table.members('w')).toEqual([id2]);
    // Whatever was still out on b is now with s2.
    if (next !== id2) expect(s2.queue.events).toBe(3);
    router.ack(s2, 3);
    expect(router.pendingCount).toBe(0);
  });

  it('hands unkeyed events out in turn, and drops (counted) what no member can take', async () => {
    const { router, obs } = newRouter();
    const subs = [member(['/rr']), member(['/rr']), member(['/rr'])];
    for (const s of subs) router.join(s, 'rr', () => undefined);
    await router.publish('rr', Buffer.alloc(0), [run('/rr/x', 9)]);
    await tick();
    expect(subs.map((s) => s.queue.events)).toEqual([3, 3, 3]);
    await router.publish('rr', Buffer.alloc(0), [run('/elsewhere', 2)]);
    expect(obs.dropped).toBe(2);
  });

  it('answers a delivery for a member it does not have by giving it back', async () => {
    const { router } = newRouter();
    const b = new FakeLink('b');
    router.linkUp(b);
    router.onDelivery(b, 7, 'w', 'a/none.1', run('/jobs', 1));
    await tick();
    expect(b.acks).toEqual([{ done: [], returned: [7] }]);
  });

  it('bounds the events awaiting acknowledgement: a publish waits, then fails naming peer-queue', async () => {
    const { router } = newRouter(4, 100);
    const s = member(['/b']);
    router.join(s, 'w', () => undefined);
    await router.publish('w', Buffer.from('k'), [run('/b', 4)]);
    const waiting = router.publish('w', Buffer.from('k'), [run('/b', 1)]);
    await expect(waiting).rejects.toThrow(LimitExceededError);
    await expect(waiting).rejects.toThrow(/limit peer-queue/);
    // Room made by an ack lets the next one through.
    router.ack(s, 4);
    await router.publish('w', Buffer.from('k'), [run('/b', 1)]);
    expect(router.pendingCount).toBe(1);
  });
});

describe('pool frames from a peer', () => {
  function setup(): { frames: PoolFrames; router: PoolRouter; link: PeerLink } {
    const { router } = newRouter();
    const frames = new PoolFrames(router, {
      maxTopicLength: 1024,
      maxMembers: 4,
      maxTopicsPerMember: 2,
      maxMessageBytes: 1 << 20,
      maxDepth: 64,
    });
    const link = {
      peerId: 'b',
      helloPeerId: 'b',
      sendPoolFrame: () => undefined,
      closed: new Promise<string>(() => undefined),
    } as unknown as PeerLink;
    frames.linkUp(link);
    return { frames, router, link };
  }

  it('takes a valid announcement and refuses ids of another peer, duplicates and bad names', () => {
    const { frames, router, link } = setup();
    frames.onFrame(link, {
      body: 'pools',
      pools: { members: [{ pool: 'w', member: 'b/1.1', topics: ['jobs'] }], version: '1' },
    });
    expect(router.table.get('w', 'b/1.1')?.topics).toEqual(['/jobs']);
    const bad = (members: Array<{ pool: string; member: string; topics: string[] }>): void =>
      frames.onFrame(link, { body: 'pools', pools: { members, version: '2' } });
    expect(() => bad([{ pool: 'w', member: 'c/1', topics: ['/x'] }])).toThrow(/not one of b's/);
    expect(() =>
      bad([
        { pool: 'w', member: 'b/1', topics: ['/x'] },
        { pool: 'w', member: 'b/1', topics: ['/x'] },
      ])
    ).toThrow(/announced twice/);
    expect(() => bad([{ pool: 'a b', member: 'b/1', topics: ['/x'] }])).toThrow(InvalidPoolError);
    expect(() => bad([{ pool: 'w', member: 'b/1', topics: [] }])).toThrow(/0 prefixes/);
    expect(() =>
      bad(Array.from({ length: 5 }, (_, i) => ({ pool: 'w', member: `b/${i}`, topics: ['/x'] })))
    ).toThrow(/exceeds 4/);
  });

  it('refuses a delivery whose event is not valid data', () => {
    const { frames, link } = setup();
    expect(() =>
      frames.onFrame(link, {
        body: 'pool_delivery',
        pool_delivery: {
          id: '1',
          pool: 'w',
          member: 'a/x.1',
          key: Buffer.alloc(0),
          runs: [{ topic: '/x', data: Buffer.from([0xff]), sizes: [1], publish_time_unix_ns: '0' }],
        },
      })
    ).toThrow();
  });
});

describe('pool fields in the hand-written codec', () => {
  const def = protoLoader.loadSync(['broker/v1/client.proto'], {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [protoRoot()],
  });
  type M = protoLoader.MethodDefinition<object, object>;
  const client = def['broker.v1.BrokerClient'] as unknown as Record<string, M>;

  it('writes and reads PublishRequest.pool and key as protobufjs does', () => {
    const m = client['Publish'] as M;
    const msg = {
      runs: [{ topic: '/j', data: Buffer.from([1, 2]), sizes: [1, 1] }],
      pool: 'wörkers',
      key: Buffer.from('10.0.0.1'),
    };
    const ours = encodePublishRequest(msg);
    expect(ours.equals(m.requestSerialize(msg))).toBe(true);
    const back = decodePublishRequest(ours);
    expect(back.pool).toBe('wörkers');
    expect(back.key.toString()).toBe('10.0.0.1');
  });

  it('writes and reads Delivery.pool_membership as protobufjs does', () => {
    const m = client['SubscribeStream'] as M;
    const msg = {
      pool_membership: {
        pool: 'w',
        member: 'a/1',
        joined: ['b/1'],
        left: [],
        members: ['a/1', 'b/1'],
      },
    };
    const ours = encodeDelivery(msg);
    expect(m.responseDeserialize(ours)).toEqual(m.responseDeserialize(m.responseSerialize(msg)));
    expect(decodeDelivery(m.responseSerialize(msg)).pool_membership).toEqual(msg.pool_membership);
  });
});
