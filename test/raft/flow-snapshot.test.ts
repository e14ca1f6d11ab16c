/** Flow control (Progress states, inflight window) and snapshots / log compaction (§7). */
import { MessageType, confState, type Message } from '../../node/src/raft/index.js';
import { Inflights } from '../../node/src/raft/inflights.js';
import { Network, enc } from './harness.js';

describe('inflights window', () => {
  test('bounded by count', () => {
    const f = new Inflights(3, 1000);
    f.add(1, 10);
    f.add(2, 10);
    expect(f.full()).toBe(false);
    f.add(3, 10);
    expect(f.full()).toBe(true);
    expect(() => f.add(4, 10)).toThrow(RangeError);
    f.freeLE(2);
    expect(f.count).toBe(1);
    expect(f.full()).toBe(false);
  });

  test('bounded by bytes', () => {
    const f = new Inflights(100, 50);
    f.add(1, 30);
    expect(f.full()).toBe(false);
    f.add(2, 30);
    expect(f.full()).toBe(true);
    f.freeLE(1);
    expect(f.bytes).toBe(30);
    expect(f.full()).toBe(false);
  });

  test('wraps around its ring buffer', () => {
    const f = new Inflights(3, 1e9);
    for (let i = 1; i <= 30; i++) {
      f.add(i, 1);
      if (f.full()) f.freeLE(i - 1);
    }
    expect(f.count).toBeLessThanOrEqual(3);
    f.freeLE(30);
    expect(f.count).toBe(0);
    expect(f.bytes).toBe(0);
  });
});

describe('flow control', () => {
  function leaderWithFollowerCut(opts: Parameters<typeof Network.create>[1]): Network {
    const net = Network.create(['1', '2'], opts);
    net.campaign('1');
    return net;
  }

  test('replicate state pipelines at most maxInflightMsgs unacknowledged appends', () => {
    const net = leaderWithFollowerCut({ maxInflightMsgs: 3 });
    const raw = net.node('1').raw;
    expect(raw.status().progress.get('2')?.state).toBe('replicate');
    for (let i = 0; i < 10; i++) raw.propose(enc(`x${i}`));
    net.processReady('1');
    const appends = net.inflight.filter((m) => m.type === MessageType.Append && m.to === '2');
    net.inflight = [];
    expect(appends).toHaveLength(3);
    expect(raw.status().progress.get('2')?.paused).toBe(true);
    // Acknowledging frees the window and lets the rest flow.
    for (const m of appends) net.deliverOne(m);
    net.stabilize();
    expect(net.appliedData('2')).toHaveLength(10);
  });

  test('the inflight byte bound pauses the pipeline too', () => {
    const net = leaderWithFollowerCut({
      maxInflightMsgs: 100,
      maxInflightBytes: 200,
      maxSizePerMsg: 100,
    });
    const raw = net.node('1').raw;
    for (let i = 0; i < 10; i++) raw.propose(new Uint8Array(80));
    net.processReady('1');
    const appends = net.inflight.filter((m) => m.type === MessageType.Append && m.to === '2');
    net.inflight = [];
    expect(appends.length).toBeLessThanOrEqual(2);
    expect(raw.status().progress.get('2')?.inflightBytes).toBeGreaterThanOrEqual(200);
    for (const m of appends) net.deliverOne(m);
    net.stabilize();
    expect(net.appliedData('2')).toHaveLength(10);
  });

  test('probe state sends one append and waits', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('3');
    const raw = net.node('1').raw;
    raw.reportUnreachable('3');
    expect(raw.status().progress.get('3')?.state).toBe('probe');
    raw.propose(enc('a'));
    raw.propose(enc('b'));
    net.processReady('1');
    expect(net.inflight.filter((m) => m.to === '3' && m.type === MessageType.Append)).toHaveLength(
      1
    );
    expect(raw.status().progress.get('3')?.paused).toBe(true);
    // A heartbeat response unpauses the probe.
    net.heal();
    net.stabilize();
    net.tick('1');
    net.stabilize();
    expect(raw.status().progress.get('3')?.state).toBe('replicate');
    expect(net.appliedData('3')).toEqual(['a', 'b']);
  });

  test('a rejected append in replicate state falls back to probe', () => {
    const net = Network.create(['1', '2']);
    net.campaign('1');
    const raw = net.node('1').raw;
    const rejected: Message = {
      group: 'g1',
      type: MessageType.AppendResponse,
      from: '2',
      to: '1',
      term: 1,
      index: 5,
      logTerm: 0,
      entries: [],
      commit: 0,
      reject: true,
      rejectHint: 1,
    };
    raw.propose(enc('a'));
    net.stabilize();
    // Stale rejection (index below match) is ignored.
    raw.step({ ...rejected, index: 1 });
    expect(raw.status().progress.get('2')?.state).toBe('replicate');
    raw.step(rejected);
    expect(raw.status().progress.get('2')?.state).toBe('probe');
  });
});

describe('snapshots', () => {
  /** Leader 1 compacts its log while 3 is away; 3 must be sent a snapshot. */
  function compactedWhileAway(): Network {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('3');
    for (let i = 0; i < 5; i++) net.node('1').raw.propose(enc(`v${i}`));
    net.stabilize();
    const n1 = net.node('1');
    const applied = n1.raw.status().applied;
    n1.storage.createSnapshot(applied, n1.conf, enc(`state@${applied}`));
    n1.storage.compact(applied);
    net.heal();
    return net;
  }

  test('a follower behind the compaction point receives a Snapshot message and catches up', () => {
    const net = compactedWhileAway();
    const snaps: Message[] = [];
    net.onDeliver = (m) => {
      if (m.type === MessageType.Snapshot) snaps.push(m);
    };
    net.tick('1');
    net.stabilize();
    expect(snaps).toHaveLength(1);
    expect(snaps[0]?.snapshot?.meta.index).toBe(6);
    const n3 = net.node('3');
    expect(n3.storage.snapshot().meta.index).toBe(6);
    expect(n3.conf).toEqual(confState({ voters: ['1', '2', '3'] }));
    // The leader resumes appends from there.
    net.node('1').raw.reportSnapshot('3', true);
    net.node('1').raw.propose(enc('after'));
    net.stabilize();
    net.tick('1');
    net.stabilize();
    expect(net.appliedData('3')).toEqual(['after']);
    expect(net.node('1').raw.status().progress.get('3')?.state).toBe('replicate');
  });

  test('reportSnapshot(failure) returns the follower to probe, paused until a heartbeat', () => {
    const net = compactedWhileAway();
    net.ignored.add(MessageType.Snapshot);
    net.tick('1');
    net.stabilize();
    const raw = net.node('1').raw;
    expect(raw.status().progress.get('3')?.state).toBe('snapshot');
    raw.reportSnapshot('3', false);
    const pr = raw.status().progress.get('3');
    expect(pr?.state).toBe('probe');
    expect(pr?.paused).toBe(true);
    net.ignored.clear();
    net.tick('1');
    net.stabilize();
    expect(net.node('3').storage.snapshot().meta.index).toBe(6);
  });

  test('a joint ConfState travels in the snapshot and is restored by the follower', () => {
    const net = Network.create(['1', '2', '3', '4']);
    net.campaign('1');
    net.isolate('4');
    net.node('1').raw.proposeConfChange({
      transition: 'joint-explicit',
      changes: [{ type: 'add-learner', node: '3' }],
    });
    net.stabilize();
    const n1 = net.node('1');
    const joint = n1.conf;
    expect(joint.votersOutgoing).toEqual(['1', '2', '3', '4']);
    const applied = n1.raw.status().applied;
    n1.storage.createSnapshot(applied, joint, enc('s'));
    n1.storage.compact(applied);
    net.heal();
    net.tick('1');
    net.stabilize();
    expect(net.node('4').conf).toEqual(joint);
    expect(net.node('4').raw.status().config).toEqual(joint);
  });

  test('a restarted node restores membership and log from storage', () => {
    const net = compactedWhileAway();
    net.tick('1');
    net.stabilize();
    net.node('1').raw.propose(enc('post'));
    net.stabilize();
    const before = net.node('2').raw.status();
    const n2 = net.restart('2');
    const after = n2.raw.status();
    expect(after.hardState).toEqual(before.hardState);
    expect(after.lastIndex).toBe(before.lastIndex);
    expect(after.config).toEqual(before.config);
    net.stabilize();
    // Committed entries after the restart point are re-delivered for re-application.
    expect(net.appliedData('2')).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'post']);
  });
});

describe('flow control recovery', () => {
  test('a full window whose messages were all lost recovers through a heartbeat round', () => {
    const net = Network.create(['1', '2'], { maxInflightMsgs: 2 });
    net.campaign('1');
    const raw = net.node('1').raw;
    for (let i = 0; i < 6; i++) raw.propose(enc(`x${i}`));
    net.processReady('1');
    // Lose every append of the full window.
    net.inflight = [];
    expect(raw.status().progress.get('2')?.paused).toBe(true);
    net.tick('1');
    net.stabilize();
    net.tick('1');
    net.stabilize();
    expect(net.appliedData('2')).toHaveLength(6);
  });
});

describe('probe recovery without new entries', () => {
  test('a caught-up follower in probe returns to replicate on its next ack', () => {
    const net = Network.create(['1', '2']);
    net.campaign('1');
    const raw = net.node('1').raw;
    raw.reportUnreachable('2');
    expect(raw.status().progress.get('2')?.state).toBe('probe');
    net.tick('1');
    net.stabilize();
    expect(raw.status().progress.get('2')?.state).toBe('replicate');
  });
});
