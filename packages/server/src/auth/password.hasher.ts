import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** scrypt cost parameters (RFC 7914). */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * Default cost: N = 2^15, r = 8, p = 1 — 32 MiB and roughly 50-100 ms per hash on a small
 * server, the interactive-login setting OWASP's Password Storage Cheat Sheet recommends for
 * scrypt. The parameters are stored in every hash, so raising them later only affects new
 * hashes (old ones still verify).
 */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const KEY_LEN = 32;
const SALT_LEN = 16;
/** Shortest password accepted when one is set (NIST SP 800-63B asks for at least 8). */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted (bounds the work an attacker can make us do). */
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Refuse passwords that are too short or too long (`LG_ERR_INVALID_ARGUMENT`). */
export function checkPasswordPolicy(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `password must be at least ${MIN_PASSWORD_LENGTH} characters`,
      { minLength: MIN_PASSWORD_LENGTH },
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `password must be at most ${MAX_PASSWORD_LENGTH} characters`,
      { maxLength: MAX_PASSWORD_LENGTH },
    );
  }
}

/**
 * Hash a password with scrypt and a fresh 128-bit salt. The result is self-describing:
 * `scrypt$<N>$<r>$<p>$<salt b64url>$<key b64url>`.
 */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * True when `password` matches `encoded`. The comparison is constant-time; a malformed
 * encoding is a plain mismatch (never an exception an attacker could tell apart).
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(encoded);
  if (!m) return false;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const salt = Buffer.from(m[4]!, 'base64url');
  const expected = Buffer.from(m[5]!, 'base64url');
  if (expected.length !== KEY_LEN || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(password, salt, params);
  return timingSafeEqual(key, expected);
}

/** A hash of a random password: verifying against it costs what a real check costs. */
let dummy: Promise<string> | undefined;
/** Burn the time of one verification (unknown user), so timing does not reveal usernames. */
export async function verifyDummy(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummy);
}
