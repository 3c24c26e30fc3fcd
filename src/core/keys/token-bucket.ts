// A token bucket for per-key quotas. Requests may overdraw it (a 1 MiB produce on a 100 KB/s
// quota still goes through), and the debt delays the requests after it — the way Kafka throttles
// a client that exceeded its byte-rate quota, rather than refusing large requests forever.
export class TokenBucket {
  private readonly ratePerSecond: number;
  private tokens: number;
  private updatedAt: number;

  constructor(ratePerSecond: number, now: number) {
    this.ratePerSecond = ratePerSecond;
    this.tokens = ratePerSecond; // one second of burst
    this.updatedAt = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.ratePerSecond, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
  }

  /** Milliseconds until a request may pass (0: it passes now and `amount` is taken). */
  take(amount: number, now: number): number {
    this.refill(now);
    if (this.tokens <= 0) return Math.ceil((-this.tokens / this.ratePerSecond) * 1000) + 1;
    this.tokens -= amount;
    return 0;
  }

  /** Takes `amount` after the fact (bytes served by a fetch), possibly into debt. */
  charge(amount: number, now: number): void {
    this.refill(now);
    this.tokens -= amount;
  }
}
