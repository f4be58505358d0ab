import { generateKeyPairSync } from 'node:crypto';
import { isLifeguardError } from '@lifeguard/core';
import { describe, expect, it } from 'vitest';
import { createReportBundle, openReportBundle, verifyReportBundle } from './report-bundle.js';
import { readTar, writeTar } from './tar.format.js';

const signer = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const PASS = 'correct horse battery staple';
const evidence = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));
const members = [
  { name: 'report.xml', bytes: Buffer.from('<?xml version="1.0" encoding="UTF-8"?><report/>') },
  { name: 'files/1-upload.jpg', bytes: evidence },
  { name: 'files.json', bytes: Buffer.from('[]') },
];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isLifeguardError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('ustar archive', () => {
  it('round-trips members and is refused when a header is damaged', () => {
    const tar = writeTar(members, 1_700_000_000);
    expect(tar.length % 512).toBe(0);
    expect(
      readTar(tar).map((m) => [
        m.name,
        Buffer.from(m.bytes).equals(Buffer.from(members.find((x) => x.name === m.name)!.bytes)),
      ]),
    ).toEqual([
      ['report.xml', true],
      ['files/1-upload.jpg', true],
      ['files.json', true],
    ]);
    const bad = Buffer.from(tar);
    bad[10]! ^= 1;
    expect(codeOf(() => readTar(bad))).toBe('LG_ERR_INTEGRITY');
    expect(codeOf(() => writeTar([{ name: '../x', bytes: Buffer.alloc(1) }], 0))).toBe(
      'LG_ERR_INVALID_ARGUMENT',
    );
  });
});

describe('export bundle', () => {
  const bundle = createReportBundle(
    members,
    { caseId: '7' },
    { passphrase: PASS, signingKey: signer.privateKey },
  );

  it('opens with the passphrase: manifest with the SHA-256 of every member', () => {
    const opened = openReportBundle(bundle, { passphrase: PASS, publicKey: signer.publicKey });
    expect(opened.members.map((m) => m.name)).toEqual([
      'manifest.json',
      'report.xml',
      'files/1-upload.jpg',
      'files.json',
    ]);
    expect(opened.manifest.subject).toEqual({ caseId: '7' });
    expect(opened.manifest.members.map((m) => m.name)).toEqual(members.map((m) => m.name));
    expect(Buffer.from(opened.members[2]!.bytes).equals(evidence)).toBe(true);
    expect(verifyReportBundle(bundle, { publicKey: signer.publicKey }).signer.alg).toBe('ed25519');
  });

  it('keeps the content secret: no member bytes in the clear', () => {
    expect(bundle.includes(evidence.subarray(100, 164))).toBe(false);
    expect(bundle.includes(Buffer.from('<report/>'))).toBe(false);
  });

  it('detects one flipped byte anywhere (signature), a wrong passphrase and another signer', () => {
    for (const at of [
      3,
      20,
      Math.floor(bundle.length / 2),
      bundle.length - 80,
      bundle.length - 1,
    ]) {
      const t = Buffer.from(bundle);
      t[at]! ^= 0x01;
      expect(codeOf(() => verifyReportBundle(t))).toBe('LG_ERR_INTEGRITY');
      expect(codeOf(() => openReportBundle(t, { passphrase: PASS }))).toBe('LG_ERR_INTEGRITY');
    }
    expect(codeOf(() => openReportBundle(bundle, { passphrase: 'wrong passphrase!!' }))).toBe(
      'LG_ERR_INTEGRITY',
    );
    // Re-signed by someone else: the embedded key verifies, the pinned key does not.
    const forged = createReportBundle(
      members,
      { caseId: '7' },
      { passphrase: PASS, signingKey: other.privateKey },
    );
    expect(verifyReportBundle(forged).signer.keyId).not.toBe(
      verifyReportBundle(bundle).signer.keyId,
    );
    expect(codeOf(() => verifyReportBundle(forged, { publicKey: signer.publicKey }))).toBe(
      'LG_ERR_INTEGRITY',
    );
  });

  it('refuses weak passphrases, non-Ed25519 keys and duplicate members', () => {
    expect(
      codeOf(() =>
        createReportBundle(members, {}, { passphrase: 'short', signingKey: signer.privateKey }),
      ),
    ).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        createReportBundle(members, {}, { passphrase: PASS, signingKey: signer.publicKey }),
      ),
    ).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        createReportBundle(
          [...members, members[0]!],
          {},
          { passphrase: PASS, signingKey: signer.privateKey },
        ),
      ),
    ).toBe('LG_ERR_INVALID_ARGUMENT');
  });
});
