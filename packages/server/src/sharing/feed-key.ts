import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** HTTP header carrying a feed page's signature. */
export const FEED_SIGNATURE_HEADER = 'lifeguard-feed-signature';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A public feed key as published at the well-known route. */
export interface PublicFeedKey {
  /** First 16 hex characters of SHA-256 over the 32 raw public-key bytes. */
  readonly keyId: string;
  /** The 32 raw Ed25519 public-key bytes, base64 (standard alphabet, padded). */
  readonly publicKey: string;
}

/** The instance's feed signing key. */
export interface FeedSigningKey extends PublicFeedKey {
  /** Sign `body`, returning the value of the {@link FEED_SIGNATURE_HEADER} header. */
  sign(body: Buffer): string;
}

function rawPublic(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

/** Key id of 32 raw public-key bytes. */
export function feedKeyId(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/**
 * Load the Ed25519 feed signing key from `file` (PKCS#8 PEM), generating it on first use
 * with mode 0600. Creation uses an exclusive open, so two processes starting together end
 * up with the same key. A key file readable by group or others is refused: a leaked key
 * lets anyone forge this instance's feed.
 */
export function loadOrCreateFeedKey(file: string): FeedSigningKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LifeguardError(
        ErrorCodes.READ_FAILED,
        `cannot read feed key ${file}`,
        {},
        { cause: e },
      );
    }
    mkdirSync(dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    const fresh = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    try {
      writeFileSync(file, fresh, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600); // the umask may have narrowed it further; never widened
      pem = fresh;
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw w;
      pem = readFileSync(file, 'utf8'); // another process created it first
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `feed key ${file} is readable by others; chmod 600 it`,
      { file },
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `feed key ${file} is not a PEM private key`,
      { file },
      { cause: e },
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `feed key ${file} is not an Ed25519 key`,
      { file },
    );
  }
  const raw = rawPublic(createPublicKey(privateKey));
  const keyId = feedKeyId(raw);
  return {
    keyId,
    publicKey: raw.toString('base64'),
    sign: (body) =>
      `keyid=${keyId},alg=ed25519,sig=${sign(null, body, privateKey).toString('base64')}`,
  };
}

/** A publisher key from configuration (32 raw bytes, base64), checked. */
export function parsePublicFeedKey(base64: string): PublicFeedKey & { readonly key: KeyObject } {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== base64.trim()) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      'publisher key must be 32 Ed25519 public-key bytes in base64',
    );
  }
  const key = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  });
  return { keyId: feedKeyId(raw), publicKey: raw.toString('base64'), key };
}

/**
 * Verify a page: `header` must name `expected`'s key id and carry a valid Ed25519 signature
 * of `body` by it. Throws `LG_ERR_INVALID_FEED` (which key, never the bytes) otherwise.
 */
export function verifyFeedPage(
  expected: PublicFeedKey & { readonly key: KeyObject },
  body: Buffer,
  header: string | undefined,
): void {
  if (header === undefined) {
    throw new LifeguardError(ErrorCodes.INVALID_FEED, 'page is not signed', { reason: 'unsigned' });
  }
  const fields = new Map<string, string>();
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const keyId = fields.get('keyid');
  if (fields.get('alg') !== 'ed25519' || keyId === undefined || !fields.has('sig')) {
    throw new LifeguardError(ErrorCodes.INVALID_FEED, 'malformed feed signature header', {
      reason: 'bad_signature',
    });
  }
  if (keyId !== expected.keyId) {
    throw new LifeguardError(
      ErrorCodes.INVALID_FEED,
      `page signed by key ${keyId.slice(0, 16)}, expected ${expected.keyId}`,
      { reason: 'bad_signature' },
    );
  }
  const sig = Buffer.from(fields.get('sig')!, 'base64');
  if (sig.length !== 64 || !verify(null, body, expected.key, sig)) {
    throw new LifeguardError(ErrorCodes.INVALID_FEED, 'feed page signature does not verify', {
      reason: 'bad_signature',
    });
  }
}
