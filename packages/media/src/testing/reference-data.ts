/**
 * Access to the PDQ reference data in `shared/pdq/` (reference images and the C++ reference's
 * outputs), which sits beside the repository checkout. Test-only helper.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `shared/pdq` directory: `$LIFEGUARD_PDQ_DATA`, else `../shared/pdq` beside the checkout. */
export const PDQ_DATA_DIR = process.env.LIFEGUARD_PDQ_DATA ?? resolve(repoRoot, '../shared/pdq');

/** One row of `expected/cpp-hashes-all-reference-images.tsv`. */
export interface ReferenceRow {
  /** Path as the reference repository names it (`pdq/data/...`). */
  readonly refPath: string;
  /** Local file path. */
  readonly file: string;
  /** Hash from the C++ reference. */
  readonly hash: string;
  /** Quality from the C++ reference. */
  readonly quality: number;
  /** What the decoder handed the reference (`P6/1600x1004/max255`). */
  readonly pnm: string;
  /** The 8 dihedral hashes in reference order. */
  readonly dihedral: readonly string[];
}

/** Map a reference repository path to the local copy. */
export function localPath(refPath: string): string {
  return refPath
    .replace(/^pdq\/data\//, join(PDQ_DATA_DIR, 'images/pdq-data/'))
    .replace(/^pdq\/wasm\/images\//, join(PDQ_DATA_DIR, 'images/pdq-wasm-images/'));
}

/** Rows of the C++ reference output table; throws if the data is missing. */
export function referenceRows(): ReferenceRow[] {
  const tsv = join(PDQ_DATA_DIR, 'expected/cpp-hashes-all-reference-images.tsv');
  if (!existsSync(tsv)) {
    throw new Error(`PDQ reference data not found at ${tsv}; set LIFEGUARD_PDQ_DATA`);
  }
  return readFileSync(tsv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .map(([refPath, hash, quality, , pnm, dih]) => ({
      refPath: refPath!,
      file: localPath(refPath!),
      hash: hash!,
      quality: Number(quality),
      pnm: pnm!,
      dihedral: dih!.split(','),
    }));
}
