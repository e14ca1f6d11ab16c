import { UnknownGroupError, UsageError } from './errors.js';
import { RawNode } from './raw-node.js';
import type { Config, GroupId, Message, NodeId, Ready } from './types.js';

/** One group's part of a HostReady. */
export interface GroupReady {
  readonly group: GroupId;
  readonly ready: Ready;
}

/**
 * Everything every group needs done, in the same order as a single Ready: persist all groups'
 * entries/hardStates/snapshots (ONE fsync when mustSync), then send `messages`, then apply each
 * group's snapshot and committed entries, then call RaftHost.advance(batch).
 */
export interface HostReady {
  readonly groups: readonly GroupReady[];
  /** Whether any group needs an fsync before its messages go out. */
  readonly mustSync: boolean;
  /**
   * All groups' messages, grouped by destination peer, so that a transport can send one
   * batch (one RPC) per peer per Ready: many groups' heartbeats coalesce into one frame.
   */
  readonly messagesByPeer: ReadonlyMap<NodeId, readonly Message[]>;
}

/**
 * Runs many Raft groups in one process (one RawNode per group). No timers: the host calls
 * tick() once per tick interval and it ticks every group; an idle follower's tick is a counter
 * increment, an idle leader's tick emits a heartbeat per follower every heartbeatTick.
 */
export class RaftHost {
  private readonly nodes = new Map<GroupId, RawNode>();
  /** Groups in the outstanding batch. Invariant: undefined iff no batch is outstanding. */
  private outstanding: GroupId[] | undefined;

  /** Creates and registers a group. Throws UsageError if the group already exists. */
  addGroup(config: Config): RawNode {
    if (this.nodes.has(config.group)) throw new UsageError(`group ${config.group} already exists`);
    if (this.outstanding) throw new UsageError('addGroup() while a HostReady is outstanding');
    const n = new RawNode(config);
    this.nodes.set(config.group, n);
    return n;
  }

  /** Drops a group (its storage is the caller's to clean up). */
  removeGroup(group: GroupId): void {
    if (this.outstanding?.includes(group)) {
      throw new UsageError(`removeGroup(${group}) while its Ready is outstanding`);
    }
    this.nodes.delete(group);
  }

  /** The RawNode of `group`; throws UnknownGroupError if there is none. */
  group(group: GroupId): RawNode {
    const n = this.nodes.get(group);
    if (!n) throw new UnknownGroupError(`no raft group ${group} on this host`);
    return n;
  }

  has(group: GroupId): boolean {
    return this.nodes.has(group);
  }

  get size(): number {
    return this.nodes.size;
  }

  groupIds(): GroupId[] {
    return [...this.nodes.keys()];
  }

  /** Ticks every group once. */
  tick(): void {
    for (const n of this.nodes.values()) n.tick();
  }

  /** Routes a message to its group. Throws UnknownGroupError for a group not hosted here. */
  step(m: Message): void {
    this.group(m.group).step(m);
  }

  hasReady(): boolean {
    if (this.outstanding) return false;
    for (const n of this.nodes.values()) if (n.hasReady()) return true;
    return false;
  }

  /** Collects the Ready of every group that has one. Throws UsageError if one is outstanding. */
  ready(): HostReady {
    if (this.outstanding) throw new UsageError('ready() called again before advance()');
    const groups: GroupReady[] = [];
    const byPeer = new Map<NodeId, Message[]>();
    let mustSync = false;
    for (const [g, n] of this.nodes) {
      if (!n.hasReady()) continue;
      const rd = n.ready();
      groups.push({ group: g, ready: rd });
      mustSync ||= rd.mustSync;
      for (const m of rd.messages) {
        const list = byPeer.get(m.to);
        if (list) list.push(m);
        else byPeer.set(m.to, [m]);
      }
    }
    this.outstanding = groups.map((x) => x.group);
    return { groups, mustSync, messagesByPeer: byPeer };
  }

  /** Every group of the outstanding batch has been persisted, sent and applied. */
  advance(): void {
    const groups = this.outstanding;
    if (!groups) throw new UsageError('advance() called without an outstanding ready()');
    this.outstanding = undefined;
    for (const g of groups) this.nodes.get(g)?.advance();
  }
}
