/**
 * The --snapshot-rate throttle: one bucket per host, shared by every outgoing snapshot, so
 * the host's total snapshot traffic stays at the rate however many transfers run.
 *
 * A take may overdraw the bucket (a chunk larger than what is left); later takes then wait
 * for the debt to be repaid. So the rate holds for any chunk size and a chunk is never split.
 */
export class TokenBucket {
  /** Bytes that may be sent now; negative while a previous take is being paid for. */
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    /** At most this many bytes accumulate while idle (the burst after a pause). */
    private readonly burst: number,
    private readonly now: () => number = () => performance.now()
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
  }

  /** Milliseconds to wait before `take()` may proceed (0: now). */
  delayMs(): number {
    this.refill();
    if (this.tokens > 0) return 0;
    return Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000);
  }

  /** Spends `bytes` (call when delayMs() is 0). */
  take(bytes: number): void {
    this.refill();
    this.tokens -= bytes;
  }

  /** Waits (unref'd timers, aborted by `signal`) until bytes may be sent, then spends them. */
  async acquire(bytes: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      const d = this.delayMs();
      if (d === 0) {
        this.take(bytes);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, d);
        timer.unref();
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
