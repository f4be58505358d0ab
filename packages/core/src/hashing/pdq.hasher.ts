/**
 * PDQ perceptual hashing from decoded pixels, bit-compatible with Meta's C++ reference
 * (facebook/ThreatExchange, pdq/cpp/hashing/pdqhashing.cpp and downscaling.cpp; algorithm
 * paper: "The PDQ and TMK+PDQF hashing algorithms", 2017).
 *
 * The reference computes in IEEE single precision; so does this code, exactly: the bulk (luma,
 * Jarosz filter) in WebAssembly with native f32 (or JavaScript with Math.fround where
 * WebAssembly SIMD is missing), the rest here with a float32 rounding after every operation.
 */
import { emptyHash256, setBit, type Hash256 } from './hash256.codec.js';
import { JsPdqDownsampler } from './pdq-js.downsampler.js';
import { WasmPdqDownsampler } from './pdq-wasm.downsampler.js';
import type { PdqDownsampler } from './pdq-downsampler.model.js';
import { assertValidPixels, type PixelBuffer } from './pixels.model.js';

export { PDQ_DOWNSAMPLE_DIM } from './pdq-downsampler.model.js';

/** Images with a side below this hash to all zeros with quality 0, as in the reference. */
export const PDQ_MIN_HASHABLE_DIM = 5;

const f32 = Math.fround;

/** The eight dihedral transforms in the reference's output order. */
export const DIHEDRAL_ORDER = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1',
] as const;

/** Name of one of the eight dihedral transforms. */
export type DihedralName = (typeof DIHEDRAL_ORDER)[number];

/** A PDQ hash and its quality (0..100; below ~50 the hash is unreliable). */
export interface PdqResult {
  /** The 256-bit hash. */
  readonly hash: Hash256;
  /** The reference's image-domain quality metric, 0..100. */
  readonly quality: number;
}

/** The eight dihedral PDQ hashes of one image, computed from one DCT. */
export interface PdqDihedralResult {
  /** Hashes in {@link DIHEDRAL_ORDER}; index 0 is the plain hash of the image. */
  readonly hashes: readonly Hash256[];
  /** Quality of the image (shared by all eight). */
  readonly quality: number;
}

/** Which downsampling engine to use: `auto` picks WebAssembly when the runtime supports it. */
export type PdqEngine = 'auto' | 'wasm' | 'js';

/**
 * PDQ hasher with reusable scratch buffers. One instance per thread; not re-entrant. The free
 * functions {@link pdqHash} and {@link pdqDihedral} use a shared instance.
 */
export class PdqHasher {
  private readonly down: PdqDownsampler;
  private readonly b64 = new Float32Array(64 * 64);
  private readonly b16 = new Float32Array(256);
  private readonly aux16 = new Float32Array(256);

  /** @param engine downsampling engine (default `auto`) */
  constructor(engine: PdqEngine = 'auto') {
    const wasm = engine === 'wasm' || (engine === 'auto' && WasmPdqDownsampler.available());
    this.down = wasm ? new WasmPdqDownsampler() : new JsPdqDownsampler();
  }

  /** The engine in use. */
  get engine(): 'wasm' | 'js' {
    return this.down.name;
  }

  /**
   * Hash decoded pixels with the reference tool's semantics: resize to exactly 512x512 by
   * nearest neighbour when a side exceeds 512; grey (or all-grey RGB) samples used as luma,
   * otherwise `0.299 R + 0.587 G + 0.114 B`; alpha ignored.
   */
  hash(pixels: PixelBuffer): PdqResult {
    assertValidPixels(pixels);
    const hash = emptyHash256();
    if (tooSmall(pixels)) return { hash, quality: 0 };
    // The reference's plain hash skips the blur for an exactly 64x64 luma image.
    this.down.pixelsTo64(pixels, false, this.b64);
    return this.finish(hash);
  }

  /** The eight dihedral hashes of decoded pixels, in {@link DIHEDRAL_ORDER}. */
  dihedral(pixels: PixelBuffer): PdqDihedralResult {
    assertValidPixels(pixels);
    if (tooSmall(pixels)) return { hashes: DIHEDRAL_ORDER.map(() => emptyHash256()), quality: 0 };
    // The reference's dihedral path always blurs, even at 64x64.
    this.down.pixelsTo64(pixels, true, this.b64);
    return this.finishDihedral();
  }

  /**
   * Both the plain hash and the dihedral set, sharing the decode-side work. They differ only
   * for an exactly 64x64 luma image (see {@link PdqHasher.hash}).
   */
  hashWithDihedral(pixels: PixelBuffer): PdqResult & { dihedral: PdqDihedralResult } {
    const dihedral = this.dihedral(pixels);
    const size = lumaSize(pixels);
    if (size.rows === 64 && size.cols === 64) return { ...this.hash(pixels), dihedral };
    return { hash: dihedral.hashes[0]!, quality: dihedral.quality, dihedral };
  }

  /**
   * Hash float luma (`rows * cols`, row-major), for callers that decode themselves (video
   * frames). A 64x64 input skips the blur, as the reference's `pdqFloat256FromFloatLuma` does.
   */
  hashLuma(luma: Float32Array, rows: number, cols: number): PdqResult {
    const hash = emptyHash256();
    if (rows < PDQ_MIN_HASHABLE_DIM || cols < PDQ_MIN_HASHABLE_DIM) return { hash, quality: 0 };
    this.down.lumaTo64(luma, rows, cols, false, this.b64);
    return this.finish(hash);
  }

  private finish(hash: Hash256): PdqResult {
    const quality = qualityMetric(this.b64);
    this.down.dct(this.b64, this.b16);
    toBits(this.b16, hash);
    return { hash, quality };
  }

  private finishDihedral(): PdqDihedralResult {
    const quality = qualityMetric(this.b64);
    this.down.dct(this.b64, this.b16);
    const hashes: Hash256[] = [];
    for (const name of DIHEDRAL_ORDER) {
      transformDct(name, this.b16, this.aux16);
      const h = emptyHash256();
      toBits(this.aux16, h);
      hashes.push(h);
    }
    return { hashes, quality };
  }
}

/** Luma size after the reference's resize rule. */
function lumaSize(p: PixelBuffer): { rows: number; cols: number } {
  const big = p.width > 512 || p.height > 512;
  return big ? { rows: 512, cols: 512 } : { rows: p.height, cols: p.width };
}

/** Under 5 px on a side after the resize rule: all-zero hash, quality 0 (reference). */
function tooSmall(p: PixelBuffer): boolean {
  const { rows, cols } = lumaSize(p);
  return rows < PDQ_MIN_HASHABLE_DIM || cols < PDQ_MIN_HASHABLE_DIM;
}

/**
 * The reference's quality heuristic: sum over vertical and horizontal neighbour pairs of the
 * 64x64 image of `|int((u - v) * 100 / 255)|` (float32, truncated), divided by 90, capped at 100.
 */
function qualityMetric(b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = f32(f32(f32(b[i * 64 + j]! - b[(i + 1) * 64 + j]!) * 100) / 255);
      sum += Math.abs(Math.trunc(d));
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = f32(f32(f32(b[i * 64 + j]! - b[i * 64 + j + 1]!) * 100) / 255);
      sum += Math.abs(Math.trunc(d));
    }
  }
  return Math.min(100, Math.trunc(sum / 90));
}

/**
 * The dihedral transforms act on DCT coefficients by transposition and sign changes
 * (odd-index basis functions are antisymmetric), so all eight hashes come from one DCT.
 */
function transformDct(name: DihedralName, a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const v = a[i * 16 + j]!;
      switch (name) {
        case 'original':
          b[i * 16 + j] = v;
          break;
        case 'rotate90':
          b[j * 16 + i] = j & 1 ? v : -v;
          break;
        case 'rotate180':
          b[i * 16 + j] = (i + j) & 1 ? -v : v;
          break;
        case 'rotate270':
          b[j * 16 + i] = i & 1 ? v : -v;
          break;
        case 'flipX':
          b[i * 16 + j] = i & 1 ? v : -v;
          break;
        case 'flipY':
          b[i * 16 + j] = j & 1 ? v : -v;
          break;
        case 'flipPlus1':
          b[j * 16 + i] = v;
          break;
        case 'flipMinus1':
          b[j * 16 + i] = (i + j) & 1 ? -v : v;
          break;
      }
    }
  }
}

/**
 * Torben's median (N. Devillard, "Fast median search: an ANSI C implementation", 1998), as the
 * reference uses it: the lower median of an even count, computed without sorting.
 */
export function torbenMedian(m: Float32Array): number {
  const n = m.length;
  let min = m[0]!;
  let max = m[0]!;
  for (let i = 1; i < n; i++) {
    const v = m[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const halfCount = (n + 1) >> 1;
  for (;;) {
    const guess = f32(f32(min + max) / 2);
    let less = 0;
    let greater = 0;
    let equal = 0;
    let maxLtGuess = min;
    let minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i]!;
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else {
        equal++;
      }
    }
    if (less <= halfCount && greater <= halfCount) {
      if (less >= halfCount) return maxLtGuess;
      if (less + equal >= halfCount) return guess;
      return minGtGuess;
    }
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
}

/** Bit k = 16 i + j is set iff coefficient (i, j) is strictly greater than the median. */
function toBits(b16: Float32Array, hash: Hash256): void {
  const median = torbenMedian(b16);
  for (let k = 0; k < 256; k++) if (b16[k]! > median) setBit(hash, k);
}

let shared: PdqHasher | undefined;

/** PDQ hash of decoded pixels (reference semantics, including the resize to 512x512). */
export function pdqHash(pixels: PixelBuffer): PdqResult {
  return (shared ??= new PdqHasher()).hash(pixels);
}

/** The eight dihedral PDQ hashes of decoded pixels, in {@link DIHEDRAL_ORDER}. */
export function pdqDihedral(pixels: PixelBuffer): PdqDihedralResult {
  return (shared ??= new PdqHasher()).dihedral(pixels);
}
