import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  randomBytes,
  scryptSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import { isSafeMemberName, readTar, writeTar, type TarMember } from './tar.format.js';

/**
 * The export bundle for destinations without an API (a hotline's or police portal's manual
 * upload, a national authority's process): a signed, encrypted archive.
 *
 * Layout (all integers big-endian):
 * ```
 * "LGBUNDLE1\n"            magic (10 bytes)
 * u32 headerLength, header  JSON: version, createdAt, cipher, iv, kdf {scrypt salt N r p},
 *                           signer {alg: ed25519, publicKey (SPKI DER, base64), keyId}
 * u64 ciphertextLength, ciphertext, 16-byte GCM tag
 *                           AES-256-GCM under scrypt(passphrase), AAD = the header bytes;
 *                           the plaintext is a POSIX ustar archive: manifest.json first
 *                           (SHA-256 and size of every other member), report document,
 *                           evidence files, files.json (hashes and details per file)
 * u16 signatureLength, signature
 *                           Ed25519 over everything before it
 * ```
 * `verify` needs no passphrase (signature only); `open` checks the signature, decrypts
 * (the GCM tag authenticates the content) and checks every member against the manifest.
 * Pin the sender's public key (`publicKey`): the embedded one only proves the bundle was not
 * changed after signing, not who signed it.
 */

const MAGIC = Buffer.from('LGBUNDLE1\n', 'ascii');
/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s; RFC 7914's interactive-use class). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;

/** The bundle header (plain text, authenticated as GCM AAD and by the signature). */
export interface BundleHeader {
  /** Format version (1). */
  readonly version: 1;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** `aes-256-gcm`. */
  readonly cipher: 'aes-256-gcm';
  /** GCM nonce, base64 (12 bytes). */
  readonly iv: string;
  /** Key derivation from the passphrase. */
  readonly kdf: {
    readonly name: 'scrypt';
    readonly salt: string;
    readonly N: number;
    readonly r: number;
    readonly p: number;
  };
  /** Who signed. */
  readonly signer: { readonly alg: 'ed25519'; readonly publicKey: string; readonly keyId: string };
}

/** One entry of the manifest. */
export interface ManifestEntry {
  /** Member name. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** SHA-256, lowercase hex. */
  readonly sha256: string;
}

/** `manifest.json`: what the bundle holds. */
export interface BundleManifest {
  /** Format version (1). */
  readonly version: 1;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** Free, log-safe description: case id, destination, document kind. */
  readonly subject: Readonly<Record<string, string | number | boolean | null>>;
  /** Every member except the manifest itself. */
  readonly members: readonly ManifestEntry[];
}

/** An opened bundle. */
export interface OpenedBundle {
  /** The header. */
  readonly header: BundleHeader;
  /** The manifest. */
  readonly manifest: BundleManifest;
  /** Members (manifest first), every one checked against the manifest. */
  readonly members: readonly TarMember[];
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Key id of a public key: first 16 hex characters of the SHA-256 of its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

function deriveKey(passphrase: string, salt: Buffer, kdf: { N: number; r: number; p: number }) {
  if (passphrase.length < 12) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      'the passphrase must be at least 12 characters',
    );
  }
  return scryptSync(passphrase.normalize('NFC'), salt, 32, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r + 1024 * 1024,
  });
}

/**
 * Build a bundle from `members` (report document, evidence files, files.json...): a manifest
 * with the SHA-256 of each is added first, the archive is encrypted under the passphrase and
 * the whole is signed with `signingKey` (Ed25519 private key).
 */
export function createReportBundle(
  members: readonly TarMember[],
  subject: BundleManifest['subject'],
  opts: { readonly passphrase: string; readonly signingKey: KeyObject; readonly now?: Date },
): Buffer {
  if (opts.signingKey.asymmetricKeyType !== 'ed25519' || opts.signingKey.type !== 'private') {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      'the signing key must be an Ed25519 private key',
    );
  }
  const names = new Set<string>(['manifest.json']);
  for (const m of members) {
    if (names.has(m.name)) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `duplicate bundle member '${m.name}'`);
    }
    names.add(m.name);
  }
  const now = opts.now ?? new Date();
  const manifest: BundleManifest = {
    version: 1,
    createdAt: now.toISOString(),
    subject,
    members: members.map((m) => ({ name: m.name, size: m.bytes.length, sha256: sha256(m.bytes) })),
  };
  const tar = writeTar(
    [{ name: 'manifest.json', bytes: Buffer.from(JSON.stringify(manifest, null, 2)) }, ...members],
    now.getTime() / 1000,
  );
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const publicKey = createPublicKey(opts.signingKey);
  const header: BundleHeader = {
    version: 1,
    createdAt: now.toISOString(),
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    kdf: { name: 'scrypt', salt: salt.toString('base64'), ...SCRYPT },
    signer: {
      alg: 'ed25519',
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      keyId: keyIdOf(publicKey),
    },
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const cipher = createCipheriv('aes-256-gcm', deriveKey(opts.passphrase, salt, SCRYPT), iv);
  cipher.setAAD(headerBytes);
  const ct = Buffer.concat([cipher.update(tar), cipher.final()]);
  const tag = cipher.getAuthTag();
  const hl = Buffer.alloc(4);
  hl.writeUInt32BE(headerBytes.length);
  const cl = Buffer.alloc(8);
  cl.writeBigUInt64BE(BigInt(ct.length));
  const body = Buffer.concat([MAGIC, hl, headerBytes, cl, ct, tag]);
  const sig = sign(null, body, opts.signingKey);
  const sl = Buffer.alloc(2);
  sl.writeUInt16BE(sig.length);
  return Buffer.concat([body, sl, sig]);
}

function tampered(why: string): LifeguardError {
  return new LifeguardError(ErrorCodes.INTEGRITY, `the bundle is damaged or was altered: ${why}`);
}

interface Parsed {
  header: BundleHeader;
  headerBytes: Buffer;
  ct: Buffer;
  tag: Buffer;
}

/**
 * Check a bundle's structure and signature (no passphrase needed). With `publicKey` the signer
 * must be that key; otherwise the embedded key is used and only integrity is proven.
 * Throws `LG_ERR_INTEGRITY` on any mismatch; returns the header.
 */
export function verifyReportBundle(
  bundle: Uint8Array,
  opts: { readonly publicKey?: KeyObject } = {},
): BundleHeader {
  return parseAndVerify(bundle, opts.publicKey).header;
}

function parseAndVerify(bundle: Uint8Array, pinned: KeyObject | undefined): Parsed {
  const b = Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  if (b.length < MAGIC.length + 4 || !b.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw tampered('not a Lifeguard bundle (bad magic)');
  }
  let off = MAGIC.length;
  const hlen = b.readUInt32BE(off);
  off += 4;
  if (off + hlen + 8 > b.length) throw tampered('truncated header');
  const headerBytes = b.subarray(off, off + hlen);
  off += hlen;
  const clen = Number(b.readBigUInt64BE(off));
  off += 8;
  if (!Number.isSafeInteger(clen) || off + clen + 16 + 2 > b.length)
    throw tampered('truncated content');
  const ct = b.subarray(off, off + clen);
  off += clen;
  const tag = b.subarray(off, off + 16);
  off += 16;
  const body = b.subarray(0, off);
  const slen = b.readUInt16BE(off);
  off += 2;
  if (off + slen !== b.length) throw tampered('bad signature length');
  const sig = b.subarray(off, off + slen);
  let header: BundleHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as BundleHeader;
  } catch {
    throw tampered('unreadable header');
  }
  if (header.version !== 1 || header.signer?.alg !== 'ed25519' || header.cipher !== 'aes-256-gcm') {
    throw tampered('unsupported header');
  }
  let key: KeyObject;
  try {
    key =
      pinned ??
      createPublicKey({
        key: Buffer.from(header.signer.publicKey, 'base64'),
        format: 'der',
        type: 'spki',
      });
  } catch {
    throw tampered('unreadable signer key');
  }
  if (pinned && keyIdOf(pinned) !== header.signer.keyId) {
    throw tampered(
      `signed by key ${header.signer.keyId}, not by the expected key ${keyIdOf(pinned)}`,
    );
  }
  if (!verify(null, body, key, sig)) throw tampered('signature does not verify');
  return { header, headerBytes, ct, tag };
}

/**
 * Verify, decrypt and unpack a bundle. Throws `LG_ERR_INTEGRITY` when the signature, the GCM
 * tag, the archive or any member's SHA-256 does not match, and for a wrong passphrase (which
 * GCM cannot tell apart from tampering).
 */
export function openReportBundle(
  bundle: Uint8Array,
  opts: { readonly passphrase: string; readonly publicKey?: KeyObject },
): OpenedBundle {
  const { header, headerBytes, ct, tag } = parseAndVerify(bundle, opts.publicKey);
  const k = header.kdf;
  if (k.name !== 'scrypt' || k.N > 1 << 20 || k.r > 32 || k.p > 16)
    throw tampered('unsupported kdf');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    deriveKey(opts.passphrase, Buffer.from(k.salt, 'base64'), k),
    Buffer.from(header.iv, 'base64'),
  );
  decipher.setAAD(headerBytes);
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw tampered('wrong passphrase, or the content was altered (GCM tag)');
  }
  const members = readTar(plain);
  if (members[0]?.name !== 'manifest.json') throw tampered('no manifest');
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(Buffer.from(members[0].bytes).toString('utf8')) as BundleManifest;
  } catch {
    throw tampered('unreadable manifest');
  }
  const rest = members.slice(1);
  if (rest.length !== manifest.members.length)
    throw tampered('member count differs from the manifest');
  rest.forEach((m, i) => {
    const e = manifest.members[i]!;
    if (!isSafeMemberName(m.name) || m.name !== e.name)
      throw tampered(`member ${i + 1} is not '${e.name}'`);
    if (m.bytes.length !== e.size || sha256(m.bytes) !== e.sha256) {
      throw tampered(`member '${m.name}' does not match its SHA-256 in the manifest`);
    }
  });
  return { header, manifest, members };
}
