import type { WatchResponse__Output } from '../gen/broker/v1/WatchResponse.js';
import {
  type StatusName,
  StoreArgumentError,
  StoreError,
  StoreResponseError,
  WatchCompactedError,
  oldestIndexFrom,
  storeError,
} from './store-errors.js';
import { type StoreCodec, type StoreEvent, toStoreEvent, u64 } from './store-ops.js';
import { WatchCursor } from './watch-cursor.js';

/** One Watch stream as the watch reads it (a grpc-js ClientReadableStream is one). */
export interface WatchCall extends AsyncIterable<WatchResponse__Output> {
  cancel(): void;
}

/** Opens a Watch stream at `fromIndex` (0 = from now on). */
export type OpenWatch = (fromIndex: bigint) => WatchCall;

/** Options of {@link StoreClient.watch}. */
export interface WatchOptions {
  /** First log index to report; 0 (default) = changes from now on. */
  readonly fromIndex?: bigint;
  /** Consecutive failed attempts (without progress) before the watch gives up (default 10). */
  readonly maxRetries?: number;
  /** First reconnect delay; doubles per failed attempt up to `backoffMaxMs` (default 100). */
  readonly backoffBaseMs?: number;
  /** Longest reconnect delay (default 5000). */
  readonly backoffMaxMs?: number;
  /** How long a new stream may take to send its first message (default 10000). */
  readonly establishTimeoutMs?: number;
}

/** Waits `ms` or until `signal` aborts. Injectable so tests can record the delays. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Failures a new stream can cure: the node or the connection went away, the node was
 * overloaded or shutting down. Anything else (unknown store, bad request, compacted) ends
 * the watch with its error.
 */
const RETRYABLE: ReadonlySet<StatusName> = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'CANCELLED',
  'ABORTED',
  'INTERNAL',
  'UNKNOWN',
  'RESOURCE_EXHAUSTED',
]);

function positiveInt(what: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 0)
    throw new StoreArgumentError(`watch: ${what} must be a non-negative integer, got ${v}`);
  return v;
}

/**
 * Every committed change of a store, in log order, as an async iterator. It reconnects by
 * itself after a broken stream and resumes where it stood (no gaps, no duplicates), with
 * capped exponential backoff and at most `maxRetries` consecutive attempts that make no
 * progress. It ends with {@link WatchCompactedError} when the node no longer has the changes
 * it needs, with a {@link StoreError} for other refusals, and normally after {@link close}.
 * Iterate it once.
 */
export class StoreWatch implements AsyncIterable<StoreEvent> {
  private readonly cursor: WatchCursor;
  private readonly stop = new AbortController();
  private current: WatchCall | undefined;
  private started = false;
  private readonly maxRetries: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly establishMs: number;
  /** Streams opened so far (the first included); for status output and tests. */
  attempts = 0;

  constructor(
    private readonly store: string,
    private readonly open: OpenWatch,
    private readonly codec: StoreCodec,
    options: WatchOptions = {},
    private readonly sleep: Sleep = realSleep
  ) {
    const from = options.fromIndex ?? 0n;
    if (typeof from !== 'bigint' || from < 0n)
      throw new StoreArgumentError(
        `watch: fromIndex must be a non-negative bigint, got ${String(from)}`
      );
    this.cursor = new WatchCursor(from);
    this.maxRetries = positiveInt('maxRetries', options.maxRetries, 10);
    this.baseMs = Math.max(1, positiveInt('backoffBaseMs', options.backoffBaseMs, 100));
    this.maxMs = Math.max(this.baseMs, positiveInt('backoffMaxMs', options.backoffMaxMs, 5000));
    this.establishMs = Math.max(
      1,
      positiveInt('establishTimeoutMs', options.establishTimeoutMs, 10_000)
    );
  }

  /** The highest index whose every change has been delivered (undefined before the first). */
  get completeIndex(): bigint | undefined {
    return this.cursor.completeIndex;
  }

  /** Ends the watch: iteration finishes normally. */
  close(): void {
    this.stop.abort();
    this.current?.cancel();
  }

  [Symbol.asyncIterator](): AsyncIterator<StoreEvent> {
    if (this.started)
      throw new StoreError('a watch can be iterated once', 'FAILED_PRECONDITION', 'not-applied');
    this.started = true;
    return this.run();
  }

  /** The delay before attempt `failures + 1`: base * 2^(failures-1), capped. */
  backoffMs(failures: number): number {
    const exp = Math.min(30, Math.max(0, failures - 1));
    return Math.min(this.maxMs, this.baseMs * 2 ** exp);
  }

  private async *run(): AsyncGenerator<StoreEvent> {
    let failures = 0;
    try {
      while (!this.stop.signal.aborted) {
        const from = this.cursor.resume();
        const call = this.open(from);
        this.current = call;
        this.attempts++;
        let established = false;
        let establishedAt = 0;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          call.cancel();
        }, this.establishMs);
        let failure: StoreError;
        try {
          for await (const msg of call) {
            if (!established) {
              established = true;
              establishedAt = Date.now();
              clearTimeout(timer);
            }
            const before = this.cursor.completeIndex;
            for (const wire of msg.events) {
              const ev = toStoreEvent(this.codec, wire);
              if (!this.cursor.accept(ev.index)) continue;
              failures = 0;
              yield ev;
              if (this.stop.signal.aborted) return;
            }
            this.cursor.through(u64('through_index', msg.through_index));
            if (this.cursor.completeIndex !== before) failures = 0;
          }
          failure = new StoreError(
            `watch ${this.store}: the node ended the stream`,
            'UNAVAILABLE',
            'not-applied'
          );
        } catch (e) {
          if (this.stop.signal.aborted) return;
          if (e instanceof StoreResponseError) throw e;
          if (timedOut) {
            failure = new StoreError(
              `watch ${this.store}: the node did not confirm the watch within ${this.establishMs} ms`,
              'DEADLINE_EXCEEDED',
              'not-applied',
              { cause: e }
            );
          } else {
            failure = storeError(`watch ${this.store}`, e, true);
            if (failure.status === 'OUT_OF_RANGE') {
              const oldest = oldestIndexFrom(failure.message);
              throw new WatchCompactedError(
                `watch ${this.store}: index ${from} is compacted${oldest !== undefined ? ` (oldest retained ${oldest})` : ''}; start again from a snapshot (get/keys) and a newer index`,
                from,
                oldest,
                { cause: e }
              );
            }
            if (!RETRYABLE.has(failure.status)) throw failure;
          }
        } finally {
          clearTimeout(timer);
          call.cancel();
          this.current = undefined;
        }
        if (this.stop.signal.aborted) return;
        // A stream that stayed up a while was healthy even without changes (an idle store):
        // its end starts a new series of attempts. Quick failures without progress add up.
        if (established && Date.now() - establishedAt >= this.establishMs) failures = 0;
        failures++;
        if (failures > this.maxRetries)
          throw new StoreError(
            `watch ${this.store}: gave up after ${failures} attempts without progress; last: ${failure.message}`,
            failure.status,
            'not-applied',
            { cause: failure }
          );
        await this.sleep(this.backoffMs(failures), this.stop.signal);
      }
    } finally {
      this.stop.abort();
    }
  }
}
