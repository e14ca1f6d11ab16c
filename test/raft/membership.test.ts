/** Raft paper §6 (membership changes): joint consensus with ConfChangeV2, learners. */
import {
  MemoryStorage,
  ProposalDroppedError,
  RawNode,
  confState,
  decodeConfChange,
  encodeConfChange,
  ConfChangeDecodeError,
  type ConfChangeV2,
} from '../../node/src/raft/index.js';
import { Network, enc, makeConfig, storageWithLog } from './harness.js';

const addVoter = (node: string): ConfChangeV2 => ({
  transition: 'auto',
  changes: [{ type: 'add-voter', node }],
});

/**
 * A network where `ids` are voters and extra nodes start with the group's initial ConfState
 * (without being in it): like etcd's bootstrap, a joiner replays every conf change from the
 * start of the log, so it must know the configuration the log starts from.
 */
function withJoiners(ids: string[], joiners: string[], seed?: number): Network {
  const net = Network.create(ids, seed !== undefined ? { seed } : {});
  for (const j of joiners) net.addNode(j, new MemoryStorage(confState({ voters: ids })));
  return net;
}

describe('§6 membership: single changes', () => {
  test('adding a voter replicates the log to it and counts it in the quorum', () => {
    const net = withJoiners(['1', '2', '3'], ['4']);
    net.campaign('1');
    net.node('1').raw.propose(enc('before'));
    net.stabilize();
    net.node('1').raw.proposeConfChange(addVoter('4'));
    net.stabilize();
    expect(net.node('1').conf.voters).toEqual(['1', '2', '3', '4']);
    expect(net.appliedData('4')).toEqual(['before']);
    expect(net.node('4').conf.voters).toEqual(['1', '2', '3', '4']);
    // With 4 voters a majority is 3: losing two nodes stalls commits.
    net.isolate('3');
    net.isolate('4');
    net.node('1').raw.propose(enc('stalled'));
    net.stabilize();
    expect(net.appliedData('1')).toEqual(['before']);
  });

  test('only one conf change may be pending at a time', () => {
    const net = withJoiners(['1', '2', '3'], ['4', '5']);
    net.campaign('1');
    net.node('1').raw.proposeConfChange(addVoter('4'));
    expect(() => net.node('1').raw.proposeConfChange(addVoter('5'))).toThrow(ProposalDroppedError);
    expect(() => net.node('1').raw.proposeConfChange(addVoter('5'))).toThrow(/already pending/);
    net.stabilize();
    expect(net.node('1').raw.proposeConfChange(addVoter('5'))).toBeDefined();
  });

  test('a new leader refuses conf changes until its log is applied', () => {
    // The log holds entries of an earlier term that may include an unapplied conf change.
    const net = new Network();
    for (const id of ['1', '2', '3']) net.addNode(id, storageWithLog(['1', '2', '3'], [1, 1]));
    const n1 = net.node('1').raw;
    // The votes and their answers are delivered, the appends are not: the no-op stays unapplied.
    net.electWithoutAppends('1');
    expect(n1.status().softState.state).toBe('leader');
    // Becoming leader sets pendingConfIndex to the last index; nothing applied yet.
    expect(() => n1.proposeConfChange(addVoter('4'))).toThrow(/already pending/);
    net.stabilize();
    expect(n1.proposeConfChange(addVoter('4'))).toBeDefined();
  });

  test('removing a follower shrinks the quorum', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net
      .node('1')
      .raw.proposeConfChange({ transition: 'auto', changes: [{ type: 'remove', node: '3' }] });
    net.stabilize();
    expect(net.node('1').conf.voters).toEqual(['1', '2']);
    net.isolate('3');
    net.node('1').raw.propose(enc('x'));
    net.stabilize();
    expect(net.appliedData('2')).toEqual(['x']);
  });

  test('removing the leader: it steps down and the rest elect a new leader', () => {
    const net = Network.create(['1', '2', '3'], { seed: 7 });
    net.campaign('1');
    net
      .node('1')
      .raw.proposeConfChange({ transition: 'auto', changes: [{ type: 'remove', node: '1' }] });
    net.stabilize();
    expect(net.node('1').raw.status().softState.state).toBe('follower');
    expect(net.node('2').conf.voters).toEqual(['2', '3']);
    net.tickAll(25);
    const lead = net.leader();
    expect(['2', '3']).toContain(lead);
    net.node(lead!).raw.propose(enc('after'));
    net.stabilize();
    expect(net.appliedData('2')).toEqual(['after']);
    // The removed node cannot campaign.
    net.tick('1', 50);
    net.stabilize();
    expect(net.node('1').raw.status().softState.state).toBe('follower');
  });
});

describe('§6 membership: joint consensus', () => {
  test('auto transition with several changes enters and automatically leaves a joint config', () => {
    const net = withJoiners(['1', '2', '3'], ['4', '5']);
    net.campaign('1');
    net.node('1').raw.proposeConfChange({
      transition: 'auto',
      changes: [
        { type: 'add-voter', node: '4' },
        { type: 'add-voter', node: '5' },
        { type: 'remove', node: '2' },
      ],
    });
    net.stabilize();
    const cs = net.node('1').conf;
    expect(cs.voters).toEqual(['1', '3', '4', '5']);
    expect(cs.votersOutgoing).toEqual([]);
    expect(cs.autoLeave).toBe(false);
    // The log holds the entering change and the automatic leave.
    const ccs = net
      .node('3')
      .applied.filter((e) => e.type === 1)
      .map((e) => decodeConfChange(e.data));
    expect(ccs).toHaveLength(2);
    expect(ccs[1]).toEqual({ transition: 'auto', changes: [] });
  });

  test('while joint, decisions need a majority of both configs', () => {
    const net = withJoiners(['1', '2', '3'], ['4', '5', '6']);
    net.campaign('1');
    net.node('1').raw.proposeConfChange({
      transition: 'joint-explicit',
      changes: [
        { type: 'add-voter', node: '4' },
        { type: 'add-voter', node: '5' },
        { type: 'add-voter', node: '6' },
        { type: 'remove', node: '2' },
        { type: 'remove', node: '3' },
      ],
    });
    net.stabilize();
    const cs = net.node('1').conf;
    expect(cs.voters).toEqual(['1', '4', '5', '6']);
    expect(cs.votersOutgoing).toEqual(['1', '2', '3']);
    // Incoming majority (1,4,5) without the outgoing majority (only 1 of 1,2,3): no commit.
    net.isolate('2');
    net.isolate('3');
    net.node('1').raw.propose(enc('needs-both'));
    net.stabilize();
    expect(net.appliedData('1')).toEqual([]);
    net.heal();
    net.tick('1');
    net.stabilize();
    expect(net.appliedData('1')).toEqual(['needs-both']);
  });

  test('joint-explicit waits for an explicit leave; a new change is refused meanwhile', () => {
    const net = withJoiners(['1', '2', '3'], ['4']);
    net.campaign('1');
    net.node('1').raw.proposeConfChange({
      transition: 'joint-explicit',
      changes: [{ type: 'add-voter', node: '4' }],
    });
    net.stabilize();
    expect(net.node('1').conf.votersOutgoing).toEqual(['1', '2', '3']);
    expect(() => net.node('1').raw.proposeConfChange(addVoter('5'))).toThrow(/joint/);
    net.node('1').raw.proposeConfChange({ transition: 'auto', changes: [] });
    net.stabilize();
    expect(net.node('4').conf).toEqual(confState({ voters: ['1', '2', '3', '4'] }));
  });

  test('leaving a non-joint config is refused', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    expect(() => net.node('1').raw.proposeConfChange({ transition: 'auto', changes: [] })).toThrow(
      /not joint/
    );
  });

  test('removing the leader through a joint config', () => {
    const net = withJoiners(['1', '2', '3'], ['4'], 11);
    net.campaign('1');
    net.node('1').raw.proposeConfChange({
      transition: 'joint-implicit',
      changes: [
        { type: 'remove', node: '1' },
        { type: 'add-voter', node: '4' },
      ],
    });
    net.stabilize();
    expect(net.node('2').conf.voters).toEqual(['2', '3', '4']);
    expect(net.node('2').conf.votersOutgoing).toEqual([]);
    expect(net.node('1').raw.status().softState.state).toBe('follower');
    net.tickAll(25);
    expect(['2', '3', '4']).toContain(net.leader());
  });

  test('a demoted voter becomes a learner only when the joint config is left', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.node('1').raw.proposeConfChange({
      transition: 'joint-explicit',
      changes: [{ type: 'add-learner', node: '3' }],
    });
    net.stabilize();
    expect(net.node('1').conf).toEqual(
      confState({ voters: ['1', '2'], votersOutgoing: ['1', '2', '3'], learnersNext: ['3'] })
    );
    net.node('1').raw.proposeConfChange({ transition: 'auto', changes: [] });
    net.stabilize();
    expect(net.node('1').conf).toEqual(confState({ voters: ['1', '2'], learners: ['3'] }));
  });
});

describe('§6 learners', () => {
  test('a learner receives the log but does not count in the quorum', () => {
    const net = Network.create(['1', '2', '3'], {}, ['3']);
    net.campaign('1');
    net.isolate('2');
    net.node('1').raw.propose(enc('x'));
    net.stabilize();
    // 1 + learner 3 is not a majority of {1,2}.
    expect(net.appliedData('1')).toEqual([]);
    net.heal();
    net.tick('1');
    net.stabilize();
    expect(net.appliedData('3')).toEqual(['x']);
  });

  test('a learner is promoted to voter and can then win an election', () => {
    const net = Network.create(['1', '2', '3'], {}, ['3']);
    net.campaign('1');
    net.node('1').raw.proposeConfChange(addVoter('3'));
    net.stabilize();
    expect(net.node('3').conf.voters).toEqual(['1', '2', '3']);
    expect(net.node('3').conf.learners).toEqual([]);
    net.isolate('1');
    net.campaign('3');
    expect(net.node('3').raw.status().softState.state).toBe('leader');
  });

  test('a new learner joins without disturbing the quorum', () => {
    const net = withJoiners(['1', '2', '3'], ['4']);
    net.campaign('1');
    net
      .node('1')
      .raw.proposeConfChange({ transition: 'auto', changes: [{ type: 'add-learner', node: '4' }] });
    net.stabilize();
    expect(net.node('1').conf.learners).toEqual(['4']);
    net.node('1').raw.propose(enc('y'));
    net.stabilize();
    expect(net.appliedData('4')).toEqual(['y']);
  });
});

describe('conf change codec and restore', () => {
  test('encode/decode round-trip with context', () => {
    const cc: ConfChangeV2 = {
      transition: 'joint-implicit',
      changes: [
        { type: 'add-voter', node: 'a' },
        { type: 'remove', node: 'b' },
      ],
      context: new Uint8Array([1, 2, 255]),
    };
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
  });

  test.each([
    ['not json', enc('{')],
    ['bad transition', enc('{"t":"x","c":[]}')],
    ['bad type', enc('{"t":"auto","c":[["promote","a"]]}')],
    ['empty node', enc('{"t":"auto","c":[["remove",""]]}')],
    ['bad context', enc('{"t":"auto","c":[],"x":"zz"}')],
  ])('decode rejects %s', (_name, data) => {
    expect(() => decodeConfChange(data)).toThrow(ConfChangeDecodeError);
  });

  test('a joint ConfState is restored from storage at start', () => {
    const cs = confState({
      voters: ['1', '2'],
      votersOutgoing: ['1', '2', '3'],
      learnersNext: ['3'],
      autoLeave: true,
    });
    const raw = new RawNode(makeConfig('1', new MemoryStorage(cs), {}));
    expect(raw.status().config).toEqual(cs);
  });

  test('an invalid ConfState is refused at start', () => {
    const cs = confState({ voters: ['1'], learners: ['1'] });
    expect(() => new RawNode(makeConfig('1', new MemoryStorage(cs), {}))).toThrow(
      /both learner and voter/
    );
  });
});

describe('invalid conf changes', () => {
  test('a change the configuration cannot take is refused at proposal time', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    const bad: ConfChangeV2 = {
      transition: 'auto',
      changes: [
        { type: 'remove', node: '1' },
        { type: 'remove', node: '2' },
        { type: 'remove', node: '3' },
      ],
    };
    expect(() => net.node('1').raw.proposeConfChange(bad)).toThrow(
      /invalid conf change: removed all voters/
    );
    // Nothing was appended and the next valid change is accepted.
    expect(net.node('1').raw.proposeConfChange(addVoter('4'))).toEqual({ index: 2, term: 1 });
  });

  test('an invalid committed change is ignored without touching the tracker', () => {
    const s = new MemoryStorage(confState({ voters: ['1', '2'], learners: ['3'] }));
    const raw = new RawNode(makeConfig('1', s, {}));
    const before = raw.status().config;
    const cs = raw.applyConfChange({
      transition: 'joint-implicit',
      changes: [
        // Would flip 3's shared progress to voter before the next change fails.
        { type: 'add-voter', node: '3' },
        { type: 'remove', node: '' },
      ],
    });
    expect(cs).toEqual(before);
    expect(raw.raft.trk.progress.get('1')?.isLearner).toBe(false);
    expect(raw.raft.trk.progress.get('3')?.isLearner).toBe(true);
  });
});

describe('joining without the initial membership', () => {
  test('a node started empty that replays conf changes fails loudly instead of forming a group of its own', () => {
    const net = Network.create(['1', '2', '3']);
    net.addNode('4', new MemoryStorage());
    net.campaign('1');
    net.node('1').raw.proposeConfChange(addVoter('4'));
    expect(() => net.stabilize()).toThrow(/without knowing the group's membership/);
    expect(net.node('4').raw.status().config.voters).toEqual([]);
  });

  test('a node started empty joins fine through a snapshot', () => {
    const net = Network.create(['1', '2', '3']);
    net.addNode('4', new MemoryStorage());
    net.campaign('1');
    net.node('1').raw.propose(enc('a'));
    net.stabilize();
    const n1 = net.node('1');
    const applied = n1.raw.status().applied;
    n1.storage.createSnapshot(applied, n1.conf, enc('s'));
    n1.storage.compact(applied);
    net.node('1').raw.proposeConfChange(addVoter('4'));
    net.stabilize();
    net.tick('1');
    net.stabilize();
    expect(net.node('4').conf.voters).toEqual(['1', '2', '3', '4']);
    net.node('1').raw.propose(enc('b'));
    net.stabilize();
    expect(net.appliedData('4')).toEqual(['b']);
  });
});
