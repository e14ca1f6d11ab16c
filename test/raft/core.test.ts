import { EntryType, MessageType } from '../../node/src/raft/index.js';
import { Network, enc } from './harness.js';

describe('core - election, replication, commit', () => {
  test('a single node elects itself and commits its proposals', () => {
    const net = Network.create(['1']);
    net.campaign('1');
    expect(net.leader()).toBe('1');
    const pos = net.node('1').raw.propose(enc('x'));
    net.stabilize();
    expect(pos).toEqual({ index: 2, term: 1 });
    expect(net.appliedData('1')).toEqual(['x']);
  });

  test('three nodes elect a leader and replicate a proposal to all', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    expect(net.leader()).toBe('1');
    net.node('1').raw.propose(enc('a'));
    net.stabilize();
    for (const id of ['1', '2', '3']) expect(net.appliedData(id)).toEqual(['a']);
    for (const id of ['1', '2', '3']) {
      expect(net.node(id).storage.initialState().hardState.commit).toBe(2);
    }
  });

  test('messages carry the group and the no-op entry is applied first', () => {
    const net = Network.create(['1', '2', '3']);
    const seen: number[] = [];
    net.onDeliver = (m) => {
      expect(m.group).toBe('g1');
      seen.push(m.type);
    };
    net.campaign('1');
    expect(seen).toContain(MessageType.Vote);
    expect(seen).toContain(MessageType.Append);
    const first = net.node('2').applied[0];
    expect(first?.type).toBe(EntryType.Normal);
    expect(first?.data.byteLength).toBe(0);
  });
});
