/**
 * A seeded generator of meta command logs for property tests: mostly commands that make sense
 * for the map's current state (so logs reach deep states), some that break a rule, and the
 * occasional stale or repeated index.
 */
import {
  ClusterMap,
  desiredReplicas,
  type MemberState,
  type MetaCommand,
} from '../../node/src/cluster/map/index.js';
import { Prng } from '../sim/prng.js';

export interface LogEntry {
  readonly index: number;
  readonly cmd: MetaCommand;
}

const IDS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
const STORES = ['conn', 'dns', 'http', 'ssl', 'files', 'x509', 'notice', 'weird'];
const STATES: readonly MemberState[] = ['joining', 'active', 'draining', 'removed'];

function addr(rng: Prng, id: string): string {
  return `${id}.peers.svc:${7000 + rng.int(3)}`;
}

function subset<T>(rng: Prng, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(pool.length), 1)[0] as T);
  return out;
}

/** One command, chosen with a look at `map`'s state. */
export function randomCommand(rng: Prng, map: ClusterMap): MetaCommand {
  const st = map.state;
  if (st.clusterId === '' || rng.chance(0.01)) {
    const n = 1 + rng.int(5);
    return {
      kind: 'bootstrap',
      clusterId: `c${rng.int(3)}`,
      members: IDS.slice(0, n).map((id) => ({ id, address: addr(rng, id) })),
    };
  }
  const id = rng.pick(IDS);
  const store = rng.pick(STORES);
  const active = map.activeMembers().map((m) => m.id);
  switch (rng.int(10)) {
    case 0:
      return { kind: 'add-member', id, address: addr(rng, id) };
    case 1: {
      const m = map.member(id);
      const cmd: MetaCommand = { kind: 'rejoin', id, address: addr(rng, id) };
      return m !== undefined && rng.chance(0.5)
        ? { ...cmd, fromGeneration: m.generation + rng.int(2) }
        : cmd;
    }
    case 2:
      return { kind: 'set-member-state', id, state: rng.pick(STATES) };
    case 3:
      return { kind: 'set-address', id, address: addr(rng, id) };
    case 4:
      return {
        kind: 'create-store',
        name: store,
        replicationFactor: 1 + rng.int(4),
        options: { maxKeys: rng.int(3) * 1000, maxBytes: 0 },
      };
    case 5:
      return rng.chance(0.5)
        ? { kind: 'delete-store', name: store }
        : { kind: 'store-gone', name: store };
    case 6: {
      // What a manager does while a member drains: the store's desired set, or an empty one
      // on a removed member (to provoke refusals).
      const s = map.store(store);
      if (s === undefined || rng.chance(0.2)) {
        return {
          kind: 'set-replicas',
          name: store,
          replicas: subset(rng, IDS, 1 + rng.int(3)),
          learners: [],
        };
      }
      const want = desiredReplicas(s, active);
      if (want.length === 0)
        return { kind: 'set-replicas', name: store, replicas: [...s.replicas], learners: [] };
      const added = want.filter((m) => !s.replicas.includes(m));
      // The learner phase of a move (new replicas catch up first), or the final set.
      return rng.chance(0.5) && added.length > 0
        ? { kind: 'set-replicas', name: store, replicas: [...s.replicas], learners: added }
        : { kind: 'set-replicas', name: store, replicas: want, learners: [] };
    }
    case 7: {
      if (rng.chance(0.5)) {
        // A leadership preference: usually one of the replicas, sometimes not (refused), or
        // cleared.
        const s = map.store(store);
        const leader =
          s !== undefined && rng.chance(0.7)
            ? rng.pick(s.replicas)
            : rng.chance(0.3)
              ? ''
              : rng.pick(IDS);
        return { kind: 'set-preferred-leader', name: store, leader };
      }
      const n = rng.pick([1, 2, 3, 5]);
      return { kind: 'set-meta-voters', ids: subset(rng, rng.chance(0.8) ? active : IDS, n) };
    }
    case 8: {
      const n = rng.pick([1, 2, 3, 5]);
      return { kind: 'set-meta-voters', ids: subset(rng, rng.chance(0.8) ? active : IDS, n) };
    }
    default:
      // Drain or promote someone: the transitions that keep logs moving.
      return { kind: 'set-member-state', id, state: rng.chance(0.5) ? 'active' : 'draining' };
  }
}

/** A log of `length` entries, built by applying to a scratch map as it goes. */
export function randomLog(seed: number, length: number): LogEntry[] {
  const rng = new Prng(seed);
  const scratch = new ClusterMap();
  const log: LogEntry[] = [];
  let index = 0;
  for (let i = 0; i < length; i++) {
    // Mostly the next index; sometimes a gap (entries of other kinds in between) or a replay.
    const r = rng.int(20);
    index = r === 0 ? Math.max(1, index - rng.int(3)) : index + (r === 1 ? 2 + rng.int(3) : 1);
    const cmd = randomCommand(rng, scratch);
    scratch.apply(index, cmd);
    log.push({ index, cmd });
  }
  return log;
}
