/**
 * Per-key rate limiting with token buckets, in memory. Each key gets `burst` tokens that
 * refill at `perSecond`; a request takes one. In-memory state is per process: with N api
 * processes a key may send up to N times the rate. That is acceptable for the single-box
 * default; a scaled deployment puts the limit at its load balancer or shares it in Redis
 * (not done yet; see docs/configuration.md).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * @param perSecond refill rate
   * @param burst bucket size
   * @param now clock in milliseconds (injectable for tests)
   */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Take one token for `key`. Returns 0 when allowed, else the seconds to wait until a
   * token is available (for `Retry-After`).
   */
  take(key: string): number {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /** Forget a key (after revocation). */
  forget(key: string): void {
    this.buckets.delete(key);
  }
}
