import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  hotp,
  matchTotp,
  newTotpSecret,
  otpauthUri,
  totpStep,
} from './totp.js';

const rfc = JSON.parse(
  readFileSync(new URL('./testdata/rfc6238-sha1.json', import.meta.url), 'utf8'),
) as { secretAscii: string; vectors: { time: number; step: number; code8: string }[] };

describe('TOTP (RFC 6238)', () => {
  const secret = Buffer.from(rfc.secretAscii, 'ascii');
  const b32 = base32Encode(secret);

  it('reproduces the RFC 6238 SHA1 vectors (6 digits)', () => {
    for (const v of rfc.vectors) {
      expect(totpStep(v.time * 1000)).toBe(v.step);
      expect(hotp(secret, v.step)).toBe(v.code8.slice(2));
      expect(matchTotp(b32, v.code8.slice(2), v.time * 1000)).toBe(v.step);
    }
  });

  it('accepts one step either side and nothing further', () => {
    const t = 1_234_567_890_000;
    const step = totpStep(t);
    for (const d of [-1, 0, 1]) expect(matchTotp(b32, hotp(secret, step + d), t)).toBe(step + d);
    for (const d of [-3, -2, 2, 3])
      expect(matchTotp(b32, hotp(secret, step + d), t)).toBeUndefined();
    expect(matchTotp(b32, '12345', t)).toBeUndefined();
    expect(matchTotp(b32, 'abcdef', t)).toBeUndefined();
  });

  it('round-trips base32 (RFC 4648 test vector) and makes 160-bit secrets', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('mzxw6ytboi======').toString()).toBe('foobar');
    const s = newTotpSecret();
    expect(base32Decode(s)).toHaveLength(20);
    expect(s).not.toBe(newTotpSecret());
    expect(() => base32Decode('not base32!')).toThrow();
  });

  it('builds an otpauth:// URI that names issuer and account', () => {
    const u = new URL(otpauthUri('JBSWY3DPEHPK3PXP', 'ana@example.org'));
    expect(u.protocol).toBe('otpauth:');
    expect(u.host).toBe('totp');
    expect(decodeURIComponent(u.pathname)).toBe('/Lifeguard:ana@example.org');
    expect(u.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
    expect(u.searchParams.get('period')).toBe('30');
  });
});
