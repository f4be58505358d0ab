import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** Where the evidence vault keeps its sealed objects. */
export const VAULT_BACKENDS = ['fs', 's3'] as const;
/** One of {@link VAULT_BACKENDS}. */
export type VaultBackendKind = (typeof VAULT_BACKENDS)[number];

/** S3-compatible object storage for the vault (credentials: the AWS SDK's usual chain). */
export interface VaultS3Config {
  /** Bucket (must exist). */
  readonly bucket: string;
  /** Region (default `us-east-1`). */
  readonly region: string;
  /** Endpoint URL of an S3-compatible service (MinIO, Ceph, ...); unset: AWS. */
  readonly endpoint: string | undefined;
  /** Key prefix inside the bucket (default `lifeguard/`). */
  readonly prefix: string;
  /** Path-style addressing (most self-hosted services need it; default true with an endpoint). */
  readonly forcePathStyle: boolean;
}

/** The evidence vault: encrypted, integrity-checked blob storage (docs/evidence.md). */
export interface VaultConfig {
  /** `fs` (default) or `s3`. */
  readonly backend: VaultBackendKind;
  /** Directory of the `fs` backend; default `<dataDir>/blobs`. */
  readonly dir: string | undefined;
  /**
   * Master key file; default `<dataDir>/vault.key`, generated (mode 0600) on first start
   * when no key is given. Ignored when `key` is set.
   */
  readonly keyFile: string | undefined;
  /**
   * Master keys from `LIFEGUARD_VAULT_KEY` (comma-separated base64 or hex, current first).
   * Only ever read from the environment, never from the JSON file, and never logged.
   */
  readonly key: string | undefined;
  /** S3 settings (required when `backend` is `s3`). */
  readonly s3: VaultS3Config | undefined;
}

/** Defaults of {@link VaultConfig}. */
export const DEFAULT_VAULT_CONFIG: VaultConfig = Object.freeze({
  backend: 'fs',
  dir: undefined,
  keyFile: undefined,
  key: undefined,
  s3: undefined,
});

type Json = Record<string, unknown>;

function bad(path: string, why: string): never {
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `config ${path}: ${why}`, { path });
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Json, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) bad(`${path}.${k}`, 'unknown field');
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) bad(path, 'must be a non-empty string');
  return v;
}

/**
 * Validate the `vault` section and merge it over `base`. `fromEnv`: the environment may set
 * `key` (a JSON file may not: key material does not belong in a config file that is copied
 * around and checked in).
 */
export function mergeVaultConfig(base: VaultConfig, v: unknown, fromEnv: boolean): VaultConfig {
  if (!isObj(v)) bad('vault', 'must be an object');
  checkKeys(v, ['backend', 'dir', 'keyFile', 's3', ...(fromEnv ? ['key'] : [])], 'vault');
  const c = { ...base } as { -readonly [K in keyof VaultConfig]: VaultConfig[K] };
  if (v.backend !== undefined) {
    if (!VAULT_BACKENDS.includes(v.backend as VaultBackendKind)) {
      bad('vault.backend', `must be one of ${VAULT_BACKENDS.join(', ')}`);
    }
    c.backend = v.backend as VaultBackendKind;
  }
  if (v.dir !== undefined) c.dir = str(v.dir, 'vault.dir');
  if (v.keyFile !== undefined) c.keyFile = str(v.keyFile, 'vault.keyFile');
  if (v.key !== undefined) c.key = str(v.key, 'vault.key');
  if (v.s3 !== undefined) {
    const s = v.s3;
    if (!isObj(s)) bad('vault.s3', 'must be an object');
    checkKeys(s, ['bucket', 'region', 'endpoint', 'prefix', 'forcePathStyle'], 'vault.s3');
    const endpoint =
      s.endpoint === undefined ? base.s3?.endpoint : str(s.endpoint, 'vault.s3.endpoint');
    if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
      bad('vault.s3.endpoint', 'must be an http(s) URL');
    }
    if (s.prefix !== undefined && typeof s.prefix !== 'string') {
      bad('vault.s3.prefix', 'must be a string');
    }
    const prefix = s.prefix ?? base.s3?.prefix ?? 'lifeguard/';
    if (prefix !== '' && !/^[A-Za-z0-9._/-]+\/$/.test(prefix)) {
      bad('vault.s3.prefix', "must be empty or end with '/' (letters, digits, . _ - /)");
    }
    if (s.forcePathStyle !== undefined && typeof s.forcePathStyle !== 'boolean') {
      bad('vault.s3.forcePathStyle', 'must be a boolean');
    }
    c.s3 = {
      bucket: s.bucket === undefined && base.s3 ? base.s3.bucket : str(s.bucket, 'vault.s3.bucket'),
      region:
        s.region === undefined
          ? (base.s3?.region ?? 'us-east-1')
          : str(s.region, 'vault.s3.region'),
      endpoint,
      prefix,
      forcePathStyle:
        s.forcePathStyle === undefined
          ? (base.s3?.forcePathStyle ?? endpoint !== undefined)
          : s.forcePathStyle,
    };
  }
  if (c.backend === 's3' && c.s3 === undefined) bad('vault.s3', "is required when backend is 's3'");
  return c;
}

/** Environment variables of the vault section and the field each sets. */
export const VAULT_ENV: Readonly<Record<string, keyof VaultConfig>> = {
  LIFEGUARD_VAULT_KEY: 'key',
  LIFEGUARD_VAULT_KEY_FILE: 'keyFile',
  LIFEGUARD_VAULT_DIR: 'dir',
  LIFEGUARD_VAULT_BACKEND: 'backend',
};
