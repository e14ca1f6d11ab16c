/**
 * A rate-limited work queue of keys ("namespace/name"), as controllers use: a key is queued
 * at most once, never processed by two workers at once, retried with per-key exponential
 * backoff after a failure, and requeued after a delay on request. Bounded: adding beyond
 * `maxKeys` distinct keys is refused (and counted), never unbounded memory.
 */
export interface WorkQueueOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly maxKeys?: number;
}

export class WorkQueue {
  /** Keys ready to process, in order; each at most once (invariant: ⊆ known keys). */
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  /** Keys added while being processed: queued again when their worker finishes. */
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxKeys: number;
  /** Adds refused because the queue was full. */
  dropped = 0;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Keys waiting (ready or delayed). */
  get depth(): number {
    return this.queued.size + this.timers.size;
  }

  add(key: string): void {
    if (this.closed) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    if (this.queued.size + this.active.size >= this.maxKeys) {
      this.dropped++;
      return;
    }
    const t = this.timers.get(key);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    this.queued.add(key);
    this.ready.push(key);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Adds `key` after `ms` (unless it is added sooner). */
  addAfter(key: string, ms: number): void {
    if (this.closed || this.queued.has(key) || this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  /** Requeues `key` after its next backoff delay (a failed reconcile). */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(n - 1, 20));
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets `key`'s backoff (a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, marked active until {@link done}; undefined once closed. */
  async get(): Promise<string | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const key = this.ready.shift();
      if (key !== undefined) {
        this.queued.delete(key);
        this.active.add(key);
        return key;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  done(key: string): void {
    this.active.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
