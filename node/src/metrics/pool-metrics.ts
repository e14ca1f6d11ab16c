import { Counter, Gauge, type Registry } from 'prom-client';
import type { MembershipChange, PoolObserver } from '../pubsub/index.js';

/**
 * Pool metrics (docs/pools.md). Label values are live pools and their live members only: a
 * member's series is removed when it leaves and a pool's when its last member leaves, so the
 * number of series follows the members that exist.
 */
export class PoolMetrics implements PoolObserver {
  private readonly members: Gauge<'pool'>;
  private readonly routedMessages: Counter<'pool' | 'member'>;
  private readonly reroutedMessages: Counter<'pool'>;
  private readonly droppedMessages: Counter<'pool'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.members = new Gauge({
      name: 'broker_pool_members',
      help: 'Members of each pool, as this peer sees them (all peers)',
      labelNames: ['pool'],
      registers,
    });
    this.routedMessages = new Counter({
      name: 'broker_pool_routed_messages_total',
      help: 'Pool events routed by this peer, by pool and member (re-routed events count again)',
      labelNames: ['pool', 'member'],
      registers,
    });
    this.reroutedMessages = new Counter({
      name: 'broker_pool_rerouted_messages_total',
      help: 'Pool events routed again because their member left, died or became unreachable',
      labelNames: ['pool'],
      registers,
    });
    this.droppedMessages = new Counter({
      name: 'broker_pool_dropped_messages_total',
      help: 'Pool events discarded because the pool had no live member for their topic',
      labelNames: ['pool'],
      registers,
    });
  }

  routed(pool: string, member: string, events: number): void {
    this.routedMessages.inc({ pool, member }, events);
  }

  rerouted(pool: string, events: number): void {
    this.reroutedMessages.inc({ pool }, events);
  }

  droppedNoMember(pool: string, events: number): void {
    this.droppedMessages.inc({ pool }, events);
  }

  membership(c: MembershipChange): void {
    for (const member of c.left) this.routedMessages.remove({ pool: c.pool, member });
    if (c.members.length === 0) {
      this.members.remove({ pool: c.pool });
      this.reroutedMessages.remove({ pool: c.pool });
      this.droppedMessages.remove({ pool: c.pool });
    } else this.members.set({ pool: c.pool }, c.members.length);
  }
}
