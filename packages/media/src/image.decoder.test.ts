import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { hammingDistance256, isLifeguardError, parseHash256 } from '@lifeguard/core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeForPdq } from './image.decoder.js';
import { hashImage, hashImageFile } from './media.hasher.js';
import { localPath } from './testing/reference-data.js';

const bridge = localPath('pdq/data/bridge-mods/aaa-orig.jpg');
const dist = (a: string, b: string) => hammingDistance256(parseHash256(a), parseHash256(b));

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isLifeguardError(e) ? e.code : String(e)).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, got success`);
}

/** A PNG whose header claims width x height, with a valid CRC but almost no data. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('image decoding', () => {
  let dir: string;
  let rgb: { data: Buffer; width: number; height: number };
  let base: string; // hash of the 8-bit RGB pixels of a 480x300 crop, via lossless PNG

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lg-decode-'));
    const { data, info } = await sharp(bridge)
      .resize(480, 300, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    rgb = { data, width: info.width, height: info.height };
    const png = await sharp(data, { raw: { width: 480, height: 300, channels: 3 } })
      .png()
      .toBuffer();
    base = (await hashImage(png)).pdq;
  });

  const raw = () => sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });

  it('lossless formats hash identically to the same pixels as PNG: WebP lossless, TIFF, palette-free PNG', async () => {
    expect((await hashImage(await raw().webp({ lossless: true }).toBuffer())).pdq).toBe(base);
    expect((await hashImage(await raw().tiff({ compression: 'lzw' }).toBuffer())).pdq).toBe(base);
    const r = await hashImage(await raw().png().toBuffer());
    expect(r.format).toBe('png');
    expect(r.width).toBe(480);
  });

  it('16-bit PNG is scaled to 8 bits (not the reference low-byte defect)', async () => {
    const wide = new Uint16Array(rgb.data.length);
    for (let i = 0; i < wide.length; i++) wide[i] = rgb.data[i]! * 257;
    const png16 = await sharp(wide, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const meta = await sharp(png16).metadata();
    expect(meta.depth).toBe('ushort');
    expect((await hashImage(png16)).pdq).toBe(base);
  });

  it('grey, grey+alpha and palette PNGs decode', async () => {
    const grey = await raw().toColourspace('b-w').png().toBuffer();
    const g = await decodeForPdq(grey);
    expect(g.channels).toBe(1);
    const greyAlpha = await raw().toColourspace('b-w').ensureAlpha(0.5).png().toBuffer();
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    expect((await hashImage(greyAlpha)).pdq).toBe((await hashImage(grey)).pdq);
    const palette = await raw().png({ palette: true, colours: 256 }).toBuffer();
    expect((await sharp(palette).metadata()).isPalette).toBe(true);
    expect(dist((await hashImage(palette)).pdq, base)).toBeLessThanOrEqual(10);
  });

  it('alpha is dropped, not composited: transparent pixels hash by their RGB', async () => {
    const rgba = Buffer.alloc(rgb.width * rgb.height * 4);
    for (let i = 0, o = 0; i < rgb.data.length; i += 3, o += 4) {
      rgba[o] = rgb.data[i]!;
      rgba[o + 1] = rgb.data[i + 1]!;
      rgba[o + 2] = rgb.data[i + 2]!;
      rgba[o + 3] = 0;
    }
    const png = await sharp(rgba, { raw: { width: rgb.width, height: rgb.height, channels: 4 } })
      .png()
      .toBuffer();
    expect((await hashImage(png)).pdq).toBe(base);
  });

  it('JPEG baseline, progressive and EXIF-rotated all hash the stored pixels (orientation ignored)', async () => {
    const baseline = await raw().jpeg({ quality: 92 }).toBuffer();
    const progressive = await raw().jpeg({ quality: 92, progressive: true }).toBuffer();
    const rotated = await raw().jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const hb = (await hashImage(baseline)).pdq;
    expect(dist(hb, base)).toBeLessThanOrEqual(10);
    expect(dist((await hashImage(progressive)).pdq, hb)).toBeLessThanOrEqual(4);
    expect((await hashImage(rotated)).pdq).toBe(hb);
  });

  it('GIF hashes its first frame', async () => {
    const frame1 = await raw().png().toBuffer();
    const frame2 = await sharp({
      create: { width: 480, height: 300, channels: 3, background: '#2040a0' },
    })
      .png()
      .toBuffer();
    const animated = await sharp([frame1, frame2], { join: { animated: true } })
      .gif({ effort: 1 })
      .toBuffer();
    expect((await sharp(animated, { pages: -1 }).metadata()).pages).toBe(2);
    const firstOnly = await sharp(frame1).gif({ effort: 1 }).toBuffer();
    expect((await hashImage(animated)).pdq).toBe((await hashImage(firstOnly)).pdq);
    // GIF quantises to 256 colours, so the hash is near, not equal, to the RGB one.
    expect(dist((await hashImage(firstOnly)).pdq, base)).toBeLessThanOrEqual(16);
  });

  it('AVIF decodes (lossy, within tolerance)', async () => {
    const avif = await raw().avif({ quality: 80 }).toBuffer();
    const r = await hashImage(avif);
    expect(r.format).toBe('heif');
    expect(dist(r.pdq, base)).toBeLessThanOrEqual(16);
  });

  it('pre-shrink on load keeps large JPEG hashes within tolerance of the exact decode', async () => {
    const big = await sharp(bridge)
      .resize(4000, 3000, { fit: 'fill' })
      .jpeg({ quality: 90 })
      .toBuffer();
    const fast = await hashImage(big);
    const exact = await hashImage(big, { exact: true });
    const img = await decodeForPdq(big);
    expect(img.shrink).toBe(4);
    expect([img.width, img.height]).toEqual([512, 512]);
    expect(dist(fast.pdq, exact.pdq)).toBeLessThanOrEqual(6);
  });

  it('MD5 and SHA-256 are of the original bytes', async () => {
    const r = await hashImageFile(bridge);
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(bridge);
    expect(r.md5).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(r.md5).toMatch(/^[0-9a-f]{32}$/);
  });

  describe('bad input gives a typed error', () => {
    it('0-byte input', async () => {
      await expectCode(hashImage(new Uint8Array(0)), 'LG_ERR_EMPTY_INPUT');
      const f = join(dir, 'empty.jpg');
      writeFileSync(f, '');
      await expectCode(hashImageFile(f), 'LG_ERR_EMPTY_INPUT');
    });
    it('random bytes', async () => {
      const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff));
      await expectCode(hashImage(junk), 'LG_ERR_UNSUPPORTED_FORMAT');
    });
    it('truncated JPEG', async () => {
      const jpg = await raw().jpeg().toBuffer();
      await expectCode(
        hashImage(jpg.subarray(0, Math.floor(jpg.length / 2))),
        'LG_ERR_CORRUPT_IMAGE',
      );
    });
    it('truncated PNG', async () => {
      const png = await raw().png().toBuffer();
      await expectCode(
        hashImage(png.subarray(0, Math.floor(png.length / 2))),
        'LG_ERR_CORRUPT_IMAGE',
      );
    });
    it('a PNG header claiming 50000x50000 is refused before decoding', async () => {
      const t0 = performance.now();
      await expectCode(hashImage(pngHeaderOnly(50000, 50000)), 'LG_ERR_IMAGE_TOO_LARGE');
      expect(performance.now() - t0).toBeLessThan(1000);
    });
    it('configurable byte and pixel limits', async () => {
      const png = await raw().png().toBuffer();
      await expectCode(hashImage(png, { limits: { maxBytes: 100 } }), 'LG_ERR_INPUT_TOO_LARGE');
      await expectCode(
        hashImage(png, { limits: { maxInputPixels: 1000 } }),
        'LG_ERR_IMAGE_TOO_LARGE',
      );
      const f = join(dir, 'big.png');
      writeFileSync(f, png);
      await expectCode(hashImageFile(f, { limits: { maxBytes: 100 } }), 'LG_ERR_INPUT_TOO_LARGE');
    });
    it('BMP (not readable by this sharp build) and SVG are unsupported', async () => {
      const bmp = Buffer.alloc(70);
      bmp.write('BM', 0, 'ascii');
      bmp.writeUInt32LE(70, 2);
      bmp.writeUInt32LE(54, 10);
      bmp.writeUInt32LE(40, 14);
      bmp.writeInt32LE(2, 18);
      bmp.writeInt32LE(2, 22);
      bmp.writeUInt16LE(1, 26);
      bmp.writeUInt16LE(24, 28);
      await expectCode(hashImage(bmp), 'LG_ERR_UNSUPPORTED_FORMAT');
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
      await expectCode(hashImage(svg), 'LG_ERR_UNSUPPORTED_FORMAT');
    });
    it('missing file and directory', async () => {
      await expectCode(hashImageFile(join(dir, 'nope.jpg')), 'LG_ERR_READ_FAILED');
      await expectCode(hashImageFile(dir), 'LG_ERR_READ_FAILED');
    });
  });
});
