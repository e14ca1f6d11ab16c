/**
 * The BrokerStore service (proto/broker/v1/store.proto). Any peer accepts any request: it
 * serves it when it holds the replica that can (the leader for writes; any replica for reads,
 * which confirm through ReadIndex unless stale), and otherwise forwards it to the member that
 * can, following the receiver's leader hint when its first guess was wrong
 * (leader-forwarder.ts). A forwarded request is never forwarded again. Failed writes carry
 * the `broker-outcome` trailer.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { StoreConfig } from '../config/index.js';
import { type Data, data, encodeData } from '../data/index.js';
import type { BrokerStoreHandlers } from '../gen/broker/v1/BrokerStore.js';
import type { ReadRequest__Output } from '../gen/broker/v1/ReadRequest.js';
import type { ReadResponse } from '../gen/broker/v1/ReadResponse.js';
import type { ReadResult } from '../gen/broker/v1/ReadResult.js';
import type { WatchRequest__Output } from '../gen/broker/v1/WatchRequest.js';
import type { WatchResponse } from '../gen/broker/v1/WatchResponse.js';
import type { WriteRequest__Output } from '../gen/broker/v1/WriteRequest.js';
import type { WriteResponse } from '../gen/broker/v1/WriteResponse.js';
import { NotLeaderError, ReadIndexTimeoutError } from '../replication/index.js';
import { type ApplyOutcome, type StoreEvent, encodeCommand } from '../store/index.js';
import { type ClusterManager, META_GROUP, mapHostError } from './cluster-manager.js';
import { ClusterRequestError, toGrpcError } from './errors.js';
import { parseReplicaId } from './map/index.js';
import { LeaderForwarder } from './leader-forwarder.js';
import { FORWARDED_HEADER, unary } from './peer-calls.js';
import { type ReadQuery, WireDecoder, eventToWire, resultsToWire } from './proto-mapping.js';

/** Events a watch may have queued for a slow reader before it is ended. */
const WATCH_QUEUE_EVENTS = 65_536;
/** Idle watches get a progress message this often. */
const WATCH_PROGRESS_MS = 1_000;
/** One try of a read index at most; a longer wait is a request lost in a leader change. */
const READ_INDEX_TRY_MS = 1_500;
const READ_RETRY_PAUSE_MS = 25;

const STORE_CODE: Record<string, grpc.status> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'resource-exhausted': grpc.status.RESOURCE_EXHAUSTED,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  'not-found': grpc.status.NOT_FOUND,
};

export class StoreService {
  private readonly decoder: WireDecoder;
  /** Open watch streams, bounded by --max-subscribers. */
  private watches = 0;
  private readonly forwarder: LeaderForwarder;

  constructor(
    private readonly cluster: ClusterManager,
    private readonly config: StoreConfig,
    maxDepth: number,
    private readonly maxWatches: number
  ) {
    this.decoder = new WireDecoder(config, maxDepth);
    this.forwarder = new LeaderForwarder(cluster.id);
  }

  handlers(): BrokerStoreHandlers {
    return {
      Write: (call, cb) => {
        this.write(call.request, call.metadata, call.getDeadline()).then(
          (r) => cb(null, r),
          (e: unknown) => cb(toGrpcError(e))
        );
      },
      Read: (call, cb) => {
        this.read(call.request, call.metadata, call.getDeadline()).then(
          (r) => cb(null, r),
          (e: unknown) => cb(toGrpcError(e))
        );
      },
      Watch: (call) => void this.watch(call),
      ListStores: (_call, cb) => {
        try {
          cb(null, { stores: this.listStores() });
        } catch (e) {
          cb(toGrpcError(e));
        }
      },
    };
  }

  private timeoutMs(deadline: grpc.Deadline): number {
    const d = deadline instanceof Date ? deadline.getTime() : Number(deadline);
    const left = Number.isFinite(d) ? d - Date.now() - 20 : Infinity;
    return Math.max(1, Math.min(this.config.requestTimeoutMs, left));
  }

  /**
   * The group of a store. A store this peer's map does not know may be newer than the map
   * replica (a peer that is catching up): the map is confirmed with a ReadIndex on the meta
   * group before the answer is NOT_FOUND.
   */
  private async storeOrThrow(name: string, timeoutMs: number): Promise<string> {
    if (this.cluster.phase !== 'running' || this.cluster.map.state.clusterId === '')
      throw new ClusterRequestError(
        grpc.status.UNAVAILABLE,
        `this peer has no cluster map yet (${this.cluster.describe()})`
      );
    if (typeof name !== 'string' || name === '')
      throw new ClusterRequestError(grpc.status.INVALID_ARGUMENT, 'store: missing');
    let s = this.cluster.map.store(name);
    if (s === undefined || s.deleting) {
      try {
        await this.cluster.replicaHost.readIndex(META_GROUP, { timeoutMs });
      } catch (e) {
        throw new ClusterRequestError(
          grpc.status.UNAVAILABLE,
          `store ${JSON.stringify(name)} is unknown here and the cluster map could not be confirmed: ${(e as Error).message}`
        );
      }
      s = this.cluster.map.store(name);
    }
    if (s === undefined || s.deleting)
      throw new ClusterRequestError(
        grpc.status.NOT_FOUND,
        `store ${JSON.stringify(name)} does not exist`
      );
    return s.group;
  }

  /**
   * The members to forward a request for `group` to, best first: the leader this peer's own
   * replica knows of, the map's preferred leader (where the placement driver sends
   * leadership), then every replica the map lists. The forwarder adds the leader it learned.
   */
  private candidates(store: string, group: string): (string | undefined)[] {
    const s = this.cluster.map.store(store);
    return [this.localLeader(group), s?.preferredLeader, ...(s?.replicas ?? [])];
  }

  /** The member id of the group's leader as the local replica knows it (not this peer). */
  private localLeader(group: string): string | undefined {
    const h = this.cluster.replicaHost;
    if (!h.hasGroup(group)) return undefined;
    const leader = h.status(group).leader;
    if (leader === undefined || leader === '') return undefined;
    const id = parseReplicaId(leader).memberId;
    return id === this.cluster.id ? undefined : id;
  }

  /**
   * The refusal of a forwarded request this peer cannot serve: not applied, with the member
   * this peer believes can (its replica's leader, else the map's choice) as the hint.
   */
  private refuseForwarded(store: string, group: string, why: string): ClusterRequestError {
    const s = this.cluster.map.store(store);
    const hint =
      this.localLeader(group) ??
      (this.cluster.replicaHost.hasGroup(group)
        ? undefined
        : (s?.preferredLeader ?? s?.replicas.find((r) => r !== this.cluster.id)));
    return new ClusterRequestError(
      grpc.status.UNAVAILABLE,
      `store ${store}: ${why}` + (hint !== undefined ? ` (try ${hint})` : ''),
      'not-applied',
      hint !== undefined ? { leaderHint: hint } : undefined
    );
  }

  /** The member to relay a watch from: the first candidate with an address. */
  private forwardTarget(store: string, group: string): { id: string; address: string } {
    for (const id of [...this.candidates(store, group), this.forwarder.learnedLeader(group)]) {
      if (id === undefined || id === '' || id === this.cluster.id) continue;
      const address = this.cluster.addressOf(id);
      if (address !== undefined) return { id, address };
    }
    throw new ClusterRequestError(
      grpc.status.UNAVAILABLE,
      `store ${store} has no reachable replica right now`,
      'not-applied'
    );
  }

  async write(
    req: WriteRequest__Output,
    md: grpc.Metadata,
    deadline: grpc.Deadline
  ): Promise<WriteResponse> {
    const timeoutMs = this.timeoutMs(deadline);
    const group = await this.storeOrThrow(req.store, timeoutMs);
    const ops = this.decoder.ops(req.ops);
    const h = this.cluster.replicaHost;
    if (h.hasGroup(group) && this.cluster.isLeader(group)) {
      const bytes = encodeCommand({
        kind: 'write',
        requestId: randomBytes(8).toString('hex'),
        publisher: forwardedBy(md) ?? this.cluster.id,
        nowUnixNs: BigInt(Date.now()) * 1_000_000n,
        ops,
      });
      this.cluster.placement.recordWrite(group, bytes.length);
      const { index, outcome } = await this.proposeStore(group, bytes, timeoutMs);
      if (!outcome.ok) throw storeError(outcome.error);
      return { index: String(index), results: resultsToWire(outcome.results) };
    }
    if (forwardedBy(md) !== undefined)
      throw this.refuseForwarded(req.store, group, 'this peer is not the leader');
    return this.forwarder.forward({
      group,
      what: `store ${req.store}`,
      candidates: () => this.candidates(req.store, group),
      addressOf: (id) => this.cluster.addressOf(id),
      send: (address, t) => {
        const client = this.cluster.calls.store(address);
        return unary(client.Write, client, req, this.cluster.calls.forwardMetadata(), t);
      },
      timeoutMs,
      idempotent: false,
      learnLeader: true,
    });
  }

  private async proposeStore(
    group: string,
    bytes: Uint8Array,
    timeoutMs: number
  ): Promise<{ index: number; outcome: ApplyOutcome }> {
    try {
      const { index, result } = await this.cluster.replicaHost.propose(group, bytes, { timeoutMs });
      return { index, outcome: result as ApplyOutcome };
    } catch (e) {
      const err = mapHostError(e);
      // Leadership moved between the check and the proposal: name the new leader, so a
      // forwarding peer goes there next.
      const hint = e instanceof NotLeaderError ? e.leaderReplicaId : undefined;
      if (hint === undefined || hint === '') throw err;
      throw new ClusterRequestError(err.code, err.message, err.outcome, {
        cause: e,
        leaderHint: parseReplicaId(hint).memberId,
      });
    }
  }

  async read(
    req: ReadRequest__Output,
    md: grpc.Metadata,
    deadline: grpc.Deadline
  ): Promise<ReadResponse> {
    const timeoutMs = this.timeoutMs(deadline);
    const group = await this.storeOrThrow(req.store, timeoutMs);
    const queries = this.decoder.reads(req.ops);
    const h = this.cluster.replicaHost;
    const local = this.cluster.storeReplica(req.store);
    if (h.hasGroup(group) && local !== undefined) {
      let index: number;
      if (req.stale) {
        index = local.appliedIndex;
      } else {
        index = await this.readIndex(group, timeoutMs);
      }
      this.cluster.placement.recordRead(group, queries.length);
      return {
        index: String(Math.max(index, local.appliedIndex)),
        results: queries.map((q) => this.answer(req.store, q)),
      };
    }
    if (forwardedBy(md) !== undefined)
      throw this.refuseForwarded(req.store, group, 'no local replica');
    return this.forwarder.forward({
      group,
      what: `store ${req.store}`,
      candidates: () => this.candidates(req.store, group),
      addressOf: (id) => this.cluster.addressOf(id),
      send: (address, t) => {
        const client = this.cluster.calls.store(address);
        return unary(client.Read, client, req, this.cluster.calls.forwardMetadata(), t);
      },
      timeoutMs,
      idempotent: true,
      learnLeader: false,
    });
  }

  /**
   * A linearizable read point, asked again in READ_INDEX_TRY_MS slices until the deadline: a
   * read index asked of a leader that then hands over (a transfer, an election) is never
   * answered, and the request would otherwise wait out its whole deadline. A read changes
   * nothing, so asking again is always safe.
   */
  private async readIndex(group: string, timeoutMs: number): Promise<number> {
    const h = this.cluster.replicaHost;
    const deadline = performance.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const left = deadline - performance.now();
      try {
        return await h.readIndex(group, {
          timeoutMs: Math.max(1, Math.min(left, READ_INDEX_TRY_MS)),
        });
      } catch (e) {
        const again = e instanceof ReadIndexTimeoutError || e instanceof NotLeaderError;
        const pause = Math.min(READ_RETRY_PAUSE_MS * attempt, 200);
        if (!again || deadline - performance.now() <= pause + 1) throw mapHostError(e);
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  private answer(store: string, q: ReadQuery): ReadResult {
    const s = this.cluster.storeReplica(store)!.current;
    switch (q.op) {
      case 'get': {
        const e = s.get(q.key);
        if (e === undefined) return { found: false };
        return {
          found: true,
          value: encodeData(e.value),
          version: e.version.toString(),
          expires_at_unix_ns: (e.expiresAtUnixNs ?? 0n).toString(),
        };
      }
      case 'get_index': {
        const v = s.getIndex(q.key, q.index);
        return v === undefined ? { found: false } : { found: true, value: encodeData(v) };
      }
      case 'exists':
        return { found: true, value: encodeData(data.boolean(s.exists(q.key))) };
      case 'keys':
        return { found: true, value: encodeData(s.keys() as Data) };
    }
  }

  private async watch(
    call: grpc.ServerWritableStream<WatchRequest__Output, WatchResponse>
  ): Promise<void> {
    const req = call.request;
    let group: string;
    try {
      group = await this.storeOrThrow(req.store, this.config.requestTimeoutMs);
    } catch (e) {
      call.destroy(toGrpcError(e));
      return;
    }
    if (this.watches >= this.maxWatches) {
      call.destroy(
        toGrpcError(
          new ClusterRequestError(
            grpc.status.RESOURCE_EXHAUSTED,
            `more than ${this.maxWatches} watches on this peer (--max-subscribers)`
          )
        )
      );
      return;
    }
    const local = this.cluster.storeReplica(req.store);
    if (!this.cluster.replicaHost.hasGroup(group) || local === undefined) {
      await this.proxyWatch(call, req, group);
      return;
    }
    this.watches++;
    const fromIndex = Number(req.from_index);
    let through = 0;
    let queued = 0;
    const pending: StoreEvent[] = [];
    let ended = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      this.watches--;
      unwatch();
      clearInterval(progress);
      if (err !== undefined) call.destroy(err);
      else call.end();
    };
    const flush = (): void => {
      if (ended) return;
      const events = pending.splice(0, pending.length);
      queued = 0;
      call.write({ events: events.map(eventToWire), through_index: String(through) });
    };
    // Start from history, then follow live entries; both run on this thread, in log order.
    const start = fromIndex === 0 ? local.appliedIndex + 1 : fromIndex;
    const history = local.since(start);
    if (!Array.isArray(history)) {
      const oldest = (history as { oldest: number }).oldest;
      this.watches--;
      call.destroy(
        toGrpcError(
          new ClusterRequestError(
            grpc.status.OUT_OF_RANGE,
            `store ${req.store}: index ${start} is compacted; the oldest retained index is ${oldest}`
          )
        )
      );
      return;
    }
    through = local.appliedIndex;
    call.write({
      created: true,
      events: (history as StoreEvent[]).map(eventToWire),
      through_index: String(through),
    });
    const unwatch = local.watch((events, index) => {
      if (ended) return;
      through = index;
      for (const e of events) pending.push(e);
      queued += events.length;
      if (queued > WATCH_QUEUE_EVENTS) {
        end(
          toGrpcError(
            new ClusterRequestError(
              grpc.status.RESOURCE_EXHAUSTED,
              `watch fell more than ${WATCH_QUEUE_EVENTS} events behind; resume from index ${through + 1 - queued}`
            )
          )
        );
        return;
      }
      if (events.length > 0) setImmediate(flush);
    });
    const progress = setInterval(() => {
      if (pending.length === 0 && !ended)
        call.write({ events: [], through_index: String(through) });
    }, WATCH_PROGRESS_MS);
    progress.unref();
    call.on('cancelled', () => end());
    call.on('error', () => end());
    call.on('close', () => end());
  }

  /** A watch on a peer without a replica: relays the stream of a replica holder. */
  private async proxyWatch(
    call: grpc.ServerWritableStream<WatchRequest__Output, WatchResponse>,
    req: WatchRequest__Output,
    group: string
  ): Promise<void> {
    let target;
    try {
      target = this.forwardTarget(req.store, group);
    } catch (e) {
      call.destroy(toGrpcError(e));
      return;
    }
    this.watches++;
    const upstream = this.cluster.calls
      .store(target.address)
      .Watch(req, this.cluster.calls.forwardMetadata());
    let done = false;
    const finish = (err?: Partial<grpc.StatusObject> & Error): void => {
      if (done) return;
      done = true;
      this.watches--;
      upstream.cancel();
      if (err) call.destroy(err);
      else call.end();
    };
    upstream.on('data', (m: WatchResponse) => {
      if (!call.write(m)) upstream.pause();
    });
    call.on('drain', () => upstream.resume());
    upstream.on('error', (e: grpc.ServiceError) =>
      finish(
        toGrpcError(
          new ClusterRequestError(
            e.code ?? grpc.status.UNAVAILABLE,
            `via ${target.id}: ${e.details ?? e.message}`
          )
        )
      )
    );
    upstream.on('end', () => finish());
    call.on('cancelled', () => finish());
    call.on('close', () => finish());
  }

  listStores(): {
    name: string;
    replication_factor: number;
    replicas: string[];
    leader: string;
    keys: string;
    bytes: string;
  }[] {
    return this.cluster.map.state.stores
      .filter((s) => !s.deleting)
      .map((s) => {
        const g = s.group;
        const h = this.cluster.replicaHost;
        const local = this.cluster.storeReplica(s.name);
        const leader = h.hasGroup(g) ? h.status(g).leader : '';
        return {
          name: s.name,
          replication_factor: s.replicationFactor,
          replicas: [...s.replicas],
          leader: leader !== undefined && leader !== '' ? parseReplicaId(leader).memberId : '',
          keys: String(local?.current.size ?? 0),
          bytes: String(local?.current.bytes ?? 0),
        };
      });
  }
}

function forwardedBy(md: grpc.Metadata): string | undefined {
  const v = md.get(FORWARDED_HEADER)[0];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function storeError(e: { code: string; message: string }): ClusterRequestError {
  return new ClusterRequestError(
    STORE_CODE[e.code] ?? grpc.status.INVALID_ARGUMENT,
    e.message,
    'not-applied'
  );
}
