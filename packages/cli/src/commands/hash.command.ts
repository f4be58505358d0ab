import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ErrorCodes, LifeguardError, isLifeguardError } from '@lifeguard/core';
import { HashPool, hashImageFile, type HashOptions, type ImageHashes } from '@lifeguard/media';
import { ProgressBar } from '../util/progress.js';
import { expandPaths } from '../util/files.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage: lifeguard hash [options] PATH...

Hash image files (directories are walked recursively): PDQ, MD5 and SHA-256.

Output, one line per file, in input order:
  default   <pdq-hex>,<quality>,<path>            (the PDQ reference tool's format)
  --json    {"path","pdq","quality","md5","sha256"[,"dihedral"]}
A file that fails prints "error,<code>,<path>: <reason>" on stderr; the others go on.

Options:
  --json             one JSON object per line
  --dihedral         also compute the 8 dihedral PDQ hashes (reference order: original,
                     rot90, rot180, rot270, flipx, flipy, flip-plus-1, flip-minus-1)
  --jobs N           parallel workers (default: number of cores)
  --exact            decode large JPEGs at full size (bit-identical to the reference; slower)
  --max-bytes N      refuse files larger than N bytes (default 67108864)
  --max-pixels N     refuse images declaring more than N pixels (default 100000000)

Exit status: 0 all hashed, 1 some file failed, 2 usage error.`;

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `--${name} must be a positive integer, got '${v}'`,
    );
  }
  return n;
}

function format(path: string, r: ImageHashes, json: boolean): string {
  if (!json) return `${r.pdq},${r.quality},${path}`;
  return JSON.stringify({
    path,
    pdq: r.pdq,
    quality: r.quality,
    md5: r.md5,
    sha256: r.sha256,
    ...(r.dihedral ? { dihedral: Object.values(r.dihedral) } : {}),
  });
}

/** `lifeguard hash`: PDQ / MD5 / SHA-256 of image files, in parallel. */
export const hashCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        dihedral: { type: 'boolean', default: false },
        jobs: { type: 'string' },
        exact: { type: 'boolean', default: false },
        'max-bytes': { type: 'string' },
        'max-pixels': { type: 'string' },
      },
    });
    if (positionals.length === 0) {
      io.stderr.write(`lifeguard hash: no PATH given\n\n${USAGE}\n`);
      return 2;
    }
    const maxBytes = positiveInt('max-bytes', values['max-bytes']);
    const maxPixels = positiveInt('max-pixels', values['max-pixels']);
    const options: HashOptions = {
      dihedral: values.dihedral,
      exact: values.exact,
      limits: {
        ...(maxBytes ? { maxBytes } : {}),
        ...(maxPixels ? { maxInputPixels: maxPixels } : {}),
      },
    };
    const files = await expandPaths(positionals);
    const jobs = Math.min(
      positiveInt('jobs', values.jobs) ?? availableParallelism(),
      Math.max(1, files.length),
    );
    const pool = jobs > 1 ? new HashPool(jobs, options) : null;
    const hashOne = (p: string) => (pool ? pool.hashFile(p) : hashImageFile(p, options));
    const progress = new ProgressBar(io.stderr, files.length, 'hashing');
    const showProgress = files.length >= 10;
    let failed = 0;
    // Keep a bounded window of files in flight and print results in input order.
    const window = Math.max(4, jobs * 4);
    const inflight: Promise<string>[] = [];
    const settle = (path: string) =>
      hashOne(path).then(
        (r) => format(path, r, values.json),
        (e: unknown) => {
          failed++;
          const code = isLifeguardError(e) ? e.code : ErrorCodes.INTERNAL;
          const msg = e instanceof Error ? e.message : String(e);
          return `\0error,${code},${path}: ${msg}`;
        },
      );
    const emit = (line: string) => {
      if (showProgress) progress.tick();
      if (line.startsWith('\0'))
        io.stderr.write(`${showProgress && io.stderr.isTTY ? '\r\x1b[2K' : ''}${line.slice(1)}\n`);
      else io.stdout.write(`${line}\n`);
    };
    try {
      for (const f of files) {
        inflight.push(settle(f));
        if (inflight.length >= window) emit(await inflight.shift()!);
      }
      while (inflight.length) emit(await inflight.shift()!);
    } finally {
      if (showProgress) progress.finish();
      await pool?.close();
    }
    return failed > 0 ? 1 : 0;
  },
};
