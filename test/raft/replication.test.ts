/** Raft paper §5.3 (log replication) and §5.4 (safety), plus proposal outcomes. */
import {
  EntryType,
  MessageType,
  ProposalDroppedError,
  type Message,
} from '../../node/src/raft/index.js';
import { Network, enc, msg, storageWithLog } from './harness.js';

function logTerms(net: Network, id: string): number[] {
  const s = net.node(id).storage;
  const out: number[] = [];
  for (let i = s.firstIndex(); i <= s.lastIndex(); i++) out.push(s.term(i));
  return out;
}

describe('§5.3 log replication', () => {
  test('a committed entry is applied by every node, in order', () => {
    const net = Network.create(['1', '2', '3', '4', '5']);
    net.campaign('1');
    for (const x of ['a', 'b', 'c']) net.node('1').raw.propose(enc(x));
    net.stabilize();
    for (const id of ['1', '2', '3', '4', '5'])
      expect(net.appliedData(id)).toEqual(['a', 'b', 'c']);
  });

  test('the leader commits once a majority has the entry, not before', () => {
    const net = Network.create(['1', '2', '3', '4', '5']);
    net.campaign('1');
    net.isolate('3');
    net.isolate('4');
    net.isolate('5');
    net.node('1').raw.propose(enc('x'));
    net.stabilize();
    expect(net.node('1').raw.status().hardState.commit).toBe(1);
    net.heal();
    net.isolate('5');
    net.tick('1');
    net.stabilize();
    expect(net.node('1').raw.status().hardState.commit).toBe(2);
  });

  test('a follower with conflicting uncommitted entries is overwritten (figure 7)', () => {
    const v = ['1', '2', '3'];
    const net = new Network();
    // Leader-to-be has terms [1,1,1,4,4,5,5,6,6,6] at term 6; follower 2 diverged at index 4.
    net.addNode('1', storageWithLog(v, [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]));
    net.addNode('2', storageWithLog(v, [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]));
    net.addNode('3', storageWithLog(v, [1, 1, 1, 4, 4, 5, 5, 6, 6]));
    net.campaign('1');
    expect(net.leader()).toBe('1');
    const want = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7];
    for (const id of v) expect(logTerms(net, id)).toEqual(want);
    expect(net.node('2').raw.status().hardState.commit).toBe(11);
  });

  test('fast backtracking skips a whole term per round trip', () => {
    const v = ['1', '2', '3'];
    const net = new Network();
    const leaderLog = [1, ...Array<number>(50).fill(2)];
    const followerLog = [1, ...Array<number>(50).fill(3)];
    net.addNode('1', storageWithLog(v, leaderLog, 4));
    net.addNode('2', storageWithLog(v, followerLog, 4));
    net.addNode('3', storageWithLog(v, leaderLog, 4));
    let rejects = 0;
    net.onDeliver = (m: Message) => {
      if (m.type === MessageType.AppendResponse && m.reject && m.from === '2') rejects++;
    };
    net.campaign('1');
    expect(logTerms(net, '2')).toEqual([...leaderLog, 5]);
    // One entry at a time would need 50 rejections.
    expect(rejects).toBeLessThanOrEqual(2);
  });

  test('maxSizePerMsg bounds the entries of one append', () => {
    const net = Network.create(['1', '2'], { maxSizePerMsg: 100 });
    net.campaign('1');
    net.isolate('2');
    for (let i = 0; i < 10; i++) net.node('1').raw.propose(new Uint8Array(40));
    net.stabilize();
    net.heal();
    const sizes: number[] = [];
    net.onDeliver = (m) => {
      if (m.type === MessageType.Append && m.entries.length > 0) sizes.push(m.entries.length);
    };
    net.tick('1');
    net.stabilize();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    expect(net.appliedData('2')).toHaveLength(10);
  });
});

describe('§5.4 safety', () => {
  test('leader only commits entries from its current term (figure 8)', () => {
    const v = ['1', '2', '3'];
    const net = new Network();
    net.addNode('1', storageWithLog(v, [1, 2], 2));
    net.addNode('2', storageWithLog(v, [1], 2));
    net.addNode('3', storageWithLog(v, [1], 2));
    const n1 = net.node('1').raw;
    n1.campaign();
    // Deliver only the votes; hold back appends so we can feed acknowledgements by hand.
    n1.ready().messages.forEach((m) => net.deliverOne(m));
    n1.advance();
    for (const id of ['2', '3']) {
      const rd = net.node(id).raw.ready();
      net.node(id).raw.advance();
      rd.messages.forEach((m) => n1.step(m));
    }
    expect(n1.status().softState.state).toBe('leader');
    expect(n1.status().hardState.term).toBe(3);
    // Follower 2 acknowledges index 2 (the term-2 entry): a majority holds it, yet no commit.
    n1.step(msg({ type: MessageType.AppendResponse, from: '2', to: '1', term: 3, index: 2 }));
    expect(n1.status().hardState.commit).toBe(0);
    // Once the term-3 no-op at index 3 is on a majority, everything up to 3 commits.
    n1.step(msg({ type: MessageType.AppendResponse, from: '2', to: '1', term: 3, index: 3 }));
    expect(n1.status().hardState.commit).toBe(3);
  });

  test('entries committed by a leader survive into every later leader', () => {
    const net = Network.create(['1', '2', '3', '4', '5']);
    net.campaign('1');
    net.node('1').raw.propose(enc('committed'));
    net.stabilize();
    net.isolate('1');
    net.campaign('2');
    expect(net.node('2').raw.status().softState.state).toBe('leader');
    net.node('2').raw.propose(enc('next'));
    net.stabilize();
    expect(net.appliedData('3')).toEqual(['committed', 'next']);
  });

  test('an isolated leader loses its uncommitted entries to the new leader', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('1');
    const pos = net.node('1').raw.propose(enc('lost'));
    net.stabilize();
    net.campaign('2');
    net.node('2').raw.propose(enc('kept'));
    net.stabilize();
    net.heal();
    net.tick('2');
    net.stabilize();
    expect(net.appliedData('1')).toEqual(['kept']);
    // The caller can tell: the entry at the returned index now has another term.
    expect(pos).toBeDefined();
    expect(net.node('1').storage.term(pos!.index)).not.toBe(pos!.term);
  });

  test('a follower never acknowledges entries it does not have (commit clamps to match)', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.isolate('3');
    net.node('1').raw.propose(enc('x'));
    net.stabilize();
    net.heal();
    // Heartbeat to 3 carries commit = min(match, committed): 3 must not commit past its log.
    const beats: Message[] = [];
    net.onDeliver = (m) => {
      if (m.type === MessageType.Heartbeat && m.to === '3') beats.push(m);
    };
    net.tick('1');
    net.stabilize();
    expect(beats[0]?.commit).toBe(1);
    expect(net.appliedData('3')).toEqual(['x']);
  });
});

describe('proposals', () => {
  test('the leader returns the index and term of the appended entry', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    expect(net.node('1').raw.propose(enc('a'))).toEqual({ index: 2, term: 1 });
    expect(net.node('1').raw.propose(enc('b'))).toEqual({ index: 3, term: 1 });
  });

  test('a follower forwards to the leader and returns undefined', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    expect(net.node('2').raw.propose(enc('fwd'))).toBeUndefined();
    net.stabilize();
    expect(net.appliedData('3')).toEqual(['fwd']);
  });

  test('without a leader a proposal throws ProposalDroppedError', () => {
    const net = Network.create(['1', '2', '3']);
    expect(() => net.node('1').raw.propose(enc('x'))).toThrow(ProposalDroppedError);
    expect(() => net.node('1').raw.propose(enc('x'))).toThrow(/no leader/);
    net.isolate('1');
    net.campaign('1');
    expect(() => net.node('1').raw.propose(enc('x'))).toThrow(/campaigning/);
  });

  test('with forwarding disabled a follower throws', () => {
    const net = Network.create(['1', '2', '3'], { disableProposalForwarding: true });
    net.campaign('1');
    expect(() => net.node('2').raw.propose(enc('x'))).toThrow(/forwarding is disabled/);
  });

  test('the uncommitted-size bound drops proposals until entries commit', () => {
    const net = Network.create(['1', '2', '3'], { maxUncommittedEntriesSize: 100 });
    net.campaign('1');
    net.isolate('2');
    net.isolate('3');
    const raw = net.node('1').raw;
    raw.propose(new Uint8Array(60));
    expect(() => raw.propose(new Uint8Array(60))).toThrow(/maxUncommittedEntriesSize/);
    net.heal();
    net.stabilize();
    net.tick('1');
    net.stabilize();
    expect(raw.propose(new Uint8Array(60))).toBeDefined();
  });

  test('a single oversized proposal is accepted when nothing is uncommitted', () => {
    const net = Network.create(['1', '2', '3'], { maxUncommittedEntriesSize: 10 });
    net.campaign('1');
    expect(net.node('1').raw.propose(new Uint8Array(1000))).toEqual({ index: 2, term: 1 });
  });

  test('entry types round-trip: normal data is applied untouched', () => {
    const net = Network.create(['1']);
    net.campaign('1');
    net.node('1').raw.propose(new Uint8Array([0, 255, 7]));
    net.stabilize();
    const e = net.node('1').applied.filter((x) => x.data.byteLength > 0)[0];
    expect(e?.type).toBe(EntryType.Normal);
    expect([...(e?.data ?? [])]).toEqual([0, 255, 7]);
  });
});

describe('batched proposals', () => {
  test('proposeBatch appends all commands with one append per follower', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    const appends: Message[] = [];
    net.onDeliver = (m) => {
      if (m.type === MessageType.Append && m.entries.length > 0) appends.push(m);
    };
    const range = net.node('1').raw.proposeBatch([enc('a'), enc('b'), enc('c')]);
    expect(range).toEqual({ first: 2, last: 4, term: 1 });
    net.stabilize();
    expect(appends).toHaveLength(2);
    expect(net.appliedData('3')).toEqual(['a', 'b', 'c']);
    expect(net.node('1').raw.basicStatus().hardState.commit).toBe(4);
  });

  test('proposeBatch is all or nothing under the uncommitted bound', () => {
    const net = Network.create(['1', '2', '3'], { maxUncommittedEntriesSize: 100 });
    net.campaign('1');
    net.isolate('2');
    net.isolate('3');
    const raw = net.node('1').raw;
    raw.propose(new Uint8Array(60));
    const last = raw.basicStatus().lastIndex;
    expect(() => raw.proposeBatch([new Uint8Array(30), new Uint8Array(30)])).toThrow(
      ProposalDroppedError
    );
    expect(raw.basicStatus().lastIndex).toBe(last);
  });

  test('proposeBatch on a follower forwards the batch', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    expect(net.node('2').raw.proposeBatch([enc('x'), enc('y')])).toBeUndefined();
    net.stabilize();
    expect(net.appliedData('1')).toEqual(['x', 'y']);
  });
});
