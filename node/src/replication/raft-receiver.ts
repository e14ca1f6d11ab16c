/**
 * The inbound half of the Raft transport: the BrokerReplication.Raft handler. A caller proves
 * its member id (peer-handshake.ts), then sends RaftBatch frames; every message is converted
 * with range checks and must come from a replica of the proven member. Bad messages are
 * dropped and counted; a frame that is not a batch ends the stream with INVALID_ARGUMENT.
 *
 * Bounded: one stream per caller id (a newer proven stream replaces the older one), a limit on
 * streams still in their handshake, a handshake timeout, and at most MAX_MESSAGES_PER_FRAME
 * messages per frame (the byte size is bounded by the server's max_receive_message_length).
 */
import * as grpc from '@grpc/grpc-js';
import type {
  ReplicationFrame,
  ReplicationFrame__Output,
} from '../gen/broker/v1/ReplicationFrame.js';
import type { Logger } from '../config/logger.js';
import type { Message } from '../raft/types.js';
import { FrameReader, StreamClosedError } from './frame-reader.js';
import { HandshakeError, acceptHandshake, type PeerIdentity } from './peer-handshake.js';
import type { DropReason, LinkFilter } from './types.js';
import { messageFromWire, wireId } from './wire-convert.js';

/** Messages in one RaftBatch frame. */
export const MAX_MESSAGES_PER_FRAME = 16_384;
/** Entries in one message. */
export const MAX_ENTRIES_PER_MESSAGE = 65_536;
/** Streams allowed to sit in their handshake at once (each holds a timer and a nonce). */
export const MAX_PENDING_HANDSHAKES = 64;

export type ServerCall = grpc.ServerDuplexStream<ReplicationFrame__Output, ReplicationFrame>;

export interface ReceiverContext {
  readonly identity: PeerIdentity;
  readonly linkFilter: LinkFilter | undefined;
  readonly log: Logger;
  memberOfReplica(replicaId: string): string;
  dropped(reason: DropReason, count: number): void;
  /** Steps one validated message (from a replica of the proven caller). */
  deliver(m: Message): void;
  /** A rebuilt replica `from` asks the leader replica `to` for a snapshot (docs/replication.md). */
  snapshotRequested(group: string, from: string, to: string): void;
}

/** A gRPC status error for call.emit('error'). */
export function statusError(code: grpc.status, details: string): Error {
  return Object.assign(new Error(details), { code, details });
}

export class RaftReceiver {
  /** The current stream of each proven caller. */
  private readonly streams = new Map<string, ServerCall>();
  private readonly all = new Set<ServerCall>();
  private handshaking = 0;
  private closed = false;

  constructor(private readonly ctx: ReceiverContext) {}

  /** Members with a proven inbound stream. */
  connectedCallers(): string[] {
    return [...this.streams.keys()];
  }

  readonly handle = (call: ServerCall): void => {
    this.serve(call).catch((e: unknown) => {
      this.ctx.log.log('warn', 'raft stream failed', { error: (e as Error).message });
      call.emit('error', statusError(grpc.status.INTERNAL, 'internal error'));
    });
  };

  private async serve(call: ServerCall): Promise<void> {
    if (this.closed) {
      call.emit('error', statusError(grpc.status.UNAVAILABLE, 'replication host is closing'));
      return;
    }
    if (this.handshaking >= MAX_PENDING_HANDSHAKES) {
      call.emit(
        'error',
        statusError(grpc.status.RESOURCE_EXHAUSTED, 'too many pending peer handshakes')
      );
      return;
    }
    this.all.add(call);
    call.on('error', () => undefined); // a cancelled call errors; the reader sees it too
    const reader = new FrameReader<ReplicationFrame__Output>(call);
    let caller: string;
    this.handshaking++;
    try {
      caller = await acceptHandshake(call, reader, this.ctx.identity);
    } catch (e) {
      const code = e instanceof HandshakeError ? e.code : grpc.status.UNAUTHENTICATED;
      this.ctx.log.log('warn', 'refused a replication stream', { error: (e as Error).message });
      this.all.delete(call);
      call.emit('error', statusError(code, (e as Error).message));
      return;
    } finally {
      this.handshaking--;
    }
    const old = this.streams.get(caller);
    this.streams.set(caller, call);
    if (old !== undefined)
      old.emit('error', statusError(grpc.status.CANCELLED, 'replaced by a newer stream'));
    try {
      for (;;) {
        const f = await reader.next(Infinity, 'frame');
        if (this.streams.get(caller) !== call) break;
        if (f.body !== 'batch' || !f.batch) {
          call.emit(
            'error',
            statusError(grpc.status.INVALID_ARGUMENT, 'expected a RaftBatch frame')
          );
          break;
        }
        this.deliverBatch(caller, f);
      }
    } catch (e) {
      if (!(e instanceof StreamClosedError)) throw e;
    } finally {
      if (this.streams.get(caller) === call) this.streams.delete(caller);
      this.all.delete(call);
    }
  }

  private deliverBatch(caller: string, f: ReplicationFrame__Output): void {
    const msgs = f.batch?.messages ?? [];
    if (!Array.isArray(msgs) || msgs.length > MAX_MESSAGES_PER_FRAME) {
      this.ctx.dropped('invalid', Array.isArray(msgs) ? msgs.length : 1);
      return;
    }
    if (this.ctx.linkFilter?.blocked(caller) === true) {
      this.ctx.dropped('link-blocked', msgs.length);
      return;
    }
    for (const w of msgs) {
      if (w?.type === 'RAFT_MESSAGE_TYPE_SNAPSHOT_RESPONSE' && w.reject === true) {
        this.snapshotRequest(caller, w);
        continue;
      }
      let m: Message;
      try {
        m = messageFromWire(w, MAX_ENTRIES_PER_MESSAGE);
      } catch (e) {
        this.ctx.dropped('invalid', 1);
        this.ctx.log.log('debug', 'dropped an invalid raft message', {
          from: caller,
          error: (e as Error).message,
        });
        continue;
      }
      if (this.ctx.memberOfReplica(m.from) !== caller) {
        this.ctx.dropped('wrong-sender', 1);
        continue;
      }
      this.ctx.deliver(m);
    }
  }

  /**
   * Raft never takes a SnapshotResponse from the network (it is the local report of a
   * transfer); between hosts a rejecting one means "I lost my log, send me a snapshot".
   */
  private snapshotRequest(caller: string, w: { group: unknown; from: unknown; to: unknown }): void {
    let group: string, from: string, to: string;
    try {
      group = wireId(w.group, 'group');
      from = wireId(w.from, 'from');
      to = wireId(w.to, 'to');
    } catch {
      this.ctx.dropped('invalid', 1);
      return;
    }
    if (this.ctx.memberOfReplica(from) !== caller) {
      this.ctx.dropped('wrong-sender', 1);
      return;
    }
    this.ctx.snapshotRequested(group, from, to);
  }

  close(): void {
    this.closed = true;
    for (const c of this.all)
      c.emit('error', statusError(grpc.status.UNAVAILABLE, 'replication host is closing'));
    this.all.clear();
    this.streams.clear();
  }
}
