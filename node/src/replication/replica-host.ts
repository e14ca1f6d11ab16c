/**
 * ReplicaHost: every Raft group of one member, over one WAL and the BrokerReplication streams
 * (docs/replication.md).
 *
 * One loop drives all groups through RaftHost's aggregated Ready, in the documented order:
 * stage every group's snapshot / entries / hard state in the WAL and sync ONCE (when any group
 * needs it), then update the in-memory Raft storages, then send, then apply, then advance.
 * Ticks, peer messages and proposals only touch the RawNodes and kick the loop; work that
 * RaftHost refuses while a Ready is outstanding (adding and removing groups, snapshots,
 * rebuilding a broken replica) waits for the loop's next safe point.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type {
  ReplicationFrame,
  ReplicationFrame__Output,
} from '../gen/broker/v1/ReplicationFrame.js';
import type { RaftMessage } from '../gen/broker/v1/RaftMessage.js';
import type { Logger } from '../config/logger.js';
import {
  EMPTY_CONF_STATE,
  EntryType,
  InvariantError,
  MemoryStorage,
  MessageType,
  ProposalDroppedError,
  RaftHost,
  StateType,
  StepError,
  confState,
  decodeConfChange,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type HostReady,
  type Logger as RaftLogger,
  type Message,
  type RawNode,
  type Snapshot,
} from '../raft/index.js';
import { StagingLimitError } from '../storage/errors.js';
import { WalLogStore } from '../storage/wal-log-store.js';
import type { RecoveredGroup } from '../storage/types.js';
import { ClientPool, MAX_FRAME_BYTES } from './client-pool.js';
import {
  ApplyFailedError,
  EntryTooLargeError,
  GroupClosedError,
  NotLeaderError,
  ProposalRejectedError,
  ProposalTimeoutError,
  ReadIndexTimeoutError,
  ReplicaBrokenError,
  ReplicaBusyError,
  ReplicationConfigError,
  ReplicationError,
} from './errors.js';
import type { PeerIdentity } from './peer-handshake.js';
import { RaftReceiver } from './raft-receiver.js';
import { RaftSender } from './raft-sender.js';
import {
  Replica,
  WAL_KEY_SEPARATOR,
  parseWalKey,
  walKey,
  type Deferred,
  type PendingProposal,
} from './replica.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { chunkBytesFor, sendSnapshot } from './snapshot-sender.js';
import { TokenBucket } from './token-bucket.js';
import type {
  DropReason,
  GroupStateMachine,
  GroupStatusView,
  ReplicaHostOptions,
  ReplicationObserver,
} from './types.js';
import { messageToWire, wireSize } from './wire-convert.js';
import {
  MAX_SNAPSHOT_BYTES,
  REPLICA_ID_RE,
  defaultMemberOf,
  resolveOptions,
  type ResolvedHostOptions,
} from './host-options.js';

/** close() gives the loop this long to finish its round. */
const CLOSE_TIMEOUT_MS = 10_000;
/** onUnknownGroup is called at most once per group per this interval. */
const UNKNOWN_GROUP_INTERVAL_MS = 1_000;

function deferred<T>(): { promise: Promise<T> } & Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class ReplicaHost {
  private readonly o: ResolvedHostOptions;
  private readonly raft = new RaftHost();
  private readonly replicas = new Map<string, Replica>();
  /** What the WAL held at open; an entry is consumed by openGroup() or destroyed. */
  private readonly recovered: Map<string, RecoveredGroup>;
  private readonly log: Logger;
  private readonly observer: ReplicationObserver | undefined;
  private readonly memberOf: (replicaId: string) => string;
  private readonly raftLogger: RaftLogger;
  private readonly pool: ClientPool;
  private readonly senders = new Map<string, RaftSender>();
  private readonly receiver: RaftReceiver;
  private readonly snapshotReceiver: SnapshotReceiver;
  private readonly bucket: TokenBucket;
  /** Outgoing snapshot transfers by group + replica. */
  private readonly transfers = new Map<string, AbortController>();
  private readonly ticker: NodeJS.Timeout;
  private readonly unknownSeen = new Map<string, number>();
  private readCounter = 0n;
  private readonly readSalt = randomBytes(8);

  /** The loop: running iff a round is in progress; `again` asks for one more. */
  private running: Promise<void> | undefined;
  private flushScheduled = false;
  private again = false;
  private closed = false;
  /** Set once the WAL failed: the host stops (the process should restart and recover). */
  private failure: Error | undefined;

  private constructor(
    private readonly opts: ReplicaHostOptions,
    private readonly wal: WalLogStore
  ) {
    this.o = resolveOptions(opts);
    this.log = opts.log;
    this.observer = opts.observer;
    this.memberOf = opts.memberOfReplica ?? defaultMemberOf;
    this.recovered = wal.load();
    const log = this.log;
    this.raftLogger = {
      debug: (m) => log.log('debug', m),
      info: (m) => log.log('info', m),
      warn: (m) => log.log('warn', m),
    };
    this.pool = new ClientPool(opts.directory, opts.channelCredentials);
    const identity: PeerIdentity = {
      memberId: opts.memberId,
      secret: opts.secret,
      verifyPeerIdentity: opts.verifyPeerIdentity,
    };
    this.receiver = new RaftReceiver({
      identity,
      linkFilter: opts.linkFilter,
      log,
      memberOfReplica: this.memberOf,
      dropped: (r, n) => this.dropped(r, n),
      deliver: (m) => this.stepRemote(m),
      snapshotRequested: (g, from, to) => this.onSnapshotRequest(g, from, to),
    });
    this.snapshotReceiver = new SnapshotReceiver({
      identity,
      linkFilter: opts.linkFilter,
      log,
      observer: this.observer,
      maxSnapshotBytes: MAX_SNAPSHOT_BYTES,
      maxPartialBytes: 2 * MAX_SNAPSHOT_BYTES,
      memberOfReplica: this.memberOf,
      refuse: (g, to, from) => this.refuseSnapshot(g, to, from),
      dropped: (r, n) => this.dropped(r, n),
      install: (m) => this.installSnapshot(m),
    });
    const rate = this.o.snapshotRateBytesPerSec;
    this.bucket = new TokenBucket(rate, chunkBytesFor(rate));
    this.ticker = setInterval(() => this.tick(), this.o.tickMs);
    this.ticker.unref();
  }

  /** Opens the WAL in `<dataDir>/raft` and starts ticking. Throws ReplicationConfigError on bad options. */
  static async open(o: ReplicaHostOptions): Promise<ReplicaHost> {
    if (typeof o.memberId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(o.memberId)) {
      throw new ReplicationConfigError(
        `memberId ${JSON.stringify(o.memberId)} is not a valid peer id`
      );
    }
    if (typeof o.dataDir !== 'string' || o.dataDir === '') {
      throw new ReplicationConfigError('dataDir must be a non-empty path');
    }
    if (o.secret === undefined && o.verifyPeerIdentity === undefined) {
      throw new ReplicationConfigError(
        'a cluster secret is required to authenticate peers (or a verifyPeerIdentity hook for mutual TLS)'
      );
    }
    if (o.secret !== undefined && (!(o.secret instanceof Uint8Array) || o.secret.length < 16)) {
      throw new ReplicationConfigError('the cluster secret must be at least 16 bytes');
    }
    resolveOptions(o);
    const wal = await WalLogStore.open({
      dataDir: join(o.dataDir, 'raft'),
      logger: {
        info: (m) => o.log.log('info', m),
        warn: (m) => o.log.log('warn', m),
      },
    });
    return new ReplicaHost(o, wal);
  }

  // ---------------------------------------------------------------- groups

  /** Groups the WAL holds state for and that are not open yet. */
  recoveredGroups(): { group: string; replicaId: string }[] {
    const out: { group: string; replicaId: string }[] = [];
    for (const key of this.recovered.keys()) {
      const p = parseWalKey(key);
      if (p !== undefined && !this.replicas.has(p.group)) out.push(p);
    }
    return out;
  }

  hasGroup(group: string): boolean {
    const r = this.replicas.get(group);
    return r !== undefined && r.closing === undefined;
  }

  groups(): string[] {
    return [...this.replicas.values()].filter((r) => r.closing === undefined).map((r) => r.group);
  }

  /**
   * Opens a replica: recovered from the WAL if it has state; else with `bootstrap` (founders:
   * an initial snapshot at index 1 with the given membership); else empty, waiting for a
   * leader's snapshot.
   */
  openGroup(
    group: string,
    replicaId: string,
    sm: GroupStateMachine,
    o?: { bootstrap?: { voters: string[]; learners?: string[] } }
  ): void {
    this.checkOpen();
    if (
      typeof group !== 'string' ||
      group === '' ||
      group.includes(WAL_KEY_SEPARATOR) ||
      group.includes('\0')
    ) {
      throw new ReplicationConfigError(`group id ${JSON.stringify(group)} is not valid`);
    }
    if (Buffer.byteLength(group) > 120)
      throw new ReplicationConfigError(`group id ${group} is longer than 120 bytes`);
    if (typeof replicaId !== 'string' || !REPLICA_ID_RE.test(replicaId)) {
      throw new ReplicationConfigError(`replica id ${JSON.stringify(replicaId)} is not valid`);
    }
    if (this.memberOf(replicaId) !== this.opts.memberId) {
      throw new ReplicationConfigError(
        `replica ${replicaId} does not belong to member ${this.opts.memberId}`
      );
    }
    if (this.replicas.has(group))
      throw new ReplicationError(`group ${group} is already open on this host`);
    const key = walKey(group, replicaId);
    // State of another replica id for the same group is an obsolete incarnation.
    for (const k of [...this.recovered.keys()]) {
      const p = parseWalKey(k);
      if (p !== undefined && p.group === group && k !== key) {
        this.log.log('warn', 'dropping the state of an obsolete replica', {
          group,
          replica: p.replicaId,
        });
        this.recovered.delete(k);
        this.wal.dropGroup(k);
      }
    }
    const rec = this.recovered.get(key);
    this.recovered.delete(key);
    let rep: Replica;
    if (
      rec !== undefined &&
      (rec.snapshot !== undefined || rec.entries.length > 0 || rec.hardState.term > 0)
    ) {
      const storage = new MemoryStorage(EMPTY_CONF_STATE);
      let applied = 0;
      let cs = EMPTY_CONF_STATE;
      if (rec.snapshot !== undefined) {
        storage.applySnapshot(rec.snapshot);
        applied = rec.snapshot.meta.index;
        cs = rec.snapshot.meta.confState;
        sm.restore(applied, rec.snapshot.data);
        sm.onConfState?.(cs);
      }
      storage.setHardState(rec.hardState);
      storage.append(rec.entries);
      rep = new Replica(group, replicaId, sm, storage, cs, applied);
      rep.awaitingSnapshot = rec.snapshot === undefined;
    } else if (o?.bootstrap !== undefined) {
      const voters = o.bootstrap.voters;
      const learners = o.bootstrap.learners ?? [];
      for (const id of [...voters, ...learners]) {
        if (typeof id !== 'string' || !REPLICA_ID_RE.test(id)) {
          throw new ReplicationConfigError(
            `bootstrap member ${JSON.stringify(id)} is not a valid replica id`
          );
        }
      }
      if (voters.length === 0)
        throw new ReplicationConfigError('bootstrap needs at least one voter');
      if (new Set([...voters, ...learners]).size !== voters.length + learners.length) {
        throw new ReplicationConfigError('bootstrap lists a replica twice');
      }
      const cs = confState({ voters: [...voters], learners: [...learners] });
      // Founders start from the same snapshot at index 1, so the log never holds index 1 and
      // any later empty replica is caught up by snapshot, never by replaying from the start.
      const snap: Snapshot = { meta: { index: 1, term: 1, confState: cs }, data: sm.snapshot() };
      const hs = { term: 1, vote: '', commit: 1 };
      this.wal.saveSnapshot(key, snap);
      this.wal.setHardState(key, hs);
      const storage = new MemoryStorage(EMPTY_CONF_STATE);
      storage.applySnapshot(snap);
      storage.setHardState(hs);
      rep = new Replica(group, replicaId, sm, storage, cs, 1);
      sm.onConfState?.(cs);
    } else {
      rep = new Replica(
        group,
        replicaId,
        sm,
        new MemoryStorage(EMPTY_CONF_STATE),
        EMPTY_CONF_STATE,
        0
      );
      rep.awaitingSnapshot = true;
    }
    this.replicas.set(group, rep);
    this.kick();
  }

  /** Closes a group at the loop's next safe point; `destroy` also deletes its state. */
  closeGroup(group: string, o?: { destroy?: boolean }): Promise<void> {
    const rep = this.replicas.get(group);
    if (rep === undefined) {
      // Possibly only recovered state: destroy drops it without opening.
      if (o?.destroy === true) {
        for (const k of [...this.recovered.keys()]) {
          if (parseWalKey(k)?.group === group) {
            this.recovered.delete(k);
            this.wal.dropGroup(k);
          }
        }
        return this.wal.sync();
      }
      return Promise.resolve();
    }
    const d = deferred<void>();
    if (rep.closing === undefined) rep.closing = { destroy: o?.destroy === true, waiters: [] };
    else if (o?.destroy === true) rep.closing.destroy = true;
    rep.closing.waiters.push(d);
    this.failPending(rep, (what) =>
      what === 'proposal'
        ? new GroupClosedError(
            `group ${group} was closed; the outcome of the proposal is unknown`,
            'unknown'
          )
        : new GroupClosedError(`group ${group} was closed`)
    );
    this.kick();
    return d.promise;
  }

  // ---------------------------------------------------------------- client calls

  propose(
    group: string,
    data: Uint8Array,
    o: { timeoutMs: number }
  ): Promise<{ index: number; result: unknown }> {
    try {
      const rep = this.usable(group);
      if (!(data instanceof Uint8Array)) throw new ReplicationError('proposal data must be bytes');
      if (data.length > this.o.maxEntryBytes) {
        this.count(group, 'too-large');
        throw new EntryTooLargeError(
          `proposal of ${data.length} bytes exceeds the largest entry (${this.o.maxEntryBytes} bytes)`
        );
      }
      return this.proposeOn(rep, 'normal', o.timeoutMs, data);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  proposeConfChange(group: string, cc: ConfChangeV2, o: { timeoutMs: number }): Promise<ConfState> {
    try {
      const rep = this.usable(group);
      return this.proposeOn(rep, 'conf', o.timeoutMs, cc).then((r) => r.result as ConfState);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  private proposeOn(
    rep: Replica,
    kind: 'normal' | 'conf',
    timeoutMs: number,
    data: Uint8Array | ConfChangeV2
  ): Promise<{ index: number; result: unknown }> {
    checkTimeout(timeoutMs);
    const node = rep.node;
    if (rep.proposals.size + rep.queued.length >= this.o.maxPendingProposals) {
      this.count(rep.group, 'busy');
      throw new ReplicaBusyError(
        rep.group,
        this.o.maxPendingProposals,
        'proposals',
        'maxPendingProposals'
      );
    }
    if (node === undefined || node.basicStatus().softState.state !== StateType.Leader) {
      this.count(rep.group, 'not-leader');
      throw new NotLeaderError(rep.group, this.knownLeader(rep));
    }
    const d = deferred<{ index: number; result: unknown }>();
    const startedMs = performance.now();
    if (kind === 'normal') {
      // Proposals of one event-loop turn are stepped together (one append per follower).
      rep.queued.push({ data: data as Uint8Array, d, timeoutMs, startedMs });
      this.scheduleFlush();
      return d.promise;
    }
    let pos: { index: number; term: number } | undefined;
    try {
      pos = node.proposeConfChange(data as ConfChangeV2);
    } catch (e) {
      if (e instanceof ProposalDroppedError) {
        this.count(rep.group, 'rejected');
        throw new ProposalRejectedError(`group ${rep.group}: ${e.message}`, { cause: e });
      }
      throw e;
    }
    if (pos === undefined) {
      this.count(rep.group, 'not-leader');
      throw new NotLeaderError(rep.group, this.knownLeader(rep));
    }
    this.register(rep, pos.index, pos.term, kind, d, timeoutMs, startedMs);
    this.kick();
    return d.promise;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushProposals();
    });
  }

  /** Steps every group's queued proposals as one batch each (all or nothing, per group). */
  private flushProposals(): void {
    for (const rep of this.replicas.values()) {
      if (rep.queued.length === 0) continue;
      const batch = rep.queued.splice(0);
      const fail = (e: Error): void => {
        for (const q of batch) q.d.reject(e);
      };
      if (this.closed || this.failure !== undefined || rep.closing !== undefined) {
        fail(new GroupClosedError(`group ${rep.group} was closed before the proposal was made`));
        continue;
      }
      if (rep.broken !== undefined) {
        fail(new ReplicaBrokenError(`group ${rep.group} is being rebuilt: ${rep.broken}`));
        continue;
      }
      const node = rep.node;
      let range: { first: number; last: number; term: number } | undefined;
      try {
        range =
          node !== undefined && node.basicStatus().softState.state === StateType.Leader
            ? node.proposeBatch(batch.map((q) => q.data))
            : undefined;
      } catch (e) {
        // Nothing was appended (proposeBatch is all or nothing); this runs on its own turn,
        // so whatever went wrong goes to the proposers, never up the stack.
        for (const _ of batch) this.count(rep.group, 'rejected');
        fail(
          new ProposalRejectedError(`group ${rep.group}: ${(e as Error).message}`, { cause: e })
        );
        continue;
      }
      if (range === undefined) {
        for (const _ of batch) this.count(rep.group, 'not-leader');
        fail(new NotLeaderError(rep.group, this.knownLeader(rep)));
        continue;
      }
      const now = performance.now();
      batch.forEach((q, i) => {
        const left = Math.max(1, q.timeoutMs - (now - q.startedMs));
        this.register(rep, range.first + i, range.term, 'normal', q.d, left, q.startedMs);
      });
    }
    this.kick();
  }

  private register(
    rep: Replica,
    index: number,
    term: number,
    kind: 'normal' | 'conf',
    d: Deferred<{ index: number; result: unknown }>,
    timeoutMs: number,
    startedMs: number
  ): void {
    const prev = rep.proposals.get(index);
    if (prev !== undefined) {
      // Our new entry replaced it in our log at a newer term: it was never committed.
      this.settleProposal(
        rep,
        index,
        prev,
        new ProposalRejectedError(
          `group ${rep.group}: entry ${index} was overwritten by a newer leader`
        )
      );
    }
    const timer = setTimeout(() => {
      const p = rep.proposals.get(index);
      if (p === undefined || p.timer !== timer) return;
      this.count(rep.group, 'timeout');
      this.settleProposal(
        rep,
        index,
        p,
        new ProposalTimeoutError(
          `group ${rep.group}: entry ${index} was not applied in time; it may still commit`
        )
      );
    }, timeoutMs);
    timer.unref();
    rep.proposals.set(index, {
      term,
      kind,
      startedMs,
      resolve: d.resolve,
      reject: d.reject,
      timer,
    });
  }

  private settleProposal(
    rep: Replica,
    index: number,
    p: PendingProposal,
    err: Error | undefined,
    result?: unknown
  ): void {
    clearTimeout(p.timer);
    rep.proposals.delete(index);
    if (err !== undefined) p.reject(err);
    else p.resolve({ index, result });
  }

  /** Linearizable read point (ReadIndex); resolves once this replica has applied it. */
  readIndex(group: string, o: { timeoutMs: number }): Promise<number> {
    try {
      const rep = this.usable(group);
      checkTimeout(o.timeoutMs);
      if (rep.reads.size >= this.o.maxPendingReads) {
        throw new ReplicaBusyError(group, this.o.maxPendingReads, 'reads', 'maxPendingReads');
      }
      const node = rep.node;
      if (node === undefined) throw new NotLeaderError(group, undefined);
      const ctx = Buffer.alloc(16);
      ctx.writeBigUInt64BE(++this.readCounter & 0xffffffffffffffffn, 0);
      this.readSalt.copy(ctx, 8);
      const key = ctx.toString('hex');
      try {
        node.readIndex(ctx);
      } catch (e) {
        if (e instanceof ProposalDroppedError)
          throw new NotLeaderError(group, this.knownLeader(rep), { cause: e });
        throw e;
      }
      const d = deferred<number>();
      const timer = setTimeout(() => {
        const r = rep.reads.get(key);
        if (r === undefined) return;
        rep.reads.delete(key);
        r.reject(
          new ReadIndexTimeoutError(
            `group ${group}: read index not confirmed within ${o.timeoutMs} ms`
          )
        );
      }, o.timeoutMs);
      timer.unref();
      rep.reads.set(key, { index: undefined, resolve: d.resolve, reject: d.reject, timer });
      this.kick();
      return d.promise;
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Leader: snapshot first (the new empty replica gets recent state), then add it as a learner. */
  async addLearner(group: string, replicaId: string, o: { timeoutMs: number }): Promise<void> {
    const rep = this.usable(group);
    if (!REPLICA_ID_RE.test(replicaId))
      throw new ReplicationConfigError(`replica id ${JSON.stringify(replicaId)} is not valid`);
    if (rep.node?.basicStatus().softState.state !== StateType.Leader)
      throw new NotLeaderError(group, this.knownLeader(rep));
    if (rep.applied > rep.snapshotIndex) await this.snapshotNow(group);
    await this.proposeConfChange(
      group,
      { transition: 'auto', changes: [{ type: 'add-learner', node: replicaId }] },
      o
    );
  }

  transferLeadership(group: string, toReplicaId: string): void {
    const rep = this.usable(group);
    if (typeof toReplicaId !== 'string' || !REPLICA_ID_RE.test(toReplicaId))
      throw new ReplicationConfigError(`replica id ${JSON.stringify(toReplicaId)} is not valid`);
    if (rep.node === undefined) throw new NotLeaderError(group, undefined);
    rep.node.transferLeader(toReplicaId);
    this.kick();
  }

  /** Snapshots the group at its applied index (at the loop's next safe point) and compacts behind it. */
  snapshotNow(group: string): Promise<{ index: number; bytes: number }> {
    try {
      const rep = this.usable(group);
      const d = deferred<{ index: number; bytes: number }>();
      rep.wantSnapshot = true;
      rep.snapshotWaiters.push(d);
      this.kick();
      return d.promise;
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Whether this replica leads its group (no allocation: for per-request checks). */
  isLeader(group: string): boolean {
    const rep = this.replicas.get(group);
    return (
      rep !== undefined &&
      rep.closing === undefined &&
      rep.broken === undefined &&
      rep.node?.basicStatus().softState.state === StateType.Leader
    );
  }

  status(group: string): GroupStatusView {
    const rep = this.replicas.get(group);
    if (rep === undefined || rep.closing !== undefined)
      throw new GroupClosedError(`group ${group} is not open on this host`);
    const restore = this.snapshotReceiver.progressOf(group, rep.replicaId);
    const st = rep.node?.status();
    const cs = st?.config ?? rep.confState;
    const lastIndex = st?.lastIndex ?? rep.storage.lastIndex();
    const followers = [];
    if (st !== undefined) {
      for (const [id, pr] of st.progress) {
        if (id === rep.replicaId) continue;
        followers.push({
          id,
          match: pr.match,
          next: pr.next,
          state: pr.state,
          learner: pr.isLearner,
          lag: Math.max(0, lastIndex - pr.match),
        });
      }
    }
    const state = st?.softState.state ?? StateType.Follower;
    const role =
      rep.broken !== undefined
        ? 'broken'
        : state === StateType.Follower && cs.learners.includes(rep.replicaId)
          ? 'learner'
          : state;
    return {
      group,
      replicaId: rep.replicaId,
      role,
      term: st?.hardState.term ?? rep.storage.initialState().hardState.term,
      leader: st === undefined || st.softState.lead === '' ? undefined : st.softState.lead,
      commitIndex: st?.hardState.commit ?? rep.storage.initialState().hardState.commit,
      appliedIndex: rep.applied,
      lastIndex,
      snapshotIndex: rep.snapshotIndex,
      firstIndex: rep.storage.firstIndex(),
      voters: [...cs.voters, ...cs.votersOutgoing.filter((v) => !cs.voters.includes(v))],
      learners: [...cs.learners],
      followers,
      broken: rep.broken !== undefined,
      brokenReason: rep.broken,
      restore,
      pendingProposals: rep.proposals.size + rep.queued.length,
    };
  }

  /** Raft stream state per member: our outbound stream is proven, and theirs to us is. */
  links(): { member: string; outbound: boolean; inbound: boolean }[] {
    const inbound = new Set(this.receiver.connectedCallers());
    const members = new Set([...this.senders.keys(), ...inbound]);
    return [...members].sort().map((member) => ({
      member,
      outbound: this.senders.get(member)?.connected === true,
      inbound: inbound.has(member),
    }));
  }

  /** BrokerReplication's Raft and InstallSnapshot handlers, for the node's grpc.Server. */
  grpcHandlers(): {
    Raft: grpc.handleBidiStreamingCall<ReplicationFrame__Output, ReplicationFrame>;
    InstallSnapshot: grpc.handleBidiStreamingCall<ReplicationFrame__Output, ReplicationFrame>;
  } {
    return { Raft: this.receiver.handle, InstallSnapshot: this.snapshotReceiver.handle };
  }

  /** Stops ticking, fails what is pending, lets the loop finish, closes links and the WAL. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    for (const rep of this.replicas.values()) {
      this.failPending(rep, (what) =>
        what === 'proposal'
          ? new GroupClosedError(
              'the replication host is closing; the outcome of the proposal is unknown',
              'unknown'
            )
          : new GroupClosedError('the replication host is closing')
      );
      for (const w of rep.closing?.waiters ?? []) w.resolve();
    }
    for (const t of this.transfers.values()) t.abort();
    this.receiver.close();
    this.snapshotReceiver.close();
    for (const s of this.senders.values()) s.close();
    await withTimeout(this.running ?? Promise.resolve(), CLOSE_TIMEOUT_MS);
    await withTimeout(
      Promise.allSettled([...this.senders.values()].map((s) => s.done)),
      CLOSE_TIMEOUT_MS
    );
    this.pool.close();
    try {
      await withTimeout(this.wal.close(), CLOSE_TIMEOUT_MS);
    } catch (e) {
      this.log.log('warn', 'closing the WAL failed', { error: (e as Error).message });
    }
  }

  // ---------------------------------------------------------------- internals

  private checkOpen(): void {
    if (this.closed) throw new GroupClosedError('the replication host is closed');
    if (this.failure !== undefined) {
      throw new GroupClosedError(
        `the replication host failed: ${this.failure.message}`,
        'not-applied',
        {
          cause: this.failure,
        }
      );
    }
  }

  private usable(group: string): Replica {
    this.checkOpen();
    const rep = this.replicas.get(group);
    if (rep === undefined || rep.closing !== undefined) {
      this.count(group, 'closed');
      throw new GroupClosedError(`group ${group} is not open on this host`);
    }
    if (rep.broken !== undefined)
      throw new ReplicaBrokenError(`group ${group} is being rebuilt: ${rep.broken}`);
    return rep;
  }

  /** The leader this replica's Raft knows of right now (not only as of the last Ready). */
  private knownLeader(rep: Replica): string | undefined {
    const lead = rep.node?.basicStatus().softState.lead;
    return lead === undefined || lead === '' ? undefined : lead;
  }

  private count(
    group: string,
    outcome: Parameters<NonNullable<ReplicationObserver['proposal']>>[1]
  ): void {
    this.observer?.proposal?.(group, outcome);
  }

  private dropped(reason: DropReason, n: number): void {
    this.observer?.dropped?.(reason, n);
  }

  private failPending(
    rep: Replica,
    err: (what: 'proposal' | 'queued' | 'read' | 'snapshot') => Error
  ): void {
    for (const q of rep.queued.splice(0)) q.d.reject(err('queued'));
    for (const [i, p] of [...rep.proposals]) this.settleProposal(rep, i, p, err('proposal'));
    for (const r of rep.reads.values()) {
      clearTimeout(r.timer);
      r.reject(err('read'));
    }
    rep.reads.clear();
    for (const w of rep.snapshotWaiters.splice(0)) w.reject(err('snapshot'));
  }

  private tick(): void {
    if (this.closed || this.failure !== undefined) return;
    // Per group rather than RaftHost.tick(): one group's broken invariant must not stop the
    // others' clocks (or escape from a timer callback).
    for (const rep of this.replicas.values()) {
      if (rep.node === undefined || rep.needsReset) continue;
      try {
        rep.node.tick();
      } catch (e) {
        if (e instanceof InvariantError) this.markBroken(rep, e.message);
        else
          this.log.log('error', 'raft tick failed', {
            group: rep.group,
            error: (e as Error).message,
          });
      }
    }
    this.kick();
  }

  /** A validated message from a peer (or a local replica). */
  private stepRemote(msg: Message): void {
    let m = msg;
    if (this.closed) return;
    const rep = this.replicas.get(m.group);
    if (rep === undefined || rep.closing !== undefined) {
      this.dropped('unknown-group', 1);
      this.notifyUnknown(m.group, m.from);
      return;
    }
    if (rep.node === undefined || rep.needsReset) {
      this.dropped('broken', 1);
      return;
    }
    if (m.to !== rep.replicaId) {
      this.dropped('invalid', 1);
      return;
    }
    if ((rep.broken !== undefined || rep.awaitingSnapshot) && m.type === MessageType.Heartbeat) {
      const st = rep.node.basicStatus();
      if (m.commit > st.lastIndex) {
        // Empty (new, wiped or rebuilt): the leader may still believe an old log is here. Keep answering its
        // heartbeats (it only sends snapshots to active followers) without the commit index we
        // cannot hold, and ask it for a snapshot.
        m = { ...m, commit: st.hardState.commit };
        this.requestSnapshot(rep, m.from, m.term);
      }
    }
    try {
      rep.node.step(m);
    } catch (e) {
      this.onStepError(rep, m, e);
      return;
    }
    this.kick();
  }

  private onStepError(rep: Replica, m: Message, e: unknown): void {
    if (e instanceof InvariantError) {
      this.markBroken(rep, e.message);
      return;
    }
    this.dropped('step-error', 1);
    this.log.log(e instanceof StepError ? 'debug' : 'warn', 'dropped a raft message', {
      group: m.group,
      from: m.from,
      type: m.type,
      error: (e as Error).message,
    });
  }

  private markBroken(rep: Replica, reason: string): void {
    if (rep.needsReset) return;
    this.log.log('error', 'replica is broken; it will be rebuilt from a leader snapshot', {
      group: rep.group,
      replica: rep.replicaId,
      reason,
    });
    rep.broken = reason;
    rep.needsReset = true;
    this.observer?.brokenReplica?.(rep.group, reason);
    this.kick();
  }

  private notifyUnknown(group: string, from: string): void {
    const cb = this.opts.onUnknownGroup;
    if (cb === undefined) return;
    const now = Date.now();
    const last = this.unknownSeen.get(group);
    if (last !== undefined && now - last < UNKNOWN_GROUP_INTERVAL_MS) return;
    if (this.unknownSeen.size > 10_000) this.unknownSeen.clear();
    this.unknownSeen.set(group, now);
    try {
      cb(group, from);
    } catch (e) {
      this.log.log('warn', 'onUnknownGroup failed', { group, error: (e as Error).message });
    }
  }

  private refuseSnapshot(group: string, to: string, _from: string): string | undefined {
    const rep = this.replicas.get(group);
    if (rep === undefined || rep.closing !== undefined) {
      this.notifyUnknown(group, _from);
      return `group ${group} is not hosted here`;
    }
    if (rep.replicaId !== to) return `replica ${to} of group ${group} is not hosted here`;
    return undefined;
  }

  private installSnapshot(m: Message): string | undefined {
    const rep = this.replicas.get(m.group);
    if (rep === undefined || rep.node === undefined || rep.needsReset || rep.replicaId !== m.to) {
      return `group ${m.group} cannot take a snapshot now`;
    }
    try {
      rep.node.step(m);
    } catch (e) {
      this.onStepError(rep, m, e);
      return (e as Error).message;
    }
    this.kick();
    return undefined;
  }

  // ---------------------------------------------------------------- the loop

  private kick(): void {
    if (this.closed || this.failure !== undefined) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.loop());
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        if (this.closed) break;
        const synced = await this.safePoint();
        if (this.raft.hasReady()) await this.handleReady(this.raft.ready());
        else if (!this.again && !synced) break;
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.running = undefined;
    }
  }

  private fail(e: Error): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.log.log('error', 'replication host stopped', { error: e.message });
    try {
      this.opts.onFatal?.(e);
    } catch {
      // The hook's own failure must not hide the first one.
    }
    for (const rep of this.replicas.values()) {
      this.failPending(rep, (what) =>
        what === 'proposal'
          ? new GroupClosedError(
              `the WAL failed; the outcome of the proposal is unknown`,
              'unknown',
              { cause: e }
            )
          : new GroupClosedError('the WAL failed', 'not-applied', { cause: e })
      );
    }
  }

  /**
   * Work RaftHost refuses while a Ready is outstanding. Returns true when it staged writes
   * (and synced them), so the caller loops again.
   */
  private async safePoint(): Promise<boolean> {
    let staged = false;
    for (const rep of [...this.replicas.values()]) {
      if (rep.closing !== undefined) {
        if (rep.node !== undefined) this.raft.removeGroup(rep.group);
        this.replicas.delete(rep.group);
        this.snapshotReceiver.forget(rep.group);
        for (const [k, t] of this.transfers) if (k.startsWith(`${rep.group}\u0000`)) t.abort();
        if (rep.closing.destroy) {
          this.wal.dropGroup(rep.key);
          staged = true;
        }
        const waiters = rep.closing.waiters;
        if (staged) await this.wal.sync();
        for (const w of waiters) w.resolve();
        continue;
      }
      if (rep.needsReset) {
        this.resetBroken(rep);
        staged = true;
      }
      if (rep.node === undefined) {
        rep.node = this.raft.addGroup({
          id: rep.replicaId,
          group: rep.group,
          electionTick: this.o.electionTicks,
          heartbeatTick: this.o.heartbeatTicks,
          storage: rep.storage,
          applied: rep.applied,
          random: Math.random,
          preVote: true,
          checkQuorum: true,
          logger: this.raftLogger,
        });
      }
      if (rep.wantSnapshot || (rep.forceCompactTo > 0 && rep.applied >= rep.forceCompactTo)) {
        this.takeSnapshot(rep);
        staged = true;
      }
    }
    if (staged) await this.wal.sync();
    for (const rep of this.replicas.values()) {
      if (rep.snapshotWaiters.length === 0) continue;
      const snap = rep.storage.snapshot();
      for (const w of rep.snapshotWaiters.splice(0))
        w.resolve({ index: snap.meta.index, bytes: snap.data.length });
    }
    return staged;
  }

  /** Destroys a broken replica's state and re-opens it empty (a leader restores it by snapshot). */
  private resetBroken(rep: Replica): void {
    if (rep.node !== undefined) this.raft.removeGroup(rep.group);
    rep.node = undefined;
    const old = rep.storage.initialState().hardState;
    this.failPending(rep, (what) =>
      what === 'proposal'
        ? new ProposalTimeoutError(
            `group ${rep.group}: the replica broke; the outcome of the proposal is unknown`
          )
        : new ReplicaBrokenError(`group ${rep.group}: the replica broke`)
    );
    this.snapshotReceiver.forget(rep.group);
    this.wal.dropGroup(rep.key);
    // Term and vote survive: forgetting a vote could let this replica vote twice in a term.
    const hs = { term: old.term, vote: old.vote, commit: 0 };
    this.wal.setHardState(rep.key, hs);
    const storage = new MemoryStorage(EMPTY_CONF_STATE);
    storage.setHardState(hs);
    rep.storage = storage;
    rep.confState = EMPTY_CONF_STATE;
    rep.applied = 0;
    rep.snapshotIndex = 0;
    rep.entriesSinceSnapshot = 0;
    rep.bytesSinceSnapshot = 0;
    rep.leader = undefined;
    rep.forceCompactTo = 0;
    rep.needsReset = false;
    rep.awaitingSnapshot = true;
  }

  /**
   * At a safe point: snapshot at the applied index, then compact behind it keeping a tail, or
   * further, up to `rep.forceCompactTo`, when a rebuilt follower must be sent a snapshot.
   */
  private takeSnapshot(rep: Replica): void {
    rep.wantSnapshot = false;
    if (rep.node === undefined) return;
    const force = rep.forceCompactTo;
    if (rep.applied > rep.snapshotIndex) {
      const i = rep.applied;
      let data: Uint8Array;
      try {
        data = rep.sm.snapshot();
      } catch (e) {
        this.log.log('error', 'state machine snapshot failed', {
          group: rep.group,
          error: (e as Error).message,
        });
        return;
      }
      if (!(data instanceof Uint8Array) || data.length > MAX_SNAPSHOT_BYTES) {
        this.log.log(
          'error',
          'state machine snapshot is not bytes or too large; not snapshotting',
          {
            group: rep.group,
            bytes: data.length,
            limit: MAX_SNAPSHOT_BYTES,
          }
        );
        rep.forceCompactTo = 0;
        return;
      }
      const snap = rep.storage.createSnapshot(i, rep.confState, data);
      this.wal.saveSnapshot(rep.key, snap);
      rep.snapshotIndex = i;
      rep.entriesSinceSnapshot = 0;
      rep.bytesSinceSnapshot = 0;
      this.log.log('debug', 'snapshot taken', {
        group: rep.group,
        index: i,
        bytes: snap.data.length,
      });
    }
    let compactTo = rep.snapshotIndex - this.o.compactionTailEntries;
    if (force > 0 && force <= rep.snapshotIndex) {
      compactTo = Math.max(compactTo, force);
      rep.forceCompactTo = 0;
    }
    if (compactTo >= rep.storage.firstIndex()) {
      rep.storage.compact(compactTo);
      this.wal.compact(rep.key, compactTo);
    }
  }

  /**
   * Leader side of a rebuilt follower's snapshot request. Raft never moves a follower's match
   * point back, so a follower that lost its log would be sent appends after that point
   * forever; compacting past it makes Raft send a snapshot instead. If nothing was applied
   * past it yet, an empty entry (not passed to the state machine) provides the index.
   */
  private onSnapshotRequest(group: string, from: string, to: string): void {
    const rep = this.replicas.get(group);
    const node = rep?.node;
    if (
      rep === undefined ||
      node === undefined ||
      rep.replicaId !== to ||
      rep.closing !== undefined
    )
      return;
    if (node.basicStatus().softState.state !== StateType.Leader) return;
    const pr = node.status().progress.get(from);
    if (pr === undefined || pr.state === 'snapshot') return;
    const now = performance.now();
    const last = rep.snapshotRequests.get(from);
    if (last !== undefined && now - last < this.o.electionTicks * this.o.tickMs) return;
    if (rep.snapshotRequests.size > 1024) rep.snapshotRequests.clear();
    rep.snapshotRequests.set(from, now);
    this.log.log('info', 'a rebuilt follower asks for a snapshot', {
      group,
      follower: from,
      match: pr.match,
    });
    node.reportUnreachable(from);
    rep.forceCompactTo = Math.max(rep.forceCompactTo, pr.match + 1);
    if (rep.applied < rep.forceCompactTo) {
      try {
        node.propose(new Uint8Array(0));
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
      }
    }
    this.kick();
  }

  /** Follower side: tell `leader` this (rebuilt, empty) replica needs a snapshot. Rate-limited. */
  private requestSnapshot(rep: Replica, leader: string, term: number): void {
    const now = performance.now();
    if (now - rep.lastSnapshotRequestMs < this.o.electionTicks * this.o.tickMs) return;
    rep.lastSnapshotRequestMs = now;
    this.sendToMember(this.memberOf(leader), [
      {
        group: rep.group,
        type: MessageType.SnapshotResponse,
        from: rep.replicaId,
        to: leader,
        term,
        logTerm: 0,
        index: 0,
        entries: [],
        commit: 0,
        reject: true,
        rejectHint: 0,
      },
    ]);
  }

  private async handleReady(hr: HostReady): Promise<void> {
    // 1. persist every group's part, one sync for all (more only if one round would exceed
    // the WAL's staging bound; nothing is sent before the last of them).
    for (const { group, ready } of hr.groups) {
      const rep = this.replicas.get(group) as Replica;
      const stage = (): void => {
        if (ready.snapshot) this.wal.saveSnapshot(rep.key, ready.snapshot);
        if (ready.entries.length > 0) this.wal.append(rep.key, ready.entries);
        if (ready.hardState) this.wal.setHardState(rep.key, ready.hardState);
      };
      try {
        stage();
      } catch (e) {
        if (!(e instanceof StagingLimitError)) throw e;
        // Staging validates before it changes anything, so the group's writes can be retried.
        await this.wal.sync();
        stage();
      }
    }
    if (hr.mustSync) {
      const t0 = performance.now();
      await this.wal.sync();
      this.observer?.fsyncLatency?.((performance.now() - t0) / 1000);
    } else if (this.wal.stagedBytes > 0) {
      // Commit-only changes need not be durable before anything; a later sync carries them.
      this.wal.sync().catch((e: unknown) => this.fail(e as Error));
    }
    for (const { group, ready } of hr.groups) {
      const rep = this.replicas.get(group) as Replica;
      if (ready.snapshot) rep.storage.applySnapshot(ready.snapshot);
      rep.storage.append(ready.entries);
      if (ready.hardState) rep.storage.setHardState(ready.hardState);
    }
    // 2. send.
    this.send(hr.messagesByPeer);
    // 3. apply.
    for (const { group, ready } of hr.groups) {
      const rep = this.replicas.get(group) as Replica;
      if (ready.softState !== undefined || ready.hardState !== undefined) this.noteLeader(rep);
      if (ready.snapshot) this.applySnapshot(rep, ready.snapshot);
      for (const e of ready.committedEntries) this.applyEntry(rep, e);
      for (const rs of ready.readStates) {
        const r = rep.reads.get(Buffer.from(rs.requestCtx).toString('hex'));
        if (r !== undefined) r.index = rs.index;
      }
      this.serveReads(rep);
      if (
        rep.entriesSinceSnapshot >= this.o.snapshotEntries ||
        rep.bytesSinceSnapshot >= this.o.snapshotBytes
      ) {
        rep.wantSnapshot = true;
      }
    }
    // 4. advance.
    this.raft.advance();
  }

  private noteLeader(rep: Replica): void {
    const st = rep.node?.basicStatus();
    if (st === undefined) return;
    const leader = st.softState.lead === '' ? undefined : st.softState.lead;
    const term = st.hardState.term;
    if (leader === rep.leader) {
      rep.term = term;
      return;
    }
    rep.leader = leader;
    rep.term = term;
    this.observer?.leaderChange?.(rep.group, leader, term);
    try {
      rep.sm.onLeaderChange?.(leader, term);
    } catch (e) {
      this.log.log('warn', 'onLeaderChange failed', {
        group: rep.group,
        error: (e as Error).message,
      });
    }
  }

  private tellConfState(rep: Replica, cs: ConfState): void {
    try {
      rep.sm.onConfState?.(cs);
    } catch (e) {
      this.log.log('warn', 'onConfState failed', { group: rep.group, error: (e as Error).message });
    }
  }

  private applySnapshot(rep: Replica, snap: Snapshot): void {
    // Marked broken during this round: its state is about to be destroyed anyway.
    if (rep.needsReset) return;
    const i = snap.meta.index;
    try {
      rep.sm.restore(i, snap.data);
    } catch (e) {
      // Raft and the WAL hold the snapshot, the state machine does not: rebuild again.
      this.markBroken(rep, `restoring the snapshot at ${i} failed: ${(e as Error).message}`);
      return;
    }
    rep.applied = i;
    rep.snapshotIndex = i;
    rep.confState = snap.meta.confState;
    rep.entriesSinceSnapshot = 0;
    rep.bytesSinceSnapshot = 0;
    this.tellConfState(rep, snap.meta.confState);
    rep.awaitingSnapshot = false;
    // Proposals covered by the snapshot may or may not be in it.
    for (const [idx, p] of [...rep.proposals]) {
      if (idx <= i) {
        this.settleProposal(
          rep,
          idx,
          p,
          new ProposalTimeoutError(
            `group ${rep.group}: a snapshot at ${i} replaced entry ${idx}; its outcome is unknown`
          )
        );
      }
    }
    if (rep.broken !== undefined) {
      this.log.log('info', 'broken replica rebuilt from a snapshot', {
        group: rep.group,
        index: i,
      });
      rep.broken = undefined;
      this.observer?.replicaRebuilt?.(rep.group, i);
    }
  }

  private applyEntry(rep: Replica, e: Entry): void {
    // A replica marked broken applies nothing more until it is rebuilt.
    if (rep.needsReset || e.index <= rep.applied) return;
    rep.applied = e.index;
    rep.entriesSinceSnapshot++;
    rep.bytesSinceSnapshot += e.data.length;
    const p = rep.proposals.get(e.index);
    if (p !== undefined && p.term !== e.term) {
      this.count(rep.group, 'rejected');
      this.settleProposal(
        rep,
        e.index,
        p,
        new ProposalRejectedError(
          `group ${rep.group}: entry ${e.index} was lost to a leadership change`
        )
      );
    }
    const mine = p !== undefined && p.term === e.term ? p : undefined;
    if (e.type === EntryType.ConfChange) {
      let cs: ConfState;
      try {
        cs = (rep.node as RawNode).applyConfChange(decodeConfChange(e.data));
      } catch (err) {
        // A committed change that cannot be applied is ignored by every replica alike.
        this.log.log('warn', 'ignored an invalid committed conf change', {
          group: rep.group,
          error: (err as Error).message,
        });
        if (mine)
          this.settleProposal(
            rep,
            e.index,
            mine,
            new ProposalRejectedError((err as Error).message)
          );
        return;
      }
      rep.confState = cs;
      this.tellConfState(rep, cs);
      if (mine) {
        this.count(rep.group, 'applied');
        this.settleProposal(rep, e.index, mine, undefined, cs);
      }
      return;
    }
    if (e.data.length === 0) {
      if (mine) this.settleProposal(rep, e.index, mine, undefined, undefined);
      return;
    }
    let result: unknown;
    let failed: Error | undefined;
    try {
      result = rep.sm.apply(e.index, e.data);
    } catch (err) {
      failed = err as Error;
      this.log.log('warn', 'state machine apply threw', {
        group: rep.group,
        index: e.index,
        error: failed.message,
      });
    }
    if (mine) {
      this.count(rep.group, 'applied');
      this.observer?.applyLatency?.(rep.group, (performance.now() - mine.startedMs) / 1000);
      const err =
        failed === undefined
          ? undefined
          : new ApplyFailedError(
              `group ${rep.group}: entry ${e.index} is applied but the state machine threw: ${failed.message}`,
              { cause: failed }
            );
      this.settleProposal(rep, e.index, mine, err, result);
    }
  }

  private serveReads(rep: Replica): void {
    if (rep.reads.size === 0) return;
    for (const [k, r] of rep.reads) {
      if (r.index !== undefined && r.index <= rep.applied) {
        clearTimeout(r.timer);
        rep.reads.delete(k);
        r.resolve(r.index);
      }
    }
  }

  private send(byPeer: ReadonlyMap<string, readonly Message[]>): void {
    const byMember = new Map<string, Message[]>();
    for (const [to, msgs] of byPeer) {
      const member = this.memberOf(to);
      for (const m of msgs) {
        if (m.type === MessageType.Snapshot) {
          this.startSnapshot(member, m);
          continue;
        }
        const list = byMember.get(member);
        if (list) list.push(m);
        else byMember.set(member, [m]);
      }
    }
    for (const [member, msgs] of byMember) this.sendToMember(member, msgs);
  }

  private sendToMember(member: string, msgs: readonly Message[]): void {
    if (this.closed) return;
    if (member === this.opts.memberId) {
      // Two replicas of one group on one member: deliver locally, on a later turn.
      setImmediate(() => {
        for (const m of msgs) this.stepRemote(m);
      });
      return;
    }
    let sender = this.senders.get(member);
    if (sender === undefined) {
      sender = new RaftSender(member, {
        memberId: this.opts.memberId,
        secret: this.opts.secret,
        pool: this.pool,
        linkFilter: this.opts.linkFilter,
        log: this.log,
        queueBytes: this.o.peerQueueBytes,
        queueFrames: this.o.peerQueueFrames,
        dropped: (r, n) => this.dropped(r, n),
        unreachable: (mem) => this.unreachable(mem),
      });
      this.senders.set(member, sender);
    }
    let frame: RaftMessage[] = [];
    let bytes = 0;
    for (const m of msgs) {
      const size = wireSize(m);
      if (size > MAX_FRAME_BYTES) {
        this.dropped('too-large', 1);
        this.log.log('warn', 'dropped a raft message larger than a frame', {
          group: m.group,
          bytes: size,
        });
        continue;
      }
      if (bytes + size > MAX_FRAME_BYTES && frame.length > 0) {
        sender.enqueue(frame, bytes);
        frame = [];
        bytes = 0;
      }
      frame.push(messageToWire(m));
      bytes += size;
    }
    if (frame.length > 0) sender.enqueue(frame, bytes);
  }

  private unreachable(member: string): void {
    for (const rep of this.replicas.values()) {
      const node = rep.node;
      if (node === undefined || node.basicStatus().softState.state !== StateType.Leader) continue;
      for (const id of [
        ...rep.confState.voters,
        ...rep.confState.learners,
        ...rep.confState.votersOutgoing,
      ]) {
        if (id !== rep.replicaId && this.memberOf(id) === member) node.reportUnreachable(id);
      }
    }
  }

  private startSnapshot(member: string, m: Message): void {
    if (this.closed) {
      this.reportLater(m);
      return;
    }
    const key = `${m.group}\u0000${m.to}`;
    this.transfers.get(key)?.abort();
    const abort = new AbortController();
    this.transfers.set(key, abort);
    const ctx = {
      memberId: this.opts.memberId,
      secret: this.opts.secret,
      pool: this.pool,
      bucket: this.bucket,
      chunkBytes: chunkBytesFor(this.o.snapshotRateBytesPerSec),
      linkFilter: this.opts.linkFilter,
      log: this.log,
      observer: this.observer,
    };
    sendSnapshot(ctx, member, m, abort.signal).then(
      () => this.reportSnapshot(key, abort, m, true),
      (e: unknown) => {
        this.log.log('info', 'snapshot transfer failed', {
          group: m.group,
          to: m.to,
          error: (e as Error).message,
        });
        this.observer?.snapshotFailed?.(m.group, m.to, (e as Error).message);
        this.reportSnapshot(key, abort, m, false);
      }
    );
  }

  /** A snapshot message that is never sent is still reported (as failed) to Raft. */
  private reportLater(m: Message): void {
    setImmediate(() => {
      const rep = this.replicas.get(m.group);
      if (rep?.node !== undefined && rep.replicaId === m.from && !this.closed)
        rep.node.reportSnapshot(m.to, false);
    });
  }

  private reportSnapshot(key: string, abort: AbortController, m: Message, ok: boolean): void {
    // A transfer superseded by a newer Snapshot message for the same follower is not reported:
    // Raft tracks one pending snapshot per follower, and the newer transfer reports it. A
    // failure report here would send the follower back to probing and make Raft start yet
    // another transfer, aborting the current one.
    if (this.transfers.get(key) !== abort) return;
    this.transfers.delete(key);
    const rep = this.replicas.get(m.group);
    if (rep?.node === undefined || rep.replicaId !== m.from || this.closed) return;
    // Raft must hear about every snapshot it handed out, or the follower stays paused.
    rep.node.reportSnapshot(m.to, ok);
    this.kick();
  }
}

function checkTimeout(ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 3_600_000) {
    throw new ReplicationConfigError(
      `timeoutMs must be a number in (0, 3600000], got ${String(ms)}`
    );
  }
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.then(
      () => undefined,
      () => undefined
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
