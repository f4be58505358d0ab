/**
 * The PDQ reference images under `shared/pdq/images/pdq-data` beside the checkout, with the
 * C++ reference's hashes. Test-only.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PDQ_DATA_DIR = process.env.LIFEGUARD_PDQ_DATA ?? resolve(repoRoot, '../shared/pdq');

/** One reference image. */
export interface ReferenceImage {
  /** Local path. */
  readonly file: string;
  /** Short name (`bridge-mods/aaa-orig.jpg`). */
  readonly name: string;
  /** PDQ hash from the C++ reference. */
  readonly pdq: string;
}

/** The `pdq-data` reference images (throws if the data is missing). */
export function referenceImages(): ReferenceImage[] {
  const tsv = readFileSync(
    join(PDQ_DATA_DIR, 'expected/cpp-hashes-all-reference-images.tsv'),
    'utf8',
  );
  return tsv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .filter(([p]) => p!.startsWith('pdq/data/'))
    .map(([p, hash]) => {
      const name = p!.slice('pdq/data/'.length);
      return { file: join(PDQ_DATA_DIR, 'images/pdq-data', name), name, pdq: hash! };
    });
}
