/** Meta command and snapshot codecs: round trips, named errors, and seeded hostile input. */
import {
  ClusterMap,
  ClusterMapRestoreError,
  InvalidMetaCommandError,
  InvalidReplicaIdError,
  MAX_META_COMMAND_BYTES,
  MetaCommandDecodeError,
  decodeMetaCommand,
  encodeMetaCommand,
  metaVoterTarget,
  parseReplicaId,
  replicaId,
  type MetaCommand,
} from '../../node/src/cluster/map/index.js';
import { Prng } from '../sim/prng.js';
import { randomLog } from './random-commands.js';

const enc = new TextEncoder();
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));

const EVERY_KIND: MetaCommand[] = [
  { kind: 'bootstrap', clusterId: 'c1', members: [{ id: 'a', address: 'a:1' }] },
  { kind: 'bootstrap', clusterId: 'c1', members: [{ id: 'a', address: 'a:1' }], metaVoters: ['a'] },
  { kind: 'add-member', id: 'broker-3', address: 'broker-3.broker.ns.svc:7400' },
  { kind: 'rejoin', id: 'a', address: '10.1.2.3:7400' },
  { kind: 'rejoin', id: 'a', address: '[fe80::1]:7400', fromGeneration: 4 },
  { kind: 'set-member-state', id: 'a', state: 'draining' },
  { kind: 'set-address', id: 'a', address: 'localhost:7401' },
  {
    kind: 'create-store',
    name: 'zeek.conn_log-1',
    replicationFactor: 3,
    options: { maxKeys: 5, maxBytes: 6 },
  },
  { kind: 'delete-store', name: 'conn' },
  { kind: 'store-gone', name: 'conn' },
  { kind: 'set-replicas', name: 'conn', replicas: ['a', 'b'], learners: ['c'] },
  { kind: 'set-meta-voters', ids: ['a', 'b', 'c'] },
  { kind: 'set-preferred-leader', name: 'conn', leader: 'b' },
  { kind: 'set-preferred-leader', name: 'conn', leader: '' },
];

describe('meta command codec', () => {
  test.each(EVERY_KIND.map((c) => [c.kind, c] as const))(
    '%s round trips, byte-stable',
    (_k, cmd) => {
      const bytes = encodeMetaCommand(cmd);
      const back = decodeMetaCommand(bytes);
      expect(back).toEqual(cmd);
      expect(Buffer.from(encodeMetaCommand(back)).equals(Buffer.from(bytes))).toBe(true);
    }
  );

  test('the encoding is versioned JSON with a fixed key order', () => {
    const a = encodeMetaCommand({ kind: 'set-address', id: 'a', address: 'a:1' });
    const b = encodeMetaCommand({ address: 'a:1', id: 'a', kind: 'set-address' } as MetaCommand);
    expect(new TextDecoder().decode(a)).toBe(
      '{"v":1,"kind":"set-address","id":"a","address":"a:1"}'
    );
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });

  test('encode refuses a malformed command with the field named', () => {
    expect(() => encodeMetaCommand({ kind: 'add-member', id: '', address: 'a:1' })).toThrow(
      InvalidMetaCommandError
    );
    expect(() => encodeMetaCommand({ kind: 'add-member', id: '', address: 'a:1' })).toThrow(
      /add-member.id/
    );
  });

  test.each([
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /not UTF-8 JSON/],
    ['not JSON', enc.encode('{kind:'), /not UTF-8 JSON/],
    ['empty', new Uint8Array(0), /not UTF-8 JSON/],
    ['a list', json([1]), /expected an object/],
    ['null', json(null), /expected an object/],
    [
      'no version',
      json({ kind: 'store-gone', name: 'a' }),
      /meta command.v: format version missing/,
    ],
    ['a newer version', json({ v: 2, kind: 'store-gone', name: 'a' }), /format version 2 is not 1/],
    ['an unknown kind', json({ v: 1, kind: 'nuke' }), /unknown kind "nuke"/],
    ['a kind that is not a string', json({ v: 1, kind: 7 }), /unknown kind number/],
    ['an inherited kind name', json({ v: 1, kind: 'toString' }), /unknown kind "toString"/],
    [
      'a __proto__ field',
      enc.encode('{"v":1,"kind":"store-gone","name":"a","__proto__":{"x":1}}'),
      /store-gone: unknown field "__proto__"/,
    ],
    [
      'a missing field',
      json({ v: 1, kind: 'set-replicas', name: 'a', replicas: ['a'] }),
      /set-replicas.learners: missing/,
    ],
    [
      'a list that is not one',
      json({ v: 1, kind: 'set-meta-voters', ids: 'a,b,c' }),
      /set-meta-voters.ids: expected a list/,
    ],
    [
      'a bad id in a list',
      json({ v: 1, kind: 'set-meta-voters', ids: ['a', 'b c'] }),
      /set-meta-voters.ids\[1\]: invalid member id/,
    ],
    [
      'a bad founder',
      json({ v: 1, kind: 'bootstrap', clusterId: 'c', members: [{ id: 'a', address: 'x' }] }),
      /bootstrap.members\[0\].address: expected HOST:PORT/,
    ],
    [
      'a founder with an extra field',
      json({
        v: 1,
        kind: 'bootstrap',
        clusterId: 'c',
        members: [{ id: 'a', address: 'a:1', voter: true }],
      }),
      /bootstrap.members\[0\]: unknown field "voter"/,
    ],
    [
      'options that are not an object',
      json({ v: 1, kind: 'create-store', name: 'a', replicationFactor: 1, options: [] }),
      /create-store.options: expected an object/,
    ],
    [
      'a string number',
      json({
        v: 1,
        kind: 'create-store',
        name: 'a',
        replicationFactor: '3',
        options: { maxKeys: 0, maxBytes: 0 },
      }),
      /create-store.replicationFactor: expected an integer >= 1/,
    ],
    [
      'a huge list',
      json({ v: 1, kind: 'set-meta-voters', ids: Array.from({ length: 2000 }, (_, i) => `m${i}`) }),
      /set-meta-voters.ids: 2000 entries, at most 1024/,
    ],
  ])('decode refuses %s with MetaCommandDecodeError naming it', (_what, bytes, message) => {
    let thrown: unknown;
    try {
      decodeMetaCommand(bytes);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(MetaCommandDecodeError);
    expect((thrown as Error).name).toBe('MetaCommandDecodeError');
    expect((thrown as Error).message).toMatch(message);
  });

  test('decode refuses more than MAX_META_COMMAND_BYTES before parsing', () => {
    expect(() => decodeMetaCommand(new Uint8Array(MAX_META_COMMAND_BYTES + 1))).toThrow(
      /at most 1048576/
    );
  });
});

/** A random JSON value of a few shapes, deep or odd ones included. */
function junk(rng: Prng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.pick([0, -1, 1.5, 1e308, -0, 2 ** 53, 3, 65536]);
    case 2:
      return rng.pick([
        '',
        'a',
        'a:1',
        ' ',
        'x'.repeat(300),
        '\u0000',
        'active',
        'p0@1',
        '[::1]:1',
      ]);
    case 3:
      return rng.chance(0.5);
    case 4:
      return rng.pick([
        'bootstrap',
        'add-member',
        'set-replicas',
        'set-meta-voters',
        'create-store',
      ]);
    case 5:
      return 'p' + rng.int(8);
    case 6:
      return Array.from({ length: rng.int(4) }, () => junk(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--)
        o[rng.pick(['id', 'name', 'members', 'options', 'maxKeys', 'address', 'x'])] = junk(
          rng,
          depth + 1
        );
      return o;
    }
  }
}

/** Replaces one random node of a JSON tree by junk. */
function mutateTree(rng: Prng, v: unknown): unknown {
  if (rng.chance(0.25) || v === null || typeof v !== 'object') return junk(rng);
  if (Array.isArray(v)) {
    if (v.length === 0) return [junk(rng)];
    const i = rng.int(v.length);
    return v.map((x, j) => (j === i ? mutateTree(rng, x) : x));
  }
  const o = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  const r = rng.int(10);
  if (r === 0 || keys.length === 0)
    o[rng.pick(['x', 'kind', 'v', '__proto__', 'fromGeneration'])] = junk(rng);
  else if (r === 1) delete o[rng.pick(keys)];
  else {
    const k = rng.pick(keys);
    o[k] = mutateTree(rng, o[k]);
  }
  return o;
}

/** Flips, truncates or splices bytes. */
function mutateBytes(rng: Prng, b: Uint8Array): Uint8Array {
  const out = Uint8Array.from(b);
  switch (rng.int(3)) {
    case 0:
      for (let n = 1 + rng.int(3); n > 0 && out.length > 0; n--)
        out[rng.int(out.length)] = rng.int(256);
      return out;
    case 1:
      return out.subarray(0, rng.int(out.length + 1));
    default: {
      const at = rng.int(out.length + 1);
      const ins = Uint8Array.from({ length: 1 + rng.int(6) }, () =>
        rng.pick([0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0xc3, rng.int(256)])
      );
      return Uint8Array.from([...out.subarray(0, at), ...ins, ...out.subarray(at)]);
    }
  }
}

function expectOnly<T>(
  errorClass: abstract new (...args: never[]) => Error,
  f: () => T
): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof errorClass))
      throw new Error(`threw ${String(e)} instead of ${errorClass.name}`, { cause: e });
    return undefined;
  }
}

describe('hostile bytes - seeded fuzz', () => {
  const valid = EVERY_KIND.map((c) => encodeMetaCommand(c));

  test('decodeMetaCommand never throws anything but MetaCommandDecodeError; what it accepts is valid', () => {
    const rng = new Prng(0xc1a5_7e4);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = rng.pick(valid);
      const r = rng.int(4);
      const bytes =
        r === 0
          ? Uint8Array.from({ length: rng.int(64) }, () => rng.int(256))
          : r === 1
            ? mutateBytes(rng, base)
            : json(
                r === 2 ? mutateTree(rng, JSON.parse(new TextDecoder().decode(base))) : junk(rng)
              );
      const cmd = expectOnly(MetaCommandDecodeError, () => decodeMetaCommand(bytes));
      if (cmd !== undefined) {
        accepted++;
        // Anything decoded re-encodes to a command that decodes the same, and apply treats it
        // as a valid command (a refusal, if any, is a rule of the state, never a crash).
        expect(decodeMetaCommand(encodeMetaCommand(cmd))).toEqual(cmd);
        const map = new ClusterMap();
        expect(typeof map.apply(1, cmd).ok).toBe('boolean');
      }
    }
    // The tree mutations keep some inputs valid, so both paths run.
    expect(accepted).toBeGreaterThan(100);
  });

  test('ClusterMap.restore never throws anything but ClusterMapRestoreError; what it accepts round trips', () => {
    const rng = new Prng(0x5a_9_5407);
    const snapshots: Uint8Array[] = [];
    for (let seed = 0; seed < 10; seed++) {
      const map = new ClusterMap();
      for (const e of randomLog(700 + seed, 120)) map.apply(e.index, e.cmd);
      snapshots.push(map.snapshot());
    }
    let accepted = 0;
    for (let i = 0; i < 5_000; i++) {
      const base = rng.pick(snapshots);
      const bytes = rng.chance(0.3)
        ? mutateBytes(rng, base)
        : json(mutateTree(rng, JSON.parse(new TextDecoder().decode(base))));
      const map = expectOnly(ClusterMapRestoreError, () => ClusterMap.restore(bytes));
      if (map !== undefined) {
        accepted++;
        expect(
          Buffer.from(ClusterMap.restore(map.snapshot()).snapshot()).equals(
            Buffer.from(map.snapshot())
          )
        ).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(50);
  });
});

describe('snapshot restore - invariants', () => {
  const good = (): Record<string, unknown> => {
    const map = new ClusterMap();
    map.apply(1, {
      kind: 'bootstrap',
      clusterId: 'c1',
      members: [
        { id: 'a', address: 'a:1' },
        { id: 'b', address: 'b:1' },
      ],
    });
    map.apply(2, {
      kind: 'create-store',
      name: 'conn',
      replicationFactor: 2,
      options: { maxKeys: 0, maxBytes: 0 },
    });
    map.apply(3, { kind: 'add-member', id: 'c', address: 'c:1' });
    return JSON.parse(new TextDecoder().decode(map.snapshot())) as Record<string, unknown>;
  };
  type Snap = {
    members: Record<string, unknown>[];
    stores: Record<string, unknown>[];
    [k: string]: unknown;
  };
  const edit = (f: (s: Snap) => void): Uint8Array => {
    const s = good() as Snap;
    f(s);
    return json(s);
  };

  test('a good snapshot restores to the same map', () => {
    const bytes = json(good());
    expect(Buffer.from(ClusterMap.restore(bytes).snapshot()).equals(Buffer.from(bytes))).toBe(true);
  });

  test.each([
    [
      'a store on an unknown member',
      edit((s) => (s.stores[0]!['replicas'] = ['a', 'z'])),
      /snapshot.stores\[0\].replicas: unknown member z/,
    ],
    [
      'a store on a removed member',
      edit((s) => (s.members[0]!['state'] = 'removed')),
      /a removed member cannot be a meta voter|member a is removed/,
    ],
    [
      'a learner that is a voter',
      edit((s) => (s.stores[0]!['learners'] = ['a'])),
      /learners: a is also in replicas/,
    ],
    ['a store without voters', edit((s) => (s.stores[0]!['replicas'] = [])), /replicas: empty/],
    [
      'a group id that does not match',
      edit((s) => (s.stores[0]!['group'] = 's-conn')),
      /group: expected s-conn-2/,
    ],
    [
      'a store created after the index',
      edit((s) => (s.stores[0]!['createdIndex'] = 9)),
      /createdIndex: 9 is after the map's index 3/,
    ],
    [
      'a joining meta voter',
      edit((s) => (s.members[2]!['metaVoter'] = true)),
      /a joining member cannot be a meta voter/,
    ],
    ['a member twice', edit((s) => s.members.push(s.members[0]!)), /member a appears twice/],
    ['a store twice', edit((s) => s.stores.push(s.stores[0]!)), /store conn appears twice/],
    [
      'a negative generation',
      edit((s) => (s.members[1]!['generation'] = -1)),
      /members\[1\].generation/,
    ],
    ['an unknown field', edit((s) => (s['extra'] = 1)), /snapshot: unknown field "extra"/],
    [
      'an empty cluster id with members',
      edit((s) => (s['clusterId'] = '')),
      /without a cluster id must be empty/,
    ],
    [
      'a bootstrapped map at index 0',
      edit((s) => (s['index'] = 0)),
      /a bootstrapped map is at index 1 or later/,
    ],
    ['another version', edit((s) => (s['v'] = 2)), /snapshot.v: format version is not 1/],
    ['not JSON', enc.encode('{"v":1,'), /not UTF-8 JSON/],
  ])('refuses %s with ClusterMapRestoreError naming it', (_what, bytes, message) => {
    expect(() => ClusterMap.restore(bytes)).toThrow(ClusterMapRestoreError);
    expect(() => ClusterMap.restore(bytes)).toThrow(message);
  });

  test('an empty map round trips', () => {
    const m = ClusterMap.restore(new ClusterMap().snapshot());
    expect(m.state).toEqual({ clusterId: '', index: 0, members: [], stores: [] });
  });
});

describe('replica ids and meta voter counts', () => {
  test('replicaId / parseReplicaId round trip', () => {
    expect(replicaId('broker-0', 0)).toBe('broker-0@0');
    expect(replicaId('a.b_c', 12)).toBe('a.b_c@12');
    expect(parseReplicaId('broker-0@3')).toEqual({ memberId: 'broker-0', generation: 3 });
  });

  test.each([
    'a',
    '@1',
    'a@',
    'a@01',
    'a@-1',
    'a@1e3',
    'a b@1',
    'a@1@2',
    '-a@1',
    'a@99999999999999999',
  ])('parseReplicaId refuses %p', (id) => {
    expect(() => parseReplicaId(id)).toThrow(InvalidReplicaIdError);
  });

  test('replicaId refuses a bad member id or generation', () => {
    expect(() => replicaId('a@b', 1)).toThrow(InvalidReplicaIdError);
    expect(() => replicaId('a', -1)).toThrow(InvalidReplicaIdError);
    expect(() => replicaId('a', 1.5)).toThrow(InvalidReplicaIdError);
  });

  test.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 3],
    [5, 5],
    [9, 5],
  ])('with %i active members the manager aims for %i meta voters', (n, voters) => {
    expect(metaVoterTarget(n)).toBe(voters);
  });
});
