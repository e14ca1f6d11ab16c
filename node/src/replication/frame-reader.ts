/**
 * Reads a gRPC stream's frames one at a time with a timeout, so a handshake or a snapshot
 * transfer is written as straight-line code. Buffered frames are bounded: the stream is paused
 * while the reader is behind (HTTP/2 flow control then holds the sender back).
 */
import { ReplicationError } from './errors.js';

/** The stream ended, failed, or did not deliver a frame in time. */
export class StreamClosedError extends ReplicationError {}

interface ReadableCall<T> {
  on(event: 'data', l: (f: T) => void): unknown;
  on(event: 'end' | 'close', l: () => void): unknown;
  on(event: 'error', l: (e: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

interface Waiter<T> {
  readonly resolve: (f: T) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

export class FrameReader<T> {
  /** Invariant: non-empty only while no waiter is parked. */
  private readonly buffered: T[] = [];
  private waiter: Waiter<T> | undefined;
  private ended: Error | undefined;
  private paused = false;

  constructor(
    private readonly call: ReadableCall<T>,
    private readonly maxBuffered = 16
  ) {
    call.on('data', (f: T) => {
      const w = this.waiter;
      if (w !== undefined) {
        this.waiter = undefined;
        clearTimeout(w.timer);
        w.resolve(f);
        return;
      }
      this.buffered.push(f);
      if (this.buffered.length >= this.maxBuffered && !this.paused) {
        this.paused = true;
        call.pause();
      }
    });
    call.on('end', () => this.finish(new StreamClosedError('stream ended')));
    call.on('close', () => this.finish(new StreamClosedError('stream closed')));
    call.on('error', (e: Error) => this.finish(new StreamClosedError(e.message, { cause: e })));
  }

  /** Why the stream is over, or undefined while it is open. */
  get closedReason(): Error | undefined {
    return this.ended;
  }

  private finish(e: Error): void {
    this.ended ??= e;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.reject(this.ended);
    }
  }

  /** The next frame; rejects with StreamClosedError on end, error or after `timeoutMs`. */
  next(timeoutMs: number, what: string): Promise<T> {
    const f = this.buffered.shift();
    if (f !== undefined) {
      if (this.paused && this.buffered.length <= this.maxBuffered / 2) {
        this.paused = false;
        this.call.resume();
      }
      return Promise.resolve(f);
    }
    if (this.ended !== undefined) return Promise.reject(this.ended);
    if (this.waiter !== undefined)
      return Promise.reject(new Error('FrameReader.next() is not reentrant'));
    return new Promise<T>((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.waiter = undefined;
            reject(new StreamClosedError(`no ${what} within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
      timer?.unref();
      this.waiter = { resolve, reject, timer };
    });
  }
}
