import { describe, expect, it } from '@jest/globals';
import { TokenBucket } from '../../node/src/replication/token-bucket.js';

describe('token bucket (the --snapshot-rate throttle)', () => {
  it('lets a burst through, then holds the average at the rate, debts included', () => {
    let now = 0;
    const b = new TokenBucket(1000, 100, () => now); // 1000 bytes/s, burst 100
    expect(b.delayMs()).toBe(0);
    b.take(100);
    expect(b.delayMs()).toBeGreaterThan(0);
    // A chunk larger than the bucket overdraws it; the next waits for the debt.
    now += 100; // +100 bytes of credit
    expect(b.delayMs()).toBe(0);
    b.take(600); // tokens: 100 - 600 = -500
    expect(b.delayMs()).toBe(501);
    now += 400;
    expect(b.delayMs()).toBe(101);
    now += 101;
    expect(b.delayMs()).toBe(0);
  });

  it('does not accumulate more than the burst while idle', () => {
    let now = 0;
    const b = new TokenBucket(1000, 50, () => now);
    now += 60_000;
    b.take(50);
    b.take(1); // the minute of idleness bought only the burst
    expect(b.delayMs()).toBeGreaterThan(0);
  });

  it('sends N bytes in no less than (N - burst - one chunk) / rate seconds of its clock', async () => {
    let now = 0;
    const b = new TokenBucket(10_000, 1000, () => now);
    let waited = 0;
    for (let sent = 0; sent < 50_000; sent += 1000) {
      const d = b.delayMs();
      waited += d;
      now += d;
      b.take(1000);
    }
    // The last chunk may still be owed when it goes out.
    expect(waited).toBeGreaterThanOrEqual(((50_000 - 1000 - 1000) / 10_000) * 1000);
    expect(waited).toBeLessThanOrEqual(((50_000 - 1000) / 10_000) * 1000 + 50);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(b.acquire(1, ac.signal)).rejects.toThrow('stop');
  });
});
