import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Expand command-line paths into files: a file stands for itself, a directory for every
 * regular file below it (recursively, sorted by name so runs are reproducible). A path that
 * does not exist is returned as is, so that the caller reports it like any other failure.
 */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        const st = await stat(p).catch(() => null);
        if (st?.isFile()) out.push(p);
      }
    }
  }
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st?.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}
