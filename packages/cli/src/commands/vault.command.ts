import { parseArgs } from 'node:util';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import {
  loadServerConfig,
  openVaultBackend,
  openVaultKeyring,
  vaultKeyFileOf,
  type ServerConfig,
} from '@lifeguard/server';
import { generateVaultKey, VaultBlobStore, VaultKeyring } from '@lifeguard/store';
import { ProgressBar } from '../util/progress.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage:
  lifeguard vault keys     [options]     list master key ids and how many blobs each wraps
  lifeguard vault rotate   [options] [--retire]
  lifeguard vault rewrap   [options] [--prefix P]
  lifeguard vault verify   [options] [--prefix P]
  lifeguard vault keygen                 print a fresh random master key (base64)

The evidence vault seals every blob with its own AES-256-GCM data key, wrapped by a master
key (docs/evidence.md).

rotate   Add a new master key to the key file and make it current, then re-wrap every
         blob's data key under it (headers only: content is not re-encrypted). Older keys
         stay in the file so nothing becomes unreadable; --retire removes them once no blob
         uses them. With LIFEGUARD_VAULT_KEY instead of a key file: run keygen, put the new
         key first in LIFEGUARD_VAULT_KEY (keep the old one after it), restart, then rewrap.
rewrap   Re-wrap blobs still under an older master key (idempotent, resumable).
verify   Read every blob and check it (AES-GCM tag and SHA-256); prints each failure by key
         and exits 1 if any.

Options (the same resolution as \`lifeguard serve\`):
  --config FILE       JSON config file (the vault section; docs/configuration.md)
  --data-dir DIR      data directory (default ./.lifeguard): key file DIR/vault.key,
                      blobs in DIR/blobs unless configured otherwise
  --prefix P          only blobs whose key starts with P (default: all)
  --retire            rotate: drop the old keys after a complete re-wrap

Exit codes: 0 done, 1 some blobs failed verification, 2 usage or configuration error.`;

function configOf(values: {
  config?: string | undefined;
  'data-dir'?: string | undefined;
}): ServerConfig {
  return loadServerConfig({
    env: process.env,
    file: values.config,
    overrides: values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {},
  });
}

async function rewrapWithBar(
  store: VaultBlobStore,
  prefix: string,
  io: CommandIo,
): Promise<number> {
  const bar = new ProgressBar(io.stderr, undefined, 're-wrapping');
  let last = 0;
  const p = await store.rewrapAll(prefix, (x) => {
    bar.tick(x.scanned - last);
    last = x.scanned;
  });
  bar.finish();
  io.stdout.write(
    `re-wrapped ${p.rewrapped} of ${p.scanned} blobs under key ${store.keyring.currentKeyId}\n`,
  );
  return p.rewrapped;
}

/** `lifeguard vault`: master keys, rotation, re-wrap and verification of the evidence vault. */
export const vaultCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const [sub, ...rest] = argv;
    const { values } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        prefix: { type: 'string' },
        retire: { type: 'boolean' },
      },
      allowPositionals: false,
    });
    if (sub === 'keygen') {
      io.stdout.write(`${generateVaultKey()}\n`);
      return 0;
    }
    if (sub !== 'keys' && sub !== 'rotate' && sub !== 'rewrap' && sub !== 'verify') {
      io.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const config = configOf(values);
    const prefix = values.prefix ?? '';
    const notice = (line: string): void => void io.stderr.write(`lifeguard vault: ${line}\n`);
    const backend = openVaultBackend(config);

    if (sub === 'rotate') {
      if (config.vault.key !== undefined) {
        throw new LifeguardError(
          ErrorCodes.INVALID_ARGUMENT,
          'the vault keys come from LIFEGUARD_VAULT_KEY: run `lifeguard vault keygen`, put the new key first in LIFEGUARD_VAULT_KEY (keep the old one after it), restart the server, then run `lifeguard vault rewrap`',
        );
      }
      const file = vaultKeyFileOf(config);
      const keyring = VaultKeyring.readFile(file);
      const old = keyring.list().map((k) => k.id);
      const id = keyring.rotate();
      // Write the key first: a crash during the re-wrap leaves every blob readable (old
      // keys are still in the file) and a second run finishes the job.
      keyring.writeFile(file);
      io.stdout.write(
        `new master key ${id} is current (key file ${file}); back the file up again\n`,
      );
      const store = new VaultBlobStore(backend, keyring);
      await rewrapWithBar(store, '', io);
      if (values.retire) {
        const usage = await store.keyUsage();
        for (const k of old) {
          const n = usage.get(k) ?? 0;
          if (n > 0) {
            io.stderr.write(`lifeguard vault: key ${k} still wraps ${n} blobs; not retired\n`);
            continue;
          }
          keyring.retire(k);
          io.stdout.write(`retired key ${k}\n`);
        }
        keyring.writeFile(file);
      }
      return 0;
    }

    const store = new VaultBlobStore(backend, openVaultKeyring(config, notice));
    if (sub === 'rewrap') {
      await rewrapWithBar(store, prefix, io);
      return 0;
    }
    if (sub === 'keys') {
      const usage = await store.keyUsage(prefix);
      for (const k of store.keyring.list()) {
        const cur = k.id === store.keyring.currentKeyId ? ' (current)' : '';
        io.stdout.write(`${k.id}${cur}\t${usage.get(k.id) ?? 0} blobs\n`);
        usage.delete(k.id);
      }
      for (const [id, n] of usage) io.stdout.write(`${id} (MISSING: not configured)\t${n} blobs\n`);
      return usage.size > 0 ? 1 : 0;
    }
    // verify
    const bar = new ProgressBar(io.stderr, undefined, 'verifying');
    let ok = 0;
    let bad = 0;
    for await (const name of backend.list(prefix)) {
      try {
        await store.verify(name);
        ok++;
      } catch (e) {
        bad++;
        const code = e instanceof LifeguardError ? e.code : 'error';
        io.stdout.write(`FAIL ${name}: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
      bar.tick();
    }
    bar.finish();
    io.stdout.write(`${ok} blobs verified, ${bad} failed\n`);
    return bad > 0 ? 1 : 0;
  },
};
