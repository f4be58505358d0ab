/**
 * Failed-login throttling, per username and per client address, in memory. After
 * `maxFailures` failures inside `windowMs` the key is locked for `lockMs` (doubling with each
 * further lockout, up to a day); a success clears the username's count. Per process, like the
 * API-key buckets: with N api processes an attacker gets N times the attempts, which scrypt's
 * cost and the lockout still keep far below what guessing a 10-character password needs.
 */
export class LoginThrottle {
  private readonly state = new Map<
    string,
    { failures: number; firstAt: number; lockedUntil: number; lockouts: number }
  >();

  /**
   * @param maxFailures failures allowed inside the window
   * @param windowMs window in which failures are counted
   * @param lockMs first lockout
   * @param now clock (injectable for tests)
   */
  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly lockMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const s = this.state.get(key);
    if (!s) return 0;
    const wait = s.lockedUntil - this.now();
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  /** Count a failure for `key`. */
  fail(key: string): void {
    const t = this.now();
    let s = this.state.get(key);
    if (!s || t - s.firstAt > this.windowMs) {
      s = { failures: 0, firstAt: t, lockedUntil: 0, lockouts: s?.lockouts ?? 0 };
      this.state.set(key, s);
    }
    s.failures++;
    if (s.failures >= this.maxFailures) {
      s.lockedUntil = t + Math.min(86_400_000, this.lockMs * 2 ** s.lockouts);
      s.lockouts++;
      s.failures = 0;
      s.firstAt = t;
    }
    if (this.state.size > 100_000) this.prune(t);
  }

  /** Forget `key` (a successful login for that username). */
  succeed(key: string): void {
    this.state.delete(key);
  }

  private prune(t: number): void {
    for (const [k, s] of this.state) {
      if (s.lockedUntil < t && t - s.firstAt > this.windowMs) this.state.delete(k);
    }
  }
}
