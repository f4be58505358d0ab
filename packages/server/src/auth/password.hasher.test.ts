import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.hasher.js';
import { LoginThrottle } from './login.throttle.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery', FAST);
    const b = await hashPassword('correct horse battery', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('stores its parameters: the default cost verifies, a malformed hash is a mismatch', async () => {
    const h = await hashPassword('another long secret');
    expect(h.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('another long secret', h)).toBe(true);
    expect(await verifyPassword('x', 'scrypt$garbage')).toBe(false);
    expect(await verifyPassword('x', h.slice(0, -4))).toBe(false);
  });

  it('refuses short and absurdly long passwords', () => {
    expect(() => checkPasswordPolicy('short')).toThrow(/at least 10/);
    expect(() => checkPasswordPolicy('x'.repeat(1025))).toThrow(/at most/);
    expect(() => checkPasswordPolicy('long enough pass')).not.toThrow();
  });
});

describe('LoginThrottle', () => {
  it('locks a key after the allowed failures, doubles the lockout, and forgets on success', () => {
    let now = 0;
    const t = new LoginThrottle(3, 60_000, 10_000, () => now);
    t.fail('u');
    t.fail('u');
    expect(t.retryAfter('u')).toBe(0);
    t.fail('u');
    expect(t.retryAfter('u')).toBe(10);
    expect(t.retryAfter('other')).toBe(0);
    now += 10_001;
    expect(t.retryAfter('u')).toBe(0);
    t.fail('u');
    t.fail('u');
    t.fail('u');
    expect(t.retryAfter('u')).toBe(20);
    t.succeed('u');
    expect(t.retryAfter('u')).toBe(0);
  });
});
