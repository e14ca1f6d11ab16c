import { afterEach, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { chunkBytesFor } from '../../node/src/replication/snapshot-sender.js';
import { TestCluster } from './helpers.js';

const G = 'kv-1';
const IDS = ['a', 'b', 'c'];
const RATE = 256 * 1024;

let cluster: TestCluster;

afterEach(async () => {
  await cluster?.shutdown();
});

describe('replication - snapshot transfer', () => {
  it('a learner added late is restored by a throttled snapshot that resumes after a cut stream', async () => {
    cluster = new TestCluster({ snapshotRateBytesPerSec: RATE });
    for (const id of IDS) await cluster.start(id);
    for (const id of IDS) cluster.open(id, G, { bootstrap: { voters: IDS } });
    for (let i = 0; i < 8; i++) {
      await cluster.write(G, { op: 'set', key: `k${i}`, value: String(i).repeat(128 * 1024) });
    }
    await cluster.write(G, { op: 'add', n: 42 });
    const leader = await cluster.leaderOf(G);
    const lrec = cluster.member(leader).recorder;
    const d = await cluster.start('d');
    const sm = cluster.open('d', G);
    await cluster.member(leader).host.addLearner(G, 'd', { timeoutMs: 10_000 });

    // Progress is visible on the receiver while the chunks come in.
    await cluster.waitFor('a third of the snapshot received', () => {
      const p = d.recorder.progress.at(-1);
      return p !== undefined && p.bytes * 3 >= p.total;
    });
    const restore = d.host.status(G).restore;
    expect(restore).toBeDefined();
    expect((restore as { bytes: number }).bytes).toBeLessThan((restore as { total: number }).total);

    // Cut the link mid-transfer: the sender gives up and reports the failure to Raft.
    cluster.block(leader, 'd');
    await cluster.waitFor('the transfer failed', () => lrec.failedTransfers.length >= 1);
    const held = d.host.status(G).restore;
    expect(held?.bytes).toBeGreaterThan(0);
    // Writes on the other replicas go on meanwhile.
    await cluster.write(G, { op: 'add', n: 1 });
    cluster.unblock(leader, 'd');

    await cluster.waitFor(
      'the learner restored',
      () => sm.total === 43 && sm.values.size === 8,
      60_000
    );
    const total = d.recorder.progress.at(-1)?.total ?? 0;
    expect(total).toBeGreaterThan(1024 * 1024);
    // Resumed where the receiver stood, not from byte 0: the second attempt sent the rest only.
    expect(lrec.resumed.length).toBeGreaterThanOrEqual(1);
    const resumedAt = lrec.resumed[0]?.offset ?? 0;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(total);
    // Received bytes only ever grew (no restart from 0), and the sender put hardly more than
    // one copy on the wire (at most the chunks in flight when the link was cut, twice).
    const received = d.recorder.progress.map((p) => p.bytes);
    expect(received).toEqual([...received].sort((x, y) => x - y));
    expect(lrec.snapshotBytesSent).toBeLessThan(total + 4 * chunkBytesFor(RATE));
    expect(d.recorder.snapshotBytesReceived).toBe(total);
    // Chunks are sized by the rate (rate / 8 here), so progress moved in many small steps.
    const steps = d.recorder.progress.map(
      (p, i, all) => p.bytes - (i > 0 ? (all[i - 1]?.bytes ?? 0) : 0)
    );
    expect(Math.max(...steps.filter((x) => x > 0))).toBeLessThanOrEqual(chunkBytesFor(RATE));
    expect(d.recorder.progress.length).toBeGreaterThanOrEqual(
      Math.floor(total / chunkBytesFor(RATE))
    );
    const st = d.host.status(G);
    expect(st.role).toBe('learner');
    expect(st.restore).toBeUndefined();
    // The learner then follows the log like any replica.
    await cluster.write(G, { op: 'add', n: 7 });
    await cluster.waitFor('the learner follows', () => sm.total === 50);
    const ls = cluster.member(leader).host.status(G);
    expect(ls.learners).toEqual(['d']);
    expect(ls.followers.find((f) => f.id === 'd')?.learner).toBe(true);
  });

  it('a member whose data directory was wiped rejoins with the same id and is restored by snapshot', async () => {
    cluster = new TestCluster({ snapshotEntries: 20, compactionTailEntries: 5 });
    for (const id of IDS) await cluster.start(id);
    for (const id of IDS) cluster.open(id, G, { bootstrap: { voters: IDS } });
    for (let i = 0; i < 30; i++) await cluster.write(G, { op: 'add', n: 1 });
    const leader = await cluster.leaderOf(G);
    const victim = IDS.find((x) => x !== leader) as string;
    await cluster.waitFor('victim at 30', () => cluster.sm(victim, G).total === 30);
    await cluster.stop(victim);
    await rm(await cluster.dataDir(victim), { recursive: true, force: true });
    const m = await cluster.start(victim);
    expect(m.host.recoveredGroups()).toEqual([]);
    const sm = cluster.open(victim, G);
    await cluster.waitFor('the wiped replica restored', () => sm.total === 30);
    expect(sm.restores.length).toBe(1);
    expect(m.recorder.broken).toEqual([]);
    expect(m.host.status(G).role).toBe('follower');
    await cluster.write(G, { op: 'add', n: 2 });
    await cluster.waitFor('all at 32', () => IDS.every((id) => cluster.sm(id, G).total === 32));
  });
});
