/**
 * Peers learned from the cluster map, beside the static `--peers` list. A peer that joined
 * after this one started (a scale up) is in the map with its advertised address; the mesh
 * links to it without a restart onto a longer `--peers`. Learning a peer only says where to
 * dial and whom to admit: its id is still proven on every link (cluster-secret HMAC or the
 * mTLS certificate), and an inbound link must still come from the learned address's host.
 */
import { type HostPort, type StaticPeer, formatHostPort, parseHostPort } from '../config/index.js';

/** A member of the cluster map as the mesh needs it. */
export interface MapPeer {
  readonly id: string;
  /** HOST:PORT of its gRPC listener (the map's `address`). */
  readonly address: string;
  /** Removed members are forgotten: their pods are gone. */
  readonly removed: boolean;
}

/** What one update changed: peers to start dialing or to admit, peers to forget. */
export interface PeerSetChange {
  readonly added: readonly StaticPeer[];
  /** Ids forgotten (removed from the map, or their address changed: then also in `added`). */
  readonly removed: readonly string[];
  /** Map entries that were skipped, with why (a bad address never stops the others). */
  readonly rejected: readonly string[];
}

/** Learned peers are bounded like every other table: a map larger than this is cut off. */
export const MAX_LEARNED_PEERS = 1024;

export class PeerSet {
  /**
   * id -> address of every learned peer. Invariant: never holds this node's own id or an id
   * of the static `--peers` list (those are configured, and the configuration wins).
   */
  private readonly learned = new Map<string, HostPort>();

  constructor(
    private readonly selfId: string,
    private readonly staticPeers: readonly StaticPeer[]
  ) {}

  /** The address a peer is admitted from: `--peers` first, then the map. */
  lookup(id: string): HostPort | undefined {
    return this.staticPeers.find((p) => p.id === id)?.address ?? this.learned.get(id);
  }

  /** Whether `id` is configured or learned. */
  has(id: string): boolean {
    return this.lookup(id) !== undefined;
  }

  get size(): number {
    return this.learned.size;
  }

  /** Replaces the learned set with the map's current members. */
  update(members: readonly MapPeer[]): PeerSetChange {
    const next = new Map<string, HostPort>();
    const rejected: string[] = [];
    for (const m of members) {
      if (m.removed || m.id === this.selfId) continue;
      if (this.staticPeers.some((p) => p.id === m.id)) continue;
      if (next.size >= MAX_LEARNED_PEERS) {
        rejected.push(`${m.id}: more than ${MAX_LEARNED_PEERS} peers in the cluster map`);
        continue;
      }
      try {
        next.set(m.id, parseHostPort(m.address, `cluster map member ${m.id}`));
      } catch (e) {
        rejected.push((e as Error).message);
      }
    }
    const added: StaticPeer[] = [];
    const removed: string[] = [];
    for (const [id, address] of this.learned) {
      const now = next.get(id);
      if (now === undefined || formatHostPort(now) !== formatHostPort(address)) removed.push(id);
    }
    for (const [id, address] of next) {
      const was = this.learned.get(id);
      if (was === undefined || formatHostPort(was) !== formatHostPort(address))
        added.push({ id, address });
    }
    this.learned.clear();
    for (const [id, address] of next) this.learned.set(id, address);
    return { added, removed, rejected };
  }
}
