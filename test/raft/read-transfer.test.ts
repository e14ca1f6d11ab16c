/** Linearizable reads (ReadIndex, lease-based) and leadership transfer (thesis §3.10, §6.4). */
import {
  ConfigError,
  MessageType,
  ProposalDroppedError,
  RawNode,
  MemoryStorage,
  confState,
} from '../../node/src/raft/index.js';
import { Network, dec, enc, makeConfig, storageWithLog } from './harness.js';

describe('read index (safe)', () => {
  test('the leader answers after a heartbeat round with its commit index', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.node('1').raw.propose(enc('x'));
    net.stabilize();
    let beats = 0;
    net.onDeliver = (m) => {
      if (m.type === MessageType.Heartbeat) beats++;
    };
    net.node('1').raw.readIndex(enc('r1'));
    net.stabilize();
    expect(beats).toBe(2);
    expect(net.node('1').readStates.map((r) => [r.index, dec(r.requestCtx)])).toEqual([[2, 'r1']]);
  });

  test('no answer without a heartbeat quorum', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('2');
    net.isolate('3');
    net.node('1').raw.readIndex(enc('r1'));
    net.stabilize();
    expect(net.node('1').readStates).toEqual([]);
    net.heal();
    net.tick('1');
    net.stabilize();
    expect(net.node('1').readStates.map((r) => dec(r.requestCtx))).toEqual(['r1']);
  });

  test('a follower forwards its read to the leader and receives the index', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.node('2').raw.readIndex(enc('f'));
    net.stabilize();
    expect(net.node('2').readStates.map((r) => [r.index, dec(r.requestCtx)])).toEqual([[1, 'f']]);
  });

  test('a new leader queues reads until it commits an entry of its own term', () => {
    const net = new Network();
    for (const id of ['1', '2', '3']) net.addNode(id, storageWithLog(['1', '2', '3'], [1, 1]));
    const n1 = net.node('1').raw;
    // The votes and their answers are delivered, the appends are not: the no-op stays unapplied.
    net.electWithoutAppends('1');
    expect(n1.status().softState.state).toBe('leader');
    // Commit index is still 0 < the entries earlier leaders may have committed.
    n1.readIndex(enc('early'));
    expect(n1.raft.readStates).toEqual([]);
    net.stabilize();
    expect(net.node('1').readStates.map((r) => [r.index, dec(r.requestCtx)])).toEqual([
      [3, 'early'],
    ]);
  });

  test('a single-voter leader answers at once', () => {
    const net = Network.create(['1']);
    net.campaign('1');
    net.node('1').raw.readIndex(enc('s'));
    net.stabilize();
    expect(net.node('1').readStates.map((r) => r.index)).toEqual([1]);
  });

  test('a deposed leader cut off from the majority serves no (stale) read', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('1');
    net.campaign('2');
    net.node('2').raw.propose(enc('newer'));
    net.stabilize();
    expect(net.appliedData('3')).toEqual(['newer']);
    // 1 still believes it leads term 1; its read needs a heartbeat quorum it cannot get.
    expect(net.node('1').raw.status().softState.state).toBe('leader');
    net.node('1').raw.readIndex(enc('stale?'));
    net.tick('1', 3);
    net.stabilize();
    expect(net.node('1').readStates).toEqual([]);
    // Once healed, the new leader's heartbeat (higher term) makes it step down.
    net.heal();
    net.tick('2');
    net.stabilize();
    expect(net.node('1').raw.status().softState.state).toBe('follower');
    expect(net.node('1').readStates).toEqual([]);
  });

  test('reads without a leader are dropped', () => {
    const net = Network.create(['1', '2', '3']);
    expect(() => net.node('1').raw.readIndex(enc('x'))).toThrow(ProposalDroppedError);
  });

  test('the pending-read bound drops excess reads', () => {
    const net = Network.create(['1', '2', '3']);
    const raw = new RawNode({
      ...makeConfig('1', net.node('1').storage, {}),
      maxPendingReadIndex: 2,
    });
    net.node('1').raw = raw;
    net.campaign('1');
    net.isolate('2');
    net.isolate('3');
    raw.readIndex(enc('a'));
    raw.readIndex(enc('b'));
    expect(() => raw.readIndex(enc('c'))).toThrow(/too many pending read-index/);
  });
});

describe('read index (lease-based)', () => {
  test('validateConfig rejects lease-based reads without checkQuorum', () => {
    const s = new MemoryStorage(confState({ voters: ['1'] }));
    expect(() => new RawNode(makeConfig('1', s, { readOnlyOption: 'lease-based' }))).toThrow(
      ConfigError
    );
    expect(() => new RawNode(makeConfig('1', s, { readOnlyOption: 'lease-based' }))).toThrow(
      /checkQuorum/
    );
  });

  test('with checkQuorum the leader answers without a heartbeat round', () => {
    const net = Network.create(['1', '2', '3'], {
      readOnlyOption: 'lease-based',
      checkQuorum: true,
    });
    net.campaign('1');
    net.isolate('2');
    net.isolate('3');
    net.node('1').raw.readIndex(enc('l'));
    net.stabilize();
    expect(net.node('1').readStates.map((r) => [r.index, dec(r.requestCtx)])).toEqual([[1, 'l']]);
  });
});

describe('leadership transfer', () => {
  test('to an up-to-date follower: TimeoutNow and it wins at once', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true, preVote: true });
    net.campaign('1');
    net.node('1').raw.transferLeader('2');
    net.stabilize();
    expect(net.leader()).toBe('2');
    expect(net.node('2').raw.status().hardState.term).toBe(2);
  });

  test('to a lagging follower: the leader catches it up first', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('3');
    for (let i = 0; i < 5; i++) net.node('1').raw.propose(enc(`p${i}`));
    net.stabilize();
    net.heal();
    const sent: number[] = [];
    net.onDeliver = (m) => {
      if (m.to === '3') sent.push(m.type);
    };
    net.node('1').raw.transferLeader('3');
    expect(net.node('1').raw.status().leadTransferee).toBe('3');
    net.stabilize();
    expect(sent.indexOf(MessageType.Append)).toBeLessThan(sent.indexOf(MessageType.TimeoutNow));
    expect(net.leader()).toBe('3');
    expect(net.appliedData('3')).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  test('proposals are dropped while a transfer is in progress', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('3');
    net.node('1').raw.transferLeader('3');
    expect(() => net.node('1').raw.propose(enc('x'))).toThrow(/transferring leadership/);
  });

  test('a transfer that does not finish within an election timeout is aborted', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('3');
    net.node('1').raw.transferLeader('3');
    net.tick('1', 9);
    expect(net.node('1').raw.status().leadTransferee).toBe('3');
    net.tick('1', 1);
    expect(net.node('1').raw.status().leadTransferee).toBe('');
    expect(net.node('1').raw.propose(enc('ok'))).toBeDefined();
  });

  test('transfer to self or to a learner is ignored', () => {
    const net = Network.create(['1', '2', '3'], {}, ['3']);
    net.campaign('1');
    net.node('1').raw.transferLeader('1');
    net.node('1').raw.transferLeader('3');
    expect(net.node('1').raw.status().leadTransferee).toBe('');
    net.stabilize();
    expect(net.leader()).toBe('1');
  });

  test('a follower forwards a transfer request to the leader', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.node('2').raw.transferLeader('2');
    net.stabilize();
    expect(net.leader()).toBe('2');
  });

  test('TimeoutNow lets the target campaign through a leader lease', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true });
    net.campaign('1');
    net.node('1').raw.transferLeader('3');
    net.stabilize();
    expect(net.leader()).toBe('3');
  });
});

describe('forwarded requests bouncing back', () => {
  test('a forwarded read or proposal that returns to its origin is dropped, not thrown', () => {
    const net = Network.create(['1', '2', '3']);
    // 1 has no leader; a message it once forwarded comes back to it from the network.
    const base = {
      group: 'g1',
      from: '1',
      to: '1',
      term: 0,
      logTerm: 0,
      index: 0,
      commit: 0,
      reject: false,
      rejectHint: 0,
    };
    expect(() =>
      net
        .node('1')
        .raw.step({ ...base, type: MessageType.ReadIndex, entries: [], context: enc('r') })
    ).not.toThrow();
    expect(() =>
      net.node('1').raw.step({
        ...base,
        type: MessageType.Propose,
        entries: [{ term: 0, index: 0, type: 0, data: enc('p') }],
      })
    ).not.toThrow();
    // Local callers still get the error.
    expect(() => net.node('1').raw.readIndex(enc('r'))).toThrow(ProposalDroppedError);
  });
});
