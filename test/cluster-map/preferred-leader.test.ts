/** set-preferred-leader: the placement driver's leadership wish, kept in the map. */
import {
  ClusterMap,
  decodeMetaCommand,
  encodeMetaCommand,
  MetaCommandDecodeError,
  MetaPreconditionError,
  type MetaCommand,
} from '../../node/src/cluster/map/index.js';

const BOOT: MetaCommand = {
  kind: 'bootstrap',
  clusterId: 'c1',
  members: ['a', 'b', 'c', 'd'].map((id) => ({ id, address: `${id}.peers:7000` })),
};

function built(): ClusterMap {
  const map = new ClusterMap();
  const cmds: MetaCommand[] = [
    BOOT,
    {
      kind: 'create-store',
      name: 'conn',
      replicationFactor: 3,
      options: { maxKeys: 0, maxBytes: 0 },
    },
  ];
  cmds.forEach((c, i) => expect(map.apply(i + 1, c).ok).toBe(true));
  return map;
}

const next = (map: ClusterMap, cmd: MetaCommand) => map.apply(map.state.index + 1, cmd);

describe('cluster map - preferred leader', () => {
  test('set to a voting replica, survives a snapshot, cleared with an empty leader', () => {
    const map = built();
    const r = map.store('conn')!.replicas;
    expect(next(map, { kind: 'set-preferred-leader', name: 'conn', leader: r[1]! }).ok).toBe(true);
    expect(map.store('conn')!.preferredLeader).toBe(r[1]);
    const copy = ClusterMap.restore(map.snapshot());
    expect(copy.state).toEqual(map.state);
    expect(next(map, { kind: 'set-preferred-leader', name: 'conn', leader: '' }).ok).toBe(true);
    expect(map.store('conn')!.preferredLeader).toBeUndefined();
    expect(ClusterMap.restore(map.snapshot()).state).toEqual(map.state);
  });

  test('a member without a voting replica is refused, and the map is untouched', () => {
    const map = built();
    const outsider = ['a', 'b', 'c', 'd'].find((m) => !map.store('conn')!.replicas.includes(m))!;
    const before = map.snapshot();
    const r = next(map, { kind: 'set-preferred-leader', name: 'conn', leader: outsider });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(MetaPreconditionError);
      expect(r.error.message).toMatch(/holds no voting replica/);
    }
    expect(map.snapshot()).toEqual(before);
    expect(next(map, { kind: 'set-preferred-leader', name: 'nope', leader: 'a' }).ok).toBe(false);
  });

  test('set-replicas that moves the preferred member away drops the preference', () => {
    const map = built();
    const r = [...map.store('conn')!.replicas];
    const outsider = ['a', 'b', 'c', 'd'].find((m) => !r.includes(m))!;
    next(map, { kind: 'set-preferred-leader', name: 'conn', leader: r[0]! });
    // Keeping the preferred member keeps the preference.
    next(map, { kind: 'set-replicas', name: 'conn', replicas: r, learners: [outsider] });
    expect(map.store('conn')!.preferredLeader).toBe(r[0]);
    const moved = [outsider, r[1]!, r[2]!];
    expect(
      next(map, { kind: 'set-replicas', name: 'conn', replicas: moved, learners: [] }).ok
    ).toBe(true);
    expect(map.store('conn')!.preferredLeader).toBeUndefined();
  });

  test('the codec checks the leader field', () => {
    const bytes = (o: object): Uint8Array => new TextEncoder().encode(JSON.stringify(o));
    expect(() =>
      decodeMetaCommand(bytes({ v: 1, kind: 'set-preferred-leader', name: 'conn', leader: 'a b' }))
    ).toThrow(/set-preferred-leader.leader/);
    expect(() =>
      decodeMetaCommand(bytes({ v: 1, kind: 'set-preferred-leader', name: 'conn' }))
    ).toThrow(MetaCommandDecodeError);
    const cmd: MetaCommand = { kind: 'set-preferred-leader', name: 'conn', leader: 'a' };
    expect(decodeMetaCommand(encodeMetaCommand(cmd))).toEqual(cmd);
  });

  test('a snapshot naming a preferred leader outside the replicas is refused', () => {
    const map = built();
    const outsider = ['a', 'b', 'c', 'd'].find((m) => !map.store('conn')!.replicas.includes(m))!;
    const o = JSON.parse(new TextDecoder().decode(map.snapshot())) as {
      stores: Array<Record<string, unknown>>;
    };
    o.stores[0]!['preferredLeader'] = outsider;
    expect(() => ClusterMap.restore(new TextEncoder().encode(JSON.stringify(o)))).toThrow(
      /preferredLeader/
    );
  });
});
