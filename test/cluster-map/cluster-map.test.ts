/** ClusterMap.apply: what each command does, and every refusal (which must leave no trace). */
import {
  ClusterMap,
  ClusterMapError,
  InvalidMetaCommandError,
  MAX_MEMBERS,
  MAX_STORES,
  MetaPreconditionError,
  StaleIndexError,
  StoreExistsError,
  UnknownMemberError,
  UnknownStoreError,
  placeStore,
  type MemberRecord,
  type MetaCommand,
  type StoreRecord,
} from '../../node/src/cluster/map/index.js';

const BOOT: MetaCommand = {
  kind: 'bootstrap',
  clusterId: 'c1',
  members: [
    { id: 'a', address: 'a.peers:7000' },
    { id: 'b', address: 'b.peers:7000' },
    { id: 'c', address: 'c.peers:7000' },
  ],
};

/** A map after `cmds` applied at indexes 1..n, each of which must be accepted. */
function built(...cmds: MetaCommand[]): ClusterMap {
  const map = new ClusterMap();
  cmds.forEach((cmd, i) => {
    const r = map.apply(i + 1, cmd);
    if (!r.ok) throw new Error(`setup entry ${i + 1} (${cmd.kind}) refused: ${r.error.message}`);
  });
  return map;
}

function accept(map: ClusterMap, cmd: MetaCommand): MemberRecord | StoreRecord | undefined {
  const r = map.apply(map.state.index + 1, cmd);
  if (!r.ok) throw new Error(`${cmd.kind} refused: ${r.error.message}`);
  return r.value;
}

const add = (id: string): MetaCommand => ({ kind: 'add-member', id, address: `${id}.peers:7000` });
const state = (id: string, s: MemberRecord['state']): MetaCommand => ({
  kind: 'set-member-state',
  id,
  state: s,
});
const create = (name: string, rf = 3): MetaCommand => ({
  kind: 'create-store',
  name,
  replicationFactor: rf,
  options: { maxKeys: 0, maxBytes: 0 },
});
const replicas = (name: string, voters: string[], learners: string[] = []): MetaCommand => ({
  kind: 'set-replicas',
  name,
  replicas: voters,
  learners,
});

describe('cluster map - accepted commands', () => {
  test('an empty map has no cluster id, index 0, nothing in it', () => {
    const map = new ClusterMap();
    expect(map.state).toEqual({ clusterId: '', index: 0, members: [], stores: [] });
  });

  test('bootstrap: founders are active at generation 0; the first 3 listed are meta voters by default', () => {
    const map = built({
      ...BOOT,
      members: [...BOOT.members, { id: 'd', address: 'd.peers:7000' }],
    } as MetaCommand);
    expect(map.state.clusterId).toBe('c1');
    expect(map.state.index).toBe(1);
    expect(map.state.members.map((m) => [m.id, m.state, m.generation, m.metaVoter])).toEqual([
      ['a', 'active', 0, true],
      ['b', 'active', 0, true],
      ['c', 'active', 0, true],
      ['d', 'active', 0, false],
    ]);
  });

  test('bootstrap with explicit meta voters; a single founder is its own voter', () => {
    const map = built({ ...BOOT, metaVoters: ['c', 'a', 'b'] } as MetaCommand);
    expect(map.state.members.every((m) => m.metaVoter)).toBe(true);
    const one = built({
      kind: 'bootstrap',
      clusterId: 'solo',
      members: [{ id: 'x', address: '[::1]:7000' }],
    });
    expect(one.member('x')).toMatchObject({
      state: 'active',
      metaVoter: true,
      address: '[::1]:7000',
    });
  });

  test('add-member: joining at generation 0; a retry with the same address returns the record', () => {
    const map = built(BOOT, add('d'));
    expect(map.member('d')).toEqual({
      id: 'd',
      address: 'd.peers:7000',
      state: 'joining',
      generation: 0,
      metaVoter: false,
    });
    const again = map.apply(3, add('d'));
    expect(again).toEqual({ ok: true, value: map.member('d') });
    expect(map.state.index).toBe(3);
  });

  test('add-member of a removed id: a new record at the next generation', () => {
    const map = built(
      BOOT,
      add('d'),
      state('d', 'active'),
      state('d', 'draining'),
      state('d', 'removed')
    );
    expect(accept(map, { kind: 'add-member', id: 'd', address: 'd2.peers:7001' })).toEqual({
      id: 'd',
      address: 'd2.peers:7001',
      state: 'joining',
      generation: 1,
      metaVoter: false,
    });
    expect(map.state.members.map((m) => m.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  test('rejoin: generation+1 and the new address; state and placement stay; the meta vote is cleared', () => {
    const map = built(BOOT, create('conn'));
    const r = accept(map, { kind: 'rejoin', id: 'a', address: 'a.peers:7100', fromGeneration: 0 });
    expect(r).toEqual({
      id: 'a',
      address: 'a.peers:7100',
      state: 'active',
      generation: 1,
      metaVoter: false,
    });
    expect(map.store('conn')?.replicas).toContain('a');
    accept(map, { kind: 'rejoin', id: 'a', address: 'a.peers:7100' });
    expect(map.member('a')?.generation).toBe(2);
  });

  test.each([
    ['joining', 'active'],
    ['joining', 'draining'],
    ['joining', 'removed'],
    ['active', 'draining'],
    ['active', 'removed'],
    ['draining', 'removed'],
    ['active', 'active'],
    ['removed', 'removed'],
  ] as const)('set-member-state %s -> %s is accepted', (from, to) => {
    const setup: MetaCommand[] = [BOOT, add('d')];
    if (from !== 'joining') setup.push(state('d', 'active'));
    if (from === 'draining' || from === 'removed') setup.push(state('d', 'draining'));
    if (from === 'removed') setup.push(state('d', 'removed'));
    const map = built(...setup);
    expect(map.member('d')?.state).toBe(from);
    expect(accept(map, state('d', to))).toMatchObject({ id: 'd', state: to });
  });

  test('set-address changes only the address', () => {
    const map = built(BOOT);
    expect(accept(map, { kind: 'set-address', id: 'b', address: '10.0.0.2:7000' })).toEqual({
      id: 'b',
      address: '10.0.0.2:7000',
      state: 'active',
      generation: 0,
      metaVoter: true,
    });
  });

  test('create-store: placed by HRW over active members only; group id carries the creating index', () => {
    const map = built(
      BOOT,
      add('d'),
      add('e'),
      state('e', 'active'),
      state('e', 'draining'),
      add('f'),
      state('f', 'active')
    );
    // active: a, b, c, f (d joining, e draining)
    const s = accept(map, {
      kind: 'create-store',
      name: 'conn',
      replicationFactor: 3,
      options: { maxKeys: 10, maxBytes: 4096 },
    });
    expect(s).toEqual({
      name: 'conn',
      group: 's-conn-8',
      replicationFactor: 3,
      options: { maxKeys: 10, maxBytes: 4096 },
      replicas: placeStore('conn', 3, ['a', 'b', 'c', 'f']),
      learners: [],
      createdIndex: 8,
      deleting: false,
      initialReplicas: placeStore('conn', 3, ['a', 'b', 'c', 'f']).map((r) => `${r}@0`),
    });
    expect(map.storesOf('f').map((x) => x.name)).toEqual(
      (s as StoreRecord).replicas.includes('f') ? ['conn'] : []
    );
    expect(map.activeMembers().map((m) => m.id)).toEqual(['a', 'b', 'c', 'f']);
  });

  test('delete-store marks it; a second delete is a no-op; store-gone removes it; the name can be reused as a new group', () => {
    const map = built(BOOT, create('conn'));
    expect(accept(map, { kind: 'delete-store', name: 'conn' })).toMatchObject({ deleting: true });
    expect(accept(map, { kind: 'delete-store', name: 'conn' })).toMatchObject({ deleting: true });
    expect(map.storesOf('a').map((s) => s.name)).toEqual(['conn']);
    accept(map, { kind: 'store-gone', name: 'conn' });
    expect(map.store('conn')).toBeUndefined();
    expect(accept(map, create('conn'))).toMatchObject({ group: 's-conn-6', createdIndex: 6 });
  });

  test('set-replicas: a replica move, learner -> voter -> old voter gone, while the old one drains', () => {
    const map = built(BOOT, add('d'), create('conn'));
    expect(map.store('conn')?.replicas).toEqual(expect.arrayContaining(['a', 'b', 'c']));
    accept(map, replicas('conn', ['a', 'b', 'c'], ['d'])); // d joining: may be a learner
    accept(map, state('d', 'active'));
    accept(map, state('c', 'draining'));
    accept(map, replicas('conn', ['a', 'b', 'c', 'd'])); // c draining may stay; d active becomes a voter
    accept(map, replicas('conn', ['a', 'b', 'd']));
    expect(map.store('conn')).toMatchObject({ replicas: ['a', 'b', 'd'], learners: [] });
    expect(map.storesOf('c')).toEqual([]);
    accept(map, { kind: 'set-meta-voters', ids: ['a', 'b', 'd'] });
    expect(accept(map, state('c', 'removed'))).toMatchObject({ state: 'removed' });
  });

  test('set-meta-voters sets exactly the named members', () => {
    const map = built(BOOT, add('d'), state('d', 'active'), add('e'), state('e', 'active'));
    accept(map, { kind: 'set-meta-voters', ids: ['a', 'b', 'c', 'd', 'e'] });
    expect(map.state.members.filter((m) => m.metaVoter)).toHaveLength(5);
    accept(map, { kind: 'set-meta-voters', ids: ['e', 'd', 'a'] });
    expect(map.state.members.filter((m) => m.metaVoter).map((m) => m.id)).toEqual(['a', 'd', 'e']);
    const two = built({ ...BOOT, members: BOOT.members.slice(0, 2) } as MetaCommand);
    expect(two.apply(2, { kind: 'set-meta-voters', ids: ['b', 'a'] }).ok).toBe(true);
  });

  test('the state view is frozen and stays valid after later entries', () => {
    const map = built(BOOT, create('conn'));
    const view = map.state;
    expect(() => (view.members as MemberRecord[]).push(view.members[0] as MemberRecord)).toThrow(
      TypeError
    );
    expect(() => {
      (view.stores[0]?.replicas as string[]).length = 0;
    }).toThrow(TypeError);
    accept(map, add('d'));
    expect(view.members).toHaveLength(3);
    expect(map.state.members).toHaveLength(4);
  });
});

interface Refusal {
  name: string;
  setup: MetaCommand[];
  cmd: MetaCommand;
  error: new (...args: never[]) => ClusterMapError;
  message: RegExp;
  /** The entry's index; default: the one after setup. */
  index?: number;
}

const withD: MetaCommand[] = [BOOT, add('d')];
const drained: MetaCommand[] = [BOOT, add('d'), state('d', 'active'), state('d', 'draining')];
const removedD: MetaCommand[] = [...drained, state('d', 'removed')];
const bad = (cmd: object): MetaCommand => cmd as MetaCommand;

const REFUSALS: Refusal[] = [
  // order and bootstrap
  {
    name: 'any command before bootstrap',
    setup: [],
    cmd: add('d'),
    error: MetaPreconditionError,
    message: /add-member: the cluster map is not bootstrapped/,
  },
  {
    name: 'a second bootstrap',
    setup: [BOOT],
    cmd: { ...BOOT, clusterId: 'c2' } as MetaCommand,
    error: MetaPreconditionError,
    message: /already bootstrapped as cluster c1/,
  },
  {
    name: 'bootstrap without founders',
    setup: [],
    cmd: bad({ kind: 'bootstrap', clusterId: 'c', members: [] }),
    error: InvalidMetaCommandError,
    message: /bootstrap.members: at least one founder/,
  },
  {
    name: 'bootstrap with a founder twice',
    setup: [],
    cmd: bad({ ...BOOT, members: [BOOT.members[0], BOOT.members[0]] }),
    error: InvalidMetaCommandError,
    message: /member id a appears twice/,
  },
  {
    name: 'bootstrap with a meta voter that is not a founder',
    setup: [],
    cmd: bad({ ...BOOT, metaVoters: ['a', 'b', 'z'] }),
    error: InvalidMetaCommandError,
    message: /bootstrap.metaVoters: z is not a founder/,
  },
  {
    name: 'bootstrap with 2 meta voters of 3 founders',
    setup: [],
    cmd: bad({ ...BOOT, metaVoters: ['a', 'b'] }),
    error: InvalidMetaCommandError,
    message: /2 meta voters: it must be 3 or 5/,
  },
  {
    name: 'bootstrap with a bad cluster id',
    setup: [],
    cmd: bad({ ...BOOT, clusterId: 'my cluster' }),
    error: InvalidMetaCommandError,
    message: /bootstrap.clusterId: invalid cluster id/,
  },
  {
    name: 'an entry index already applied',
    setup: [BOOT],
    cmd: add('d'),
    index: 1,
    error: StaleIndexError,
    message: /entry 1 is not after the map's index 1/,
  },
  {
    name: 'an entry index below the applied one',
    setup: [BOOT, add('d'), add('e')],
    cmd: add('f'),
    index: 2,
    error: StaleIndexError,
    message: /entry 2/,
  },
  {
    name: 'index 0',
    setup: [],
    cmd: BOOT,
    index: 0,
    error: InvalidMetaCommandError,
    message: /index: expected an integer >= 1/,
  },
  {
    name: 'a fractional index',
    setup: [BOOT],
    cmd: add('d'),
    index: 2.5,
    error: InvalidMetaCommandError,
    message: /index: expected an integer >= 1/,
  },
  // syntax
  {
    name: 'an unknown kind',
    setup: [BOOT],
    cmd: bad({ kind: 'add-peer', id: 'd' }),
    error: InvalidMetaCommandError,
    message: /unknown kind "add-peer"/,
  },
  {
    name: 'an unknown field',
    setup: [BOOT],
    cmd: bad({ ...add('d'), force: true }),
    error: InvalidMetaCommandError,
    message: /add-member: unknown field "force"/,
  },
  {
    name: 'a missing field',
    setup: [BOOT],
    cmd: bad({ kind: 'add-member', id: 'd' }),
    error: InvalidMetaCommandError,
    message: /add-member.address: missing/,
  },
  {
    name: 'a member id with a space',
    setup: [BOOT],
    cmd: bad({ kind: 'add-member', id: 'd e', address: 'd:1' }),
    error: InvalidMetaCommandError,
    message: /add-member.id: invalid member id "d e"/,
  },
  {
    name: 'a member id of 64 characters',
    setup: [BOOT],
    cmd: add('d'.repeat(64)),
    error: InvalidMetaCommandError,
    message: /add-member.id: invalid member id/,
  },
  {
    name: 'a member id starting with "-"',
    setup: [BOOT],
    cmd: add('-d'),
    error: InvalidMetaCommandError,
    message: /add-member.id/,
  },
  {
    name: 'an address without a port',
    setup: [BOOT],
    cmd: bad({ kind: 'add-member', id: 'd', address: 'd.peers' }),
    error: InvalidMetaCommandError,
    message: /add-member.address: expected HOST:PORT/,
  },
  {
    name: 'an address with port 0',
    setup: [BOOT],
    cmd: bad({ kind: 'add-member', id: 'd', address: 'd.peers:0' }),
    error: InvalidMetaCommandError,
    message: /add-member.address: expected a port in 1..65535/,
  },
  {
    name: 'an address with port 65536',
    setup: [BOOT],
    cmd: bad({ kind: 'set-address', id: 'a', address: 'a:65536' }),
    error: InvalidMetaCommandError,
    message: /set-address.address: expected a port/,
  },
  {
    name: 'an IPv6 address without brackets',
    setup: [BOOT],
    cmd: bad({ kind: 'add-member', id: 'd', address: '::1:7000' }),
    error: InvalidMetaCommandError,
    message: /add-member.address/,
  },
  {
    name: 'a bracketed host that is not IPv6',
    setup: [BOOT],
    cmd: bad({ kind: 'add-member', id: 'd', address: '[zz]:7000' }),
    error: InvalidMetaCommandError,
    message: /add-member.address/,
  },
  {
    name: 'an address that is not a string',
    setup: [BOOT],
    cmd: bad({ kind: 'add-member', id: 'd', address: 7000 }),
    error: InvalidMetaCommandError,
    message: /add-member.address: expected a string, got number/,
  },
  {
    name: 'an unknown member state',
    setup: [BOOT],
    cmd: bad({ kind: 'set-member-state', id: 'a', state: 'gone' }),
    error: InvalidMetaCommandError,
    message: /set-member-state.state: expected one of joining, active, draining, removed/,
  },
  {
    name: 'a store name with "/"',
    setup: [BOOT],
    cmd: create('zeek/conn'),
    error: InvalidMetaCommandError,
    message: /create-store.name: invalid store name "zeek\/conn"/,
  },
  {
    name: 'a store name of 129 characters',
    setup: [BOOT],
    cmd: create('s'.repeat(129)),
    error: InvalidMetaCommandError,
    message: /create-store.name: invalid store name/,
  },
  {
    name: 'an empty store name',
    setup: [BOOT],
    cmd: create(''),
    error: InvalidMetaCommandError,
    message: /create-store.name/,
  },
  {
    name: 'replication factor 0',
    setup: [BOOT],
    cmd: create('conn', 0),
    error: InvalidMetaCommandError,
    message: /create-store.replicationFactor: expected an integer >= 1/,
  },
  {
    name: 'a fractional replication factor',
    setup: [BOOT],
    cmd: create('conn', 1.5),
    error: InvalidMetaCommandError,
    message: /create-store.replicationFactor/,
  },
  {
    name: 'a negative maxKeys',
    setup: [BOOT],
    cmd: bad({ ...create('conn'), options: { maxKeys: -1, maxBytes: 0 } }),
    error: InvalidMetaCommandError,
    message: /create-store.options.maxKeys: expected an integer >= 0/,
  },
  {
    name: 'maxBytes beyond 2^53',
    setup: [BOOT],
    cmd: bad({ ...create('conn'), options: { maxKeys: 0, maxBytes: 2 ** 60 } }),
    error: InvalidMetaCommandError,
    message: /create-store.options.maxBytes/,
  },
  {
    name: 'rejoin with a negative fromGeneration',
    setup: [BOOT],
    cmd: bad({ kind: 'rejoin', id: 'a', address: 'a:1', fromGeneration: -1 }),
    error: InvalidMetaCommandError,
    message: /rejoin.fromGeneration/,
  },
  // members
  {
    name: 'add-member of a live id with another address',
    setup: withD,
    cmd: { kind: 'add-member', id: 'd', address: 'other:7000' },
    error: MetaPreconditionError,
    message: /member d exists with address d.peers:7000, not other:7000 \(use set-address\)/,
  },
  {
    name: 'rejoin of an unknown member',
    setup: [BOOT],
    cmd: { kind: 'rejoin', id: 'z', address: 'z:1' },
    error: UnknownMemberError,
    message: /rejoin: no member z/,
  },
  {
    name: 'rejoin of a removed member',
    setup: removedD,
    cmd: { kind: 'rejoin', id: 'd', address: 'd:1' },
    error: MetaPreconditionError,
    message: /rejoin: member d is removed/,
  },
  {
    name: 'a retried rejoin (generation moved on)',
    setup: [BOOT, { kind: 'rejoin', id: 'a', address: 'a:1', fromGeneration: 0 }],
    cmd: { kind: 'rejoin', id: 'a', address: 'a:1', fromGeneration: 0 },
    error: MetaPreconditionError,
    message: /member a is at generation 1, not 0/,
  },
  {
    name: 'set-member-state of an unknown member',
    setup: [BOOT],
    cmd: state('z', 'active'),
    error: UnknownMemberError,
    message: /set-member-state: no member z/,
  },
  {
    name: 'promote a draining member',
    setup: drained,
    cmd: state('d', 'active'),
    error: MetaPreconditionError,
    message: /member d draining -> active: only a joining member is promoted/,
  },
  {
    name: 'active -> joining',
    setup: [BOOT],
    cmd: state('a', 'joining'),
    error: MetaPreconditionError,
    message: /a active -> joining: not a transition/,
  },
  {
    name: 'draining -> joining',
    setup: drained,
    cmd: state('d', 'joining'),
    error: MetaPreconditionError,
    message: /draining -> joining/,
  },
  {
    name: 'removed -> active',
    setup: removedD,
    cmd: state('d', 'active'),
    error: MetaPreconditionError,
    message: /removed -> active: removed is terminal/,
  },
  {
    name: 'removed -> joining',
    setup: removedD,
    cmd: state('d', 'joining'),
    error: MetaPreconditionError,
    message: /removed is terminal/,
  },
  {
    name: 'remove a member holding replicas',
    setup: [BOOT, add('d'), state('d', 'active'), create('conn', 4), state('d', 'draining')],
    cmd: state('d', 'removed'),
    error: MetaPreconditionError,
    message:
      /d draining -> removed: it still holds replicas of 1 store\(s\) \(conn\); drain it first/,
  },
  {
    name: 'remove a member that is a learner',
    setup: [BOOT, add('d'), create('conn'), replicas('conn', ['a', 'b', 'c'], ['d'])],
    cmd: state('d', 'removed'),
    error: MetaPreconditionError,
    message: /holds replicas of 1 store/,
  },
  {
    name: 'remove a member holding a deleting store',
    setup: [
      BOOT,
      add('d'),
      state('d', 'active'),
      create('conn', 4),
      { kind: 'delete-store', name: 'conn' },
    ],
    cmd: state('d', 'removed'),
    error: MetaPreconditionError,
    message: /holds replicas/,
  },
  {
    name: 'remove a meta voter',
    setup: [BOOT],
    cmd: state('a', 'removed'),
    error: MetaPreconditionError,
    message: /a active -> removed: it is a meta voter/,
  },
  {
    name: 'set-address of a removed member',
    setup: removedD,
    cmd: { kind: 'set-address', id: 'd', address: 'd:2' },
    error: MetaPreconditionError,
    message: /set-address: member d is removed/,
  },
  {
    name: 'set-address of an unknown member',
    setup: [BOOT],
    cmd: { kind: 'set-address', id: 'z', address: 'z:2' },
    error: UnknownMemberError,
    message: /no member z/,
  },
  // stores
  {
    name: 'create-store of an existing name',
    setup: [BOOT, create('conn')],
    cmd: create('conn', 1),
    error: StoreExistsError,
    message: /store conn exists/,
  },
  {
    name: 'create-store of a name being deleted',
    setup: [BOOT, create('conn'), { kind: 'delete-store', name: 'conn' }],
    cmd: create('conn'),
    error: StoreExistsError,
    message: /store conn is still being deleted/,
  },
  {
    name: 'create-store with rf above the active members',
    setup: withD,
    cmd: create('conn', 4),
    error: MetaPreconditionError,
    message: /replication factor 4 is more than the 3 active member\(s\)/,
  },
  {
    name: 'delete-store of an unknown store',
    setup: [BOOT],
    cmd: { kind: 'delete-store', name: 'nope' },
    error: UnknownStoreError,
    message: /delete-store: no store nope/,
  },
  {
    name: 'store-gone of a store not being deleted',
    setup: [BOOT, create('conn')],
    cmd: { kind: 'store-gone', name: 'conn' },
    error: MetaPreconditionError,
    message: /store conn is not being deleted \(delete-store first\)/,
  },
  {
    name: 'store-gone of an unknown store',
    setup: [BOOT],
    cmd: { kind: 'store-gone', name: 'conn' },
    error: UnknownStoreError,
    message: /store-gone: no store conn/,
  },
  {
    name: 'set-replicas of an unknown store',
    setup: [BOOT],
    cmd: replicas('conn', ['a']),
    error: UnknownStoreError,
    message: /set-replicas: no store conn/,
  },
  {
    name: 'set-replicas of a deleting store',
    setup: [BOOT, create('conn'), { kind: 'delete-store', name: 'conn' }],
    cmd: replicas('conn', ['a']),
    error: MetaPreconditionError,
    message: /store conn is being deleted/,
  },
  {
    name: 'set-replicas naming an unknown member',
    setup: [BOOT, create('conn')],
    cmd: replicas('conn', ['a', 'b', 'z']),
    error: UnknownMemberError,
    message: /set-replicas conn: replicas: no member z/,
  },
  {
    name: 'set-replicas naming a removed member',
    setup: [...removedD, create('conn')],
    cmd: replicas('conn', ['a', 'b'], ['d']),
    error: MetaPreconditionError,
    message: /learners: member d is removed/,
  },
  {
    name: 'set-replicas with a joining member as a new voter',
    setup: [...withD, create('conn')],
    cmd: replicas('conn', ['a', 'b', 'd']),
    error: MetaPreconditionError,
    message: /d is joining; only an active member becomes a voter/,
  },
  {
    name: 'set-replicas with a draining member as a new learner',
    setup: [BOOT, create('conn'), ...drained.slice(1)],
    cmd: replicas('conn', ['a', 'b', 'c'], ['d']),
    error: MetaPreconditionError,
    message: /d is draining; a new learner must be joining or active/,
  },
  {
    name: 'set-replicas with a member twice',
    setup: [BOOT, create('conn')],
    cmd: replicas('conn', ['a', 'a']),
    error: InvalidMetaCommandError,
    message: /set-replicas.replicas: member id a appears twice/,
  },
  {
    name: 'set-replicas with a learner that is also a voter',
    setup: [BOOT, create('conn')],
    cmd: replicas('conn', ['a', 'b'], ['b']),
    error: InvalidMetaCommandError,
    message: /set-replicas.learners: b is also in replicas/,
  },
  {
    name: 'set-replicas without voters',
    setup: [BOOT, create('conn')],
    cmd: replicas('conn', [], ['a']),
    error: InvalidMetaCommandError,
    message: /at least one voting replica/,
  },
  // meta voters
  {
    name: '4 meta voters',
    setup: [BOOT, add('d'), state('d', 'active')],
    cmd: { kind: 'set-meta-voters', ids: ['a', 'b', 'c', 'd'] },
    error: MetaPreconditionError,
    message: /4 meta voters: it must be 3 or 5/,
  },
  {
    name: '2 meta voters with 3 active members',
    setup: [BOOT],
    cmd: { kind: 'set-meta-voters', ids: ['a', 'b'] },
    error: MetaPreconditionError,
    message: /2 meta voters.*there are 3/,
  },
  {
    name: 'a joining meta voter',
    setup: withD,
    cmd: { kind: 'set-meta-voters', ids: ['a', 'b', 'd'] },
    error: MetaPreconditionError,
    message: /set-meta-voters: d is joining; meta voters are active members/,
  },
  {
    name: 'a draining meta voter',
    setup: drained,
    cmd: { kind: 'set-meta-voters', ids: ['a', 'b', 'd'] },
    error: MetaPreconditionError,
    message: /d is draining/,
  },
  {
    name: 'an unknown meta voter',
    setup: [BOOT],
    cmd: { kind: 'set-meta-voters', ids: ['a', 'b', 'z'] },
    error: UnknownMemberError,
    message: /set-meta-voters: no member z/,
  },
  {
    name: 'no meta voters',
    setup: [BOOT],
    cmd: { kind: 'set-meta-voters', ids: [] },
    error: InvalidMetaCommandError,
    message: /at least one voter/,
  },
  {
    name: 'a meta voter twice',
    setup: [BOOT],
    cmd: { kind: 'set-meta-voters', ids: ['a', 'b', 'a'] },
    error: InvalidMetaCommandError,
    message: /member id a appears twice/,
  },
];

describe('cluster map - refusals name why and leave the map untouched', () => {
  test.each(REFUSALS.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const map = built(...r.setup);
    const before = Buffer.from(map.snapshot());
    const view = map.state;
    const result = map.apply(r.index ?? r.setup.length + 1, r.cmd);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(r.error);
    expect(result.error.name).toBe(r.error.name);
    expect(result.error.message).toMatch(r.message);
    expect(Buffer.from(map.snapshot()).equals(before)).toBe(true);
    expect(map.state).toBe(view);
  });

  test('refused entries do not advance the index: the next index is still accepted', () => {
    const map = built(BOOT);
    expect(map.apply(2, state('z', 'active')).ok).toBe(false);
    expect(map.state.index).toBe(1);
    expect(map.apply(2, add('d')).ok).toBe(true);
  });

  test(`the member records stop at ${MAX_MEMBERS}`, () => {
    const map = built(BOOT);
    for (let i = 3; i < MAX_MEMBERS; i++) accept(map, add(`m${i}`));
    expect(map.state.members).toHaveLength(MAX_MEMBERS);
    const r = map.apply(map.state.index + 1, add('one-more'));
    expect(r.ok === false && r.error.message).toMatch(/holds 1024 member records, its limit/);
    // A known id is not a new record: re-adding it still works.
    expect(map.apply(map.state.index + 1, add('m3')).ok).toBe(true);
  });

  test(`the stores stop at ${MAX_STORES}`, () => {
    const map = built(BOOT);
    for (let i = 0; i < MAX_STORES; i++) accept(map, create(`s${i}`, 1));
    const r = map.apply(map.state.index + 1, create('one-more', 1));
    expect(r.ok === false && r.error).toBeInstanceOf(MetaPreconditionError);
    expect(r.ok === false && r.error.message).toMatch(/holds 4096 stores, its limit/);
  });
});
