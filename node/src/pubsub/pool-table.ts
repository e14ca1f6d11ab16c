import { InvalidPoolError } from './errors.js';
import { type HrwMember, hrwMember } from './pool-hrw.js';
import { TopicFilter } from './topic-filter.js';

/** Longest pool name accepted. */
export const MAX_POOL_NAME_LENGTH = 128;
/** Longest pool key accepted, in bytes. */
export const MAX_POOL_KEY_BYTES = 1024;

const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Returns `name` if it is a valid pool name, else throws naming the defect. */
export function validatePoolName(name: string): string {
  if (name.length === 0) throw new InvalidPoolError(name, 'empty pool name');
  if (name.length > MAX_POOL_NAME_LENGTH)
    throw new InvalidPoolError(name, `longer than ${MAX_POOL_NAME_LENGTH} characters`);
  if (!POOL_NAME.test(name))
    throw new InvalidPoolError(
      name,
      'a pool name is letters, digits, ".", "_" and "-", starting with a letter or digit'
    );
  return name;
}

/** A pool member as every peer knows it. */
export interface PoolMemberInfo extends HrwMember {
  readonly pool: string;
  /** Canonical subscription prefixes, sorted. */
  readonly topics: readonly string[];
  /** The peer that serves the member; undefined for this node's own members. */
  readonly peer: string | undefined;
  readonly filter: TopicFilter;
}

/** What changed in one pool. */
export interface MembershipChange {
  readonly pool: string;
  readonly joined: readonly string[];
  readonly left: readonly string[];
  /** Every member now, sorted by id. */
  readonly members: readonly string[];
}

/** A member as announced: pool, id and prefixes (already validated). */
export interface AnnouncedMember {
  readonly pool: string;
  readonly member: string;
  readonly topics: readonly string[];
}

/**
 * Every pool's members on every peer: this node's own (added as they join) and the peers'
 * (replaced by each announcement, dropped when the link that announced them goes down).
 * Listeners hear of each pool whose member set changed.
 */
export class PoolTable {
  /** pool -> member id -> member. Invariant: no pool maps to an empty map. */
  private readonly pools = new Map<string, Map<string, PoolMemberInfo>>();
  /**
   * peer id -> the link (any object) whose announcement is in force and the members it
   * announced; an older link's teardown must not remove what a newer one announced.
   */
  private readonly byPeer = new Map<string, { token: object; members: PoolMemberInfo[] }>();
  /** pool -> members sorted by id; invalidated on every change of that pool. */
  private sorted = new Map<string, PoolMemberInfo[]>();
  private readonly listeners: Array<(c: MembershipChange) => void> = [];

  onChange(cb: (c: MembershipChange) => void): void {
    this.listeners.push(cb);
  }

  addLocal(pool: string, member: string, topics: readonly string[]): void {
    this.apply([info(pool, member, topics, undefined)], []);
  }

  removeLocal(pool: string, member: string): void {
    const m = this.pools.get(pool)?.get(member);
    if (m !== undefined && m.peer === undefined) this.apply([], [m]);
  }

  /** Replaces what `peer` announced (through the link `token`). */
  replacePeer(peer: string, token: object, members: readonly AnnouncedMember[]): void {
    const old = this.byPeer.get(peer);
    const next = members.map((m) => info(m.pool, m.member, m.topics, peer));
    this.byPeer.set(peer, { token, members: next });
    this.apply(next, old?.members ?? []);
  }

  /** Forgets what `peer` announced through `token` (a newer link's announcement stays). */
  removePeer(peer: string, token: object): void {
    const old = this.byPeer.get(peer);
    if (old === undefined || old.token !== token) return;
    this.byPeer.delete(peer);
    this.apply([], old.members);
  }

  /** Members of `pool` whose filter matches `topic`, sorted by id. */
  candidates(pool: string, topic: string): PoolMemberInfo[] {
    return this.sortedMembers(pool).filter((m) => m.filter.matches(topic));
  }

  /** Member ids of `pool`, sorted. */
  members(pool: string): string[] {
    return this.sortedMembers(pool).map((m) => m.id);
  }

  get(pool: string, member: string): PoolMemberInfo | undefined {
    return this.pools.get(pool)?.get(member);
  }

  /** This node's own members (what it announces), sorted by pool and id. */
  localMembers(): PoolMemberInfo[] {
    const out: PoolMemberInfo[] = [];
    for (const pool of [...this.pools.keys()].sort())
      for (const m of this.sortedMembers(pool)) if (m.peer === undefined) out.push(m);
    return out;
  }

  /** Pool names with their member counts, sorted by name. */
  counts(): Array<[string, number]> {
    return [...this.pools.entries()]
      .map(([p, ms]): [string, number] => [p, ms.size])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private sortedMembers(pool: string): PoolMemberInfo[] {
    let s = this.sorted.get(pool);
    if (s === undefined) {
      s = [...(this.pools.get(pool)?.values() ?? [])].sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : 0
      );
      this.sorted.set(pool, s);
    }
    return s;
  }

  /** Removes `gone`, then adds `added`; reports each pool whose set of member ids changed. */
  private apply(added: readonly PoolMemberInfo[], gone: readonly PoolMemberInfo[]): void {
    const touched = new Set<string>();
    const before = new Map<string, Set<string>>();
    const remember = (pool: string): void => {
      if (before.has(pool)) return;
      before.set(pool, new Set(this.pools.get(pool)?.keys() ?? []));
    };
    for (const m of gone) {
      remember(m.pool);
      const ms = this.pools.get(m.pool);
      if (ms?.get(m.id) === m) ms.delete(m.id);
      if (ms !== undefined && ms.size === 0) this.pools.delete(m.pool);
      touched.add(m.pool);
    }
    for (const m of added) {
      remember(m.pool);
      let ms = this.pools.get(m.pool);
      if (ms === undefined) this.pools.set(m.pool, (ms = new Map()));
      ms.set(m.id, m);
      touched.add(m.pool);
    }
    for (const pool of touched) this.sorted.delete(pool);
    for (const pool of [...touched].sort()) {
      const was = before.get(pool) ?? new Set<string>();
      const now = this.members(pool);
      const nowSet = new Set(now);
      const joined = now.filter((id) => !was.has(id));
      const left = [...was].filter((id) => !nowSet.has(id)).sort();
      if (joined.length === 0 && left.length === 0) continue;
      const change: MembershipChange = { pool, joined, left, members: now };
      for (const cb of this.listeners) cb(change);
    }
  }
}

function info(
  pool: string,
  member: string,
  topics: readonly string[],
  peer: string | undefined
): PoolMemberInfo {
  const filter = new TopicFilter();
  const sorted = [...new Set(topics)].sort();
  filter.add(sorted);
  return { ...hrwMember(member), pool, topics: sorted, peer, filter };
}
