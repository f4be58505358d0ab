import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/**
 * A minimal POSIX ustar writer and reader (IEEE Std 1003.1, "pax" interchange format's ustar
 * header): regular files only, names up to 100 bytes. Enough for export bundles, whose member
 * names Lifeguard chooses, and readable by any `tar` once the bundle is decrypted.
 */

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One archive member. */
export interface TarMember {
  /** Path inside the archive (ASCII, ≤ 100 bytes, no `..`, not absolute). */
  readonly name: string;
  /** Content. */
  readonly bytes: Uint8Array;
}

/** True for a safe member name: relative, no `..` segment, a conservative character set. */
export function isSafeMemberName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) <= 100 &&
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) &&
    !name.split('/').some((s) => s === '.' || s === '..')
  );
}

/** Write members as a ustar archive (mtime `mtimeSec`, mode 0600). */
export function writeTar(members: readonly TarMember[], mtimeSec: number): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    if (!isSafeMemberName(m.name)) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `unsafe archive member name '${m.name}'`,
      );
    }
    const h = Buffer.alloc(BLOCK, 0);
    h.write(m.name, 0, 100, 'ascii');
    h.write(octal(0o600, 8), 100, 'ascii');
    h.write(octal(0, 8), 108, 'ascii');
    h.write(octal(0, 8), 116, 'ascii');
    h.write(octal(m.bytes.length, 12), 124, 'ascii');
    h.write(octal(Math.floor(mtimeSec), 12), 136, 'ascii');
    h.write('        ', 148, 'ascii'); // checksum placeholder: eight spaces
    h.write('0', 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    parts.push(h, Buffer.from(m.bytes));
    const pad = (BLOCK - (m.bytes.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function field(h: Buffer, off: number, len: number): string {
  const s = h.subarray(off, off + len).toString('ascii');
  const nul = s.indexOf('\0');
  return (nul >= 0 ? s.slice(0, nul) : s).trim();
}

/** Read a ustar archive written by {@link writeTar}; throws `LG_ERR_INTEGRITY` when malformed. */
export function readTar(buf: Uint8Array): TarMember[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: TarMember[] = [];
  const bad = (why: string) =>
    new LifeguardError(ErrorCodes.INTEGRITY, `malformed archive: ${why}`);
  let off = 0;
  for (;;) {
    if (off + BLOCK > b.length) throw bad('truncated');
    const h = b.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) return out;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (parseInt(field(h, 148, 8), 8) !== sum) throw bad('header checksum');
    if (field(h, 257, 6) !== 'ustar' || field(h, 156, 1) !== '0')
      throw bad('not a ustar file entry');
    const name = field(h, 0, 100);
    if (!isSafeMemberName(name)) throw bad(`unsafe member name`);
    const size = parseInt(field(h, 124, 12), 8);
    if (!Number.isSafeInteger(size) || size < 0 || off + BLOCK + size > b.length) {
      throw bad('member size');
    }
    out.push({ name, bytes: Uint8Array.from(b.subarray(off + BLOCK, off + BLOCK + size)) });
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
}
