import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHash256, hammingDistance256 } from './hash256.codec.js';
import { DIHEDRAL_ORDER, PdqHasher, torbenMedian } from './pdq.hasher.js';
import type { PixelBuffer } from './pixels.model.js';
import { WasmPdqDownsampler } from './pdq-wasm.downsampler.js';

/** A smooth, image-like test pattern (gradients plus seeded low-frequency blobs and noise). */
function pattern(
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  seed: number,
  nBlobs = 40,
): PixelBuffer {
  const data = new Uint8Array(width * height * channels);
  let s = (seed ^ 0x9e3779b9) >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  // Blobs at many scales, like the structure of a photo; few large ones dominate otherwise.
  const blobs = Array.from({ length: nBlobs }, () => [
    rnd() * width,
    rnd() * height,
    8 + rnd() * rnd() * width * 0.4,
    rnd() * 2 - 1,
  ]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 128 + (x / width) * 40 - (y / height) * 30;
      for (const [bx, by, r, w] of blobs) {
        const d2 = ((x - bx!) ** 2 + (y - by!) ** 2) / (r! * r!);
        v += 90 * w! * Math.exp(-d2);
      }
      for (let c = 0; c < channels; c++) {
        const jitter = rnd() * 4;
        data[(y * width + x) * channels + c] = Math.max(
          0,
          Math.min(255, Math.round(v + c * 17 + jitter)),
        );
      }
    }
  }
  return { data, width, height, channels };
}

/** Apply one of the eight dihedral transforms to pixels (reference semantics of each name). */
function transform(p: PixelBuffer, name: (typeof DIHEDRAL_ORDER)[number]): PixelBuffer {
  const { width: w, height: h, channels: ch } = p;
  const swap = ['rotate90', 'rotate270', 'flipPlus1', 'flipMinus1'].includes(name);
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(p.data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Source coordinates for destination (x, y).
      let sx: number;
      let sy: number;
      switch (name) {
        case 'original':
          [sx, sy] = [x, y];
          break;
        case 'rotate90':
          [sx, sy] = [w - 1 - y, x];
          break;
        case 'rotate180':
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 'rotate270':
          [sx, sy] = [y, h - 1 - x];
          break;
        case 'flipX':
          [sx, sy] = [x, h - 1 - y];
          break;
        case 'flipY':
          [sx, sy] = [w - 1 - x, y];
          break;
        case 'flipPlus1':
          [sx, sy] = [y, x];
          break;
        case 'flipMinus1':
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
      }
      for (let c = 0; c < ch; c++) out[(y * W + x) * ch + c] = p.data[(sy * w + sx) * ch + c]!;
    }
  }
  return { data: out, width: W, height: H, channels: ch };
}

const wasm = new PdqHasher('wasm');
const js = new PdqHasher('js');

describe('PDQ hasher', () => {
  it('runs the WebAssembly engine on this runtime', () => {
    expect(WasmPdqDownsampler.available()).toBe(true);
    expect(new PdqHasher().engine).toBe('wasm');
  });

  it('WebAssembly and JavaScript engines agree bit for bit on any image', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 700 }),
        fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4),
        fc.integer(),
        (w, h, ch, seed) => {
          const p = pattern(w, h, ch, seed, 6);
          const a = wasm.hash(p);
          const b = js.hash(p);
          expect(formatHash256(a.hash)).toBe(formatHash256(b.hash));
          expect(a.quality).toBe(b.quality);
          const da = wasm.dihedral(p).hashes.map(formatHash256);
          const db = js.dihedral(p).hashes.map(formatHash256);
          expect(da).toEqual(db);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('hashes images under 5 px a side to zeros with quality 0, after the 512 resize rule', () => {
    for (const [w, h] of [
      [4, 100],
      [100, 4],
      [1, 1],
      [4, 4],
    ]) {
      const r = wasm.hash(pattern(w!, h!, 3, 7));
      expect(formatHash256(r.hash)).toBe('0'.repeat(64));
      expect(r.quality).toBe(0);
      expect(
        wasm
          .dihedral(pattern(w!, h!, 3, 7))
          .hashes.every((x) => formatHash256(x) === '0'.repeat(64)),
      ).toBe(true);
    }
    // 3 x 1000 exceeds 512 on one side, so the reference first resizes it to 512x512.
    const tall = wasm.hash(pattern(3, 1000, 3, 7));
    expect(formatHash256(tall.hash)).not.toBe('0'.repeat(64));
    expect(wasm.hash(pattern(5, 5, 3, 7)).quality).toBeGreaterThanOrEqual(0);
  });

  it('hashes all-grey RGB exactly as single-channel grey (ImageMagick hands it over as PGM)', () => {
    const g = pattern(300, 200, 1, 3);
    const rgb = new Uint8Array(g.data.length * 3);
    for (let i = 0; i < g.data.length; i++) rgb.fill(g.data[i]!, i * 3, i * 3 + 3);
    const a = wasm.hash(g);
    const b = wasm.hash({ data: rgb, width: 300, height: 200, channels: 3 });
    expect(formatHash256(a.hash)).toBe(formatHash256(b.hash));
  });

  it('ignores alpha', () => {
    const p = pattern(200, 150, 4, 11);
    const opaque = Uint8Array.from(p.data);
    for (let i = 3; i < opaque.length; i += 4) opaque[i] = i % 7 === 0 ? 0 : 255;
    expect(formatHash256(wasm.hash(p).hash)).toBe(
      formatHash256(wasm.hash({ ...p, data: opaque }).hash),
    );
  });

  it('takes the unblurred shortcut for the plain hash of exactly 64x64 luma, not for dihedral', () => {
    const p = pattern(64, 64, 3, 5);
    const plain = wasm.hash(p);
    const both = wasm.hashWithDihedral(p);
    expect(formatHash256(both.hash)).toBe(formatHash256(plain.hash));
    // The blurred path is a different computation, so its "original" may differ slightly.
    expect(hammingDistance256(both.dihedral.hashes[0]!, plain.hash)).toBeLessThan(40);
  });

  it('dihedral hash of an image matches the hash of the transformed image', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(...DIHEDRAL_ORDER), (seed, name) => {
        const p = pattern(384, 384, 3, seed);
        const predicted = wasm.dihedral(p).hashes[DIHEDRAL_ORDER.indexOf(name)]!;
        const actual = wasm.hash(transform(p, name)).hash;
        // Exact in the continuous DCT; box-filter edges, the decimation grid's half-pixel
        // asymmetry and rounding leave a few bits (0-16 over 1200 samples, median 6). What
        // matters operationally: the transformed copy is within the match threshold (31).
        expect(hammingDistance256(predicted, actual)).toBeLessThanOrEqual(31);
      }),
      { numRuns: 24 },
    );
  });

  it('rejects pixel buffers whose size does not match their shape', () => {
    expect(() => wasm.hash({ data: new Uint8Array(10), width: 4, height: 4, channels: 3 })).toThrow(
      /LG_ERR_INVALID_PIXELS|expected 48/,
    );
    expect(() =>
      wasm.hash({ data: new Uint8Array(0), width: 0, height: 4, channels: 3 }),
    ).toThrow();
  });

  it('Torben median is the lower median', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), {
          minLength: 1,
          maxLength: 300,
        }),
        (xs) => {
          const a = Float32Array.from(xs);
          const sorted = Array.from(a).sort((x, y) => x - y);
          expect(torbenMedian(a)).toBe(sorted[(a.length - 1) >> 1]);
        },
      ),
    );
  });
});
