import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ErrorCodes, LifeguardError, type BlobInfo } from '@lifeguard/core';
import { VAULT_KEY_BYTES, type VaultKeyring } from './vault.keyring.js';

/**
 * Envelope encryption of one blob (shared by every vault backend: filesystem, S3).
 *
 * Layout of a stored object: `LGV1` magic, a 4-byte big-endian header length, the header
 * (UTF-8 JSON), then the AES-256-GCM ciphertext of the plain bytes.
 *
 * - Each blob gets a fresh random 256-bit data key and 96-bit nonce (NIST SP 800-38D
 *   section 8.2.2: random IVs are safe while one key seals far fewer than 2^32 messages, and
 *   here each data key seals exactly one).
 * - The data key is wrapped with AES-256-GCM under the current master key (fresh nonce); the
 *   wrap's additional data binds the master key id and the blob key.
 * - The content's additional data binds the immutable metadata (blob key, size, SHA-256,
 *   content type, creation time), so editing any of them, or copying an object to another
 *   key, fails authentication. The hold time is deliberately not bound: it may be extended.
 * - After decryption the SHA-256 of the plain bytes is compared with the one recorded at put.
 *
 * Re-wrapping (master key rotation) rewrites only the header: the ciphertext is untouched.
 */

const MAGIC = Buffer.from('LGV1', 'ascii');
const PREFIX = MAGIC.length + 4;
/** Upper bound of a header (keys and content types are length-limited by the store). */
export const MAX_HEADER_BYTES = 8192;
const NONCE = 12;

/** The header of a sealed blob (stored as JSON; binary fields base64). */
export interface EnvelopeHeader {
  /** Format version. */
  readonly v: 1;
  /** Blob key. */
  readonly key: string;
  /** Size of the plain bytes. */
  readonly size: number;
  /** SHA-256 of the plain bytes, lowercase hex. */
  readonly sha256: string;
  /** Media type, if given. */
  readonly contentType?: string;
  /** Creation time, epoch ms. */
  readonly createdAt: number;
  /** Hold expiry, epoch ms (not authenticated: holds may be extended). */
  readonly holdUntil?: number;
  /** Id of the master key that wraps the data key. */
  readonly kid: string;
  /** Wrapped data key: nonce, ciphertext, tag. */
  readonly wrap: { readonly iv: string; readonly ct: string; readonly tag: string };
  /** Content nonce and tag. */
  readonly iv: string;
  readonly tag: string;
}

function integrity(key: string, why: string, cause?: unknown): LifeguardError {
  return new LifeguardError(
    ErrorCodes.INTEGRITY,
    `blob ${key} failed its integrity check: ${why}`,
    { key },
    cause === undefined ? undefined : { cause },
  );
}

/** SHA-256 of `bytes`, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function contentAad(
  h: Pick<EnvelopeHeader, 'key' | 'size' | 'sha256' | 'contentType' | 'createdAt'>,
): Buffer {
  return Buffer.from(
    JSON.stringify([
      'lifeguard-vault/content/v1',
      h.key,
      h.size,
      h.sha256,
      h.contentType ?? '',
      h.createdAt,
    ]),
  );
}

function wrapAad(kid: string, key: string): Buffer {
  return Buffer.from(JSON.stringify(['lifeguard-vault/wrap/v1', kid, key]));
}

function wrapKey(
  keyring: VaultKeyring,
  blobKey: string,
  dataKey: Buffer,
): EnvelopeHeader['wrap'] & { kid: string } {
  const kid = keyring.currentKeyId;
  const iv = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', keyring.key(kid), iv);
  c.setAAD(wrapAad(kid, blobKey));
  const ct = Buffer.concat([c.update(dataKey), c.final()]);
  return {
    kid,
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: c.getAuthTag().toString('base64'),
  };
}

function unwrapKey(keyring: VaultKeyring, h: EnvelopeHeader): Buffer {
  const master = keyring.key(h.kid);
  try {
    const d = createDecipheriv('aes-256-gcm', master, Buffer.from(h.wrap.iv, 'base64'));
    d.setAAD(wrapAad(h.kid, h.key));
    d.setAuthTag(Buffer.from(h.wrap.tag, 'base64'));
    const k = Buffer.concat([d.update(Buffer.from(h.wrap.ct, 'base64')), d.final()]);
    if (k.length !== VAULT_KEY_BYTES) throw new Error('data key has the wrong length');
    return k;
  } catch (e) {
    throw integrity(h.key, 'the wrapped data key does not authenticate', e);
  }
}

function frame(header: EnvelopeHeader, ciphertext: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, len, json, ciphertext]);
}

/** What {@link seal} needs besides the bytes. */
export interface SealInput {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly contentType?: string | undefined;
  readonly createdAt: number;
  readonly holdUntil?: number | undefined;
}

/** Encrypt `bytes` for storage under `key`. Returns the object to store and its info. */
export function seal(keyring: VaultKeyring, input: SealInput): { object: Buffer; info: BlobInfo } {
  const dataKey = randomBytes(VAULT_KEY_BYTES);
  const iv = randomBytes(NONCE);
  const base = {
    key: input.key,
    size: input.bytes.length,
    sha256: sha256Hex(input.bytes),
    ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
    createdAt: input.createdAt,
  };
  const c = createCipheriv('aes-256-gcm', dataKey, iv);
  c.setAAD(contentAad(base));
  const ct = Buffer.concat([c.update(input.bytes), c.final()]);
  const { kid, ...wrap } = wrapKey(keyring, input.key, dataKey);
  dataKey.fill(0);
  const header: EnvelopeHeader = {
    v: 1,
    ...base,
    ...(input.holdUntil !== undefined ? { holdUntil: input.holdUntil } : {}),
    kid,
    wrap,
    iv: iv.toString('base64'),
    tag: c.getAuthTag().toString('base64'),
  };
  return { object: frame(header, ct), info: infoOf(header) };
}

/** The {@link BlobInfo} a header describes. */
export function infoOf(h: EnvelopeHeader): BlobInfo {
  return {
    key: h.key,
    size: h.size,
    sha256: h.sha256,
    ...(h.contentType !== undefined ? { contentType: h.contentType } : {}),
    createdAt: h.createdAt,
    ...(h.holdUntil !== undefined ? { holdUntil: h.holdUntil } : {}),
  };
}

/**
 * Parse the header of a stored object (`object` may be just its first bytes). Returns the
 * header and the offset of the ciphertext. Throws `LG_ERR_INTEGRITY` when the framing or
 * header is damaged, or when it names a different key than `expectedKey`.
 */
export function readHeader(
  expectedKey: string,
  object: Uint8Array,
): { header: EnvelopeHeader; bodyOffset: number } {
  const buf = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
  if (buf.length < PREFIX || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw integrity(expectedKey, 'not a vault object (bad magic)');
  }
  const len = buf.readUInt32BE(MAGIC.length);
  if (len > MAX_HEADER_BYTES || PREFIX + len > buf.length) {
    throw integrity(expectedKey, 'header length out of range');
  }
  let h: EnvelopeHeader;
  try {
    h = JSON.parse(buf.subarray(PREFIX, PREFIX + len).toString('utf8')) as EnvelopeHeader;
  } catch (e) {
    throw integrity(expectedKey, 'header is not valid JSON', e);
  }
  const ok =
    typeof h === 'object' &&
    h !== null &&
    h.v === 1 &&
    h.key === expectedKey &&
    Number.isSafeInteger(h.size) &&
    h.size >= 0 &&
    typeof h.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(h.sha256) &&
    Number.isSafeInteger(h.createdAt) &&
    (h.holdUntil === undefined || Number.isSafeInteger(h.holdUntil)) &&
    (h.contentType === undefined || typeof h.contentType === 'string') &&
    typeof h.kid === 'string' &&
    typeof h.iv === 'string' &&
    typeof h.tag === 'string' &&
    typeof h.wrap === 'object' &&
    h.wrap !== null &&
    typeof h.wrap.iv === 'string' &&
    typeof h.wrap.ct === 'string' &&
    typeof h.wrap.tag === 'string';
  if (!ok) throw integrity(expectedKey, 'header fields are missing or malformed');
  return { header: h, bodyOffset: PREFIX + len };
}

/**
 * Decrypt a stored object, authenticating header and content and checking the SHA-256
 * recorded at put. Throws `LG_ERR_INTEGRITY` on any mismatch, `LG_ERR_VAULT_KEY` when the
 * master key that sealed it is not in `keyring`.
 */
export function open(
  keyring: VaultKeyring,
  expectedKey: string,
  object: Uint8Array,
): { bytes: Buffer; info: BlobInfo } {
  const { header: h, bodyOffset } = readHeader(expectedKey, object);
  const ct = Buffer.from(
    object.buffer,
    object.byteOffset + bodyOffset,
    object.byteLength - bodyOffset,
  );
  if (ct.length !== h.size)
    throw integrity(expectedKey, 'stored size differs from the recorded size');
  const dataKey = unwrapKey(keyring, h);
  let bytes: Buffer;
  try {
    const d = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(h.iv, 'base64'));
    d.setAAD(contentAad(h));
    d.setAuthTag(Buffer.from(h.tag, 'base64'));
    bytes = Buffer.concat([d.update(ct), d.final()]);
  } catch (e) {
    throw integrity(expectedKey, 'the content does not authenticate (AES-GCM tag mismatch)', e);
  } finally {
    dataKey.fill(0);
  }
  if (sha256Hex(bytes) !== h.sha256) {
    throw integrity(expectedKey, 'SHA-256 of the content differs from the one recorded at put');
  }
  return { bytes, info: infoOf(h) };
}

/**
 * The same object with its data key re-wrapped under the keyring's current master key and,
 * optionally, a new hold time; the ciphertext is copied unchanged (no re-encryption).
 * Returns undefined when nothing would change.
 */
export function rewrap(
  keyring: VaultKeyring,
  expectedKey: string,
  object: Uint8Array,
  opts: { readonly holdUntil?: number } = {},
): Buffer | undefined {
  const { header: h, bodyOffset } = readHeader(expectedKey, object);
  const newHold = opts.holdUntil !== undefined && opts.holdUntil > (h.holdUntil ?? -Infinity);
  if (h.kid === keyring.currentKeyId && !newHold) return undefined;
  let next: EnvelopeHeader = newHold ? { ...h, holdUntil: opts.holdUntil } : h;
  if (h.kid !== keyring.currentKeyId) {
    const dataKey = unwrapKey(keyring, h);
    const { kid, ...wrap } = wrapKey(keyring, expectedKey, dataKey);
    dataKey.fill(0);
    next = { ...next, kid, wrap };
  }
  return frame(
    next,
    Buffer.from(object.buffer, object.byteOffset + bodyOffset, object.byteLength - bodyOffset),
  );
}
