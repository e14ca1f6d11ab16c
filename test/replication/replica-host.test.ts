import { afterEach, describe, expect, it } from '@jest/globals';
import {
  NotLeaderError,
  ReplicaBusyError,
  ProposalTimeoutError,
  ReplicationConfigError,
  ReplicaHost,
} from '../../node/src/replication/index.js';
import * as grpc from '@grpc/grpc-js';
import { TestCluster, cmd, quietLogger } from './helpers.js';

const G = 'kv-1';
const IDS = ['a', 'b', 'c'];

let cluster: TestCluster;

afterEach(async () => {
  await cluster?.shutdown();
});

async function startThree(extra = {}): Promise<void> {
  cluster = new TestCluster(extra);
  for (const id of IDS) await cluster.start(id);
  for (const id of IDS) cluster.open(id, G, { bootstrap: { voters: IDS } });
}

describe('replica host - elections and commits', () => {
  it('three hosts elect one leader and every replica applies each write once, in order', async () => {
    await startThree();
    const leader = await cluster.leaderOf(G);
    const results: unknown[] = [];
    for (let i = 1; i <= 20; i++) {
      const r = await cluster
        .member(leader)
        .host.propose(G, cmd({ op: 'add', n: i }), { timeoutMs: 10_000 });
      results.push(r.result);
    }
    expect(results[19]).toBe(210);
    await cluster.waitFor('all replicas at 210', () =>
      IDS.every((id) => cluster.sm(id, G).total === 210)
    );
    for (const id of IDS) {
      const idx = cluster.sm(id, G).appliedIndexes;
      expect(idx.length).toBe(20);
      expect([...idx].sort((x, y) => x - y)).toEqual(idx);
      expect(new Set(idx).size).toBe(20);
    }
    const st = cluster.member(leader).host.status(G);
    expect(st.role).toBe('leader');
    expect([...st.voters].sort()).toEqual(IDS);
    expect(st.followers.map((f) => f.id).sort()).toEqual(IDS.filter((x) => x !== leader));
    // The bootstrap snapshot sits at index 1: the log starts after it.
    expect(st.firstIndex).toBeGreaterThan(1);
  });

  it('a proposal on a follower fails with NotLeaderError naming the leader', async () => {
    await startThree();
    const leader = await cluster.leaderOf(G);
    const follower = IDS.find((x) => x !== leader) as string;
    await cluster.waitFor(
      'the follower knows the leader',
      () => cluster.member(follower).host.status(G).leader === leader
    );
    const err = await cluster
      .member(follower)
      .host.propose(G, cmd({ op: 'add', n: 1 }), { timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leaderReplicaId).toBe(leader);
    expect((err as NotLeaderError).outcome).toBe('not-applied');
  });

  it('the leader host closes: a new leader takes writes; the old one restarts from its WAL and catches up', async () => {
    await startThree({ snapshotEntries: 15, compactionTailEntries: 5 });
    const first = await cluster.leaderOf(G);
    for (let i = 0; i < 10; i++) await cluster.write(G, { op: 'add', n: 1 });
    await cluster.stop(first);
    for (let i = 0; i < 20; i++) await cluster.write(G, { op: 'add', n: 1 });
    const second = await cluster.leaderOf(G);
    expect(second).not.toBe(first);
    await cluster.start(first);
    const sm = cluster.open(first, G);
    // Recovered from its WAL (snapshot + entries), then caught up by the new leader.
    await cluster.waitFor('the restarted replica at 30', () => sm.total === 30);
    expect(cluster.member(first).host.status(G).role).toBe('follower');
    await cluster.write(G, { op: 'add', n: 5 });
    await cluster.waitFor('all at 35', () => IDS.every((id) => cluster.sm(id, G).total === 35));
  });

  it('a restarted host reports its recovered groups and re-applies only entries above its snapshot', async () => {
    await startThree({ snapshotEntries: 5, compactionTailEntries: 2 });
    for (let i = 0; i < 12; i++) await cluster.write(G, { op: 'add', n: 2 });
    await cluster.waitFor('all at 24', () => IDS.every((id) => cluster.sm(id, G).total === 24));
    await cluster.stop('c');
    const m = await cluster.start('c');
    expect(m.host.recoveredGroups()).toEqual([{ group: G, replicaId: 'c' }]);
    const sm = cluster.open('c', G);
    expect(sm.restores.length).toBe(1);
    const snapAt = sm.restores[0] as number;
    expect(snapAt).toBeGreaterThan(1);
    await cluster.waitFor('c at 24 again', () => sm.total === 24);
    expect(sm.appliedIndexes.every((i) => i > snapAt)).toBe(true);
  });

  it('closeGroup with destroy deletes the replica state: a restart no longer recovers it', async () => {
    await startThree();
    await cluster.write(G, { op: 'add', n: 4 });
    await cluster.waitFor('c at 4', () => cluster.sm('c', G).total === 4);
    const other = 'other';
    cluster.open('c', other, { bootstrap: { voters: ['c'] } });
    await cluster.member('c').host.closeGroup(G, { destroy: true });
    expect(cluster.member('c').host.hasGroup(G)).toBe(false);
    await expect(cluster.member('c').host.readIndex(G, { timeoutMs: 1000 })).rejects.toThrow(
      /not open/
    );
    await cluster.stop('c');
    const m = await cluster.start('c');
    expect(m.host.recoveredGroups()).toEqual([{ group: other, replicaId: 'c' }]);
    // The two remaining voters still form a quorum.
    await cluster.write(G, { op: 'add', n: 1 });
  });

  it('readIndex on a follower sees a write acknowledged just before', async () => {
    await startThree();
    const leader = await cluster.leaderOf(G);
    const follower = IDS.find((x) => x !== leader) as string;
    for (let round = 1; round <= 5; round++) {
      const w = await cluster
        .member(leader)
        .host.propose(G, cmd({ op: 'set', key: 'k', value: `v${round}` }), { timeoutMs: 10_000 });
      const idx = await cluster.member(follower).host.readIndex(G, { timeoutMs: 10_000 });
      expect(idx).toBeGreaterThanOrEqual(w.index);
      expect(cluster.sm(follower, G).values.get('k')).toBe(`v${round}`);
    }
  });
});

describe('replica host - bounds and outcomes', () => {
  it('proposals past the pending bound fail with a busy error and are not applied', async () => {
    await startThree({ maxPendingProposals: 4 });
    const leader = await cluster.leaderOf(G);
    // Cut the leader off so nothing commits: the first 4 stay pending.
    for (const id of IDS) if (id !== leader) cluster.block(leader, id);
    const host = cluster.member(leader).host;
    const pending = [1, 2, 3, 4].map((n) =>
      host.propose(G, cmd({ op: 'add', n }), { timeoutMs: 60_000 }).catch((e: unknown) => e)
    );
    const busy = await host
      .propose(G, cmd({ op: 'add', n: 100 }), { timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(ReplicaBusyError);
    expect((busy as ReplicaBusyError).message).toContain('maxPendingProposals');
    expect((busy as ReplicaBusyError).outcome).toBe('not-applied');
    for (const id of IDS) if (id !== leader) cluster.unblock(leader, id);
    // The pending ones settle once their indexes commit (theirs or a new leader's entries).
    let settled = 0;
    for (const p of pending) void p.then(() => settled++);
    while (settled < 4) await cluster.write(G, { op: 'add', n: 1000 });
    // The busy one (100) never reached the log: no replica's total can include it.
    await cluster.waitFor('replicas agree', () => {
      const t = IDS.map((id) => cluster.sm(id, G).total);
      return t.every((x) => x === t[0]);
    });
    expect(cluster.sm('a', G).total % 1000).toBeLessThan(100);
  });

  it('a proposal that cannot commit in time reports outcome unknown', async () => {
    await startThree();
    const leader = await cluster.leaderOf(G);
    for (const id of IDS) if (id !== leader) cluster.block(leader, id);
    const err = await cluster
      .member(leader)
      .host.propose(G, cmd({ op: 'add', n: 7 }), { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProposalTimeoutError);
    expect((err as ProposalTimeoutError).outcome).toBe('unknown');
  });

  it('refuses to start without a secret or a peer identity hook, and rejects bad option values by name', async () => {
    cluster = new TestCluster();
    const base = {
      memberId: 'x',
      dataDir: await cluster.dataDir('x'),
      channelCredentials: grpc.credentials.createInsecure(),
      directory: { address: () => undefined },
      log: quietLogger,
    };
    await expect(ReplicaHost.open({ ...base, secret: undefined })).rejects.toThrow(
      /secret is required/
    );
    await expect(ReplicaHost.open({ ...base, secret: cluster.secret, tickMs: 0 })).rejects.toThrow(
      ReplicationConfigError
    );
    await expect(
      ReplicaHost.open({ ...base, secret: cluster.secret, electionTicks: 1, heartbeatTicks: 1 })
    ).rejects.toThrow(/electionTicks/);
    await expect(
      ReplicaHost.open({ ...base, memberId: 'bad id', secret: cluster.secret })
    ).rejects.toThrow(/memberId/);
  });
});
