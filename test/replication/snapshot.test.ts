import { afterEach, describe, expect, it } from '@jest/globals';
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
    const started = performance.now();
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
    const elapsedSec = (performance.now() - started) / 1000;
    const total = d.recorder.progress.at(-1)?.total ?? 0;
    expect(total).toBeGreaterThan(1024 * 1024);
    // Resumed where the receiver stood, not from byte 0: the second attempt sent the rest only.
    expect(lrec.resumed.length).toBeGreaterThanOrEqual(1);
    const resumedAt = lrec.resumed[0]?.offset ?? 0;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(total);
    expect(lrec.snapshotBytesSent).toBeLessThan(total);
    expect(d.recorder.snapshotBytesReceived).toBe(total);
    // Throttled: a transfer cannot beat the rate (minus the bucket's initial burst).
    expect(elapsedSec).toBeGreaterThanOrEqual((total - 64 * 1024) / RATE / 2);
    // Chunks are bounded, so progress moved in many steps.
    expect(d.recorder.progress.length).toBeGreaterThanOrEqual(Math.floor(total / (1024 * 1024)));
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
});
