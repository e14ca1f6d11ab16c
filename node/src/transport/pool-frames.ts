import type { PeerFrame__Output } from '../gen/broker/v1/PeerFrame.js';
import {
  type AnnouncedMember,
  type EventRun,
  PayloadValidator,
  type PoolMemberInfo,
  type PoolPeerLink,
  type PoolRouter,
  MAX_POOL_KEY_BYTES,
  canonicalPrefix,
  validatePoolName,
} from '../pubsub/index.js';
import type { PeerLink, PoolFrameHandler } from './peer-link.js';
import { fromWireRun, toWireRun } from './wire-runs.js';

/** Limits that pool frames from a peer are checked against. */
export interface PoolFrameLimits {
  readonly maxTopicLength: number;
  /** Most members a peer may announce, and most prefixes per member. */
  readonly maxMembers: number;
  readonly maxTopicsPerMember: number;
  readonly maxMessageBytes: number;
  readonly maxDepth: number;
}

const MAX_ACK_IDS = 1_000_000;

/**
 * The pool frames of a peer link (docs/pools.md): turns them into calls on the pool router
 * after checking them like any input from a peer, and the router's sends into frames. A
 * frame that breaks the rules throws, which closes the link with a Goodbye naming it.
 */
export class PoolFrames implements PoolFrameHandler {
  /** One adapter per link: the router tells links apart by these objects. */
  private readonly adapters = new WeakMap<PeerLink, PoolPeerLink>();
  private readonly validator: PayloadValidator;

  constructor(
    private readonly router: PoolRouter,
    private readonly limits: PoolFrameLimits
  ) {
    this.validator = new PayloadValidator(limits.maxMessageBytes, limits.maxDepth);
  }

  linkUp(link: PeerLink): void {
    this.router.linkUp(this.adapter(link));
  }

  onFrame(link: PeerLink, f: PeerFrame__Output): void {
    const a = this.adapter(link);
    switch (f.body) {
      case 'pools':
        return this.router.onAnnouncement(a, this.members(link.peerId, f.pools?.members ?? []));
      case 'pool_delivery': {
        const d = f.pool_delivery;
        if (d === null || d === undefined) throw new Error('empty pool delivery');
        const id = Number(d.id);
        if (!Number.isSafeInteger(id) || id <= 0) throw new Error('pool delivery without an id');
        validatePoolName(d.pool);
        if (d.key.length > MAX_POOL_KEY_BYTES)
          throw new Error(`pool key of ${d.key.length} bytes (at most ${MAX_POOL_KEY_BYTES})`);
        if (d.runs.length !== 1) throw new Error('a pool delivery carries exactly one run');
        const run: EventRun = fromWireRun(d.runs[0]!, this.limits.maxTopicLength);
        this.validator.validate(run);
        return this.router.onDelivery(a, id, d.pool, d.member, run);
      }
      case 'pool_ack': {
        const done = (f.pool_ack?.done ?? []).map(Number);
        const returned = (f.pool_ack?.returned ?? []).map(Number);
        if (done.length + returned.length > MAX_ACK_IDS) throw new Error('pool ack too long');
        return this.router.onAck(a, done, returned);
      }
      default:
        throw new Error(`not a pool frame: ${f.body ?? 'none'}`);
    }
  }

  private members(
    peerId: string,
    wire: NonNullable<PeerFrame__Output['pools']>['members']
  ): AnnouncedMember[] {
    if (wire.length > this.limits.maxMembers)
      throw new Error(
        `pool announcement of ${wire.length} members exceeds ${this.limits.maxMembers}`
      );
    const seen = new Set<string>();
    return wire.map((m) => {
      validatePoolName(m.pool);
      if (!m.member.startsWith(`${peerId}/`) || m.member.length > peerId.length + 64)
        throw new Error(
          `pool member id ${JSON.stringify(m.member.slice(0, 80))} is not one of ${peerId}'s`
        );
      if (seen.has(m.member)) throw new Error(`pool member ${m.member} announced twice`);
      seen.add(m.member);
      if (m.topics.length === 0 || m.topics.length > this.limits.maxTopicsPerMember)
        throw new Error(`pool member ${m.member} with ${m.topics.length} prefixes`);
      return {
        pool: m.pool,
        member: m.member,
        topics: m.topics.map((t) => canonicalPrefix(t, this.limits.maxTopicLength)),
      };
    });
  }

  private adapter(link: PeerLink): PoolPeerLink {
    let a = this.adapters.get(link);
    if (a !== undefined) return a;
    let version = 0;
    a = {
      // Pool frames may follow the remote's Hello in the same read, before the handshake has
      // set link.peerId: the id from Hello is the same one.
      get peerId(): string {
        return link.peerId !== '' ? link.peerId : link.helloPeerId;
      },
      sendPoolDelivery: (id, pool, member, key, run) =>
        link.sendPoolFrame({ pool_delivery: { id, pool, member, key, runs: [toWireRun(run)] } }),
      sendPoolAck: (done, returned) =>
        link.sendPoolFrame({ pool_ack: { done: [...done], returned: [...returned] } }),
      sendPoolAnnouncement: (members: readonly PoolMemberInfo[]) =>
        link.sendPoolFrame({
          pools: {
            members: members.map((m) => ({ pool: m.pool, member: m.id, topics: [...m.topics] })),
            version: ++version,
          },
        }),
    };
    this.adapters.set(link, a);
    // Every link that carried pool frames is torn down here, registered or not (one refused
    // after its Hello may already have announced members).
    const adapter = a;
    void link.closed.then(() => this.router.linkDown(adapter));
    return a;
  }
}
