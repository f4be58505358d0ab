/**
 * Plain-JavaScript PDQ downsampler: the fallback where WebAssembly SIMD is unavailable, and the
 * readable cross-check of the WebAssembly engine (tests require identical output).
 *
 * The reference computes in IEEE single precision. Every single-precision operation is
 * reproduced by rounding its double result to float32 (`Math.fround`, or a store into a
 * Float32Array). For +, -, * and / of two float32 values the double result rounded once equals
 * the float32 operation (a double holds more than 2 * 24 + 2 significant bits), so the
 * emulation is exact.
 */
import {
  DCT_MATRIX,
  boxPhases,
  decimationIndices,
  indexMask,
  jaroszWindow,
  samplingPlan,
  type PdqDownsampler,
} from './pdq-downsampler.model.js';
import type { PixelBuffer } from './pixels.model.js';

const f32 = Math.fround;

// float32 products coefficient * sample for every 8-bit sample (luma 0.299 R + 0.587 G + 0.114 B).
const LUT_R = new Float32Array(256);
const LUT_G = new Float32Array(256);
const LUT_B = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  LUT_R[v] = f32(0.299) * v;
  LUT_G[v] = f32(0.587) * v;
  LUT_B[v] = f32(0.114) * v;
}

/** JavaScript implementation of {@link PdqDownsampler}. Not re-entrant (scratch buffers). */
export class JsPdqDownsampler implements PdqDownsampler {
  readonly name = 'js' as const;
  private a = new Float32Array(0);
  private b = new Float32Array(0);
  private sums = new Float32Array(0);
  private readonly t16x64 = new Float32Array(16 * 64);

  pixelsTo64(
    pixels: PixelBuffer,
    blur: boolean,
    out64: Float32Array,
  ): { rows: number; cols: number } {
    const { rows, cols, xs, ys } = samplingPlan(pixels);
    const data = pixels.data;
    const luma = this.scratch(rows * cols);
    let colour = false;
    if (pixels.channels >= 3) {
      let o = 0;
      for (let y = 0; y < rows; y++) {
        const rowBase = ys[y]!;
        for (let x = 0; x < cols; x++) {
          const p = rowBase + xs[x]!;
          const r = data[p]!;
          const g = data[p + 1]!;
          const b = data[p + 2]!;
          if (r !== g || g !== b) colour = true;
          // (R + G) + B, each product and sum rounded to float32, as the C++ expression.
          luma[o++] = f32(LUT_R[r]! + LUT_G[g]!) + LUT_B[b]!;
        }
      }
    }
    if (!colour) {
      // Grey input, or RGB whose pixels are all grey: ImageMagick hands the latter to the
      // reference as PGM, whose samples are the luma (the RGB formula would differ in the last
      // float bit). Channel 0 is the grey value in both cases.
      let o = 0;
      for (let y = 0; y < rows; y++) {
        const rowBase = ys[y]!;
        for (let x = 0; x < cols; x++) luma[o++] = data[rowBase + xs[x]!]!;
      }
    }
    this.blurAndDecimate(luma, rows, cols, blur, out64);
    return { rows, cols };
  }

  lumaTo64(
    luma: Float32Array,
    rows: number,
    cols: number,
    blur: boolean,
    out64: Float32Array,
  ): void {
    const a = this.scratch(rows * cols);
    a.set(luma.subarray(0, rows * cols));
    this.blurAndDecimate(a, rows, cols, blur, out64);
  }

  dct(in64: Float32Array, out16: Float32Array): void {
    dct64To16(in64, this.t16x64, out16);
  }

  private scratch(n: number): Float32Array {
    if (this.a.length < n) {
      this.a = new Float32Array(n);
      this.b = new Float32Array(n);
    }
    return this.a.subarray(0, n);
  }

  /**
   * Jarosz filter and decimation. In the second pass only what the decimation reads is
   * written: its row filter stores just the sampled columns and its column filter runs only
   * down those columns; each running sum still covers the whole lane in the reference's order.
   */
  private blurAndDecimate(
    luma: Float32Array,
    rows: number,
    cols: number,
    blur: boolean,
    out64: Float32Array,
  ): void {
    if (!blur && rows === 64 && cols === 64) {
      out64.set(luma.subarray(0, 4096));
      return;
    }
    const tmp = this.b.subarray(0, rows * cols);
    if (this.sums.length < Math.max(rows, cols)) this.sums = new Float32Array(Math.max(rows, cols));
    const srcRows = decimationIndices(rows);
    const srcCols = decimationIndices(cols);
    const colNeeded = indexMask(cols, srcCols);
    const rowNeeded = indexMask(rows, srcRows);
    const uniqueCols = Int32Array.from(new Set(srcCols));
    const wRows = jaroszWindow(cols);
    const wCols = jaroszWindow(rows);
    const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
    // Pass 1 along rows (one lane per row, step 1), then along columns (one lane per column).
    boxLanes(luma, tmp, all(rows), cols, cols, 1, wRows, this.sums, null);
    boxLanes(tmp, luma, all(cols), 1, rows, cols, wCols, this.sums, null);
    // Pass 2, writing only what the decimation reads.
    boxLanes(luma, tmp, all(rows), cols, cols, 1, wRows, this.sums, colNeeded);
    boxLanes(tmp, luma, uniqueCols, 1, rows, cols, wCols, this.sums, rowNeeded);
    for (let i = 0; i < 64; i++) {
      const base = srcRows[i]! * cols;
      for (let j = 0; j < 64; j++) out64[i * 64 + j] = luma[base + srcCols[j]!]!;
    }
  }
}

/**
 * Box filters along many lanes at once, each with the reference's `box1DFloat` arithmetic
 * (float32 running sum; window growing, sliding, shrinking; `sum / count` per output). The
 * inner loop runs across lanes so that independent float adds overlap.
 *
 * @param lanes lane numbers to filter; lane l starts at `l * laneStride`
 * @param len elements per lane; element i of a lane is at `start + i * step`
 * @param need if given, store output element i only where `need[i]` is 1
 */
function boxLanes(
  inp: Float32Array,
  out: Float32Array,
  lanes: Int32Array,
  laneStride: number,
  len: number,
  step: number,
  w: number,
  sums: Float32Array,
  need: Uint8Array | null,
): void {
  const [p1, p2, p3, p4] = boxPhases(len, w);
  const nl = lanes.length;
  // Blocks of lanes keep a strided sweep's working set inside the L1 cache.
  const BLOCK = step === 1 ? 16 : nl;
  for (let b0 = 0; b0 < nl; b0 += BLOCK) {
    const b1 = Math.min(nl, b0 + BLOCK);
    for (let l = b0; l < b1; l++) sums[l] = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    let count = 0;
    for (let i = 0; i < p1; i++, ri += step) {
      for (let l = b0; l < b1; l++) sums[l] = sums[l]! + inp[lanes[l]! * laneStride + ri]!;
      count++;
    }
    for (let i = 0; i < p2; i++, ri += step, oi++) {
      count++;
      const store = need === null || need[oi] === 1;
      for (let l = b0; l < b1; l++) {
        const base = lanes[l]! * laneStride;
        const s = f32(sums[l]! + inp[base + ri]!);
        sums[l] = s;
        if (store) out[base + oi * step] = s / count;
      }
    }
    for (let i = 0; i < p3; i++, ri += step, li += step, oi++) {
      const store = need === null || need[oi] === 1;
      for (let l = b0; l < b1; l++) {
        const base = lanes[l]! * laneStride;
        const s = f32(f32(sums[l]! + inp[base + ri]!) - inp[base + li]!);
        sums[l] = s;
        if (store) out[base + oi * step] = s / count;
      }
    }
    for (let i = 0; i < p4; i++, li += step, oi++) {
      count--;
      const store = need === null || need[oi] === 1;
      for (let l = b0; l < b1; l++) {
        const base = lanes[l]! * laneStride;
        const s = f32(sums[l]! - inp[base + li]!);
        sums[l] = s;
        if (store) out[base + oi * step] = s / count;
      }
    }
  }
}

/** B = D A D^T restricted to DCT rows/columns 1..16, float32 sums in the reference's order. */
function dct64To16(a: Float32Array, t: Float32Array, b: Float32Array): void {
  for (let i = 0; i < 16; i++) {
    const d = i * 64;
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = f32(s + f32(DCT_MATRIX[d + k]! * a[k * 64 + j]!));
      t[i * 64 + j] = s;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let s = 0;
      for (let k = 0; k < 64; k++) s = f32(s + f32(t[ti + k]! * DCT_MATRIX[dj + k]!));
      b[i * 16 + j] = s;
    }
  }
}
