import type { PixelBuffer } from './pixels.model.js';

/** Images whose width or height exceeds this are first resized to exactly 512x512. */
export const PDQ_DOWNSAMPLE_DIM = 512;

/**
 * Turns pixels or float luma into the 64x64 float image PDQ's DCT reads: luma, the reference's
 * nearest-neighbour resize to 512x512 for large inputs, the Jarosz filter (two passes of box
 * filters along rows then columns, window `ceil(dim / 128)`) and decimation at
 * `floor((i + 0.5) * dim / 64)`. Two engines implement it bit-identically: WebAssembly SIMD
 * (fast) and plain JavaScript (fallback).
 */
export interface PdqDownsampler {
  /** Engine name, for diagnostics and benchmarks. */
  readonly name: 'wasm' | 'js';
  /**
   * Downsample pixels into `out64` (4096 floats, row-major). With `blur` false and a 64x64
   * image, the luma itself is copied (the reference's plain-hash shortcut).
   * Returns the luma size after the resize rule.
   */
  pixelsTo64(
    pixels: PixelBuffer,
    blur: boolean,
    out64: Float32Array,
  ): { rows: number; cols: number };
  /** Downsample float luma (`rows * cols`, row-major) into `out64`. */
  lumaTo64(
    luma: Float32Array,
    rows: number,
    cols: number,
    blur: boolean,
    out64: Float32Array,
  ): void;
  /**
   * The 16x16 corner of the 2-D DCT of `in64` (rows and columns 1..16; the DC terms are
   * skipped): B = D A D^T with {@link DCT_MATRIX}, float32 sums in the reference's order.
   */
  dct(in64: Float32Array, out16: Float32Array): void;
}

/**
 * The 16x64 DCT-II basis rows 1..16 (row 0, the DC term, is skipped), scaled by sqrt(2/64);
 * float32 as in the reference (scale factor rounded to float, product rounded to float).
 */
export const DCT_MATRIX = new Float32Array(16 * 64);
{
  const scale = Math.fround(Math.sqrt(2 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      DCT_MATRIX[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
}

/** The sampling plan shared by both engines. */
export interface SamplingPlan {
  /** Luma height after the resize rule. */
  readonly rows: number;
  /** Luma width after the resize rule. */
  readonly cols: number;
  /** Byte offset in the pixel buffer of each sampled column (includes the channel stride). */
  readonly xs: Int32Array;
  /** Byte offset in the pixel buffer of each sampled row. */
  readonly ys: Int32Array;
}

/**
 * The reference tool's resize rule: if either side exceeds 512, resize to exactly 512x512 by
 * nearest neighbour, destination x sampling source `floor(x * W / 512)` (CImg's `resize`).
 */
export function samplingPlan(p: PixelBuffer): SamplingPlan {
  const { width, height, channels } = p;
  const resize = width > PDQ_DOWNSAMPLE_DIM || height > PDQ_DOWNSAMPLE_DIM;
  const cols = resize ? PDQ_DOWNSAMPLE_DIM : width;
  const rows = resize ? PDQ_DOWNSAMPLE_DIM : height;
  const xs = new Int32Array(cols);
  for (let x = 0; x < cols; x++) xs[x] = (resize ? Math.floor((x * width) / cols) : x) * channels;
  const ys = new Int32Array(rows);
  for (let y = 0; y < rows; y++) {
    ys[y] = (resize ? Math.floor((y * height) / rows) : y) * width * channels;
  }
  return { rows, cols, xs, ys };
}

/** `ceil(dim / 128)`: the reference's `computeJaroszFilterWindowSize(dim, 64)`. */
export function jaroszWindow(dim: number): number {
  return Math.floor((dim + 2 * 64 - 1) / (2 * 64));
}

/** Row (or column) indices the 64x64 decimation samples: `floor((i + 0.5) * dim / 64)`. */
export function decimationIndices(dim: number): Int32Array {
  const out = new Int32Array(64);
  for (let i = 0; i < 64; i++) out[i] = Math.floor(((i + 0.5) * dim) / 64);
  return out;
}

/** A 0/1 mask over `dim` marking the indices in `idx`. */
export function indexMask(dim: number, idx: Int32Array): Uint8Array {
  const m = new Uint8Array(dim);
  for (const i of idx) m[i] = 1;
  return m;
}

/** Phase lengths of the reference's `box1DFloat` for a lane of `len` and window `w`. */
export function boxPhases(len: number, w: number): [number, number, number, number] {
  const half = (w + 2) >> 1;
  return [half - 1, w - half + 1, len - w, half - 1];
}
