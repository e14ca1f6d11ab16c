import { randomBytes } from 'node:crypto';
import { withTimeout } from './deadline.js';
import { InvalidPoolError, LimitExceededError, WaitTimeoutError } from './errors.js';
import { type EventRun, splitRun } from './event-run.js';
import { pickHrw } from './pool-hrw.js';
import {
  type AnnouncedMember,
  type MembershipChange,
  type PoolMemberInfo,
  PoolTable,
} from './pool-table.js';
import type { Subscriber } from './subscriber.js';

/** What the pool router needs of a link to a peer (the transport implements it). */
export interface PoolPeerLink {
  readonly peerId: string;
  /** Sends events for `member` at the peer; the peer answers with an ack naming `id`. */
  sendPoolDelivery(id: number, pool: string, member: string, key: Uint8Array, run: EventRun): void;
  sendPoolAck(done: readonly number[], returned: readonly number[]): void;
  sendPoolAnnouncement(members: readonly PoolMemberInfo[]): void;
}

/** What the pool router reports; the metrics implement it. */
export interface PoolObserver {
  routed(pool: string, member: string, events: number): void;
  rerouted(pool: string, events: number): void;
  droppedNoMember(pool: string, events: number): void;
  membership(change: MembershipChange): void;
}

/** A membership event for one local member (the `PoolMembership` message). */
export interface MembershipEvent extends MembershipChange {
  /** The member the event is for. */
  readonly member: string;
}

export interface PoolRouterOptions {
  readonly nodeId: string;
  /**
   * Events published to pools at this node and not yet acknowledged by their member (the
   * publishing node holds them to re-route them): at most this many (`--peer-queue`).
   */
  readonly maxPendingEvents: number;
  /** How long a publish waits for room under that bound (`--publish-timeout-ms`). */
  readonly publishTimeoutMs: number;
}

/** A pool message held by the publishing node until its member acknowledged it. */
interface PendingEntry {
  readonly id: number;
  readonly pool: string;
  /** Empty: round robin. */
  readonly key: Uint8Array;
  readonly run: EventRun;
  /** The member it was last routed to; '' before the first routing. */
  member: string;
  /** The link it went out on, when the member is remote. */
  via: PoolPeerLink | undefined;
  /** Members that gave it back (gone); never picked again for this message. */
  readonly tried: Set<string>;
}

/** An undelivered or unacknowledged run at a local member, with how to settle it. */
interface Unacked {
  readonly events: number;
  /** Events of this run the client acknowledged so far (0 <= acked < events while queued). */
  acked: number;
  readonly done: () => void;
  readonly giveBack: () => void;
}

/** A local pool member: its subscriber and what it holds, oldest first. */
class LocalMember {
  /** Invariant: unackedEvents = sum of (events - acked) over `unacked`. */
  readonly unacked: Unacked[] = [];
  unackedEvents = 0;
  /** Deliveries into the subscriber queue, one after another (publish order per member). */
  tail: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly pool: string,
    readonly sub: Subscriber,
    readonly notify: (e: MembershipEvent) => void
  ) {}

  accept(run: EventRun, done: () => void, giveBack: () => void): void {
    this.unacked.push({ events: run.sizes.length, acked: 0, done, giveBack });
    this.unackedEvents += run.sizes.length;
    this.tail = this.tail
      .then(() => this.sub.deliver(run))
      .catch(() => undefined /* a cut-off subscriber: leave() gives the run back */);
  }
}

/**
 * Pools (docs/pools.md): keyed (rendezvous hashing) or round-robin delivery of events to one
 * member of a named pool, with membership known on every peer. The publishing node holds
 * every pool message until its member's client acknowledged it and routes it again to a live
 * member when the member leaves or dies, its node gives it back, or the link to that node
 * fails: delivery to a pool is at least once while at least one member lives.
 */
export class PoolRouter {
  readonly table = new PoolTable();
  private readonly localById = new Map<string, LocalMember>();
  private readonly localBySub = new Map<Subscriber, LocalMember>();
  private readonly links = new Map<string, PoolPeerLink>();
  /** Pool messages published here awaiting acknowledgement, by id. */
  private readonly pending = new Map<number, PendingEntry>();
  /** Invariant: the sum of the events of `pending` plus reservations in progress. */
  private pendingEvents = 0;
  private readonly roomWaiters = new Set<() => void>();
  private nextEntry = 1;
  private nextMember = 1;
  /** Distinguishes this process's member ids from a restarted node's. */
  private readonly tag = randomBytes(2).toString('hex');
  private readonly roundRobin = new Map<string, number>();
  private announcementScheduled = false;
  /** Acks to send per link on the next turn (bounded by the deliveries the link sent us). */
  private readonly acks = new Map<PoolPeerLink, { done: number[]; returned: number[] }>();
  private acksScheduled = false;

  constructor(
    private readonly options: PoolRouterOptions,
    private readonly observer: PoolObserver
  ) {
    this.table.onChange((c) => {
      this.observer.membership(c);
      for (const m of this.localById.values())
        if (m.pool === c.pool) m.notify({ ...c, member: m.id });
    });
  }

  get memberCount(): number {
    return this.localById.size;
  }

  /** Events waiting in local members' subscriber queues. */
  queuedForMembers(): number {
    let n = 0;
    for (const m of this.localById.values()) n += m.sub.queue.events;
    return n;
  }

  /** Events held for acknowledgement (published here, not yet acknowledged). */
  get pendingCount(): number {
    return this.pendingEvents;
  }

  /** Makes `sub` (its topics already set) a member of `pool`; returns its member id. */
  join(sub: Subscriber, pool: string, notify: (e: MembershipEvent) => void): string {
    const id = `${this.options.nodeId}/${this.tag}.${this.nextMember++}`;
    const m = new LocalMember(id, pool, sub, notify);
    this.localById.set(id, m);
    this.localBySub.set(sub, m);
    this.table.addLocal(pool, id, sub.topics);
    this.scheduleAnnouncement();
    return id;
  }

  /** The member left (or died): everything it holds goes to other members. Idempotent. */
  leave(sub: Subscriber): void {
    const m = this.localBySub.get(sub);
    if (m === undefined) return;
    this.localBySub.delete(sub);
    this.localById.delete(m.id);
    this.table.removeLocal(m.pool, m.id);
    this.scheduleAnnouncement();
    const held = m.unacked.splice(0);
    m.unackedEvents = 0;
    for (const u of held) u.giveBack();
  }

  isMember(sub: Subscriber): boolean {
    return this.localBySub.has(sub);
  }

  /** The member's client processed `events` more delivered events (cumulative, in order). */
  ack(sub: Subscriber, events: number): void {
    const m = this.localBySub.get(sub);
    if (m === undefined)
      throw new InvalidPoolError('', 'pool_ack from a subscriber that is in no pool');
    if (!Number.isSafeInteger(events) || events <= 0 || events > m.unackedEvents)
      throw new InvalidPoolError(
        m.pool,
        `pool_ack of ${events} events, but ${m.unackedEvents} are unacknowledged`
      );
    let n = events;
    while (n > 0) {
      const head = m.unacked[0] as Unacked;
      const take = Math.min(n, head.events - head.acked);
      head.acked += take;
      n -= take;
      m.unackedEvents -= take;
      if (head.acked === head.events) {
        m.unacked.shift();
        head.done();
      }
    }
  }

  /**
   * Routes runs accepted from a local publisher to one member each: by `key` when it is not
   * empty (whole runs), else round robin (event by event). Resolves when every message is on
   * its way; waits while too many are unacknowledged, then fails naming `peer-queue`.
   */
  async publish(pool: string, key: Uint8Array, runs: readonly EventRun[]): Promise<void> {
    for (const run of runs) {
      const parts: EventRun[] = [];
      if (key.length > 0) parts.push(run);
      else {
        let rest = run;
        while (rest.sizes.length > 1) {
          const [head, tail] = splitRun(rest, 1);
          parts.push(head);
          rest = tail;
        }
        parts.push(rest);
      }
      for (const part of parts) {
        await this.reserve(part.sizes.length);
        const entry: PendingEntry = {
          id: this.nextEntry++,
          pool,
          key,
          run: part,
          member: '',
          via: undefined,
          tried: new Set(),
        };
        this.pending.set(entry.id, entry);
        this.route(entry);
      }
    }
  }

  /** A link to a peer came up: it learns our members. */
  linkUp(link: PoolPeerLink): void {
    this.links.set(link.peerId, link);
    link.sendPoolAnnouncement(this.table.localMembers());
  }

  /** A link went down: its peer's members are gone, what went out on it is routed again. */
  linkDown(link: PoolPeerLink): void {
    if (this.links.get(link.peerId) === link) this.links.delete(link.peerId);
    this.acks.delete(link);
    this.table.removePeer(link.peerId, link);
    for (const e of [...this.pending.values()]) if (e.via === link) this.giveBack(e);
  }

  /** The peer's complete member list (validated by the transport). */
  onAnnouncement(link: PoolPeerLink, members: readonly AnnouncedMember[]): void {
    this.table.replacePeer(link.peerId, link, members);
  }

  /** Events from a peer for one of our members. */
  onDelivery(link: PoolPeerLink, id: number, pool: string, member: string, run: EventRun): void {
    const m = this.localById.get(member);
    if (m === undefined || m.pool !== pool) {
      this.queueAck(link, id, false);
      return;
    }
    m.accept(
      run,
      () => this.queueAck(link, id, true),
      () => this.queueAck(link, id, false)
    );
  }

  /** A peer settled deliveries we sent it: done ones are finished, returned ones re-routed. */
  onAck(link: PoolPeerLink, done: readonly number[], returned: readonly number[]): void {
    for (const id of done) {
      const e = this.pending.get(id);
      if (e !== undefined && e.via === link) this.finish(e);
    }
    for (const id of returned) {
      const e = this.pending.get(id);
      if (e !== undefined && e.via === link) this.giveBack(e);
    }
  }

  private async reserve(events: number): Promise<void> {
    const max = this.options.maxPendingEvents;
    if (this.pendingEvents > 0 && this.pendingEvents + events > max) {
      const deadline = Date.now() + this.options.publishTimeoutMs;
      while (this.pendingEvents > 0 && this.pendingEvents + events > max) {
        let wake!: () => void;
        const room = new Promise<void>((r) => (wake = r));
        this.roomWaiters.add(wake);
        try {
          await withTimeout(room, Math.max(1, deadline - Date.now()), 'pool acknowledgements');
        } catch (e) {
          if (!(e instanceof WaitTimeoutError)) throw e;
          throw new LimitExceededError(
            'peer-queue',
            `${this.pendingEvents} pool events await acknowledgement by their members at this peer`,
            { cause: e }
          );
        } finally {
          this.roomWaiters.delete(wake);
        }
      }
    }
    this.pendingEvents += events;
  }

  private finish(e: PendingEntry): void {
    if (!this.pending.delete(e.id)) return;
    this.pendingEvents -= e.run.sizes.length;
    for (const w of [...this.roomWaiters]) w();
  }

  private giveBack(e: PendingEntry): void {
    if (!this.pending.has(e.id)) return;
    if (e.member !== '') e.tried.add(e.member);
    e.via = undefined;
    this.observer.rerouted(e.pool, e.run.sizes.length);
    this.route(e);
  }

  /** Sends `e` to a live member not yet tried, or drops it (counted) when there is none. */
  private route(e: PendingEntry): void {
    for (;;) {
      const live = this.table.candidates(e.pool, e.run.topic).filter((m) => !e.tried.has(m.id));
      const m = e.key.length > 0 ? pickHrw(e.key, live) : this.nextInTurn(e.pool, live);
      if (m === undefined) {
        this.observer.droppedNoMember(e.pool, e.run.sizes.length);
        this.finish(e);
        return;
      }
      e.member = m.id;
      if (m.peer === undefined) {
        const local = this.localById.get(m.id);
        if (local === undefined) {
          e.tried.add(m.id);
          continue;
        }
        this.observer.routed(e.pool, m.id, e.run.sizes.length);
        local.accept(
          e.run,
          () => this.finish(e),
          () => this.giveBack(e)
        );
        return;
      }
      const link = this.links.get(m.peer);
      if (link === undefined) {
        e.tried.add(m.id);
        continue;
      }
      this.observer.routed(e.pool, m.id, e.run.sizes.length);
      e.via = link;
      link.sendPoolDelivery(e.id, e.pool, m.id, e.key, e.run);
      return;
    }
  }

  private nextInTurn(pool: string, live: readonly PoolMemberInfo[]): PoolMemberInfo | undefined {
    if (live.length === 0) return undefined;
    const n = this.roundRobin.get(pool) ?? 0;
    this.roundRobin.set(pool, (n + 1) % 1_000_000_007);
    return live[n % live.length];
  }

  private queueAck(link: PoolPeerLink, id: number, done: boolean): void {
    if (this.links.get(link.peerId) !== link) return; // the link is gone; its sender re-routes
    let a = this.acks.get(link);
    if (a === undefined) this.acks.set(link, (a = { done: [], returned: [] }));
    (done ? a.done : a.returned).push(id);
    if (this.acksScheduled) return;
    this.acksScheduled = true;
    setImmediate(() => {
      this.acksScheduled = false;
      for (const [l, x] of this.acks) l.sendPoolAck(x.done, x.returned);
      this.acks.clear();
    });
  }

  /** Announces our members to every link once per turn of the event loop. */
  private scheduleAnnouncement(): void {
    if (this.announcementScheduled) return;
    this.announcementScheduled = true;
    setImmediate(() => {
      this.announcementScheduled = false;
      const members = this.table.localMembers();
      for (const l of this.links.values()) l.sendPoolAnnouncement(members);
    });
  }
}
