/**
 * PDQ perceptual hashing from decoded pixels, bit-compatible with Meta's C++ reference
 * (facebook/ThreatExchange, pdq/cpp/hashing/pdqhashing.cpp and downscaling.cpp; algorithm
 * paper: "The PDQ and TMK+PDQF hashing algorithms", 2017).
 *
 * The reference computes in IEEE single precision. JavaScript numbers are doubles, so every
 * single-precision operation is reproduced by rounding its double result to float32
 * (`Math.fround`, or a store into a Float32Array). For +, -, * and / of two float32 values the
 * double result rounded once to float32 equals the float32 operation (a double holds more than
 * 2 * 24 + 2 significant bits), so the emulation is exact and hashes are bit-identical on
 * identical pixels.
 */
import { emptyHash256, setBit, type Hash256 } from './hash256.codec.js';
import { assertValidPixels, type PixelBuffer } from './pixels.model.js';

/** Images whose width or height exceeds this are first resized to exactly 512x512. */
export const PDQ_DOWNSAMPLE_DIM = 512;
/** Images with a side below this hash to all zeros with quality 0, as in the reference. */
export const PDQ_MIN_HASHABLE_DIM = 5;
/** Two passes of box filters along rows then columns approximate a tent filter. */
const JAROSZ_PASSES = 2;

const f32 = Math.fround;
const LUMA_R = f32(0.299);
const LUMA_G = f32(0.587);
const LUMA_B = f32(0.114);

// float32 products coefficient * sample, for every 8-bit sample value.
const LUT_R = new Float32Array(256);
const LUT_G = new Float32Array(256);
const LUT_B = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  LUT_R[v] = LUMA_R * v;
  LUT_G[v] = LUMA_G * v;
  LUT_B[v] = LUMA_B * v;
}

/**
 * The 16x64 DCT-II basis rows 1..16 (row 0, the DC term, is skipped), scaled by sqrt(2/64);
 * float32 as in the reference (scale factor rounded to float, product rounded to float).
 */
const DCT = new Float32Array(16 * 64);
{
  const scale = f32(Math.sqrt(2 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      DCT[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
}

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

/** Greyscale float luma at the size PDQ hashes (after the reference's 512x512 resize). */
export interface LumaImage {
  /** `rows * cols` float32 luma values, row-major. */
  readonly luma: Float32Array;
  /** Height. */
  readonly rows: number;
  /** Width. */
  readonly cols: number;
}

/**
 * Reusable scratch buffers for PDQ. One instance per thread; not re-entrant. The free
 * functions {@link pdqHash} and {@link pdqDihedral} use a shared instance.
 */
export class PdqHasher {
  private buf1 = new Float32Array(0);
  private buf2 = new Float32Array(0);
  private readonly colSums = new Float32Array(PDQ_DOWNSAMPLE_DIM);
  private readonly b64 = new Float32Array(64 * 64);
  private readonly t16x64 = new Float32Array(16 * 64);
  private readonly b16 = new Float32Array(256);
  private readonly aux16 = new Float32Array(256);

  /** Hash decoded pixels, applying the reference's resize-to-512 rule first. */
  hash(pixels: PixelBuffer): PdqResult {
    const img = this.luma(pixels);
    return this.hashLuma(img.luma, img.rows, img.cols);
  }

  /** The eight dihedral hashes of decoded pixels, in {@link DIHEDRAL_ORDER}. */
  dihedral(pixels: PixelBuffer): PdqDihedralResult {
    const img = this.luma(pixels);
    return this.dihedralLuma(img.luma, img.rows, img.cols);
  }

  /**
   * Convert pixels to float luma, resizing to exactly 512x512 by nearest neighbour when either
   * side exceeds 512 (the reference tool's CImg resize: destination x samples source
   * `floor(x * W / 512)`). Grey input is used as is; RGB uses `0.299 R + 0.587 G + 0.114 B`.
   * The returned buffer is scratch space owned by this hasher.
   */
  luma(pixels: PixelBuffer): LumaImage {
    assertValidPixels(pixels);
    const { width, height, channels, data } = pixels;
    const resize = width > PDQ_DOWNSAMPLE_DIM || height > PDQ_DOWNSAMPLE_DIM;
    const cols = resize ? PDQ_DOWNSAMPLE_DIM : width;
    const rows = resize ? PDQ_DOWNSAMPLE_DIM : height;
    const luma = this.scratch(rows * cols);
    const xs = new Int32Array(cols);
    for (let x = 0; x < cols; x++)
      xs[x] = resize ? Math.floor((x * width) / cols) * channels : x * channels;
    const grey = channels <= 2;
    let o = 0;
    for (let y = 0; y < rows; y++) {
      const sy = resize ? Math.floor((y * height) / rows) : y;
      const rowBase = sy * width * channels;
      if (grey) {
        for (let x = 0; x < cols; x++) luma[o++] = data[rowBase + xs[x]!]!;
      } else {
        for (let x = 0; x < cols; x++) {
          const p = rowBase + xs[x]!;
          // (R + G) + B, each product and sum rounded to float32, as the C++ expression.
          luma[o++] = f32(LUT_R[data[p]!]! + LUT_G[data[p + 1]!]!) + LUT_B[data[p + 2]!]!;
        }
      }
    }
    return { luma, rows, cols };
  }

  /**
   * Hash float luma (`rows * cols`, row-major). The buffer is used as scratch and overwritten.
   * A 64x64 input skips the blur, as the reference's `pdqFloat256FromFloatLuma` does.
   */
  hashLuma(luma: Float32Array, rows: number, cols: number): PdqResult {
    const hash = emptyHash256();
    if (rows < PDQ_MIN_HASHABLE_DIM || cols < PDQ_MIN_HASHABLE_DIM) return { hash, quality: 0 };
    if (rows === 64 && cols === 64) this.b64.set(luma.subarray(0, 4096));
    else this.downsample(luma, rows, cols);
    const quality = qualityMetric(this.b64);
    dct64To16(this.b64, this.t16x64, this.b16);
    toBits(this.b16, hash);
    return { hash, quality };
  }

  /**
   * Dihedral hashes from float luma. Unlike {@link hashLuma}, the reference's dihedral path
   * always blurs, even at 64x64, so this does too.
   */
  dihedralLuma(luma: Float32Array, rows: number, cols: number): PdqDihedralResult {
    if (rows < PDQ_MIN_HASHABLE_DIM || cols < PDQ_MIN_HASHABLE_DIM) {
      return { hashes: DIHEDRAL_ORDER.map(() => emptyHash256()), quality: 0 };
    }
    this.downsample(luma, rows, cols);
    const quality = qualityMetric(this.b64);
    dct64To16(this.b64, this.t16x64, this.b16);
    const hashes: Hash256[] = [];
    for (const name of DIHEDRAL_ORDER) {
      transformDct(name, this.b16, this.aux16);
      const h = emptyHash256();
      toBits(this.aux16, h);
      hashes.push(h);
    }
    return { hashes, quality };
  }

  private scratch(n: number): Float32Array {
    if (this.buf1.length < n) {
      this.buf1 = new Float32Array(n);
      this.buf2 = new Float32Array(n);
    }
    return this.buf1.subarray(0, n);
  }

  /**
   * Jarosz filter (two passes of box filters along rows then columns, window
   * `ceil(dim / 128)`) and decimation to 64x64 at `floor((i + 0.5) * dim / 64)`.
   *
   * The last column pass is only run on the 64 columns the decimation reads: each column's
   * running sum is independent of the others, so the sampled values are unchanged.
   */
  private downsample(luma: Float32Array, rows: number, cols: number): void {
    const n = rows * cols;
    if (this.buf2.length < n) this.buf2 = new Float32Array(n);
    const tmp = this.buf2.subarray(0, n);
    const wRows = windowSize(cols);
    const wCols = windowSize(rows);
    const srcCols = new Int32Array(64);
    const srcRows = new Int32Array(64);
    for (let i = 0; i < 64; i++) {
      srcRows[i] = Math.floor(((i + 0.5) * rows) / 64);
      srcCols[i] = Math.floor(((i + 0.5) * cols) / 64);
    }
    const uniqueCols = Int32Array.from(new Set(srcCols));
    for (let pass = 0; pass < JAROSZ_PASSES; pass++) {
      for (let r = 0; r < rows; r++) boxRow(luma, tmp, r * cols, cols, wRows);
      const last = pass === JAROSZ_PASSES - 1;
      boxColumns(tmp, luma, rows, cols, wCols, this.colSums, last ? uniqueCols : null);
    }
    const out = this.b64;
    for (let i = 0; i < 64; i++) {
      const base = srcRows[i]! * cols;
      for (let j = 0; j < 64; j++) out[i * 64 + j] = luma[base + srcCols[j]!]!;
    }
  }
}

/** `ceil(dim / 128)`: the reference's `computeJaroszFilterWindowSize(dim, 64)`. */
function windowSize(dim: number): number {
  return Math.floor((dim + 2 * 64 - 1) / (2 * 64));
}

/**
 * One box filter along a row, float32 running sum, with the reference's four phases
 * (filling, full window at the left edge, sliding, draining), so rounding matches exactly.
 */
function boxRow(inp: Float32Array, out: Float32Array, base: number, len: number, w: number): void {
  const half = (w + 2) >> 1;
  const p1 = half - 1;
  const p2 = w - half + 1;
  const p3 = len - w;
  const p4 = half - 1;
  let li = base;
  let ri = base;
  let oi = base;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < p1; i++) {
    sum = f32(sum + inp[ri++]!);
    count++;
  }
  for (let i = 0; i < p2; i++) {
    sum = f32(sum + inp[ri++]!);
    count++;
    out[oi++] = sum / count;
  }
  for (let i = 0; i < p3; i++) {
    sum = f32(sum + inp[ri++]!);
    sum = f32(sum - inp[li++]!);
    out[oi++] = sum / count;
  }
  for (let i = 0; i < p4; i++) {
    sum = f32(sum - inp[li++]!);
    count--;
    out[oi++] = sum / count;
  }
}

/**
 * Box filter down every column (or only `onlyCols`), sweeping rows in order so memory is read
 * sequentially; per column it is the same arithmetic as the reference's strided `box1DFloat`.
 */
function boxColumns(
  inp: Float32Array,
  out: Float32Array,
  rows: number,
  cols: number,
  w: number,
  sums: Float32Array,
  onlyCols: Int32Array | null,
): void {
  const half = (w + 2) >> 1;
  const p1 = half - 1;
  const p2 = w - half + 1;
  const p3 = rows - w;
  const p4 = half - 1;
  if (onlyCols === null) {
    sums.fill(0, 0, cols);
    let ri = 0;
    let li = 0;
    let oi = 0;
    let count = 0;
    for (let i = 0; i < p1; i++, ri += cols) {
      for (let j = 0; j < cols; j++) sums[j] = sums[j]! + inp[ri + j]!;
      count++;
    }
    for (let i = 0; i < p2; i++, ri += cols, oi += cols) {
      count++;
      for (let j = 0; j < cols; j++) {
        sums[j] = sums[j]! + inp[ri + j]!;
        out[oi + j] = sums[j]! / count;
      }
    }
    for (let i = 0; i < p3; i++, ri += cols, li += cols, oi += cols) {
      for (let j = 0; j < cols; j++) {
        sums[j] = sums[j]! + inp[ri + j]!;
        sums[j] = sums[j]! - inp[li + j]!;
        out[oi + j] = sums[j]! / count;
      }
    }
    for (let i = 0; i < p4; i++, li += cols, oi += cols) {
      count--;
      for (let j = 0; j < cols; j++) {
        sums[j] = sums[j]! - inp[li + j]!;
        out[oi + j] = sums[j]! / count;
      }
    }
    return;
  }
  for (let c = 0; c < onlyCols.length; c++) {
    const j = onlyCols[c]!;
    let sum = 0;
    let count = 0;
    let ri = j;
    let li = j;
    let oi = j;
    for (let i = 0; i < p1; i++, ri += cols) {
      sum = f32(sum + inp[ri]!);
      count++;
    }
    for (let i = 0; i < p2; i++, ri += cols, oi += cols) {
      sum = f32(sum + inp[ri]!);
      count++;
      out[oi] = sum / count;
    }
    for (let i = 0; i < p3; i++, ri += cols, li += cols, oi += cols) {
      sum = f32(sum + inp[ri]!);
      sum = f32(sum - inp[li]!);
      out[oi] = sum / count;
    }
    for (let i = 0; i < p4; i++, li += cols, oi += cols) {
      sum = f32(sum - inp[li]!);
      count--;
      out[oi] = sum / count;
    }
  }
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

/** B = D A D^T restricted to DCT rows/columns 1..16, float32 sums in the reference's order. */
function dct64To16(a: Float32Array, t: Float32Array, b: Float32Array): void {
  for (let i = 0; i < 16; i++) {
    const d = i * 64;
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = f32(s + f32(DCT[d + k]! * a[k * 64 + j]!));
      t[i * 64 + j] = s;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let s = 0;
      for (let k = 0; k < 64; k++) s = f32(s + f32(t[ti + k]! * DCT[dj + k]!));
      b[i * 16 + j] = s;
    }
  }
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

const shared = new PdqHasher();

/** PDQ hash of decoded pixels (reference semantics, including the resize to 512x512). */
export function pdqHash(pixels: PixelBuffer): PdqResult {
  return shared.hash(pixels);
}

/** The eight dihedral PDQ hashes of decoded pixels, in {@link DIHEDRAL_ORDER}. */
export function pdqDihedral(pixels: PixelBuffer): PdqDihedralResult {
  return shared.dihedral(pixels);
}
