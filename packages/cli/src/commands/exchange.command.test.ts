import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEED_FORMAT, formatFeedPage } from '@lifeguard/core';
import { loadOrCreateFeedKey } from '@lifeguard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo, type CapturedIo } from '../testing/capture-io.js';

const SECRET = 'feed-secret-for-the-cli-test';

describe('lifeguard exchange', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-cli-exchange-'));
  const dataDir = join(dir, 'data');
  const key = loadOrCreateFeedKey(join(dir, 'publisher.pem'));
  let server: Server;
  let url = '';

  beforeAll(async () => {
    // A publisher with one signed page of two adds (the feed format of docs/sharing.md).
    server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${SECRET}`) return void res.writeHead(401).end();
      const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? '0';
      const records =
        cursor === '0'
          ? [1, 2].map((seq) => ({
              seq,
              op: 'add' as const,
              signal_type: 'pdq',
              value: String(seq).repeat(64),
              opinion: 'confirmed' as const,
              entry_id: seq,
            }))
          : [];
      const body = Buffer.from(
        formatFeedPage(
          {
            format: FEED_FORMAT,
            bank: 'shared',
            kind: 'block',
            labels: [],
            cursor,
            next_cursor: cursor === '0' ? '2' : cursor,
            has_more: false,
            count: records.length,
            key_id: key.keyId,
            generated_at: new Date().toISOString(),
          },
          records,
        ),
      );
      res.writeHead(200, { 'lifeguard-feed-signature': key.sign(body) }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]): Promise<{ code: number; io: CapturedIo }> => {
    const io = captureIo();
    const code = await main([...args, '--data-dir', dataDir], io);
    return { code, io };
  };

  it('adds, lists, syncs (with progress), resets and removes an exchange; never shows secrets', async () => {
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    const config = JSON.stringify({ url, feed: 'shared', publisherKey: key.publicKey });
    let r = await run(
      'exchange',
      'add',
      'p',
      '--kind',
      'lifeguard',
      '--bank',
      'from-p',
      '--config',
      config,
      '--credential',
      `apiKey=${SECRET}`,
    );
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT.*env:VAR or @FILE/);
    expect(r.io.err()).not.toContain(SECRET);

    r = await run(
      'exchange',
      'add',
      'p',
      '--kind',
      'lifeguard',
      '--bank',
      'from-p',
      '--config',
      config,
      '--credential',
      `apiKey=@${secretFile}`,
    );
    expect(r.code, r.io.err()).toBe(0);
    expect(r.io.out()).toContain('exchange p (lifeguard) -> bank from-p; credentials: apiKey');

    r = await run('exchange', 'sync', 'p');
    expect(r.code, r.io.err()).toBe(0);
    expect(r.io.err()).toContain('page 1: +2 -0');
    expect(r.io.out()).toContain('exchange p: 1 pages, +2 -0');
    r = await run('exchange', 'sync', 'p'); // resumes from the checkpoint: nothing new
    expect(r.io.out()).toContain('exchange p: 1 pages, +0 -0');

    r = await run('exchange', 'list', '--json');
    const listed = JSON.parse(r.io.out()) as { exchanges: Record<string, unknown>[] };
    expect(listed.exchanges[0]).toMatchObject({
      name: 'p',
      bank: 'from-p',
      checkpoint: '2',
      credentialFields: ['apiKey'],
    });
    expect(r.io.out()).not.toContain(SECRET);

    expect((await run('exchange', 'reset', 'p')).code).toBe(0);
    r = await run('exchange', 'sync', 'p');
    expect(r.io.out()).toContain('+0 -0, 2 duplicates');

    r = await run('bank', 'list');
    expect(r.io.out()).toMatch(/from-p/);
    expect((await run('exchange', 'remove', 'p')).code).toBe(0);
    expect((await run('exchange', 'list')).io.out()).toContain('no exchanges');
  });
});
