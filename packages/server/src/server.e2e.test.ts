/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any --
   End-to-end tests read JSON answers whose shape is exactly what they assert. */
/**
 * End-to-end: the real `lifeguard serve` process over real HTTP on 127.0.0.1, once on SQLite
 * and once on PostgreSQL (an isolated schema; FAILS rather than skips under CI when
 * PostgreSQL is down). Needs `npm run build` first (it spawns the compiled binary).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceImages, type ReferenceImage } from './testing/reference-images.js';
import { verifyWebhook } from './webhooks/webhook.signer.js';
import {
  api,
  createPgSchema,
  pgMode,
  pgTestUrl,
  startServerProcess,
  type ServerProcess,
} from './testing/server-process.helper.js';

const MAX_FILE = 4 * 1024 * 1024;
const MAX_PIXELS = 30_000_000;
const ORIGIN_IP = '127.0.0.3'; // the only private address the test config lets the fetcher reach

function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

/** A PNG whose header declares width x height and that has no pixel data (a "bomb"). */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((r) =>
    server.listen(0, host, () => r((server.address() as AddressInfo).port)),
  );
}

const images = referenceImages();

function suite(
  name: string,
  setup: () => Promise<{
    env: Record<string, string>;
    config: Record<string, unknown>;
    cleanup: () => Promise<void>;
  }>,
): void {
  describe(name, () => {
    let srv: ServerProcess;
    let cleanup: () => Promise<void> = () => Promise.resolve();
    let admin: ReturnType<typeof api>;
    let scanKey: string;
    let readKey: string;
    // Local origins for URL scans: one on the allowed private IP, one on 127.0.0.1 that
    // must never be reached.
    let origin: Server;
    let originPort = 0;
    let forbidden: Server;
    let forbiddenPort = 0;
    let forbiddenHits = 0;
    // Webhook receivers: 'flaky' answers 500 to the first attempt of each delivery, then 200;
    // 'down' always answers 503.
    let hooks: Server;
    let hooksPort = 0;
    const received: { delivery: string; status: number; valid: boolean; body: any }[] = [];
    const SECRET = 'test-webhook-secret-0123456789';
    const entries = new Set<string>(); // `${bank}:${hash}` of every PDQ entry added
    const isolated = images.find(
      (img, i) => i % 3 === 2 && images.every((o) => o === img || hamming(o.pdq, img.pdq) > 31),
    )!;

    beforeAll(async () => {
      const s = await setup();
      cleanup = s.cleanup;
      forbidden = createServer((_req, res) => {
        forbiddenHits++;
        res.end('x');
      });
      forbiddenPort = await listen(forbidden, '127.0.0.1');
      origin = createServer((req, res) => {
        if (req.url === '/redirect-loopback') {
          res.writeHead(302, { location: `http://127.0.0.1:${forbiddenPort}/secret` });
          res.end();
        } else if (req.url === '/image.jpg') {
          res.writeHead(200, { 'content-type': 'image/jpeg' });
          res.end(readFileSync(images[0]!.file));
        } else {
          res.writeHead(404);
          res.end();
        }
      });
      originPort = await listen(origin, ORIGIN_IP);
      hooks = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const delivery = String(req.headers['lifeguard-delivery']);
          const valid = verifyWebhook(
            SECRET,
            String(req.headers['lifeguard-timestamp']),
            body,
            String(req.headers['lifeguard-signature']),
          );
          const seen = received.some((r) => r.delivery === delivery);
          const status = req.url === '/down' ? 503 : seen ? 200 : 500;
          received.push({ delivery, status, valid, body: JSON.parse(body) });
          res.writeHead(status);
          res.end();
        });
      });
      hooksPort = await listen(hooks, '127.0.0.1');
      srv = await startServerProcess({
        env: s.env,
        config: {
          ...s.config,
          limits: {
            maxFileBytes: MAX_FILE,
            maxImagePixels: MAX_PIXELS,
            maxJsonBytes: 64 * 1024,
            hashWorkers: 2,
          },
          urlFetch: { allowPrivateIps: [ORIGIN_IP], timeoutMs: 5000 },
          actions: { labels: { verified: 'block' } },
          webhooks: {
            maxAttempts: 2,
            backoffBaseMs: 50,
            endpoints: [
              {
                name: 'flaky',
                url: `http://127.0.0.1:${hooksPort}/flaky`,
                secret: SECRET,
                verdicts: ['block'],
              },
              {
                name: 'down',
                url: `http://127.0.0.1:${hooksPort}/down`,
                secret: SECRET,
                verdicts: ['block'],
              },
            ],
          },
        },
      });
      admin = api(srv.url, srv.adminKey);
      const k1 = await admin.json('POST', '/v1/keys', { name: 'scanner', scopes: ['scan'] });
      expect(k1.status).toBe(201);
      scanKey = k1.body.key as string;
      const k2 = await admin.json('POST', '/v1/keys', { name: 'reader', scopes: ['banks:read'] });
      readKey = k2.body.key as string;

      // Three banks: a verified list (label rule -> block), an unverified list (no action ->
      // review) and an allow list holding one image.
      for (const b of [
        { name: 'verified', labels: ['verified'] },
        { name: 'unverified', labels: ['unverified'] },
        { name: 'memes', kind: 'allow' },
      ]) {
        expect((await admin.json('POST', '/v1/banks', b)).status).toBe(201);
      }
      const add = async (bank: string, imgs: ReferenceImage[]): Promise<void> => {
        const r = await admin.json('POST', `/v1/banks/${bank}/entries`, {
          entries: imgs.map((i) => ({ signalType: 'pdq', value: i.pdq, sourceId: i.name })),
        });
        expect(r.status).toBe(200);
        for (const i of imgs) entries.add(`${bank}:${i.pdq}`);
      };
      await add(
        'verified',
        images.filter((_, i) => i % 3 === 0),
      );
      await add(
        'unverified',
        images.filter((_, i) => i % 3 === 1),
      );
      // The allow bank holds an image with no near-duplicate, so it silences only itself.
      await add('memes', [isolated]);
    });

    afterAll(async () => {
      const code = await srv?.stop();
      expect(code).toBe(0); // graceful shutdown on SIGTERM
      origin?.close();
      forbidden?.close();
      hooks?.close();
      await cleanup();
    });

    it('uploads every reference image and gets exactly the brute-force matches and verdict', async () => {
      const scan = api(srv.url, scanKey);
      const all = [...entries].map((e) => e.split(':') as [string, string]);
      const queue = [...images];
      const work = async (): Promise<void> => {
        for (let img = queue.shift(); img; img = queue.shift()) {
          const r = await scan.upload('/v1/scan', readFileSync(img.file), { contentId: img.name });
          expect(r.status, img.name).toBe(200);
          const pdq = r.body.hashes.pdq as string;
          expect(r.body.contentId).toBe(img.name);
          // Brute force over every entry at the banks' threshold (31).
          // Below the banks' quality floor (50) a PDQ hash is not matched at all.
          const within = all
            .filter(([, h]) => (r.body.quality as number) >= 50 && hamming(h, pdq) <= 31)
            .map(([bank, h]) => ({ h, bank }));
          const allow = within.some((w) => w.bank === 'memes');
          const expected = (allow ? within.filter((w) => w.bank === 'memes') : within)
            .map((w) => `${w.bank}:${w.h}`)
            .sort();
          const got = (r.body.matches as { bank: string; value: string; distance: number }[])
            .map((m) => {
              expect(m.distance).toBe(hamming(m.value, pdq));
              return `${m.bank}:${m.value}`;
            })
            .sort();
          expect(got, img.name).toEqual(expected);
          const banks = new Set(within.map((w) => w.bank));
          const verdict = allow
            ? 'allow'
            : banks.has('verified')
              ? 'block'
              : banks.has('unverified')
                ? 'review'
                : 'allow';
          expect(r.body.verdict, img.name).toBe(verdict);
          if (allow) expect(r.body.rule).toBe('allow-bank:memes');
          else if (verdict === 'block') expect(r.body.rule).toBe('label:verified=block');
          else if (verdict === 'review') expect(r.body.rule).toMatch(/^default:review/);
          // Every banked image matches its own entry (unless an allow match suppressed it).
          if (!allow && (r.body.quality as number) >= 50) {
            for (const e of entries) if (e.endsWith(`:${img.pdq}`)) expect(got).toContain(e);
          }
          if (img === isolated) expect(r.body.rule).toBe('allow-bank:memes');
        }
      };
      await Promise.all([work(), work(), work()]);
    });

    it('scans by hashes and by lookup, with exact signals too', async () => {
      const scan = api(srv.url, scanKey);
      const img = images[0]!;
      const r = await scan.json('POST', '/v1/scan', { hashes: { pdq: img.pdq.toUpperCase() } });
      expect(r.status).toBe(200);
      expect(r.body.quality).toBeNull();
      expect(r.body.matches.some((m: { value: string }) => m.value === img.pdq)).toBe(true);
      const l = await scan.json('GET', `/v1/lookup?signal=pdq&value=${img.pdq}`);
      expect(l.status).toBe(200);
      expect(l.body.matches.map((m: { value: string }) => m.value)).toContain(img.pdq);
      // An exact MD5 entry added now is matchable on the next request.
      const md5 = 'a'.repeat(32);
      await admin.json('POST', '/v1/banks/verified/entries', {
        entries: [{ signalType: 'md5', value: md5 }],
      });
      const m = await scan.json('POST', '/v1/scan', { hashes: { md5 } });
      expect(m.body.verdict).toBe('block');
      expect(m.body.matches[0]).toMatchObject({ bank: 'verified', signal: 'md5', distance: 0 });
      const none = await scan.json('POST', '/v1/scan', { hashes: { sha256: 'b'.repeat(64) } });
      expect(none.body).toMatchObject({ verdict: 'allow', rule: 'no-match', matches: [] });
      const c = await scan.json('POST', '/v1/compare', { a: img.pdq, b: images[1]!.pdq });
      expect(c.body.distance).toBe(hamming(img.pdq, images[1]!.pdq));
    });

    it('per-bank action overrides label rules, and banks export what was added', async () => {
      const p = await admin.json('PATCH', '/v1/banks/unverified', { action: 'block' });
      expect(p.status).toBe(200);
      expect(p.body.action).toBe('block');
      const img = images[1]!; // in 'unverified'
      const r = await api(srv.url, scanKey).json('POST', '/v1/scan', { hashes: { pdq: img.pdq } });
      expect(r.body.verdict).toBe('block');
      await admin.json('PATCH', '/v1/banks/unverified', { action: null });
      const exp = await fetch(`${srv.url}/v1/banks/memes/export`, {
        headers: { authorization: `Bearer ${readKey}` },
      });
      expect(exp.status).toBe(200);
      expect((await exp.text()).trim()).toBe(`pdq ${isolated.pdq}`);
      const imp = await fetch(`${srv.url}/v1/banks/memes/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${srv.adminKey}`, 'content-type': 'text/plain' },
        body: `md5 ${'c'.repeat(32)}\npdq nothex\n`,
      });
      expect(await imp.json()).toMatchObject({
        records: 1,
        added: 1,
        invalid: 1,
        invalidLines: [{ line: 2 }],
      });
    });

    it('deletes a bank: its entries stop matching at once, the name is free, 404 after', async () => {
      const pdq = 'f'.repeat(16) + '0'.repeat(48);
      expect((await admin.json('POST', '/v1/banks', { name: 'temp' })).status).toBe(201);
      await admin.json('POST', '/v1/banks/temp/entries', {
        entries: [{ signalType: 'pdq', value: pdq }],
      });
      const scan = api(srv.url, scanKey);
      const before = await scan.json('POST', '/v1/scan', { hashes: { pdq } });
      expect(before.body.matches.map((m: { bank: string }) => m.bank)).toContain('temp');
      expect((await api(srv.url, readKey).json('DELETE', '/v1/banks/temp')).status).toBe(403);
      expect((await admin.json('DELETE', '/v1/banks/temp')).status).toBe(204);
      const after = await scan.json('POST', '/v1/scan', { hashes: { pdq } });
      expect(after.body.matches.map((m: { bank: string }) => m.bank)).not.toContain('temp');
      const again = await admin.json('DELETE', '/v1/banks/temp');
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('LG_ERR_NOT_FOUND');
      expect((await admin.json('GET', '/v1/banks/temp')).status).toBe(404);
    });

    it('refuses missing, invalid, revoked and under-scoped keys', async () => {
      const none = await api(srv.url, undefined).json('POST', '/v1/scan', {
        hashes: { md5: 'a'.repeat(32) },
      });
      expect(none.status).toBe(401);
      expect(none.type).toMatch(/^application\/problem\+json/);
      expect(none.body.code).toBe('LG_ERR_UNAUTHORIZED');
      const bad = await api(srv.url, 'lg_000000000000_nope').json('GET', '/v1/banks');
      expect(bad.status).toBe(401);
      const scope = await api(srv.url, scanKey).json('POST', '/v1/banks', { name: 'x' });
      expect(scope.status).toBe(403);
      expect(scope.body.code).toBe('LG_ERR_FORBIDDEN');
      expect((await api(srv.url, readKey).json('GET', '/v1/banks')).status).toBe(200);
      expect(
        (await api(srv.url, readKey).json('PATCH', '/v1/banks/memes', { enabled: false })).status,
      ).toBe(403);
      expect((await api(srv.url, scanKey).json('GET', '/v1/keys')).status).toBe(403);
      const tmp = await admin.json('POST', '/v1/keys', { name: 'temp', scopes: ['scan'] });
      const t = api(srv.url, tmp.body.key as string);
      expect((await t.json('GET', '/v1/lookup?signal=md5&value=' + 'a'.repeat(32))).status).toBe(
        200,
      );
      expect(
        (await admin.json('DELETE', `/v1/keys/${tmp.body.record.keyId as string}`)).body.revokedAt,
      ).toBeTruthy();
      expect((await t.json('GET', '/v1/lookup?signal=md5&value=' + 'a'.repeat(32))).status).toBe(
        401,
      );
      const keys = await admin.json('GET', '/v1/keys');
      expect(JSON.stringify(keys.body)).not.toContain(scanKey); // secrets are never listed
    });

    it('answers bad input with problem+json and a stable code', async () => {
      const scan = api(srv.url, scanKey);
      const jpg = readFileSync(images[0]!.file);
      const cases: [Promise<{ status: number; type: string; body: any }>, number, string][] = [
        [scan.upload('/v1/scan', jpg.subarray(0, jpg.length >> 1)), 422, 'LG_ERR_CORRUPT_IMAGE'],
        [
          scan.upload('/v1/scan', Buffer.from('definitely not an image')),
          422,
          'LG_ERR_UNSUPPORTED_FORMAT',
        ],
        [scan.upload('/v1/scan', pngBomb(60_000, 60_000)), 422, 'LG_ERR_IMAGE_TOO_LARGE'],
        [scan.upload('/v1/scan', Buffer.alloc(0)), 400, 'LG_ERR_EMPTY_INPUT'],
        [scan.upload('/v1/scan', Buffer.alloc(MAX_FILE + 1024, 1)), 413, 'LG_ERR_INPUT_TOO_LARGE'],
        [scan.upload('/v1/scan', jpg, { surprise: 'x' }), 400, 'LG_ERR_INVALID_REQUEST'],
        [scan.json('POST', '/v1/scan', { hashes: { pdq: 'zz' } }), 400, 'LG_ERR_INVALID_HASH'],
        [
          scan.json('POST', '/v1/scan', { hashes: { pdq: 'g'.repeat(64) } }),
          400,
          'LG_ERR_INVALID_HASH',
        ],
        [
          scan.json('POST', '/v1/scan', { hashes: { md5: 'a'.repeat(32) }, extra: 1 }),
          400,
          'LG_ERR_INVALID_REQUEST',
        ],
        [
          scan.json('POST', '/v1/scan', { hashes: { md5: 'a'.repeat(32), crc: '1' } }),
          400,
          'LG_ERR_INVALID_REQUEST',
        ],
        [scan.json('POST', '/v1/scan', {}), 400, 'LG_ERR_INVALID_REQUEST'],
        [scan.json('POST', '/v1/scan', '{"hashes":'), 400, 'LG_ERR_INVALID_REQUEST'],
        [
          scan.json('POST', '/v1/scan', {
            hashes: { md5: 'a'.repeat(32) },
            metadata: { big: 'x'.repeat(70_000) },
          }),
          413,
          'LG_ERR_INPUT_TOO_LARGE',
        ],
        [scan.json('GET', '/v1/lookup?signal=pdq&value=abc'), 400, 'LG_ERR_INVALID_HASH'],
        [scan.json('GET', '/v1/lookup?signal=crc&value=abc'), 400, 'LG_ERR_INVALID_REQUEST'],
        [scan.json('GET', '/v1/nothing'), 404, 'LG_ERR_NOT_FOUND'],
        [admin.json('GET', '/v1/banks/nope'), 404, 'LG_ERR_NOT_FOUND'],
        [admin.json('POST', '/v1/banks', { name: 'verified' }), 409, 'LG_ERR_CONFLICT'],
        [
          admin.json('POST', '/v1/banks', { name: 'ok', pdqThreshold: 'high' }),
          400,
          'LG_ERR_INVALID_REQUEST',
        ],
      ];
      for (const [p, status, code] of cases) {
        const r = await p;
        expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
        expect(r.type).toMatch(/^application\/problem\+json/);
      }
      const ct = await fetch(`${srv.url}/v1/scan`, {
        method: 'POST',
        headers: { authorization: `Bearer ${scanKey}`, 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(ct.status).toBe(415);
      expect(((await ct.json()) as { code: string }).code).toBe('LG_ERR_UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses SSRF targets after DNS resolution and on redirect, and fetches allowed URLs', async () => {
      const scan = api(srv.url, scanKey);
      const refusedUrls = [
        `http://127.0.0.1:${forbiddenPort}/`,
        'http://10.1.2.3/',
        `http://[::1]:${forbiddenPort}/`,
        `http://[::ffff:127.0.0.1]:${forbiddenPort}/`,
        'http://169.254.169.254/latest/meta-data/',
        `http://localhost:${forbiddenPort}/`, // a DNS name resolving to loopback
        'file:///etc/passwd',
        'gopher://example.com/',
        `http://${ORIGIN_IP}:${originPort}/redirect-loopback`, // allowed origin, loopback redirect
      ];
      for (const url of refusedUrls) {
        const r = await scan.json('POST', '/v1/scan', { url });
        expect({ url, status: r.status, code: r.body.code }).toEqual({
          url,
          status: 422,
          code: 'LG_ERR_URL_REFUSED',
        });
      }
      expect(forbiddenHits).toBe(0);
      const ok = await scan.json('POST', '/v1/scan', {
        url: `http://${ORIGIN_IP}:${originPort}/image.jpg`,
      });
      expect(ok.status).toBe(200);
      expect(ok.body.matches.map((m: { value: string }) => m.value)).toContain(images[0]!.pdq);
      const missing = await scan.json('POST', '/v1/scan', {
        url: `http://${ORIGIN_IP}:${originPort}/nope`,
      });
      expect(missing.body.code).toBe('LG_ERR_FETCH_FAILED');
    });

    it('queues async scans durably, de-duplicates by Idempotency-Key and reports the result', async () => {
      const scan = api(srv.url, scanKey);
      const post = (key: string): Promise<Response> =>
        fetch(`${srv.url}/v1/scan?async=1`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${scanKey}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify({ hashes: { pdq: images[0]!.pdq }, contentId: 'async-1' }),
        });
      const a = await post('k-1');
      expect(a.status).toBe(202);
      const { jobId } = (await a.json()) as { jobId: string };
      expect(a.headers.get('location')).toBe(`/v1/jobs/${jobId}`);
      const again = (await (await post('k-1')).json()) as { jobId: string };
      expect(again.jobId).toBe(jobId);
      let job: any;
      for (let i = 0; i < 100; i++) {
        job = (await scan.json('GET', `/v1/jobs/${jobId}`)).body;
        if (job.state === 'succeeded' || job.state === 'failed') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(job.state).toBe('succeeded');
      expect(job.attempts).toBe(1);
      const sync = await scan.json('POST', '/v1/scan', {
        hashes: { pdq: images[0]!.pdq },
        contentId: 'async-1',
      });
      expect(job.result).toEqual(sync.body);
      // Another key cannot see the job; uploads cannot be queued.
      const other = await admin.json('POST', '/v1/keys', { name: 'other', scopes: ['scan'] });
      const o = await api(srv.url, other.body.key as string).json('GET', `/v1/jobs/${jobId}`);
      expect(o.status).toBe(404);
      const up = await scan.upload('/v1/scan?async=1', readFileSync(images[0]!.file));
      expect(up.status).toBe(400);
    });

    it('signs verdict webhooks, retries a 500, dead-letters after max attempts, shows them in the API', async () => {
      const r = await api(srv.url, scanKey).json('POST', '/v1/scan', {
        hashes: { pdq: images[0]!.pdq },
        contentId: 'webhook-1',
      });
      expect(r.body.verdict).toBe('block');
      const mine = (): typeof received =>
        received.filter((x) => x.body.data.contentId === 'webhook-1');
      for (let i = 0; i < 200 && !mine().some((x) => x.status === 200); i++) {
        await new Promise((res) => setTimeout(res, 25));
      }
      const flaky = mine().filter((x) => x.status !== 503);
      expect(flaky.map((x) => x.status)).toEqual([500, 200]); // retried after the 500
      expect(flaky[0]!.delivery).toBe(flaky[1]!.delivery); // same delivery id: idempotency key
      expect(mine().every((x) => x.valid)).toBe(true); // HMAC over timestamp + body verified
      expect(flaky[1]!.body).toMatchObject({ type: 'scan.verdict', data: { verdict: 'block' } });
      let dead: any[] = [];
      for (let i = 0; i < 200; i++) {
        const d = await admin.json('GET', '/v1/webhooks/deliveries?state=dead');
        dead = (d.body.deliveries as any[]).filter(
          (x) => x.endpoint === 'down' && String(x.body).includes('webhook-1'),
        );
        if (dead.length > 0) break;
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ attempts: 2, lastStatus: 503, state: 'dead' });
      expect(mine().filter((x) => x.status === 503)).toHaveLength(2);
      const retry = await fetch(`${srv.url}/v1/webhooks/deliveries/${dead[0].id as string}/retry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${srv.adminKey}` },
      });
      expect(retry.status).toBe(204);
      for (let i = 0; i < 200 && mine().filter((x) => x.status === 503).length < 3; i++) {
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(mine().filter((x) => x.status === 503).length).toBeGreaterThanOrEqual(3);
      expect((await api(srv.url, scanKey).json('GET', '/v1/webhooks/deliveries')).status).toBe(403);
    });

    it('reports health, readiness with index lag, metrics and the committed OpenAPI document', async () => {
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
      const ready = (await (await fetch(`${srv.url}/readyz`)).json()) as {
        status: string;
        index: { lagChanges: number; entries: number };
      };
      expect(ready.status).toBe('ready');
      expect(typeof ready.index.lagChanges).toBe('number');
      expect(ready.index.entries).toBeGreaterThan(images.length / 2);
      const metrics = await (await fetch(`${srv.url}/metrics`)).text();
      expect(metrics).toMatch(/lifeguard_scans_total\{input="file",outcome="ok"\} \d+/);
      expect(metrics).toMatch(/lifeguard_verdicts_total\{verdict="block"\}/);
      expect(metrics).toMatch(/lifeguard_matches_total\{bank="verified",signal="pdq"\}/);
      expect(metrics).toContain('lifeguard_http_request_duration_seconds_bucket');
      expect(metrics).toContain('lifeguard_index_lag_changes');
      expect(metrics).toContain('lifeguard_hash_queue_depth');
      const served = await (await fetch(`${srv.url}/openapi.json`)).json();
      const committed = JSON.parse(
        readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'),
      ) as unknown;
      expect(served).toEqual(committed);
    });
  });
}

describe('lifeguard serve shutdown', () => {
  it('drains an in-flight upload on SIGTERM, then exits 0', async () => {
    const srv = await startServerProcess({ config: {} });
    const bytes = readFileSync(images[0]!.file);
    const boundary = 'lifeguard-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.jpg"\r\n` +
        'content-type: image/jpeg\r\n\r\n',
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const u = new URL(`${srv.url}/v1/scan`);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${srv.adminKey}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      // Half the upload now, SIGTERM, then the rest: the request must still complete.
      req.write(Buffer.concat([head, bytes.subarray(0, bytes.length >> 1)]));
      setTimeout(() => {
        srv.child.kill('SIGTERM');
        setTimeout(() => req.end(Buffer.concat([bytes.subarray(bytes.length >> 1), tail])), 300);
      }, 300);
    });
    const r = await response;
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { hashes: { pdq: string } }).hashes.pdq).toHaveLength(64);
    expect(await srv.exited()).toBe(0);
    expect(srv.output()).toContain('SIGTERM, draining');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a key has spent its burst', async () => {
    const srv = await startServerProcess({
      config: { limits: { rateLimitPerSecond: 1, rateLimitBurst: 3 } },
    });
    try {
      const statuses: number[] = [];
      let limited: Response | undefined;
      // Burst 3 at 1 token/s: the 4th request within a second is refused (allow for a slow
      // machine refilling a token or two meanwhile).
      for (let i = 0; i < 20 && !limited; i++) {
        const r = await fetch(`${srv.url}/v1/banks`, {
          headers: { authorization: `Bearer ${srv.adminKey}` },
        });
        statuses.push(r.status);
        if (r.status === 429) limited = r;
        else await r.body?.cancel();
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(limited?.status).toBe(429);
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await limited!.json()) as { code: string }).code).toBe('LG_ERR_RATE_LIMITED');
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  });
});

describe('async scan durability', () => {
  it('keeps jobs queued by an api-only server through SIGKILL; a restarted server runs each once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeguard-durable-'));
    try {
      const apiOnly = await startServerProcess({ config: {}, dir, args: ['--role', 'api'] });
      const c = api(apiOnly.url, apiOnly.adminKey);
      expect((await c.json('POST', '/v1/banks', { name: 'b', labels: ['x'] })).status).toBe(201);
      await c.json('POST', '/v1/banks/b/entries', {
        entries: [{ signalType: 'md5', value: 'e'.repeat(32) }],
      });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await c.json('POST', '/v1/scan?async=1', {
          hashes: { md5: i % 2 ? 'e'.repeat(32) : 'f'.repeat(32) },
        });
        expect(r.status).toBe(202);
        ids.push(r.body.jobId as string);
      }
      await new Promise((r) => setTimeout(r, 300));
      expect((await c.json('GET', `/v1/jobs/${ids[0]!}`)).body.state).toBe('queued'); // nobody runs jobs
      apiOnly.child.kill('SIGKILL');
      expect(await apiOnly.exited()).toBeNull();

      const all = await startServerProcess({ config: {}, dir, adminKey: apiOnly.adminKey });
      const c2 = api(all.url, all.adminKey);
      for (const [i, id] of ids.entries()) {
        let job: any;
        for (let t = 0; t < 100; t++) {
          job = (await c2.json('GET', `/v1/jobs/${id}`)).body;
          if (job.state === 'succeeded') break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(job.state).toBe('succeeded');
        expect(job.attempts).toBe(1);
        expect(job.result.verdict).toBe(i % 2 ? 'review' : 'allow');
      }
      expect(await all.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

suite('lifeguard serve on SQLite', () =>
  Promise.resolve({ env: {}, config: {}, cleanup: () => Promise.resolve() }),
);

const mode = await pgMode();
if (mode === 'skip') {
  describe.skip('lifeguard serve on PostgreSQL (no server reachable; CI fails instead)', () => {
    it('skipped', () => undefined);
  });
} else if (mode === 'fail') {
  describe('lifeguard serve on PostgreSQL', () => {
    it('needs PostgreSQL under CI', () => {
      throw new Error(`PostgreSQL not reachable at ${pgTestUrl()} and CI is set`);
    });
  });
} else {
  suite('lifeguard serve on PostgreSQL', async () => {
    const s = await createPgSchema();
    return {
      env: { DATABASE_URL: pgTestUrl() },
      config: { pgSchema: s.schema },
      cleanup: s.drop,
    };
  });
}
