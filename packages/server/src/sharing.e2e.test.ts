/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any --
   JSON answers of the servers are untyped; the tests assert their shape. */
/**
 * Hash sharing end to end (issue 7, "Prove it"): two real `lifeguard serve` processes on
 * loopback with their own SQLite data directories. Instance A publishes a bank as a signed
 * feed; instance B subscribes to it and blocks a re-encoded copy of an image A banked; a
 * false-positive removal at A removes it from B. A third, fake publisher (in this test
 * process, signing with its own key) serves a corrupt page and a tampered page to B.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEED_FORMAT, formatFeedPage, type FeedPageHeader, type FeedRecord } from '@lifeguard/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateFeedKey, type FeedSigningKey } from './sharing/feed-key.js';
import { referenceImages } from './testing/reference-images.js';
import { api, startServerProcess, type ServerProcess } from './testing/server-process.helper.js';

const POLL = { indexPollMs: 200, sharing: { pollTickMs: 100 } };

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function metric(text: string, name: string, exchange: string): number {
  const re = new RegExp(`^${name}\\{exchange="${exchange}"\\} (\\d+)`, 'm');
  return Number(re.exec(text)?.[1] ?? 0);
}

describe('hash sharing between two instances', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let fake: Server;
  let fakeUrl = '';
  let fakeKey: FeedSigningKey;
  const tmp = mkdtempSync(join(tmpdir(), 'lg-sharing-'));
  /** Pages of the fake publisher by cursor: [body, tamper after signing]. */
  const fakePages = new Map<string, { body: string; tamper: boolean }>();

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startServerProcess({ config: POLL }),
      startServerProcess({ config: { ...POLL, actions: { banks: { 'from-a': 'block' } } } }),
    ]);
    fakeKey = loadOrCreateFeedKey(join(tmp, 'fake.pem'));
    fake = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const page = fakePages.get(u.searchParams.get('cursor') ?? '0');
      if (req.headers.authorization !== 'Bearer fake-feed-key' || !page) {
        res.writeHead(page ? 401 : 404).end();
        return;
      }
      const body = Buffer.from(page.body);
      const sig = fakeKey.sign(body);
      if (page.tamper) body.writeUInt8(body.readUInt8(body.length - 5) ^ 1, body.length - 5); // in transit, after signing
      res.writeHead(200, {
        'content-type': 'application/x-ndjson',
        'lifeguard-feed-signature': sig,
      });
      res.end(body);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const addr = fake.address();
    fakeUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await new Promise((r) => fake?.close(r));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('B blocks a re-encoded copy of what A banked within 10 s; a false positive at A unbans it at B', async () => {
    const A = api(a.url, a.adminKey);
    const B = api(b.url, b.adminKey);
    expect(
      (await A.json('POST', '/v1/banks', { name: 'confirmed', labels: ['test-label'] })).status,
    ).toBe(201);

    // The signing key exists in A's data dir with mode 0600, and its public half is published.
    const keys = (await api(a.url, undefined).json('GET', '/.well-known/lifeguard/feed-keys.json'))
      .body;
    expect(keys.keys).toHaveLength(1);
    const publisherKey = keys.keys[0].public_key as string;

    // The feed needs the feeds:read scope.
    const issued = (
      await A.json('POST', '/v1/keys', { name: 'feed for B', scopes: ['feeds:read'] })
    ).body;
    const feedKey = issued.key as string;
    expect((await api(a.url, feedKey).json('GET', '/v1/banks')).status).toBe(403);

    const sub = await B.json('POST', '/v1/exchanges', {
      name: 'a',
      kind: 'lifeguard',
      bank: 'from-a',
      config: { url: a.url, feed: 'confirmed', publisherKey, pageSize: 100 },
      credentials: { apiKey: feedKey },
      intervalMs: 1000,
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    expect(sub.body).toMatchObject({ name: 'a', bank: 'from-a', credentialFields: ['apiKey'] });
    expect(JSON.stringify(sub.body)).not.toContain(feedKey);

    // A benign reference image; its PDQ is banked at A.
    const img = referenceImages().find((i) => i.name.endsWith('orig.jpg'))!;
    const original = readFileSync(img.file);
    const hashed = (await A.upload('/v1/hash', original)).body;
    const pdq = hashed.hashes?.pdq ?? hashed.pdq;
    expect(pdq).toMatch(/^[0-9a-f]{64}$/);
    const meta = await sharp(original).metadata();
    const copy = await sharp(original)
      .resize(Math.round((meta.width ?? 0) * 0.9))
      .jpeg({ quality: 55 })
      .toBuffer();
    expect(copy.equals(original)).toBe(false);
    expect((await B.upload('/v1/scan', copy)).body.verdict).toBe('allow');

    const t0 = performance.now();
    const added = await A.json('POST', '/v1/banks/confirmed/entries', {
      entries: [{ signalType: 'pdq', value: pdq, classification: 'A1' }],
    });
    expect(added.body).toEqual({ added: 1, duplicates: 0 });
    const blocked = await until('B to block the copy', async () => {
      const r = await B.upload('/v1/scan', copy);
      return r.body.verdict === 'block' ? (r.body as Record<string, any>) : undefined;
    });
    const propagationMs = performance.now() - t0;
    console.log(`sharing e2e: A add -> B blocks re-encoded copy in ${propagationMs.toFixed(0)} ms`);
    expect(propagationMs).toBeLessThan(10_000);
    expect(blocked.matches[0]).toMatchObject({ bank: 'from-a' });
    expect(blocked.matches[0].distance).toBeGreaterThan(0); // a near match, not the same bytes

    const status = (await B.json('GET', '/v1/exchanges/a')).body;
    expect(status.stats.added).toBe(1);
    expect(status.lastError).toBeNull();
    expect(Number(status.checkpoint)).toBeGreaterThan(0);

    // A reviewer at A finds it a false positive: the tombstone carries the opinion, B drops it.
    const t1 = performance.now();
    const removed = await A.json('POST', '/v1/banks/confirmed/entries/remove', {
      entries: [{ signalType: 'pdq', value: pdq }],
      opinion: 'false_positive',
    });
    expect(removed.body).toEqual({ removed: 1 });
    await until('B to stop blocking', async () => {
      const r = await B.upload('/v1/scan', copy);
      return r.body.verdict === 'allow' ? true : undefined;
    });
    console.log(
      `sharing e2e: A false positive -> B unblocks in ${(performance.now() - t1).toFixed(0)} ms`,
    );
    const bank = (await B.json('GET', '/v1/banks/from-a')).body;
    expect(bank.entries.total).toBe(0);

    // B's own feed of the imported bank passes the opinion on.
    const own = await fetch(`${b.url}/v1/feeds/from-a`, {
      headers: { authorization: `Bearer ${b.adminKey}` },
    });
    const lines = (await own.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ op: 'remove', value: pdq, opinion: 'false_positive' });
  }, 60_000);

  it('skips and counts a corrupt page, and refuses a tampered page without moving on', async () => {
    const B = api(b.url, b.adminKey);
    const hex = (c: string): string => c.repeat(64);
    const header = (
      cursor: string,
      next: string,
      count: number,
      more: boolean,
    ): FeedPageHeader => ({
      format: FEED_FORMAT,
      bank: 'fake',
      kind: 'block',
      labels: [],
      cursor,
      next_cursor: next,
      has_more: more,
      count,
      key_id: fakeKey.keyId,
      generated_at: new Date().toISOString(),
    });
    const rec = (seq: number, v: string): FeedRecord => ({
      seq,
      op: 'add',
      signal_type: 'pdq',
      value: v,
      opinion: 'confirmed',
      entry_id: seq,
    });
    fakePages.set('0', {
      body: formatFeedPage(header('0', '1', 1, true), [rec(1, hex('a'))]),
      tamper: false,
    });
    // Page 2 is signed by the publisher but one record has a broken hash: corrupt.
    fakePages.set('1', {
      body: formatFeedPage(header('1', '3', 2, true), [rec(2, hex('b')), rec(3, 'not-a-hash')]),
      tamper: false,
    });
    fakePages.set('3', {
      body: formatFeedPage(header('3', '4', 1, false), [rec(4, hex('c'))]),
      tamper: false,
    });

    const sub = await B.json('POST', '/v1/exchanges', {
      name: 'fake',
      kind: 'lifeguard',
      bank: 'from-fake',
      config: { url: fakeUrl, feed: 'fake', publisherKey: fakeKey.publicKey },
      credentials: { apiKey: 'fake-feed-key' },
      intervalMs: 3_600_000,
      enabled: false,
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    const r1 = (await B.json('POST', '/v1/exchanges/fake/sync')).body;
    expect(r1).toMatchObject({ ran: true, error: null, checkpoint: '4' });
    expect(r1.stats).toMatchObject({ pages: 2, added: 2, corruptPages: 1 });
    expect((await B.json('GET', '/v1/banks/from-fake')).body.entries.total).toBe(2);

    // Page 4 arrives flipped in transit: refused, counted, and the checkpoint stays at 4.
    fakePages.set('4', {
      body: formatFeedPage(header('4', '5', 1, false), [rec(5, hex('d'))]),
      tamper: true,
    });
    const r2 = (await B.json('POST', '/v1/exchanges/fake/sync')).body;
    expect(r2.error).toMatch(/LG_ERR_INVALID_FEED.*signature/);
    expect(r2.checkpoint).toBe('4');
    expect(r2.stats).toMatchObject({ signatureFailures: 1, errors: 1, added: 0 });
    // Once the page arrives intact, the sync resumes from the checkpoint.
    fakePages.set('4', {
      body: formatFeedPage(header('4', '5', 1, false), [rec(5, hex('d'))]),
      tamper: false,
    });
    const r3 = (await B.json('POST', '/v1/exchanges/fake/sync')).body;
    expect(r3).toMatchObject({ error: null, checkpoint: '5', stats: { added: 1 } });

    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metric(metrics, 'lifeguard_exchange_corrupt_pages_total', 'fake')).toBe(1);
    expect(metric(metrics, 'lifeguard_exchange_signature_failures_total', 'fake')).toBe(1);
    const log = b.output();
    expect(log).toContain('exchange fake: skipped a corrupt page');
    expect(log).not.toContain('fake-feed-key');
  }, 30_000);

  it('refuses pages signed by another key than the configured publisher key', async () => {
    const B = api(b.url, b.adminKey);
    const A = api(a.url, a.adminKey);
    const wrong = generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'der', type: 'spki' })
      .subarray(12)
      .toString('base64');
    const feedKey = (await A.json('POST', '/v1/keys', { name: 'feed 2', scopes: ['feeds:read'] }))
      .body.key;
    await A.json('POST', '/v1/banks/confirmed/entries', {
      entries: [{ signalType: 'md5', value: 'e'.repeat(32) }],
    });
    const sub = await B.json('POST', '/v1/exchanges', {
      name: 'a-wrong-key',
      kind: 'lifeguard',
      bank: 'from-a-wrong',
      config: { url: a.url, feed: 'confirmed', publisherKey: wrong },
      credentials: { apiKey: feedKey },
      enabled: false,
    });
    expect(sub.status).toBe(201);
    const r = (await B.json('POST', '/v1/exchanges/a-wrong-key/sync')).body;
    expect(r.error).toMatch(/LG_ERR_INVALID_FEED: page signed by key [0-9a-f]{16}, expected/);
    expect(r.checkpoint).toBeNull();
    expect((await B.json('GET', '/v1/banks/from-a-wrong')).body.entries.total).toBe(0);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metric(metrics, 'lifeguard_exchange_signature_failures_total', 'a-wrong-key')).toBe(1);
    expect(b.output()).not.toContain(feedKey);
  }, 30_000);

  it('keeps the signing key private to its owner', () => {
    const k = join(tmp, 'fake.pem');
    expect(statSync(k).mode & 0o777).toBe(0o600);
  });
});
