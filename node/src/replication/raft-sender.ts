/**
 * The outbound half of the Raft transport: one BrokerReplication.Raft stream per destination
 * member, fed from a bounded queue of RaftBatch frames. When the queue is full, or the member
 * has no address, or the link is blocked, frames are dropped and counted: Raft tolerates lost
 * messages (it retries on heartbeats), so the sender never blocks the host's loop.
 */
import type * as grpc from '@grpc/grpc-js';
import type {
  ReplicationFrame,
  ReplicationFrame__Output,
} from '../gen/broker/v1/ReplicationFrame.js';
import type { RaftMessage } from '../gen/broker/v1/RaftMessage.js';
import { backoffDelay, sleep } from '../transport/backoff.js';
import type { Logger } from '../config/logger.js';
import type { ClientPool } from './client-pool.js';
import { FrameReader } from './frame-reader.js';
import { offerHandshake } from './peer-handshake.js';
import type { DropReason, LinkFilter } from './types.js';

/** What a sender needs from its host. */
export interface SenderContext {
  readonly memberId: string;
  readonly secret: Uint8Array | undefined;
  readonly pool: ClientPool;
  readonly linkFilter: LinkFilter | undefined;
  readonly log: Logger;
  readonly queueBytes: number;
  readonly queueFrames: number;
  dropped(reason: DropReason, count: number): void;
  /** The stream to `member` broke: Raft should stop pipelining to its replicas. */
  unreachable(member: string): void;
}

interface QueuedFrame {
  readonly messages: RaftMessage[];
  readonly bytes: number;
}

const RECONNECT_BASE_MS = 50;
const RECONNECT_MAX_MS = 2_000;

export class RaftSender {
  /** Invariant: queuedBytes is the sum of the frames' bytes. */
  private readonly queue: QueuedFrame[] = [];
  private queuedBytes = 0;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private call: grpc.ClientDuplexStream<ReplicationFrame, ReplicationFrame__Output> | undefined;
  /** True once the handshake of the current stream completed. */
  connected = false;
  readonly done: Promise<void>;

  constructor(
    readonly member: string,
    private readonly ctx: SenderContext
  ) {
    this.done = this.run();
  }

  /** Queues one frame; false (and counted) when it was dropped. */
  enqueue(messages: RaftMessage[], bytes: number): boolean {
    if (this.abort.signal.aborted) return false;
    if (this.ctx.linkFilter?.blocked(this.member) === true) {
      this.ctx.dropped('link-blocked', messages.length);
      return false;
    }
    if (
      this.queue.length >= this.ctx.queueFrames ||
      (this.queuedBytes + bytes > this.ctx.queueBytes && this.queue.length > 0)
    ) {
      this.ctx.dropped('queue-full', messages.length);
      return false;
    }
    this.queue.push({ messages, bytes });
    this.queuedBytes += bytes;
    this.poke();
    return true;
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private waitForWork(): Promise<void> {
    if (this.queue.length > 0 || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private dropQueued(reason: DropReason): void {
    let n = 0;
    for (const f of this.queue) n += f.messages.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (n > 0) this.ctx.dropped(reason, n);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      await this.waitForWork();
      if (this.abort.signal.aborted) break;
      if (this.ctx.linkFilter?.blocked(this.member) === true) {
        this.dropQueued('link-blocked');
        continue;
      }
      let client: ReturnType<ClientPool['get']>;
      try {
        client = this.ctx.pool.get(this.member);
      } catch (e) {
        this.ctx.log.log('warn', 'cannot dial peer', {
          member: this.member,
          error: (e as Error).message,
        });
        client = undefined;
      }
      if (client === undefined) {
        this.dropQueued('no-address');
        await sleep(
          backoffDelay(failures++, RECONNECT_BASE_MS, RECONNECT_MAX_MS),
          this.abort.signal
        );
        continue;
      }
      try {
        await this.session(client);
        failures = 0;
      } catch (e) {
        this.ctx.log.log('debug', 'raft stream to peer failed', {
          member: this.member,
          error: (e as Error).message,
        });
        failures++;
      } finally {
        this.connected = false;
        this.call = undefined;
      }
      if (this.abort.signal.aborted) break;
      this.ctx.unreachable(this.member);
      // What was queued for a dead stream is stale by the time a new one is up.
      this.dropQueued('unreachable');
      await sleep(backoffDelay(failures, RECONNECT_BASE_MS, RECONNECT_MAX_MS), this.abort.signal);
    }
    this.dropQueued('unreachable');
  }

  /** One stream: handshake, then write frames until it breaks or the sender closes. */
  private async session(client: NonNullable<ReturnType<ClientPool['get']>>): Promise<void> {
    const call = client.Raft({ deadline: Infinity });
    this.call = call;
    const reader = new FrameReader<ReplicationFrame__Output>(call);
    let broken: Error | undefined;
    let drained: (() => void) | undefined;
    call.on('error', (e) => {
      broken ??= e;
      drained?.();
      this.poke();
    });
    call.on('end', () => {
      broken ??= new Error('stream ended by the peer');
      drained?.();
      this.poke();
    });
    call.on('drain', () => drained?.());
    call.on('close', () => {
      broken ??= new Error('stream closed');
      drained?.();
      this.poke();
    });
    const stop = (): void => {
      broken ??= new Error('sender closed');
      drained?.();
      this.poke();
    };
    this.abort.signal.addEventListener('abort', stop, { once: true });
    try {
      await offerHandshake(call, reader, this.ctx.memberId, this.member, this.ctx.secret);
      this.connected = true;
      // The callee sends nothing after its challenge; its end or error wakes the loop.
      for (;;) {
        if (broken !== undefined) throw broken;
        if (reader.closedReason !== undefined) throw reader.closedReason;
        const f = this.queue.shift();
        if (f === undefined) {
          await this.waitForWork();
          continue;
        }
        this.queuedBytes -= f.bytes;
        if (this.ctx.linkFilter?.blocked(this.member) === true) {
          this.ctx.dropped('link-blocked', f.messages.length);
          continue;
        }
        if (!call.write({ batch: { messages: f.messages } })) {
          await new Promise<void>((resolve) => {
            drained = resolve;
          });
          drained = undefined;
        }
      }
    } finally {
      this.abort.signal.removeEventListener('abort', stop);
      call.cancel();
    }
  }

  close(): void {
    this.abort.abort();
    this.poke();
    this.call?.cancel();
  }
}
