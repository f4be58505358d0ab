/**
 * Conformance with Meta's C++ PDQ reference on its own test images (shared/pdq): the upstream
 * acceptance rule is identical hashes on identical decoded pixels and at most 10 bits on
 * quality >= 80 images through another decoder.
 */
import { formatHash256, hammingDistance256, parseHash256 } from '@lifeguard/core';
import { describe, expect, it } from 'vitest';
import { hashImageFile } from './media.hasher.js';
import { referenceRows } from './testing/reference-data.js';

const rows = referenceRows();
const dist = (a: string, b: string) => hammingDistance256(parseHash256(a), parseHash256(b));

describe('PDQ reference conformance', () => {
  it('has the full reference table', () => {
    expect(rows.length).toBe(50);
  });

  it('exact mode: every reference image bit-identical, quality equal, dihedral set equal', async () => {
    for (const row of rows) {
      const r = await hashImageFile(row.file, { exact: true, dihedral: true });
      expect({ file: row.refPath, hash: r.pdq, quality: r.quality }).toEqual({
        file: row.refPath,
        hash: row.hash,
        quality: row.quality,
      });
      expect(Object.values(r.dihedral!)).toEqual(row.dihedral);
    }
  });

  it('default (shrink-on-load) mode: within 10 bits on quality >= 80, identical where no pre-shrink applies', async () => {
    const histogram = new Map<number, number>();
    for (const row of rows) {
      const r = await hashImageFile(row.file);
      const d = dist(r.pdq, row.hash);
      histogram.set(d, (histogram.get(d) ?? 0) + 1);
      expect(r.quality).toBe(row.quality);
      if (row.quality >= 80) expect(d, row.refPath).toBeLessThanOrEqual(10);
      const [w, h] = row.pnm.split('/')[1]!.split('x').map(Number);
      if (!(row.refPath.endsWith('.jpg') && w! >= 1024 && h! >= 1024))
        expect(d, row.refPath).toBe(0);
    }
    // Only the four 4032x3024 phone photos are pre-shrunk (by 4); they land within 4 bits.
    expect([...histogram.keys()].every((d) => d <= 4)).toBe(true);
  });

  it('bit-identical on lossless PNG inputs (decoded pixels are the same)', async () => {
    const pngs = rows.filter((r) => r.refPath.endsWith('.png'));
    expect(pngs.length).toBeGreaterThanOrEqual(6);
    for (const row of pngs) expect((await hashImageFile(row.file)).pdq).toBe(row.hash);
  });

  it('bridge-1 dihedral hashes as the reference prints them, and they find the transformed files', async () => {
    const orig = rows.find((r) => r.refPath.endsWith('bridge-1-original.jpg'))!;
    const r = await hashImageFile(orig.file, { dihedral: true });
    expect(Object.values(r.dihedral!)).toEqual(orig.dihedral);
    const files = rows.filter((x) => x.refPath.includes('/dih/'));
    expect(files.length).toBe(8);
    for (const [i, f] of files.entries()) {
      const h = (await hashImageFile(f.file)).pdq;
      // Each transformed file is close to the matching dihedral hash and far from the others.
      const ds = Object.values(r.dihedral!).map((d) => dist(d, h));
      expect(ds[i], f.refPath).toBeLessThanOrEqual(20);
      expect(Math.min(...ds.filter((_, j) => j !== i))).toBeGreaterThan(90);
    }
    expect(formatHash256(parseHash256(r.pdq))).toBe(orig.hash);
  });
});
