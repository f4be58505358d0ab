/**
 * WebAssembly SIMD PDQ downsampler (kernels in pdq-kernels.wat). Native f32 arithmetic makes it
 * bit-identical to the C++ reference and to {@link JsPdqDownsampler}; f32x4 lanes make it fast.
 *
 * The box filters run across lanes, so each pass needs its lanes side by side in memory: luma
 * is written transposed (rows as lanes for the filter along rows) and transposed back between
 * passes, which costs one cheap copy per pass instead of a slow strided sweep.
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
import { WASM_BASE64 } from './pdq-kernels.wasm.js';
import type { PixelBuffer } from './pixels.model.js';

/** Exports of pdq-kernels.wat (plain functions: they do not use `this`). */
interface Kernels {
  readonly memory: WebAssembly.Memory;
  readonly luma_rgb: (
    src: number,
    xs: number,
    ys: number,
    rows: number,
    cols: number,
    out: number,
    os: number,
  ) => number;
  readonly grey: (
    src: number,
    xs: number,
    ys: number,
    rows: number,
    cols: number,
    out: number,
    os: number,
  ) => void;
  readonly dct: (a: number, d: number, dt: number, t: number, b: number) => void;
  readonly lane_step: (
    sums: number,
    add: number,
    sub: number,
    out: number,
    nl: number,
    count: number,
  ) => void;
  readonly transpose: (
    inp: number,
    out: number,
    rows: number,
    cols: number,
    rs: number,
    cs: number,
  ) => void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernels, or null where this runtime lacks WebAssembly SIMD. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(decodeBase64(WASM_BASE64));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const align16 = (n: number) => (n + 15) & ~15;

/**
 * Rows are padded by 16 floats (one cache line): with a power-of-two stride (512 floats = 2 KiB)
 * the rows of a transpose all fall into the same few cache sets and evict each other.
 */
const PAD = 16;
const rowStride = (cols: number) => (cols + PAD) * 4;

// Fixed layout at the bottom of linear memory: the DCT matrix and its transpose, the 64x64
// input and 16x64 / 16x16 outputs of the DCT. Per-image buffers follow from DATA.
const MAT_D = 0;
const MAT_DT = MAT_D + 16 * 64 * 4;
const IN64 = MAT_DT + 64 * 16 * 4;
const T16X64 = IN64 + 64 * 64 * 4;
const OUT16 = T16X64 + 16 * 64 * 4;
const DATA = align16(OUT16 + 16 * 16 * 4);

/** WebAssembly implementation of {@link PdqDownsampler}. Not re-entrant. */
export class WasmPdqDownsampler implements PdqDownsampler {
  readonly name = 'wasm' as const;
  private readonly k: Kernels;

  /** Throws if WebAssembly SIMD is unavailable; see {@link WasmPdqDownsampler.available}. */
  constructor() {
    const mod = kernelModule();
    if (!mod) throw new Error('WebAssembly SIMD is not available');
    this.k = new WebAssembly.Instance(mod, {}).exports as unknown as Kernels;
    this.reserve(DATA, 0, 0);
    new Float32Array(this.k.memory.buffer, MAT_D, 16 * 64).set(DCT_MATRIX);
    const dt = new Float32Array(this.k.memory.buffer, MAT_DT, 64 * 16);
    for (let i = 0; i < 16; i++)
      for (let k = 0; k < 64; k++) dt[k * 16 + i] = DCT_MATRIX[i * 64 + k]!;
  }

  dct(in64: Float32Array, out16: Float32Array): void {
    new Float32Array(this.k.memory.buffer, IN64, 4096).set(in64);
    this.k.dct(IN64, MAT_D, MAT_DT, T16X64, OUT16);
    out16.set(new Float32Array(this.k.memory.buffer, OUT16, 256));
  }

  /** True when this runtime can run the kernels. */
  static available(): boolean {
    return kernelModule() !== null;
  }

  pixelsTo64(
    pixels: PixelBuffer,
    blur: boolean,
    out64: Float32Array,
  ): { rows: number; cols: number } {
    const { rows, cols, xs, ys } = samplingPlan(pixels);
    const src = DATA;
    // luma_rgb reads each pixel as 4 bytes: keep 4 readable bytes after the last one.
    const xsAt = src + align16(pixels.data.length + 4);
    const ysAt = xsAt + align16(cols * 4);
    const at = this.reserve(ysAt + align16(rows * 4), rows, cols);
    new Uint8Array(this.k.memory.buffer).set(pixels.data, src);
    new Int32Array(this.k.memory.buffer, xsAt, cols).set(xs);
    new Int32Array(this.k.memory.buffer, ysAt, rows).set(ys);
    const sN = rowStride(cols);
    const colour =
      pixels.channels >= 3 ? this.k.luma_rgb(src, xsAt, ysAt, rows, cols, at.b, sN) : 0;
    // All-grey RGB is hashed from its grey samples, as ImageMagick hands it over as PGM.
    if (!colour) this.k.grey(src, xsAt, ysAt, rows, cols, at.b, sN);
    this.blurAndDecimate(at, rows, cols, blur, out64);
    return { rows, cols };
  }

  lumaTo64(
    luma: Float32Array,
    rows: number,
    cols: number,
    blur: boolean,
    out64: Float32Array,
  ): void {
    const at = this.reserve(DATA, rows, cols);
    const sN = rowStride(cols) / 4;
    const view = new Float32Array(this.k.memory.buffer, at.b, rows * sN);
    for (let y = 0; y < rows; y++) view.set(luma.subarray(y * cols, (y + 1) * cols), y * sN);
    this.blurAndDecimate(at, rows, cols, blur, out64);
  }

  /**
   * Lay out buffers A and B (each big enough for the image with padded rows in either
   * orientation) and the running sums from byte `from`, growing memory if needed.
   */
  private reserve(
    from: number,
    rows: number,
    cols: number,
  ): { a: number; b: number; sums: number } {
    const size = align16((rows + PAD) * (cols + PAD) * 4);
    const a = from;
    const b = a + size;
    const sums = b + size;
    const end = sums + align16(Math.max(rows, cols) * 4);
    const have = this.k.memory.buffer.byteLength;
    if (end > have) this.k.memory.grow(Math.ceil((end - have) / 65536));
    return { a, b, sums };
  }

  /**
   * Jarosz filter on row-major luma in B (row stride {@link rowStride}), then decimation into
   * `out64`. The filters run across lanes, so each pass first transposes its input to put its
   * lanes side by side.
   */
  private blurAndDecimate(
    at: { a: number; b: number; sums: number },
    rows: number,
    cols: number,
    blur: boolean,
    out64: Float32Array,
  ): void {
    const k = this.k;
    const { a, b, sums } = at;
    const sN = rowStride(cols);
    const sT = rowStride(rows);
    if (!blur && rows === 64 && cols === 64) {
      const v = new Float32Array(k.memory.buffer, b, 64 * (sN / 4));
      for (let i = 0; i < 64; i++) out64.set(v.subarray((i * sN) / 4, (i * sN) / 4 + 64), i * 64);
      return;
    }
    const srcRows = decimationIndices(rows);
    const srcCols = decimationIndices(cols);
    const wRows = jaroszWindow(cols);
    const wCols = jaroszWindow(rows);
    // Pass 1: along rows (lanes = rows: transposed layout), then along columns.
    k.transpose(b, a, rows, cols, sN, sT);
    this.box(a, b, sums, rows, cols, sT, wRows, null);
    k.transpose(b, a, cols, rows, sT, sN);
    this.box(a, b, sums, cols, rows, sN, wCols, null);
    // Pass 2 stores only the outputs the decimation reads.
    k.transpose(b, a, rows, cols, sN, sT);
    this.box(a, b, sums, rows, cols, sT, wRows, indexMask(cols, srcCols));
    k.transpose(b, a, cols, rows, sT, sN);
    this.box(a, b, sums, cols, rows, sN, wCols, indexMask(rows, srcRows));
    const res = new Float32Array(k.memory.buffer, b, rows * (sN / 4));
    for (let i = 0; i < 64; i++) {
      const base = (srcRows[i]! * sN) / 4;
      for (let j = 0; j < 64; j++) out64[i * 64 + j] = res[base + srcCols[j]!]!;
    }
  }

  /**
   * One box-filter pass over `nl` side-by-side lanes of `len` steps `sb` bytes apart, from
   * `inp` to `out`.
   */
  private box(
    inp: number,
    out: number,
    sums: number,
    nl: number,
    len: number,
    sb: number,
    w: number,
    need: Uint8Array | null,
  ): void {
    const step = this.k.lane_step;
    new Float32Array(this.k.memory.buffer, sums, nl).fill(0);
    const [p1, p2, p3, p4] = boxPhases(len, w);
    let ri = 0;
    let li = 0;
    let oi = 0;
    let count = 0;
    const dst = (i: number) => (need === null || need[i] === 1 ? out + i * sb : -1);
    for (let i = 0; i < p1; i++) {
      step(sums, inp + ri++ * sb, -1, -1, nl, 0);
      count++;
    }
    for (let i = 0; i < p2; i++) {
      count++;
      step(sums, inp + ri++ * sb, -1, dst(oi++), nl, count);
    }
    for (let i = 0; i < p3; i++) step(sums, inp + ri++ * sb, inp + li++ * sb, dst(oi++), nl, count);
    for (let i = 0; i < p4; i++) {
      count--;
      step(sums, -1, inp + li++ * sb, dst(oi++), nl, count);
    }
  }
}
