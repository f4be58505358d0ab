import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import {
  ErrorCodes,
  LifeguardError,
  DIHEDRAL_ORDER,
  PdqHasher,
  formatHash256,
  type DihedralName,
} from '@lifeguard/core';
import { decodeForPdq, type DecodeOptions } from './image.decoder.js';
import { DEFAULT_DECODE_LIMITS } from './limits.config.js';

/** Options for {@link hashImage} and {@link hashImageFile}. */
export interface HashOptions extends DecodeOptions {
  /** Also compute the eight dihedral PDQ hashes (from the same DCT). */
  readonly dihedral?: boolean;
}

/** Every hash Lifeguard computes for one image. */
export interface ImageHashes {
  /** PDQ hash, 64 lowercase hex characters, reference format. */
  readonly pdq: string;
  /** PDQ quality, 0..100. */
  readonly quality: number;
  /** MD5 of the original bytes, lowercase hex. */
  readonly md5: string;
  /** SHA-256 of the original bytes, lowercase hex. */
  readonly sha256: string;
  /** Dihedral PDQ hashes in reference order, when asked for. */
  readonly dihedral?: Readonly<Record<DihedralName, string>>;
  /** Detected container format. */
  readonly format: string;
  /** Declared width of the source image. */
  readonly width: number;
  /** Declared height of the source image. */
  readonly height: number;
  /** Milliseconds spent decoding (wall time, includes the byte digests running alongside). */
  readonly decodeMs: number;
  /** Milliseconds spent in PDQ math. */
  readonly pdqMs: number;
}

const hasher = new PdqHasher();

/**
 * Hash image bytes: PDQ (and optionally its dihedral set) of the decoded pixels, and MD5 and
 * SHA-256 of the original bytes. The digests run on this thread while libvips decodes on its
 * own, so they add little wall time where a second core is free.
 */
export async function hashImage(
  bytes: Uint8Array,
  options: HashOptions = {},
): Promise<ImageHashes> {
  const t0 = performance.now();
  let md5 = '';
  let sha256 = '';
  const digest = () => {
    md5 = createHash('md5').update(bytes).digest('hex');
    sha256 = createHash('sha256').update(bytes).digest('hex');
  };
  // The digests run on this thread while libvips decodes on its own; if decoding fails before
  // it starts (empty, oversized or unrecognised input), they are not needed.
  const img = await decodeForPdq(bytes, { ...options, whileDecoding: digest });
  if (!md5) digest();
  const t1 = performance.now();
  let pdq: string;
  let quality: number;
  let dihedral: Record<DihedralName, string> | undefined;
  if (options.dihedral) {
    const r = hasher.hashWithDihedral(img);
    const hexes = r.dihedral.hashes.map(formatHash256);
    pdq = formatHash256(r.hash);
    quality = r.quality;
    dihedral = Object.fromEntries(DIHEDRAL_ORDER.map((name, i) => [name, hexes[i]!])) as Record<
      DihedralName,
      string
    >;
  } else {
    const r = hasher.hash(img);
    pdq = formatHash256(r.hash);
    quality = r.quality;
  }
  const t2 = performance.now();
  return {
    pdq,
    quality,
    md5,
    sha256,
    ...(dihedral ? { dihedral } : {}),
    format: img.format,
    width: img.sourceWidth,
    height: img.sourceHeight,
    decodeMs: t1 - t0,
    pdqMs: t2 - t1,
  };
}

/**
 * Read a file (refusing it before reading if it is over the byte limit) and {@link hashImage}
 * it. Read failures become `LG_ERR_READ_FAILED`.
 */
export async function hashImageFile(path: string, options: HashOptions = {}): Promise<ImageHashes> {
  const maxBytes = options.limits?.maxBytes ?? DEFAULT_DECODE_LIMITS.maxBytes;
  let bytes: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (!st.isFile()) {
        throw new LifeguardError(ErrorCodes.READ_FAILED, 'not a regular file');
      }
      if (st.size > maxBytes) {
        throw new LifeguardError(
          ErrorCodes.INPUT_TOO_LARGE,
          `input is ${st.size} bytes, over the ${maxBytes}-byte limit`,
          { bytes: st.size, maxBytes },
        );
      }
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof LifeguardError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : code;
    throw new LifeguardError(
      ErrorCodes.READ_FAILED,
      `cannot read file: ${reason}`,
      { errno: code },
      { cause: e },
    );
  }
  return hashImage(bytes, options);
}
