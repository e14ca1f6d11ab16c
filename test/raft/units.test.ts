/** Pure pieces: MemoryStorage, quorum rules, config validation, the multi-group host. */
import {
  CompactedError,
  ConfigError,
  EntryType,
  MemoryStorage,
  MessageType,
  RaftHost,
  RawNode,
  StepError,
  SnapshotOutOfDateError,
  UnavailableError,
  UnknownGroupError,
  UsageError,
  confState,
  validateConfig,
  type Config,
  type Entry,
} from '../../node/src/raft/index.js';
import { JointConfig } from '../../node/src/raft/joint-config.js';
import { MajorityConfig } from '../../node/src/raft/majority-config.js';
import { enc, makeConfig } from './harness.js';

const ent = (index: number, term: number, size = 0): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array(size),
});

describe('MemoryStorage', () => {
  function filled(): MemoryStorage {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2), ent(5, 3)]);
    return s;
  }

  test('append overwrites a conflicting suffix', () => {
    const s = filled();
    s.append([ent(3, 4), ent(4, 4)]);
    expect([s.term(3), s.term(4), s.lastIndex()]).toEqual([4, 4, 4]);
  });

  test('append skips entries already compacted', () => {
    const s = filled();
    s.compact(3);
    s.append([ent(2, 1), ent(3, 2), ent(4, 5)]);
    expect([s.firstIndex(), s.term(4), s.lastIndex()]).toEqual([4, 5, 4]);
  });

  test('append refuses a gap', () => {
    const s = filled();
    expect(() => s.append([ent(8, 3)])).toThrow(/gap/);
  });

  test('entries honours bounds and maxSize (at least one entry)', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1, 100), ent(2, 1, 100), ent(3, 1, 100)]);
    expect(s.entries(1, 4, 1).map((e) => e.index)).toEqual([1]);
    expect(s.entries(1, 4, 250).map((e) => e.index)).toEqual([1, 2]);
    expect(s.entries(2, 4, Infinity).map((e) => e.index)).toEqual([2, 3]);
    expect(() => s.entries(1, 5, Infinity)).toThrow(UnavailableError);
    s.compact(1);
    expect(() => s.entries(1, 3, Infinity)).toThrow(CompactedError);
  });

  test('term: compacted, snapshot boundary, past the end', () => {
    const s = filled();
    s.compact(2);
    expect(() => s.term(1)).toThrow(CompactedError);
    expect(s.term(2)).toBe(1);
    expect(() => s.term(6)).toThrow(UnavailableError);
  });

  test('createSnapshot + compact + applySnapshot', () => {
    const s = filled();
    const cs = confState({ voters: ['a'] });
    const snap = s.createSnapshot(4, cs, enc('d'));
    expect(snap.meta).toEqual({ index: 4, term: 2, confState: cs });
    expect(() => s.createSnapshot(3, cs, enc('d'))).toThrow(SnapshotOutOfDateError);
    expect(() => s.createSnapshot(9, cs, enc('d'))).toThrow(UnavailableError);
    s.compact(4);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([5, 5]);
    expect(() => s.compact(4)).toThrow(CompactedError);
    const t = new MemoryStorage();
    t.applySnapshot(snap);
    expect([t.firstIndex(), t.lastIndex(), t.term(4)]).toEqual([5, 4, 2]);
    expect(t.initialState().confState).toEqual(cs);
    expect(() => t.applySnapshot(snap)).toThrow(SnapshotOutOfDateError);
  });

  test('hard state round-trips', () => {
    const s = new MemoryStorage();
    s.setHardState({ term: 3, vote: 'x', commit: 0 });
    expect(s.initialState().hardState).toEqual({ term: 3, vote: 'x', commit: 0 });
  });
});

describe('quorum', () => {
  test.each([
    { ids: [], acked: {}, want: Infinity },
    { ids: ['1'], acked: { '1': 5 }, want: 5 },
    { ids: ['1', '2'], acked: { '1': 5, '2': 3 }, want: 3 },
    { ids: ['1', '2', '3'], acked: { '1': 5, '2': 3, '3': 1 }, want: 3 },
    { ids: ['1', '2', '3'], acked: { '1': 5 }, want: 0 },
    { ids: ['1', '2', '3', '4'], acked: { '1': 9, '2': 8, '3': 7, '4': 1 }, want: 7 },
    { ids: ['1', '2', '3', '4', '5'], acked: { '1': 9, '2': 8, '3': 7, '4': 1 }, want: 7 },
  ])('majority committed index of $ids with $acked is $want', ({ ids, acked, want }) => {
    const m = new MajorityConfig(ids);
    expect(m.committedIndex((id) => (acked as Record<string, number>)[id])).toBe(want);
  });

  test.each([
    { ids: ['1', '2', '3'], votes: { '1': true }, want: 'pending' },
    { ids: ['1', '2', '3'], votes: { '1': true, '2': true }, want: 'won' },
    { ids: ['1', '2', '3'], votes: { '1': true, '2': false, '3': false }, want: 'lost' },
    { ids: ['1', '2', '3', '4'], votes: { '1': true, '2': true }, want: 'pending' },
    { ids: [], votes: {}, want: 'won' },
  ])('majority vote of $ids with $votes is $want', ({ ids, votes, want }) => {
    const m = new MajorityConfig(ids);
    expect(m.voteResult(new Map(Object.entries(votes)))).toBe(want);
  });

  test('joint config needs both halves', () => {
    const j = new JointConfig(
      new MajorityConfig(['1', '2', '3']),
      new MajorityConfig(['3', '4', '5'])
    );
    const acked: Record<string, number> = { '1': 10, '2': 10, '3': 4, '4': 2, '5': 1 };
    expect(j.committedIndex((id) => acked[id])).toBe(2);
    expect(j.voteResult(new Map(Object.entries({ '1': true, '2': true })))).toBe('pending');
    expect(
      j.voteResult(new Map(Object.entries({ '1': true, '2': true, '4': false, '5': false })))
    ).toBe('lost');
    expect(j.voteResult(new Map(Object.entries({ '1': true, '3': true, '4': true })))).toBe('won');
  });
});

describe('validateConfig', () => {
  const base = (): Config => makeConfig('1', new MemoryStorage(), {});
  test.each([
    ['empty id', { id: '' }, /id must be/],
    ['empty group', { group: '' }, /group must be/],
    ['zero heartbeat', { heartbeatTick: 0 }, /heartbeatTick/],
    ['election <= heartbeat', { electionTick: 1, heartbeatTick: 1 }, /electionTick/],
    ['fractional election', { electionTick: 10.5 }, /electionTick/],
    ['negative applied', { applied: -1 }, /applied/],
    ['bytes < msg size', { maxSizePerMsg: 100, maxInflightBytes: 10 }, /maxInflightBytes/],
    ['no random', { random: undefined }, /random/],
    ['bad read option', { readOnlyOption: 'fast' }, /readOnlyOption/],
    ['lease without checkQuorum', { readOnlyOption: 'lease-based' }, /checkQuorum/],
  ])('rejects %s', (_name, patch, re) => {
    expect(() => validateConfig({ ...base(), ...(patch as Partial<Config>) })).toThrow(ConfigError);
    expect(() => validateConfig({ ...base(), ...(patch as Partial<Config>) })).toThrow(re);
  });

  test('fills defaults', () => {
    const c = validateConfig(base());
    expect(c.maxInflightMsgs).toBe(256);
    expect(c.maxCommittedSizePerReady).toBe(c.maxSizePerMsg);
    expect(c.readOnlyOption).toBe('safe');
    expect(c.checkQuorum).toBe(false);
  });
});

describe('RaftHost (many groups)', () => {
  /** Storage of each (host, group), standing in for the host's single WAL. */
  const storages = new Map<string, MemoryStorage>();

  /** Three hosts "a","b","c", each running the same `n` groups. */
  function cluster(n: number): Map<string, RaftHost> {
    const hosts = new Map<string, RaftHost>();
    for (const h of ['a', 'b', 'c']) {
      const host = new RaftHost();
      for (let g = 0; g < n; g++) {
        const st = new MemoryStorage(confState({ voters: ['a', 'b', 'c'] }));
        storages.set(`${h}/g${g}`, st);
        host.addGroup({ ...makeConfig(h, st, {}), group: `g${g}` });
      }
      hosts.set(h, host);
    }
    return hosts;
  }

  /** One host round: one persistence batch, then sends, then applies, then advance. */
  function round(hosts: Map<string, RaftHost>, applied: Map<string, string[]>): boolean {
    let work = false;
    for (const [name, host] of hosts) {
      if (!host.hasReady()) continue;
      work = true;
      const batch = host.ready();
      for (const { group, ready } of batch.groups) {
        // A real host appends every group's entries to one WAL and fsyncs once here.
        const st = storages.get(`${name}/${group}`)!;
        if (ready.snapshot) st.applySnapshot(ready.snapshot);
        st.append(ready.entries);
        if (ready.hardState) st.setHardState(ready.hardState);
      }
      for (const [peer, msgs] of batch.messagesByPeer) {
        for (const m of msgs) hosts.get(peer)?.step(m);
      }
      for (const { group, ready } of batch.groups) {
        for (const e of ready.committedEntries) {
          if (e.data.byteLength > 0)
            applied.get(name)?.push(`${group}:${new TextDecoder().decode(e.data)}`);
        }
      }
      host.advance();
    }
    return work;
  }

  test('routes messages by group and batches every group into one Ready', () => {
    const hosts = cluster(20);
    const applied = new Map([...hosts.keys()].map((k) => [k, [] as string[]]));
    // Every group elects "a" (tick all groups on "a" past the election timeout).
    const a = hosts.get('a')!;
    for (let i = 0; i < 10; i++) a.tick();
    const first = a.ready();
    expect(first.groups).toHaveLength(20);
    expect(first.mustSync).toBe(true);
    expect(first.messagesByPeer.get('b')?.every((m) => m.type === MessageType.Vote)).toBe(true);
    expect(new Set(first.messagesByPeer.get('b')?.map((m) => m.group)).size).toBe(20);
    for (const { group, ready } of first.groups) {
      if (ready.hardState) storages.get(`a/${group}`)!.setHardState(ready.hardState);
    }
    for (const [peer, msgs] of first.messagesByPeer) for (const m of msgs) hosts.get(peer)?.step(m);
    a.advance();
    while (round(hosts, applied));
    for (let g = 0; g < 20; g++) expect(a.group(`g${g}`).status().softState.state).toBe('leader');
    a.group('g7').propose(enc('x'));
    while (round(hosts, applied));
    expect(applied.get('c')).toEqual(['g7:x']);
  });

  test('unknown groups and protocol misuse are named errors', () => {
    const host = new RaftHost();
    const cfg = {
      ...makeConfig('a', new MemoryStorage(confState({ voters: ['a'] })), {}),
      group: 'x',
    };
    host.addGroup(cfg);
    expect(() => host.addGroup(cfg)).toThrow(UsageError);
    expect(() =>
      host.step({
        group: 'nope',
        type: MessageType.Heartbeat,
        from: 'b',
        to: 'a',
        term: 1,
        logTerm: 0,
        index: 0,
        entries: [],
        commit: 0,
        reject: false,
        rejectHint: 0,
      })
    ).toThrow(UnknownGroupError);
    expect(() => host.advance()).toThrow(UsageError);
    host.group('x').campaign();
    host.ready();
    expect(() => host.ready()).toThrow(UsageError);
    host.advance();
  });

  test('idle groups: follower ticks emit nothing; leaders emit only heartbeats', () => {
    const hosts = cluster(50);
    const a = hosts.get('a')!;
    for (let i = 0; i < 10; i++) a.tick();
    const applied = new Map([...hosts.keys()].map((k) => [k, [] as string[]]));
    while (round(hosts, applied));
    const b = hosts.get('b')!;
    b.tick();
    expect(b.hasReady()).toBe(false);
    a.tick();
    const batch = a.ready();
    const types = new Set([...batch.messagesByPeer.values()].flat().map((m) => m.type));
    expect([...types]).toEqual([MessageType.Heartbeat]);
    expect(batch.mustSync).toBe(false);
    a.advance();
  });
});

describe('RawNode.step input checks', () => {
  const base = {
    group: 'g1',
    from: '2',
    to: '1',
    term: 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
  };
  const node = () => {
    const s = new MemoryStorage(confState({ voters: ['1', '2'] }));
    return new RawNode(makeConfig('1', s, {}));
  };
  test.each([
    ['wrong group', { group: 'other' }, /group other/],
    ['wrong target', { to: '3' }, /for 3/],
    ['no sender', { from: '' }, /no sender/],
    ['local-only type', { type: MessageType.SnapshotResponse }, /local-only/],
    ['term 0 timeout-now', { type: MessageType.TimeoutNow, term: 0 }, /no term/],
    [
      'response from a stranger',
      { type: MessageType.AppendResponse, from: '9' },
      /not in the configuration/,
    ],
    ['unknown type', { type: 99 }, /unknown message type/],
    ['negative index', { index: -1 }, /index/],
    [
      'gap in append entries',
      { type: MessageType.Append, index: 0, entries: [ent(2, 1)] },
      /not contiguous/,
    ],
    [
      'append entry from a future term',
      { type: MessageType.Append, index: 0, entries: [ent(1, 5)] },
      /out of order/,
    ],
    ['snapshot without snapshot', { type: MessageType.Snapshot }, /valid snapshot/],
  ])('rejects %s', (_n, patch, re) => {
    expect(() => node().step({ ...base, type: MessageType.Heartbeat, ...patch } as never)).toThrow(
      StepError
    );
    expect(() => node().step({ ...base, type: MessageType.Heartbeat, ...patch } as never)).toThrow(
      re
    );
  });
});

describe('restart checks', () => {
  test('applied past the persisted commit index is a ConfigError', () => {
    const s = new MemoryStorage(confState({ voters: ['1'] }));
    s.append([ent(1, 1), ent(2, 1)]);
    s.setHardState({ term: 1, vote: '1', commit: 1 });
    expect(() => new RawNode(makeConfig('1', s, {}, 2))).toThrow(ConfigError);
    expect(new RawNode(makeConfig('1', s, {}, 1)).status().applied).toBe(1);
  });

  test('a hard state commit past the log is refused', () => {
    const s = new MemoryStorage(confState({ voters: ['1'] }));
    s.setHardState({ term: 1, vote: '1', commit: 5 });
    expect(() => new RawNode(makeConfig('1', s, {}))).toThrow(/out of range/);
  });
});
