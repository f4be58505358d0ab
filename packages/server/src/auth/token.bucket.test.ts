import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token.bucket.js';

describe('TokenBuckets', () => {
  it('allows a burst, then refills at the configured rate, per key', () => {
    let now = 0;
    const b = new TokenBuckets(2, 3, () => now);
    expect([b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 0]);
    expect(b.take('k')).toBe(1); // empty: wait about a second
    expect(b.take('other')).toBe(0); // buckets are per key
    now += 500; // +1 token at 2/s
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBeGreaterThan(0);
    now += 10_000; // refill is capped at the burst size
    expect(
      [b.take('k'), b.take('k'), b.take('k'), b.take('k')].filter((w) => w === 0),
    ).toHaveLength(3);
  });
});
