import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ObjectBackend } from './object.backend.js';

/** Suffix of stored objects (so a key `a` and a key `a/b` never collide as file and dir). */
const SUFFIX = '.lgv';
/** Temp files live beside the objects (same filesystem, so link/rename are atomic). */
const TMP_DIR = '.tmp';

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Objects as files under a root directory: key `a/b/c` is `<root>/a/b/c.lgv`, mode 0600 in
 * 0700 directories. Writes go to a temp file that is fsynced and then linked (create) or
 * renamed (replace) into place, and the directory is fsynced: a crash leaves the old object
 * or the new one, never a torn file. link(2) fails when the name exists, which makes
 * create-if-absent atomic across processes on one host (and on NFSv3+, where link is atomic).
 */
export class FsObjectBackend implements ObjectBackend {
  readonly kind = 'fs';
  private readonly root: string;

  /** @param root directory of the objects (created if missing, mode 0700) */
  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(name: string): string {
    return join(this.root, `${name}${SUFFIX}`);
  }

  private async writeTemp(object: Uint8Array): Promise<string> {
    const dir = join(this.root, TMP_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `${randomBytes(8).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(object);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    return tmp;
  }

  async createIfAbsent(name: string, object: Uint8Array): Promise<boolean> {
    const target = this.path(name);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const tmp = await this.writeTemp(object);
    try {
      await link(tmp, target);
    } catch (e) {
      if (isCode(e, 'EEXIST')) return false;
      throw e;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await fsyncDir(dirname(target));
    return true;
  }

  async replace(name: string, object: Uint8Array): Promise<void> {
    const target = this.path(name);
    const tmp = await this.writeTemp(object);
    try {
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fsyncDir(dirname(target));
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(name));
    } catch (e) {
      if (isCode(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  async readHead(name: string, maxBytes: number): Promise<Uint8Array | undefined> {
    let fh;
    try {
      fh = await open(this.path(name), 'r');
    } catch (e) {
      if (isCode(e, 'ENOENT')) return undefined;
      throw e;
    }
    try {
      const buf = Buffer.alloc(maxBytes);
      const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async remove(name: string): Promise<boolean> {
    const target = this.path(name);
    try {
      await unlink(target);
    } catch (e) {
      if (isCode(e, 'ENOENT')) return false;
      throw e;
    }
    await fsyncDir(dirname(target));
    return true;
  }

  async *list(prefix: string): AsyncIterable<string> {
    // Walk only the directory the prefix points into; `evidence/12` lists `evidence/12/..`
    // and `evidence/123/..`, like an S3 prefix.
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const names: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isCode(e, 'ENOENT') || isCode(e, 'ENOTDIR')) return;
        throw e;
      }
      for (const ent of entries) {
        if (ent.name.startsWith('.')) continue; // temp dir and foreign dotfiles
        const k = keyPrefix + ent.name;
        if (ent.isDirectory()) {
          // Descend only where a key under the prefix can be.
          const d = `${k}/`;
          if (d.startsWith(prefix) || prefix.startsWith(d)) await walk(join(dir, ent.name), d);
        } else if (ent.isFile() && ent.name.endsWith(SUFFIX)) {
          const key = k.slice(0, -SUFFIX.length);
          if (key.startsWith(prefix)) names.push(key);
        }
      }
    };
    await walk(join(this.root, baseKey), baseKey);
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    yield* names;
  }
}
