/**
 * The cluster map: the state machine of the `meta` Raft group. Every replica applies the same
 * committed entries in log order and so holds the same map. It is pure and deterministic: no
 * I/O, clocks or randomness, and its outcome depends only on the entries (placement is decided
 * inside apply, by HRW over the members the map itself holds).
 */
import { replicaId } from './replica-id.js';
import {
  ClusterMapError,
  InvalidMetaCommandError,
  MetaPreconditionError,
  StaleIndexError,
  StoreExistsError,
  UnknownMemberError,
  UnknownStoreError,
} from './errors.js';
import { MAX_MEMBERS, MAX_STORES } from './limits.js';
import { parseMetaCommand } from './meta-command-codec.js';
import { metaVoterCountProblem, metaVoterTarget } from './meta-voters.js';
import { storeGroupId } from './names.js';
import { placeStore } from './placement.js';
import { decodeClusterMapState, encodeClusterMapState } from './snapshot-codec.js';
import type {
  ClusterMapState,
  MemberRecord,
  MemberState,
  MetaApplyResult,
  MetaCommand,
  StoreRecord,
} from './types.js';

type Cmd<K extends MetaCommand['kind']> = Extract<MetaCommand, { kind: K }>;

function frozenMember(m: MemberRecord): MemberRecord {
  return Object.freeze({ ...m });
}

function frozenStore(s: StoreRecord): StoreRecord {
  return Object.freeze({
    ...s,
    options: Object.freeze({ ...s.options }),
    replicas: Object.freeze([...s.replicas]),
    learners: Object.freeze([...s.learners]),
    initialReplicas: Object.freeze([...s.initialReplicas]),
  });
}

function list(ids: readonly string[], max = 5): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')}, ...`;
}

export class ClusterMap {
  /** '' until bootstrap is applied; then never changes. */
  private clusterId = '';
  /** The index of the last accepted entry; strictly increasing. Refusals leave it alone. */
  private index = 0;
  /** In first-added order. Records are frozen and replaced, never mutated. */
  private readonly members = new Map<string, MemberRecord>();
  /** In creation order. Records are frozen and replaced, never mutated. */
  private readonly stores = new Map<string, StoreRecord>();
  /** The frozen view handed out by `state`; rebuilt after the next accepted entry. */
  private view: ClusterMapState | undefined;

  /** An empty map, before bootstrap. */
  constructor() {}

  /** A map holding a snapshot's state. Throws ClusterMapRestoreError naming what is wrong. */
  static restore(bytes: Uint8Array): ClusterMap {
    const s = decodeClusterMapState(bytes);
    const map = new ClusterMap();
    map.clusterId = s.clusterId;
    map.index = s.index;
    for (const m of s.members) map.members.set(m.id, frozenMember(m));
    for (const st of s.stores) map.stores.set(st.name, frozenStore(st));
    return map;
  }

  /** The whole state as bytes: restore(snapshot()) is an equal map. */
  snapshot(): Uint8Array {
    return encodeClusterMapState(this.state);
  }

  /** A read-only (frozen) view of the whole map. */
  get state(): ClusterMapState {
    this.view ??= Object.freeze({
      clusterId: this.clusterId,
      index: this.index,
      members: Object.freeze([...this.members.values()]),
      stores: Object.freeze([...this.stores.values()]),
    });
    return this.view;
  }

  member(id: string): MemberRecord | undefined {
    return this.members.get(id);
  }

  store(name: string): StoreRecord | undefined {
    return this.stores.get(name);
  }

  /** Members in state `active`, in map order: where new replicas may be placed. */
  activeMembers(): MemberRecord[] {
    return [...this.members.values()].filter((m) => m.state === 'active');
  }

  /** Stores holding `memberId` as a replica or a learner (deleting ones included). */
  storesOf(memberId: string): StoreRecord[] {
    return [...this.stores.values()].filter(
      (s) => s.replicas.includes(memberId) || s.learners.includes(memberId)
    );
  }

  /**
   * Applies the committed entry at `index`. A refusal (bad command, a rule it breaks, an index
   * not above the last accepted one) is returned, never thrown, and leaves the map exactly as
   * it was. Replaying entries already reflected (after a restore) is therefore harmless: they
   * are refused as stale.
   */
  apply(index: number, cmd: MetaCommand): MetaApplyResult {
    try {
      if (!Number.isSafeInteger(index) || index < 1)
        throw new InvalidMetaCommandError(`index: expected an integer >= 1, got ${index}`);
      if (index <= this.index)
        throw new StaleIndexError(`entry ${index} is not after the map's index ${this.index}`);
      const c = parseMetaCommand(cmd);
      if (c.kind !== 'bootstrap' && this.clusterId === '')
        throw new MetaPreconditionError(`${c.kind}: the cluster map is not bootstrapped yet`);
      const value = this.dispatch(index, c);
      this.index = index;
      this.view = undefined;
      return value === undefined ? { ok: true } : { ok: true, value };
    } catch (error) {
      if (error instanceof ClusterMapError) return { ok: false, error };
      throw error;
    }
  }

  // Every handler checks everything first and changes the map only after its last check, so
  // a refusal thrown from a handler leaves no trace.
  private dispatch(index: number, c: MetaCommand): MemberRecord | StoreRecord | undefined {
    switch (c.kind) {
      case 'bootstrap':
        return this.bootstrap(c);
      case 'add-member':
        return this.addMember(c);
      case 'rejoin':
        return this.rejoin(c);
      case 'set-member-state':
        return this.setMemberState(c);
      case 'set-address':
        return this.setAddress(c);
      case 'create-store':
        return this.createStore(index, c);
      case 'delete-store':
        return this.deleteStore(c);
      case 'store-gone':
        return this.storeGone(c);
      case 'set-replicas':
        return this.setReplicas(c);
      case 'set-meta-voters':
        this.setMetaVoters(c);
        return undefined;
      case 'set-preferred-leader':
        return this.setPreferredLeader(c);
    }
  }

  private known(id: string, what: string): MemberRecord {
    const m = this.members.get(id);
    if (m === undefined) throw new UnknownMemberError(`${what}: no member ${id}`);
    return m;
  }

  private live(id: string, what: string): MemberRecord {
    const m = this.known(id, what);
    if (m.state === 'removed')
      throw new MetaPreconditionError(
        `${what}: member ${id} is removed (add it again to reuse the id)`
      );
    return m;
  }

  private existingStore(name: string, what: string): StoreRecord {
    const s = this.stores.get(name);
    if (s === undefined) throw new UnknownStoreError(`${what}: no store ${name}`);
    return s;
  }

  private bootstrap(c: Cmd<'bootstrap'>): undefined {
    if (this.clusterId !== '')
      throw new MetaPreconditionError(
        `bootstrap: already bootstrapped as cluster ${this.clusterId}`
      );
    const founders = c.members.map((m) => m.id);
    const voters = c.metaVoters ?? founders.slice(0, metaVoterTarget(founders.length));
    const unknown = voters.find((v) => !founders.includes(v));
    if (unknown !== undefined)
      throw new InvalidMetaCommandError(`bootstrap.metaVoters: ${unknown} is not a founder`);
    const problem = metaVoterCountProblem(voters.length, founders.length);
    if (problem !== undefined)
      throw new InvalidMetaCommandError(`bootstrap.metaVoters: ${problem}`);
    this.clusterId = c.clusterId;
    for (const m of c.members) {
      this.members.set(
        m.id,
        frozenMember({
          id: m.id,
          address: m.address,
          state: 'active',
          generation: 0,
          metaVoter: voters.includes(m.id),
        })
      );
    }
    return undefined;
  }

  private addMember(c: Cmd<'add-member'>): MemberRecord {
    const old = this.members.get(c.id);
    if (old !== undefined && old.state !== 'removed') {
      // A retried join: the member is already here.
      if (old.address === c.address) return old;
      throw new MetaPreconditionError(
        `add-member: member ${c.id} exists with address ${old.address}, not ${c.address} (use set-address)`
      );
    }
    if (old === undefined && this.members.size >= MAX_MEMBERS)
      throw new MetaPreconditionError(
        `add-member: the map holds ${MAX_MEMBERS} member records, its limit`
      );
    // A removed id comes back as a new generation: none of its old replicas may be revived.
    const m = frozenMember({
      id: c.id,
      address: c.address,
      state: 'joining',
      generation: old === undefined ? 0 : old.generation + 1,
      metaVoter: false,
    });
    this.members.set(c.id, m);
    return m;
  }

  private rejoin(c: Cmd<'rejoin'>): MemberRecord {
    const old = this.live(c.id, 'rejoin');
    if (c.fromGeneration !== undefined && c.fromGeneration !== old.generation) {
      throw new MetaPreconditionError(
        `rejoin: member ${c.id} is at generation ${old.generation}, not ${c.fromGeneration} (already rejoined?)`
      );
    }
    // Its state and placement stay: its replicas are re-created under the new generation and
    // restored from snapshots. Its new meta replica is not a voter until the manager says so.
    const m = frozenMember({
      ...old,
      address: c.address,
      generation: old.generation + 1,
      metaVoter: false,
    });
    this.members.set(c.id, m);
    return m;
  }

  private setMemberState(c: Cmd<'set-member-state'>): MemberRecord {
    const old = this.known(c.id, 'set-member-state');
    if (old.state === c.state) return old;
    const refuse = (why: string): never => {
      throw new MetaPreconditionError(
        `set-member-state: member ${c.id} ${old.state} -> ${c.state}: ${why}`
      );
    };
    if (old.state === 'removed') refuse('removed is terminal');
    const allowed: Record<MemberState, readonly MemberState[]> = {
      joining: ['active', 'draining', 'removed'],
      active: ['draining', 'removed'],
      draining: ['removed'],
      removed: [],
    };
    if (!allowed[old.state].includes(c.state)) {
      refuse(
        c.state === 'active'
          ? 'only a joining member is promoted'
          : 'not a transition a member makes'
      );
    }
    if (c.state === 'removed') {
      const held = this.storesOf(c.id).map((s) => s.name);
      if (held.length > 0)
        refuse(
          `it still holds replicas of ${held.length} store(s) (${list(held)}); drain it first`
        );
      if (old.metaVoter) refuse('it is a meta voter; choose other meta voters first');
    }
    const m = frozenMember({ ...old, state: c.state });
    this.members.set(c.id, m);
    return m;
  }

  private setAddress(c: Cmd<'set-address'>): MemberRecord {
    const old = this.live(c.id, 'set-address');
    if (old.address === c.address) return old;
    const m = frozenMember({ ...old, address: c.address });
    this.members.set(c.id, m);
    return m;
  }

  private createStore(index: number, c: Cmd<'create-store'>): StoreRecord {
    const old = this.stores.get(c.name);
    if (old !== undefined) {
      throw new StoreExistsError(
        `create-store: store ${c.name} ${old.deleting ? 'is still being deleted' : 'exists'}`
      );
    }
    if (this.stores.size >= MAX_STORES)
      throw new MetaPreconditionError(
        `create-store: the map holds ${MAX_STORES} stores, its limit`
      );
    const active = this.activeMembers().map((m) => m.id);
    if (c.replicationFactor > active.length) {
      throw new MetaPreconditionError(
        `create-store: replication factor ${c.replicationFactor} is more than the ${active.length} active member(s)`
      );
    }
    const replicas = placeStore(c.name, c.replicationFactor, active);
    const s = frozenStore({
      name: c.name,
      group: storeGroupId(c.name, index),
      replicationFactor: c.replicationFactor,
      options: c.options,
      replicas,
      learners: [],
      createdIndex: index,
      initialReplicas: replicas.map((id) => replicaId(id, this.members.get(id)!.generation)),
      deleting: false,
    });
    this.stores.set(c.name, s);
    return s;
  }

  private deleteStore(c: Cmd<'delete-store'>): StoreRecord {
    const old = this.existingStore(c.name, 'delete-store');
    if (old.deleting) return old;
    const s = frozenStore({ ...old, deleting: true });
    this.stores.set(c.name, s);
    return s;
  }

  private storeGone(c: Cmd<'store-gone'>): StoreRecord {
    const old = this.existingStore(c.name, 'store-gone');
    if (!old.deleting)
      throw new MetaPreconditionError(
        `store-gone: store ${c.name} is not being deleted (delete-store first)`
      );
    this.stores.delete(c.name);
    return old;
  }

  private setReplicas(c: Cmd<'set-replicas'>): StoreRecord {
    const old = this.existingStore(c.name, 'set-replicas');
    if (old.deleting)
      throw new MetaPreconditionError(`set-replicas: store ${c.name} is being deleted`);
    const where = `set-replicas ${c.name}`;
    for (const id of c.replicas) {
      const m = this.live(id, `${where}: replicas`);
      // A new voter must be a full member; an existing one may stay while it drains.
      if (!old.replicas.includes(id) && m.state !== 'active')
        throw new MetaPreconditionError(
          `${where}: ${id} is ${m.state}; only an active member becomes a voter`
        );
    }
    for (const id of c.learners) {
      const m = this.live(id, `${where}: learners`);
      const isNew = !old.replicas.includes(id) && !old.learners.includes(id);
      if (isNew && m.state !== 'active' && m.state !== 'joining')
        throw new MetaPreconditionError(
          `${where}: ${id} is ${m.state}; a new learner must be joining or active`
        );
    }
    const { preferredLeader, ...rest } = old;
    // A preference for a member that no longer holds a voting replica is void.
    const keep = preferredLeader !== undefined && c.replicas.includes(preferredLeader);
    const s = frozenStore({
      ...rest,
      replicas: c.replicas,
      learners: c.learners,
      ...(keep ? { preferredLeader } : {}),
    });
    this.stores.set(c.name, s);
    return s;
  }

  private setPreferredLeader(c: Cmd<'set-preferred-leader'>): StoreRecord {
    const old = this.existingStore(c.name, 'set-preferred-leader');
    if (old.deleting)
      throw new MetaPreconditionError(`set-preferred-leader: store ${c.name} is being deleted`);
    const { preferredLeader: _old, ...rest } = old;
    if (c.leader === '') {
      const s = frozenStore(rest);
      this.stores.set(c.name, s);
      return s;
    }
    if (!old.replicas.includes(c.leader))
      throw new MetaPreconditionError(
        `set-preferred-leader ${c.name}: ${c.leader} holds no voting replica (replicas: ${list(old.replicas)})`
      );
    const s = frozenStore({ ...rest, preferredLeader: c.leader });
    this.stores.set(c.name, s);
    return s;
  }

  private setMetaVoters(c: Cmd<'set-meta-voters'>): void {
    for (const id of c.ids) {
      const m = this.known(id, 'set-meta-voters');
      if (m.state !== 'active')
        throw new MetaPreconditionError(
          `set-meta-voters: ${id} is ${m.state}; meta voters are active members`
        );
    }
    const problem = metaVoterCountProblem(c.ids.length, this.activeMembers().length);
    if (problem !== undefined) throw new MetaPreconditionError(`set-meta-voters: ${problem}`);
    const voters = new Set(c.ids);
    for (const m of [...this.members.values()]) {
      if (m.metaVoter !== voters.has(m.id))
        this.members.set(m.id, frozenMember({ ...m, metaVoter: voters.has(m.id) }));
    }
  }
}
