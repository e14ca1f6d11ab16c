/**
 * Sends one Raft Snapshot message over a BrokerReplication.InstallSnapshot stream: handshake,
 * SnapshotHeader, the receiver's answer with the offset it already holds (a resumed transfer
 * skips those bytes), then CRC32C-checked chunks of at most CHUNK_MAX_BYTES throttled by the
 * host's token bucket, then the receiver's `done`. The outcome is always reported to Raft
 * (reportSnapshot), delivered or not: an unreported snapshot would leave the follower paused.
 */
import type * as grpc from '@grpc/grpc-js';
import type {
  ReplicationFrame,
  ReplicationFrame__Output,
} from '../gen/broker/v1/ReplicationFrame.js';
import type { Logger } from '../config/logger.js';
import type { Message, Snapshot } from '../raft/types.js';
import { crc32c } from '../storage/crc32c.js';
import type { ClientPool } from './client-pool.js';
import { ReplicationError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { offerHandshake } from './peer-handshake.js';
import type { TokenBucket } from './token-bucket.js';
import type { LinkFilter, ReplicationObserver } from './types.js';
import { snapshotMetaToWire, wireUint } from './wire-convert.js';

/** Chunks are at most 1 MiB (and smaller at low rates, so progress moves in steps). */
export const CHUNK_MAX_BYTES = 1024 * 1024;
const CHUNK_MIN_BYTES = 16 * 1024;
/** After the last chunk the receiver has this long to install and answer. */
const DONE_TIMEOUT_MS = 30_000;
/** The receiver's answer to the header. */
const HEADER_ANSWER_TIMEOUT_MS = 10_000;

export function chunkBytesFor(rate: number): number {
  return Math.max(CHUNK_MIN_BYTES, Math.min(CHUNK_MAX_BYTES, Math.floor(rate / 8)));
}

export interface SnapshotSenderContext {
  readonly memberId: string;
  readonly secret: Uint8Array | undefined;
  readonly pool: ClientPool;
  readonly bucket: TokenBucket;
  readonly chunkBytes: number;
  readonly linkFilter: LinkFilter | undefined;
  readonly log: Logger;
  readonly observer: ReplicationObserver | undefined;
}

/** Sends `m` (a Snapshot message) to `member`. Resolves when delivered; rejects otherwise. */
export async function sendSnapshot(
  ctx: SnapshotSenderContext,
  member: string,
  m: Message,
  signal: AbortSignal
): Promise<void> {
  const snap = m.snapshot as Snapshot;
  const client = ctx.pool.get(member);
  if (client === undefined) throw new ReplicationError(`member ${member} has no known address`);
  if (ctx.linkFilter?.blocked(member) === true)
    throw new ReplicationError(`link to ${member} is blocked`);
  const call = client.InstallSnapshot({ deadline: Infinity });
  call.on('error', () => undefined); // seen by the reader
  const cancel = (): void => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const reader = new FrameReader<ReplicationFrame__Output>(call);
  try {
    await offerHandshake(call, reader, ctx.memberId, member, ctx.secret);
    const meta = snapshotMetaToWire(snap.meta);
    const total = snap.data.length;
    call.write({
      snapshot_header: {
        group: m.group,
        from: m.from,
        to: m.to,
        term: m.term,
        meta,
        total_size: total,
      },
    });
    const answer = await reader.next(HEADER_ANSWER_TIMEOUT_MS, 'answer to the snapshot header');
    const progress = answer.snapshot_progress;
    if (answer.body !== 'snapshot_progress' || !progress) {
      throw new ReplicationError('the receiver did not answer the snapshot header');
    }
    if (progress.error !== '')
      throw new ReplicationError(`receiver refused the snapshot: ${progress.error}`);
    let offset = wireUint(progress.offset, 'resume offset');
    if (offset > total) offset = 0;
    if (offset > 0) ctx.observer?.snapshotResumed?.(m.group, m.to, offset, total);
    let sent = 0;
    do {
      const end = Math.min(total, offset + ctx.chunkBytes);
      await ctx.bucket.acquire(end - offset, signal);
      if (ctx.linkFilter?.blocked(member) === true)
        throw new ReplicationError(`link to ${member} is blocked`);
      if (reader.closedReason !== undefined) throw reader.closedReason;
      const data = snap.data.subarray(offset, end);
      const ok = call.write({
        snapshot_chunk: {
          meta,
          offset,
          total_size: total,
          data,
          last: end === total,
          crc32c: crc32c(data),
        },
      });
      sent += end - offset;
      offset = end;
      if (!ok) await waitDrain(call, reader);
    } while (offset < total);
    const done = await reader.next(DONE_TIMEOUT_MS, 'snapshot confirmation');
    if (done.body !== 'snapshot_progress' || !done.snapshot_progress?.done) {
      throw new ReplicationError(
        `receiver did not install the snapshot: ${done.snapshot_progress?.error || 'no confirmation'}`
      );
    }
    ctx.observer?.snapshotSent?.(m.group, sent);
    call.end();
  } finally {
    signal.removeEventListener('abort', cancel);
    if (reader.closedReason === undefined) call.cancel();
  }
}

/** Waits for the stream's write buffer to drain, or rejects when the stream goes away. */
function waitDrain(
  call: grpc.ClientDuplexStream<ReplicationFrame, ReplicationFrame__Output>,
  reader: FrameReader<ReplicationFrame__Output>
): Promise<void> {
  if (reader.closedReason !== undefined) return Promise.reject(reader.closedReason);
  return new Promise((resolve, reject) => {
    const done = (e?: Error): void => {
      call.removeListener('drain', onDrain);
      call.removeListener('close', onClose);
      call.removeListener('error', onClose);
      if (e === undefined) resolve();
      else reject(e);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new ReplicationError('snapshot stream closed'));
    call.once('drain', onDrain);
    call.once('close', onClose);
    call.once('error', onClose);
  });
}
