import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CASE_POLICY, ErrorCodes, isLifeguardError, LifeguardError } from '@lifeguard/core';
import {
  createReportBundle,
  keyIdOf,
  loadServerConfig,
  openReportBundle,
  openVault,
  ReportService,
  verifyReportBundle,
} from '@lifeguard/server';
import {
  createStore,
  KyselyAuditLog,
  KyselyCaseStore,
  KyselyJobQueue,
  KyselyReportSubmissionStore,
} from '@lifeguard/store';
import { promptHidden, readFirstLine } from '../util/password.prompt.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage:
  lifeguard report bundle keygen --out-dir DIR
  lifeguard report bundle create --case ID --signing-key FILE --out FILE [options]
  lifeguard report bundle verify FILE [--public-key FILE]
  lifeguard report bundle open   FILE --out-dir DIR [--public-key FILE]

Export bundles carry a case's hotline report to destinations without an API (a hotline's
or police portal's manual upload): the report document, the evidence files, their hashes and
a manifest with the SHA-256 of every member, in a POSIX tar archive encrypted with
AES-256-GCM under a passphrase (scrypt) and signed with Ed25519 (docs/reporting.md).

keygen   Write an Ed25519 signing key (bundle-signing.key, mode 0600) and its public key
         (bundle-signing.pub) to DIR; give the public key to the recipient.
create   Build the bundle of a confirmed case from the store and the evidence vault (the
         same resolution as \`lifeguard serve\`: --config, --data-dir, DATABASE_URL). The read
         is recorded in the audit log as an export.
verify   Check the signature (no passphrase needed). With --public-key the signer must be
         that key; without it only integrity is shown, not who signed.
open     Verify, decrypt, check every member against the manifest and write the members
         under DIR (which must not exist or be empty).

The passphrase (at least 12 characters) comes from LIFEGUARD_BUNDLE_PASSPHRASE, from the
first line of stdin with --passphrase-stdin, or is asked on the terminal; it is never taken
from the command line and never printed.

Options:
  --config FILE        JSON config file       --data-dir DIR   data directory
  --case ID            case to bundle         --out FILE       bundle file to write
  --signing-key FILE   Ed25519 private key (PEM)
  --public-key FILE    expected signer's public key (PEM)
  --out-dir DIR        output directory       --passphrase-stdin  read the passphrase from stdin

Exit codes: 0 done, 1 the bundle is damaged, altered, or the passphrase is wrong,
2 usage or configuration error.`;

function readKey(file: string, kind: 'private' | 'public'): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LifeguardError(ErrorCodes.READ_FAILED, `cannot read ${file}`, {}, { cause: e });
  }
  try {
    const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return key;
  } catch (e) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `${file} is not an Ed25519 ${kind} key in PEM`,
      {},
      { cause: e },
    );
  }
}

async function passphraseOf(io: CommandIo, fromStdin: boolean, confirm: boolean): Promise<string> {
  const env = process.env.LIFEGUARD_BUNDLE_PASSPHRASE;
  if (env) return env;
  const input = (io.stdin ?? process.stdin) as NodeJS.ReadableStream & {
    isTTY?: boolean;
    setRawMode?: (raw: boolean) => unknown;
  };
  if (fromStdin) return readFirstLine(input);
  if (!input.isTTY) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      'no passphrase: set LIFEGUARD_BUNDLE_PASSPHRASE or pass --passphrase-stdin and pipe it in',
    );
  }
  const a = await promptHidden(input, io.stderr, 'Bundle passphrase: ');
  if (confirm && a !== (await promptHidden(input, io.stderr, 'Repeat it: '))) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'the passphrases differ');
  }
  return a;
}

function readBundle(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new LifeguardError(ErrorCodes.READ_FAILED, `cannot read ${file}`, {}, { cause: e });
  }
}

/** `lifeguard report`: signed, encrypted export bundles of hotline reports. */
export const reportCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const [group, sub, ...rest] = argv;
    if (group !== 'bundle' || !['keygen', 'create', 'verify', 'open'].includes(sub ?? '')) {
      io.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        case: { type: 'string' },
        out: { type: 'string' },
        'out-dir': { type: 'string' },
        'signing-key': { type: 'string' },
        'public-key': { type: 'string' },
        'passphrase-stdin': { type: 'boolean' },
      },
      allowPositionals: true,
    });
    const need = (v: string | undefined, flag: string): string => {
      if (v === undefined)
        throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `${flag} is required`);
      return v;
    };
    try {
      if (sub === 'keygen') {
        const dir = resolve(need(values['out-dir'], '--out-dir'));
        mkdirSync(dir, { recursive: true });
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const keyFile = join(dir, 'bundle-signing.key');
        writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
          mode: 0o600,
          flag: 'wx',
        });
        writeFileSync(
          join(dir, 'bundle-signing.pub'),
          publicKey.export({ type: 'spki', format: 'pem' }),
          {
            flag: 'wx',
          },
        );
        io.stdout.write(
          `signing key ${keyIdOf(publicKey)}: ${keyFile} (keep it secret), ${join(dir, 'bundle-signing.pub')}\n`,
        );
        return 0;
      }
      if (sub === 'create') {
        const caseId = need(values.case, '--case');
        const out = resolve(need(values.out, '--out'));
        const signingKey = readKey(need(values['signing-key'], '--signing-key'), 'private');
        const passphrase = await passphraseOf(io, values['passphrase-stdin'] === true, true);
        const config = loadServerConfig({
          env: process.env,
          file: values.config,
          overrides: values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {},
        });
        const store = await createStore(
          config.databaseUrl
            ? { databaseUrl: config.databaseUrl, pgSchema: config.pgSchema }
            : { dataDir: config.dataDir },
        );
        try {
          const audit = new KyselyAuditLog(store.kysely, store.dialect);
          const service = new ReportService({
            config: config.reports,
            submissions: new KyselyReportSubmissionStore(store.kysely),
            cases: new KyselyCaseStore(store.kysely, store.dialect, DEFAULT_CASE_POLICY),
            audit,
            blobs: openVault(config, (line) => void io.stderr.write(`lifeguard report: ${line}\n`)),
            jobs: new KyselyJobQueue(store.kysely, store.dialect),
            leaseMs: config.jobLeaseMs,
          });
          const { members, subject } = await service.bundleMembers(caseId, 'cli:report-bundle');
          const bundle = createReportBundle(members, subject, { passphrase, signingKey });
          mkdirSync(dirname(out), { recursive: true });
          writeFileSync(out, bundle, { mode: 0o600, flag: 'wx' });
          io.stdout.write(
            `wrote ${out}: ${members.length} members and a manifest, ${bundle.length} bytes, signed by ${keyIdOf(createPublicKey(signingKey))}\n`,
          );
        } finally {
          await store.close();
        }
        return 0;
      }
      const file = positionals[0];
      if (file === undefined)
        throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'the bundle FILE is required');
      const publicKey =
        values['public-key'] !== undefined ? readKey(values['public-key'], 'public') : undefined;
      const bundle = readBundle(file);
      if (sub === 'verify') {
        const h = verifyReportBundle(bundle, publicKey ? { publicKey } : {});
        io.stdout.write(
          `ok: signed by key ${h.signer.keyId}${publicKey ? ' (the expected key)' : ' (not pinned: pass --public-key to check who signed)'}, created ${h.createdAt}\n`,
        );
        return 0;
      }
      const outDir = resolve(need(values['out-dir'], '--out-dir'));
      const passphrase = await passphraseOf(io, values['passphrase-stdin'] === true, false);
      const opened = openReportBundle(bundle, { passphrase, ...(publicKey ? { publicKey } : {}) });
      mkdirSync(outDir, { recursive: true });
      for (const m of opened.members) {
        const target = resolve(outDir, m.name);
        if (!target.startsWith(outDir + '/')) {
          throw new LifeguardError(
            ErrorCodes.INTEGRITY,
            `member '${m.name}' escapes the output directory`,
          );
        }
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, m.bytes, { mode: 0o600, flag: 'wx' });
      }
      io.stdout.write(
        `ok: ${opened.members.length} members verified against the manifest, written to ${outDir}\n`,
      );
      return 0;
    } catch (e) {
      if (isLifeguardError(e)) {
        io.stderr.write(`error,${e.code}: ${e.message}\n`);
        return e.code === ErrorCodes.INTEGRITY ? 1 : 2;
      }
      throw e;
    }
  },
};
