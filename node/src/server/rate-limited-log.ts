import type { Logger } from '../config/index.js';

/**
 * Logs one kind of client mistake at most once per `intervalMs`: a client that sends garbage
 * in a loop must not fill the node's log. The next line reports how many were left out.
 */
export class RateLimitedLog {
  private last = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000
  ) {}

  warn(msg: string, fields: Record<string, unknown>, nowMs = Date.now()): void {
    if (nowMs - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.last = nowMs;
    const extra = this.suppressed > 0 ? { suppressed: this.suppressed } : {};
    this.suppressed = 0;
    this.log.log('warn', msg, { ...fields, ...extra });
  }
}
