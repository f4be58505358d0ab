import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  FsObjectBackend,
  S3ObjectBackend,
  VaultBlobStore,
  VaultKeyring,
  type ObjectBackend,
} from '@lifeguard/store';
import type { ServerConfig } from '../config/server.config.js';

/** Default file of the vault master keys inside the data directory. */
export const VAULT_KEY_FILE_NAME = 'vault.key';
/** Default directory of the `fs` vault backend inside the data directory. */
export const VAULT_DIR_NAME = 'blobs';

/** Where the vault's master keys come from, resolved from the configuration. */
export function vaultKeyFileOf(config: Pick<ServerConfig, 'dataDir' | 'vault'>): string {
  return resolve(config.vault.keyFile ?? join(config.dataDir, VAULT_KEY_FILE_NAME));
}

/**
 * The keyring the configuration names: `LIFEGUARD_VAULT_KEY` when set, otherwise the key
 * file, created with one fresh key (mode 0600) on first use. `notice` gets one loud line
 * when a key was generated (telling the operator to back it up) and a warning when the key
 * file is readable by group or others. Key material is never passed to `notice`.
 */
export function openVaultKeyring(
  config: Pick<ServerConfig, 'dataDir' | 'vault'>,
  notice: (line: string) => void,
): VaultKeyring {
  if (config.vault.key !== undefined) return VaultKeyring.fromEnv(config.vault.key);
  const file = vaultKeyFileOf(config);
  const { keyring, created } = VaultKeyring.openOrCreateFile(file);
  if (created) {
    notice(
      `IMPORTANT: generated a new evidence-vault master key in ${file} (key id ${keyring.currentKeyId}). ` +
        'Back this file up somewhere safe and separate from the data: without it the preserved ' +
        'evidence cannot be decrypted by anyone. See docs/evidence.md.',
    );
  } else if ((statSync(file).mode & 0o077) !== 0) {
    notice(`WARNING: the vault key file ${file} is readable by other users; chmod 600 it.`);
  }
  return keyring;
}

/**
 * The object backend the configuration names: a directory, or an S3-compatible bucket
 * (credentials from the AWS SDK's default chain, never from Lifeguard's config).
 */
export function openVaultBackend(config: Pick<ServerConfig, 'dataDir' | 'vault'>): ObjectBackend {
  const s3 = config.vault.s3;
  if (config.vault.backend === 's3' && s3) {
    return new S3ObjectBackend({
      bucket: s3.bucket,
      prefix: s3.prefix,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: s3.forcePathStyle,
    });
  }
  return new FsObjectBackend(config.vault.dir ?? join(config.dataDir, VAULT_DIR_NAME));
}

/** Open the evidence vault: the configured keyring over the configured backend. */
export function openVault(
  config: Pick<ServerConfig, 'dataDir' | 'vault'>,
  notice: (line: string) => void,
): VaultBlobStore {
  return new VaultBlobStore(openVaultBackend(config), openVaultKeyring(config, notice));
}
