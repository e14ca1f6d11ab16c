/**
 * The BrokerReplication.InstallSnapshot handler. After the handshake the caller sends a
 * SnapshotHeader; the receiver answers with the bytes it already holds of that snapshot (same
 * group, replica, index and term), so a transfer cut mid-way resumes instead of restarting.
 * Chunks must arrive in order, each CRC32C-checked; when the last one is in, the reassembled
 * Snapshot message is stepped into the group and the receiver answers `done`.
 *
 * Partial transfers are bounded in number, in total bytes and in age (PARTIAL_TTL_MS after the
 * last chunk). Incoming progress (bytes / total) is visible through progressOf().
 */
import * as grpc from '@grpc/grpc-js';
import type { ReplicationFrame__Output } from '../gen/broker/v1/ReplicationFrame.js';
import type { Logger } from '../config/logger.js';
import { MessageType, type Message, type SnapshotMeta } from '../raft/types.js';
import { crc32c } from '../storage/crc32c.js';
import { ReplicationError } from './errors.js';
import { FrameReader, StreamClosedError } from './frame-reader.js';
import { HandshakeError, acceptHandshake, type PeerIdentity } from './peer-handshake.js';
import { statusError, type ServerCall } from './raft-receiver.js';
import { CHUNK_MAX_BYTES } from './snapshot-sender.js';
import type { DropReason, LinkFilter, ReplicationObserver } from './types.js';
import { snapshotMetaFromWire, wireId, wireUint } from './wire-convert.js';

/** Partial transfers kept at once. */
export const MAX_PARTIALS = 4;
/** A partial transfer unused for this long is dropped. */
export const PARTIAL_TTL_MS = 10 * 60_000;
/** A sender silent for this long mid-transfer loses its stream (its partial is kept). */
const CHUNK_TIMEOUT_MS = 60_000;

interface Partial {
  readonly key: string;
  readonly group: string;
  readonly to: string;
  readonly total: number;
  readonly chunks: Buffer[];
  bytes: number;
  lastActive: number;
  /** The stream currently writing it; a newer stream for the same snapshot takes over. */
  owner: ServerCall | undefined;
}

export interface SnapshotReceiverContext {
  readonly identity: PeerIdentity;
  readonly linkFilter: LinkFilter | undefined;
  readonly log: Logger;
  readonly observer: ReplicationObserver | undefined;
  /** Largest snapshot accepted, and total bytes of all partial transfers. */
  readonly maxSnapshotBytes: number;
  readonly maxPartialBytes: number;
  memberOfReplica(replicaId: string): string;
  /** Why this host will not take a snapshot for (group, replica), or undefined if it will. */
  refuse(group: string, to: string, from: string): string | undefined;
  dropped(reason: DropReason, count: number): void;
  /** Steps the reassembled message; returns an error text if the group refused it. */
  install(m: Message): string | undefined;
}

export class SnapshotReceiver {
  private readonly partials = new Map<string, Partial>();
  private readonly calls = new Set<ServerCall>();
  private closed = false;
  private handshaking = 0;

  constructor(private readonly ctx: SnapshotReceiverContext) {}

  /** Incoming progress for a replica: bytes held of total (the largest partial), if any. */
  progressOf(group: string, to: string): { bytes: number; total: number } | undefined {
    let best: Partial | undefined;
    for (const p of this.partials.values()) {
      if (
        p.group === group &&
        p.to === to &&
        (best === undefined || p.lastActive > best.lastActive)
      )
        best = p;
    }
    return best === undefined ? undefined : { bytes: best.bytes, total: best.total };
  }

  /** Forgets the partial transfers of a group (closed, destroyed, or just installed). */
  forget(group: string, to?: string): void {
    for (const [k, p] of this.partials) {
      if (p.group === group && (to === undefined || p.to === to)) this.partials.delete(k);
    }
  }

  readonly handle = (call: ServerCall): void => {
    this.serve(call).catch((e: unknown) => {
      this.ctx.log.log('warn', 'snapshot stream failed', { error: (e as Error).message });
      call.emit('error', statusError(grpc.status.INTERNAL, 'internal error'));
    });
  };

  private async serve(call: ServerCall): Promise<void> {
    if (this.closed || this.handshaking >= 16) {
      call.emit('error', statusError(grpc.status.UNAVAILABLE, 'not accepting snapshots now'));
      return;
    }
    this.calls.add(call);
    call.on('error', () => undefined);
    const reader = new FrameReader<ReplicationFrame__Output>(call);
    let caller: string;
    this.handshaking++;
    try {
      caller = await acceptHandshake(call, reader, this.ctx.identity);
    } catch (e) {
      const code = e instanceof HandshakeError ? e.code : grpc.status.UNAUTHENTICATED;
      this.ctx.log.log('warn', 'refused a snapshot stream', { error: (e as Error).message });
      this.calls.delete(call);
      call.emit('error', statusError(code, (e as Error).message));
      return;
    } finally {
      this.handshaking--;
    }
    let partial: Partial | undefined;
    try {
      const h = await reader.next(CHUNK_TIMEOUT_MS, 'snapshot header');
      const header = h.snapshot_header;
      if (h.body !== 'snapshot_header' || !header)
        throw new ReplicationError('expected a snapshot header');
      const group = wireId(header.group, 'group');
      const from = wireId(header.from, 'from');
      const to = wireId(header.to, 'to');
      const term = wireUint(header.term, 'term');
      const meta = snapshotMetaFromWire(header.meta);
      const total = wireUint(header.total_size, 'total_size');
      if (this.ctx.memberOfReplica(from) !== caller) {
        this.ctx.dropped('wrong-sender', 1);
        throw new ReplicationError(`replica ${from} is not on the calling member ${caller}`);
      }
      if (this.ctx.linkFilter?.blocked(caller) === true) throw new ReplicationError('link blocked');
      if (term < 1 || meta.term > term) throw new ReplicationError('snapshot term is not valid');
      if (total > this.ctx.maxSnapshotBytes) {
        throw new ReplicationError(
          `snapshot of ${total} bytes exceeds ${this.ctx.maxSnapshotBytes}`
        );
      }
      const refusal = this.ctx.refuse(group, to, from);
      if (refusal !== undefined) throw new ReplicationError(refusal);
      partial = this.partialFor(group, to, meta, total);
      partial.owner = call;
      call.write({ snapshot_progress: { offset: partial.bytes, done: false, error: '' } });
      while (partial.bytes < total || total === 0) {
        const f = await reader.next(CHUNK_TIMEOUT_MS, 'snapshot chunk');
        if (partial.owner !== call) throw new ReplicationError('superseded by a newer transfer');
        const c = f.snapshot_chunk;
        if (f.body !== 'snapshot_chunk' || !c)
          throw new ReplicationError('expected a snapshot chunk');
        if (this.ctx.linkFilter?.blocked(caller) === true)
          throw new ReplicationError('link blocked');
        const offset = wireUint(c.offset, 'chunk offset');
        const data = c.data;
        if (!(data instanceof Uint8Array) || data.length > CHUNK_MAX_BYTES) {
          throw new ReplicationError(`chunk is not bytes of at most ${CHUNK_MAX_BYTES}`);
        }
        if (offset !== partial.bytes)
          throw new ReplicationError(`chunk at ${offset}, expected ${partial.bytes}`);
        if (wireUint(c.total_size, 'chunk total_size') !== total)
          throw new ReplicationError('chunk total_size changed');
        if (offset + data.length > total) throw new ReplicationError('chunk runs past total_size');
        if (crc32c(data) !== c.crc32c)
          throw new ReplicationError(`chunk at ${offset} fails its CRC32C`);
        if (this.partialBytes() + data.length > this.ctx.maxPartialBytes) {
          throw new ReplicationError('too many partial snapshot bytes held');
        }
        partial.chunks.push(Buffer.from(data));
        partial.bytes += data.length;
        partial.lastActive = Date.now();
        this.ctx.observer?.snapshotProgress?.(group, partial.bytes, total);
        if (c.last || total === 0) {
          if (partial.bytes !== total)
            throw new ReplicationError(`last chunk at ${partial.bytes} of ${total}`);
          break;
        }
      }
      this.partials.delete(partial.key);
      const data = Buffer.concat(partial.chunks, total);
      const error = this.ctx.install({
        group,
        type: MessageType.Snapshot,
        from,
        to,
        term,
        logTerm: 0,
        index: 0,
        entries: [],
        commit: 0,
        reject: false,
        rejectHint: 0,
        snapshot: { meta, data },
      });
      if (error !== undefined) throw new ReplicationError(error);
      this.ctx.observer?.snapshotReceived?.(group, total);
      call.write({ snapshot_progress: { offset: total, done: true, error: '' } });
      call.end();
    } catch (e) {
      if (partial !== undefined && partial.owner === call) partial.owner = undefined;
      if (!(e instanceof StreamClosedError)) {
        const msg = (e as Error).message;
        this.ctx.log.log('info', 'snapshot transfer failed', { from: caller, error: msg });
        try {
          call.write({
            snapshot_progress: { offset: partial?.bytes ?? 0, done: false, error: msg },
          });
        } finally {
          call.emit('error', statusError(grpc.status.FAILED_PRECONDITION, msg));
        }
      }
    } finally {
      this.calls.delete(call);
    }
  }

  private partialBytes(): number {
    let n = 0;
    for (const p of this.partials.values()) n += p.bytes;
    return n;
  }

  private partialFor(group: string, to: string, meta: SnapshotMeta, total: number): Partial {
    const now = Date.now();
    for (const [k, p] of this.partials)
      if (now - p.lastActive > PARTIAL_TTL_MS) this.partials.delete(k);
    const key = `${group}\u0000${to}\u0000${meta.index}\u0000${meta.term}`;
    const old = this.partials.get(key);
    if (old !== undefined && old.total === total) {
      old.lastActive = now;
      return old;
    }
    // A newer snapshot for the same replica makes any older partial useless.
    this.forget(group, to);
    while (this.partials.size >= MAX_PARTIALS) {
      let oldest: Partial | undefined;
      for (const p of this.partials.values())
        if (oldest === undefined || p.lastActive < oldest.lastActive) oldest = p;
      if (oldest === undefined) break;
      this.partials.delete(oldest.key);
    }
    const p: Partial = {
      key,
      group,
      to,
      total,
      chunks: [],
      bytes: 0,
      lastActive: now,
      owner: undefined,
    };
    this.partials.set(key, p);
    return p;
  }

  close(): void {
    this.closed = true;
    for (const c of this.calls)
      c.emit('error', statusError(grpc.status.UNAVAILABLE, 'replication host is closing'));
    this.calls.clear();
    this.partials.clear();
  }
}
