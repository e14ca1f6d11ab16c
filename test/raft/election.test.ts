/** Raft paper §5.2 (leader election) and thesis §9.6 (PreVote) plus CheckQuorum. */
import { MessageType, RawNode, MemoryStorage, confState } from '../../node/src/raft/index.js';
import { Network, makeConfig, msg, seeded, storageWithLog } from './harness.js';

describe('§5.2 leader election', () => {
  test('a follower campaigns exactly when its randomized election timeout elapses', () => {
    // random() = 0.5 with electionTick 10 gives a timeout of 10 + floor(0.5 * 10) = 15.
    const net = Network.create(['1', '2', '3'], { random: () => 0.5 });
    net.tick('1', 14);
    expect(net.node('1').raw.status().softState.state).toBe('follower');
    net.tick('1', 1);
    expect(net.node('1').raw.status().softState.state).toBe('candidate');
    expect(net.node('1').raw.status().hardState.term).toBe(1);
  });

  test('randomized timeouts come from Config.random and lie in [electionTick, 2*electionTick)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const raw = new RawNode(
        makeConfig('1', new MemoryStorage(confState({ voters: ['1', '2'] })), {
          random: seeded(seed),
        })
      );
      const t = raw.raft.randomizedElectionTimeout;
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThan(20);
      seen.add(t);
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  test.each([
    { name: 'all up', down: [] as string[], want: 'leader', term: 1 },
    { name: 'one of three down', down: ['3'], want: 'leader', term: 1 },
    { name: 'two of three down', down: ['2', '3'], want: 'candidate', term: 1 },
  ])('election outcome: $name', ({ down, want, term }) => {
    const net = Network.create(['1', '2', '3']);
    for (const d of down) net.isolate(d);
    net.campaign('1');
    const st = net.node('1').raw.status();
    expect(st.softState.state).toBe(want);
    expect(st.hardState.term).toBe(term);
  });

  test('a node grants at most one vote per term', () => {
    const net = Network.create(['1', '2', '3']);
    const n3 = net.node('3').raw;
    n3.step(msg({ type: MessageType.Vote, from: '1', to: '3', term: 1 }));
    n3.step(msg({ type: MessageType.Vote, from: '2', to: '3', term: 1 }));
    const rd = n3.ready();
    const resp = rd.messages.map((m) => [m.to, m.reject]);
    expect(resp).toEqual([
      ['1', false],
      ['2', true],
    ]);
    expect(rd.hardState?.vote).toBe('1');
  });

  // Voter log: terms [1, 2] (last index 2, last term 2).
  test.each([
    { index: 2, logTerm: 2, grant: true },
    { index: 3, logTerm: 2, grant: true },
    { index: 1, logTerm: 2, grant: false },
    { index: 5, logTerm: 1, grant: false },
    { index: 1, logTerm: 3, grant: true },
  ])(
    'votes only for up-to-date logs: candidate at ($index,$logTerm) -> $grant',
    ({ index, logTerm, grant }) => {
      const raw = new RawNode(makeConfig('1', storageWithLog(['1', '2'], [1, 2]), {}));
      raw.step(msg({ type: MessageType.Vote, from: '2', to: '1', term: 3, index, logTerm }));
      const m = raw.ready().messages[0];
      expect(m?.type).toBe(MessageType.VoteResponse);
      expect(m?.reject).toBe(!grant);
    }
  );

  test('a candidate steps down when a leader of its term appends', () => {
    const net = Network.create(['1', '2', '3']);
    net.isolate('1');
    net.campaign('1');
    expect(net.node('1').raw.status().softState.state).toBe('candidate');
    const n1 = net.node('1').raw;
    n1.step(msg({ type: MessageType.Append, from: '2', to: '1', term: 1 }));
    expect(n1.status().softState).toEqual({ state: 'follower', lead: '2' });
  });

  test('a node with a stale log cannot become leader', () => {
    const net = new Network();
    net.addNode('1', storageWithLog(['1', '2', '3'], [1]));
    net.addNode('2', storageWithLog(['1', '2', '3'], [1, 1]));
    net.addNode('3', storageWithLog(['1', '2', '3'], [1, 1]));
    net.campaign('1');
    expect(net.node('1').raw.status().softState.state).not.toBe('leader');
    net.campaign('2');
    expect(net.leader()).toBe('2');
  });

  test('split vote: a later election resolves it', () => {
    const net = Network.create(['1', '2', '3', '4'], {});
    net.isolate('1');
    net.isolate('2');
    net.node('1').raw.campaign();
    net.node('2').raw.campaign();
    net.stabilize();
    net.heal();
    // 3 and 4 vote for nobody yet; give 3 the vote of 4 and itself only: 2 of 4 is no majority.
    net.cutLink('3', '1');
    net.cutLink('3', '2');
    net.campaign('3');
    expect(net.node('3').raw.status().softState.state).toBe('candidate');
    net.heal();
    net.campaign('4');
    expect(net.leader()).toBe('4');
  });

  test('a learner never campaigns', () => {
    const net = Network.create(['1', '2', '3'], {}, ['3']);
    net.tick('3', 100);
    net.stabilize();
    expect(net.node('3').raw.status().softState.state).toBe('follower');
    expect(net.node('3').raw.status().hardState.term).toBe(0);
  });
});

describe('§9.6 PreVote', () => {
  test('an isolated pre-candidate never increments its term', () => {
    const net = Network.create(['1', '2', '3'], { preVote: true });
    net.campaign('1');
    net.isolate('3');
    for (let i = 0; i < 5; i++) net.campaign('3');
    const st = net.node('3').raw.status();
    expect(st.softState.state).toBe('pre-candidate');
    expect(st.hardState.term).toBe(1);
  });

  test('a rejoining node does not disrupt the leader', () => {
    const net = Network.create(['1', '2', '3'], { preVote: true });
    net.campaign('1');
    net.isolate('3');
    net.node('1').raw.propose(new Uint8Array([1]));
    net.stabilize();
    net.campaign('3');
    net.heal();
    net.campaign('3');
    expect(net.leader()).toBe('1');
    expect(net.node('1').raw.status().hardState.term).toBe(1);
  });

  test('a pre-candidate clears its leader', () => {
    const net = Network.create(['1', '2', '3'], { preVote: true });
    net.campaign('1');
    expect(net.node('2').raw.status().softState.lead).toBe('1');
    net.isolate('2');
    net.node('2').raw.campaign();
    expect(net.node('2').raw.status().softState).toEqual({ state: 'pre-candidate', lead: '' });
  });

  test('pre-votes win and lead to a real election when a majority agrees', () => {
    const net = Network.create(['1', '2', '3'], { preVote: true });
    net.campaign('2');
    expect(net.leader()).toBe('2');
    expect(net.node('2').raw.status().hardState.term).toBe(1);
  });

  test('a lost pre-election keeps the term and returns to follower', () => {
    const net = new Network();
    net.addNode('1', storageWithLog(['1', '2', '3'], [1]), { preVote: true });
    net.addNode('2', storageWithLog(['1', '2', '3'], [1, 1]), { preVote: true });
    net.addNode('3', storageWithLog(['1', '2', '3'], [1, 1]), { preVote: true });
    net.campaign('1');
    expect(net.node('1').raw.status().softState.state).toBe('follower');
    expect(net.node('1').raw.status().hardState.term).toBe(1);
  });
});

describe('CheckQuorum', () => {
  test('a leader that loses its quorum steps down after an election timeout', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true });
    net.campaign('1');
    net.isolate('1');
    net.tick('1', 9);
    expect(net.node('1').raw.status().softState.state).toBe('leader');
    net.tick('1', 11);
    expect(net.node('1').raw.status().softState.state).toBe('follower');
  });

  test('a leader that hears from a quorum keeps leading', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true });
    net.campaign('1');
    net.isolate('3');
    net.tickAll(35);
    expect(net.leader()).toBe('1');
  });

  test('followers ignore votes while their leader lease holds', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true });
    net.campaign('1');
    // Node 3 campaigns (without pre-vote) right away: 1 and 2 heard from the leader recently.
    net.campaign('3');
    expect(net.node('2').raw.status().hardState.term).toBe(1);
    expect(net.leader()).toBe('1');
  });

  test('with prevote + checkquorum an isolated node cannot win votes from leased followers', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true, preVote: true });
    net.campaign('1');
    net.isolate('3');
    net.tick('3', 30);
    net.stabilize();
    net.heal();
    net.campaign('3');
    expect(net.leader()).toBe('1');
    expect(net.node('1').raw.status().hardState.term).toBe(1);
    // The next heartbeat brings the pre-candidate back as a follower.
    net.tick('1');
    net.stabilize();
    expect(net.node('3').raw.status().softState).toEqual({ state: 'follower', lead: '1' });
  });

  test('a stale leader learns the new term from a higher-term append response', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true, preVote: true });
    net.campaign('1');
    net.isolate('1');
    // 3 times out first (becoming a pre-candidate without a leader), so it grants 2's pre-vote.
    net.tick('3', 10);
    net.stabilize();
    net.campaign('2');
    expect(net.node('2').raw.status().softState.state).toBe('leader');
    net.heal();
    // The old leader (still leader at term 1 as long as it is not ticked) sends a heartbeat.
    net.node('1').raw.raft.bcastHeartbeat();
    net.stabilize();
    expect(net.node('1').raw.status().softState).toEqual({ state: 'follower', lead: '' });
    expect(net.node('1').raw.status().hardState.term).toBe(2);
    net.tick('2');
    net.stabilize();
    expect(net.node('1').raw.status().softState).toEqual({ state: 'follower', lead: '2' });
  });
});

describe('forgetLeader', () => {
  test('with prevote + checkquorum, a follower that forgets its leader grants pre-votes at once', () => {
    const net = Network.create(['1', '2', '3'], { checkQuorum: true, preVote: true });
    net.campaign('1');
    // Leader 1 is cut off from 3 only; 2 still hears from it (lease held).
    net.cutLink('1', '3');
    net.campaign('3');
    expect(net.node('3').raw.status().softState.state).not.toBe('leader');
    // The host decides 1 is gone for good and tells 2 to forget it.
    net.isolate('1');
    net.node('2').raw.forgetLeader();
    expect(net.node('2').raw.status().softState.lead).toBe('');
    net.campaign('3');
    expect(net.node('3').raw.status().softState.state).toBe('leader');
  });

  test('a leader ignores forgetLeader', () => {
    const net = Network.create(['1', '2', '3']);
    net.campaign('1');
    net.node('1').raw.forgetLeader();
    expect(net.node('1').raw.status().softState).toEqual({ state: 'leader', lead: '1' });
  });
});

describe('learners must vote when asked', () => {
  test('a node that still thinks it is a learner grants its vote (it may be a voter already)', () => {
    const net = new Network();
    net.addNode('1', new MemoryStorage(confState({ voters: ['1', '2', '3'] })));
    net.addNode('2', new MemoryStorage(confState({ voters: ['1', '2', '3'] })));
    // 3 has not applied its promotion yet.
    net.addNode('3', new MemoryStorage(confState({ voters: ['1', '2'], learners: ['3'] })));
    net.isolate('1');
    net.campaign('2');
    expect(net.node('2').raw.status().softState.state).toBe('leader');
  });
});
