import type { PoolMembership__Output } from '../gen/broker/v1/PoolMembership.js';
import { BrokerClientError } from './errors.js';

/** A change of a pool's membership, as the member's node reports it (docs/pools.md). */
export interface PoolMembershipEvent {
  readonly pool: string;
  /** The id of the subscription that received the event (its own member id). */
  readonly member: string;
  readonly joined: readonly string[];
  readonly left: readonly string[];
  /** Every member now, sorted. */
  readonly members: readonly string[];
}

/** Options of {@link BrokerClient.publish} and `publishEncoded`. */
export interface PublishOptions {
  /** Deadline of the call (default 30 s). */
  readonly timeoutMs?: number;
  /** Also deliver each event to one member of this pool (plain subscribers still get it). */
  readonly pool?: string;
  /**
   * With `pool`: picks the member by rendezvous hashing; the same key reaches the same member
   * while membership is stable. A string is taken as its UTF-8 bytes. Without a key (or an
   * empty one) members take events in turn.
   */
  readonly key?: string | Uint8Array;
}

const MAX_KEY_BYTES = 1024;

/** The wire fields of a pool publish, checked; none without a pool. */
export function poolPublishFields(o: PublishOptions): { pool?: string; key?: Buffer } {
  if (o.pool === undefined) {
    if (o.key !== undefined) throw new BrokerClientError('publish: a key needs a pool', undefined);
    return {};
  }
  if (o.pool === '') throw new BrokerClientError('publish: empty pool name', undefined);
  const key =
    o.key === undefined
      ? Buffer.alloc(0)
      : typeof o.key === 'string'
        ? Buffer.from(o.key, 'utf8')
        : Buffer.from(o.key.buffer, o.key.byteOffset, o.key.byteLength);
  if (key.length > MAX_KEY_BYTES)
    throw new BrokerClientError(
      `publish: pool key of ${key.length} bytes, at most ${MAX_KEY_BYTES}`,
      undefined
    );
  return { pool: o.pool, key };
}

export function membershipFromWire(m: PoolMembership__Output): PoolMembershipEvent {
  return { pool: m.pool, member: m.member, joined: m.joined, left: m.left, members: m.members };
}

/**
 * The pool side of a member subscription: the latest membership, listeners, and the count of
 * delivered events not yet acknowledged to the node (acknowledged when the consumer asks for
 * the next delivery, that is once it has processed the previous one).
 */
export class PoolMemberState {
  membership: PoolMembershipEvent | undefined;
  /** Events of the delivery handed to the consumer last; acknowledged on its next read. */
  unacked = 0;
  private readonly waiters: Array<{
    check: (e: PoolMembershipEvent) => boolean;
    resolve: (e: PoolMembershipEvent) => void;
  }> = [];

  constructor(
    readonly pool: string,
    private readonly listener: ((e: PoolMembershipEvent) => void) | undefined
  ) {}

  onEvent(e: PoolMembershipEvent): void {
    this.membership = e;
    this.listener?.(e);
    for (const w of [...this.waiters]) {
      if (w.check(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }

  /** Resolves with the first membership (the current one included) that satisfies `check`. */
  waitFor(
    check: (e: PoolMembershipEvent) => boolean,
    timeoutMs: number
  ): Promise<PoolMembershipEvent> {
    if (this.membership !== undefined && check(this.membership))
      return Promise.resolve(this.membership);
    return new Promise((resolve, reject) => {
      const w = {
        check,
        resolve: (e: PoolMembershipEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(
          new BrokerClientError(
            `pool ${this.pool}: membership not reached within ${timeoutMs} ms`,
            undefined
          )
        );
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
}
