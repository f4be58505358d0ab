/**
 * The program connectors against local fakes of their documented endpoints (shapes from
 * python-threatexchange's clients and test data; see docs/sharing.md). Each fake checks the
 * credentials and query parameters the way the program documents them, and serves two
 * pages, so paging, checkpoints and resuming are exercised; the updates are then applied to
 * a real SQLite bank store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyExchangeBatch, type ExchangeBatch, type SignalExchange } from '@lifeguard/core';
import { createStore, type LifeguardStore } from '@lifeguard/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NcmecExchange } from './ncmec.connector.js';
import { StopNciiExchange } from './stopncii.connector.js';
import { ThreatExchangeExchange } from './threatexchange.connector.js';

const hex = (c: string, n = 64): string => c.repeat(n);
const NS = 'https://hashsharing.ncmec.org/hashsharing/v2';

let server: Server;
let base = '';
const seen: string[] = [];
let store: LifeguardStore;
const dir = mkdtempSync(join(tmpdir(), 'lg-connectors-'));

function ncmecPage(req: IncomingMessage, res: ServerResponse, u: URL): void {
  const basic = `Basic ${Buffer.from('esp-user:esp-pass').toString('base64')}`;
  if (req.headers.authorization !== basic) return void res.writeHead(401).end();
  if (!u.pathname.endsWith('/hashsharing/v2/entries')) return void res.writeHead(404).end();
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(u.searchParams.get('from') ?? '')) {
    return void res.writeHead(400).end();
  }
  const second = u.searchParams.get('start') === '2';
  const body = second
    ? `<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="${NS}">
        <images count="1" maxTimestamp="2026-11-25T10:00:00Z">
          <deletedImage><member id="42">M</member><id>img-1</id><timestamp>2026-11-25T10:00:00Z</timestamp></deletedImage>
        </images></queryResult>`
    : `<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="${NS}">
        <images count="2" maxTimestamp="2026-11-25T09:00:00Z">
          <image><member id="42">M</member><timestamp>2026-11-25T09:00:00Z</timestamp><id>img-1</id>
            <classification>A1</classification>
            <fingerprints><md5>${hex('a', 32)}</md5><sha1>${hex('b', 40)}</sha1><pdq>${hex('c')}</pdq></fingerprints></image>
          <image><member id="42">M</member><timestamp>2026-11-25T09:00:00Z</timestamp><id>img-2</id>
            <fingerprints><pdna>opaque</pdna><pdq>${hex('d')}</pdq></fingerprints></image>
        </images>
        <videos count="1" maxTimestamp="2026-11-25T09:00:00Z">
          <video><member id="42">M</member><timestamp>2026-11-25T09:00:00Z</timestamp><id>vid-1</id>
            <fingerprints><md5>${hex('e', 32)}</md5><tmk-pdqf rel="self" href="/v2/entries/1/fingerprints/TMK_PDQF"/></fingerprints></video>
        </videos>
        <paging><next>/v2/entries?from=${u.searchParams.get('from')}&amp;to=${u.searchParams.get('to')}&amp;start=2&amp;size=3&amp;max=4</next></paging>
      </queryResult>`;
  res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
}

function stopnciiPage(req: IncomingMessage, res: ServerResponse, u: URL): void {
  if (
    req.headers['x-functions-key'] !== 'fn-key' ||
    req.headers['ocp-apim-subscription-key'] !== 'sub-key'
  ) {
    return void res.writeHead(401).end();
  }
  if (!u.pathname.endsWith('/v1/FetchHashes') || !u.searchParams.get('startTimestamp')) {
    return void res.writeHead(400).end();
  }
  const second = u.searchParams.get('nextPageToken') === 'tok-2';
  const page = second
    ? {
        count: 1,
        nextPageToken: '',
        nextSetTimestamp: 1_764_000_000,
        hasMoreRecords: false,
        hashRecords: [
          {
            lastModtimestamp: 2,
            signalType: 'ImagePDQ',
            hashValue: hex('1'),
            hashStatus: 'Withdrawn',
            caseNumbers: {},
          },
        ],
      }
    : {
        count: 3,
        nextPageToken: 'tok-2',
        nextSetTimestamp: 0,
        hasMoreRecords: true,
        hashRecords: [
          {
            lastModtimestamp: 1,
            signalType: 'ImagePDQ',
            hashValue: hex('1'),
            hashStatus: 'Active',
            caseNumbers: {},
          },
          {
            lastModtimestamp: 1,
            signalType: 'VideoMD5',
            hashValue: hex('2', 32),
            hashStatus: 'Received',
            caseNumbers: {},
          },
          {
            lastModtimestamp: 1,
            signalType: 'VideoTMK',
            hashValue: 'opaque',
            hashStatus: 'Active',
            caseNumbers: {},
          },
        ],
      };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
}

function threatexchangePage(_req: IncomingMessage, res: ServerResponse, u: URL): void {
  if (u.searchParams.get('access_token') !== '123|app-secret') return void res.writeHead(401).end();
  if (
    !u.pathname.endsWith('/v21.0/9999/threat_updates/') ||
    !u.searchParams.get('fields')?.includes('should_delete')
  ) {
    return void res.writeHead(400).end();
  }
  const second = u.searchParams.get('after') === 'c2';
  const desc = (mine: string[] = []): unknown => ({
    data: [{ status: 'MALICIOUS', my_reactions: mine, tags: { data: [] } }],
  });
  const page = second
    ? {
        data: [
          { id: '3', indicator: hex('5'), type: 'HASH_PDQ', last_updated: 3, should_delete: true },
        ],
      }
    : {
        data: [
          {
            id: '1',
            indicator: hex('5'),
            type: 'HASH_PDQ',
            last_updated: 1,
            should_delete: false,
            descriptors: desc(),
          },
          {
            id: '2',
            indicator: hex('6'),
            type: 'HASH_PDQ',
            last_updated: 2,
            should_delete: false,
            descriptors: desc(['DISAGREE_WITH_TAGS']),
          },
          {
            id: '4',
            indicator: 'https://example.invalid/x',
            type: 'URI',
            last_updated: 2,
            should_delete: false,
            descriptors: desc(),
          },
        ],
        paging: {
          cursors: { after: 'c2' },
          next: `${base}/v21.0/9999/threat_updates/?${u.searchParams.toString()}&after=c2`,
        },
      };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen.push(u.pathname);
    if (u.pathname.startsWith('/hashsharing')) ncmecPage(req, res, u);
    else if (u.pathname.startsWith('/v1/')) stopnciiPage(req, res, u);
    else if (u.pathname.startsWith('/v21.0/')) threatexchangePage(req, res, u);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  store = await createStore({ dataDir: dir });
});

afterAll(async () => {
  await store.close();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function all(x: SignalExchange, cp: string | null = null): Promise<ExchangeBatch[]> {
  const out: ExchangeBatch[] = [];
  for await (const b of x.fetchSince(cp)) out.push(b);
  return out;
}

async function applyAll(bankName: string, batches: readonly ExchangeBatch[]): Promise<string[]> {
  const bank =
    (await store.getBankByName(bankName)) ??
    (await store.createBank({ name: bankName, source: 'exchange' }));
  for (const b of batches) await applyExchangeBatch(store, bank, b);
  const values: string[] = [];
  for await (const page of store.streamEntries(bank.id))
    values.push(...page.map((e) => `${e.signalType}:${e.value[0]}:${e.sourceId ?? ''}`));
  return values.sort();
}

describe('NCMEC Hash Sharing v2 connector', () => {
  it('pages through entries, maps md5/pdq, counts other fingerprints, applies deletions by id', async () => {
    const x = new NcmecExchange(
      'ncmec',
      { url: `${base}/hashsharing` },
      { username: 'esp-user', password: 'esp-pass' },
      5000,
      () => 1_764_000_000,
    );
    const batches = await all(x);
    expect(batches).toHaveLength(2);
    expect(batches[0]!.updates).toEqual([
      {
        op: 'add',
        signalType: 'md5',
        value: hex('a', 32),
        sourceId: 'img-1',
        classification: 'A1',
      },
      { op: 'add', signalType: 'pdq', value: hex('c'), sourceId: 'img-1', classification: 'A1' },
      { op: 'add', signalType: 'pdq', value: hex('d'), sourceId: 'img-2' },
      { op: 'add', signalType: 'md5', value: hex('e', 32), sourceId: 'vid-1' },
    ]);
    expect(batches[0]!.unsupported).toBe(3); // sha1, pdna, tmk-pdqf
    // Mid-range checkpoint keeps the paging link; the last one closes the range at `to`.
    expect(JSON.parse(batches[0]!.checkpoint)).toMatchObject({
      from: 0,
      to: 1_764_000_000,
      next: expect.stringContaining('start=2') as string,
    });
    expect(JSON.parse(batches[1]!.checkpoint)).toEqual({ from: 1_764_000_000, to: 0, next: '' });
    expect(batches[1]!.updates).toEqual([{ op: 'remove_source', sourceId: 'img-1' }]);
    // Resuming from the mid-range checkpoint fetches only the second page.
    expect((await all(x, batches[0]!.checkpoint)).map((b) => b.updates.length)).toEqual([1]);
    expect(await applyAll('ncmec', batches)).toEqual(['md5:e:vid-1', 'pdq:d:img-2']);
    await expect(
      all(
        new NcmecExchange(
          'ncmec',
          { url: `${base}/hashsharing` },
          { username: 'esp-user', password: 'wrong' },
          5000,
        ),
      ),
    ).rejects.toThrow(/HTTP 401/);
  });
});

describe('StopNCII connector', () => {
  it('pages with nextPageToken, removes Withdrawn hashes, keeps the nextSetTimestamp', async () => {
    const x = new StopNciiExchange(
      'stopncii',
      { url: `${base}/v1` },
      { subscriptionKey: 'sub-key', fetchFunctionKey: 'fn-key' },
      5000,
    );
    const batches = await all(x);
    expect(batches.map((b) => b.updates)).toEqual([
      [
        { op: 'add', signalType: 'pdq', value: hex('1') },
        { op: 'add', signalType: 'md5', value: hex('2', 32) },
      ],
      [{ op: 'remove', signalType: 'pdq', value: hex('1') }],
    ]);
    expect(batches[0]!.unsupported).toBe(1);
    expect(JSON.parse(batches[0]!.checkpoint)).toEqual({ start: 10, token: 'tok-2' });
    expect(JSON.parse(batches[1]!.checkpoint)).toEqual({ start: 1_764_000_000, token: '' });
    expect(await applyAll('stopncii', batches)).toEqual(['md5:2:']);
  });
});

describe('ThreatExchange connector', () => {
  it('follows paging, treats should_delete as a tombstone and DISAGREE_WITH_TAGS as a false positive', async () => {
    const x = new ThreatExchangeExchange(
      'te',
      { url: `${base}/v21.0`, privacyGroup: '9999' },
      { accessToken: '123|app-secret' },
      5000,
      () => 1_764_000_500,
    );
    const batches = await all(x, JSON.stringify({ start: 100 }));
    expect(batches.map((b) => b.updates)).toEqual([
      [
        { op: 'add', signalType: 'pdq', value: hex('5'), sourceId: '1' },
        { op: 'add', signalType: 'pdq', value: hex('6'), sourceId: '2', opinion: 'false_positive' },
      ],
      [{ op: 'remove', signalType: 'pdq', value: hex('5'), sourceId: '3' }],
    ]);
    expect(batches[0]!.unsupported).toBe(1);
    // The checkpoint never holds a paging link (it carries the token); it moves at the end.
    expect(batches.map((b) => JSON.parse(b.checkpoint) as unknown)).toEqual([
      { start: 100 },
      { start: 1_764_000_500 },
    ]);
    const bad = new ThreatExchangeExchange(
      'te',
      { url: `${base}/v21.0`, privacyGroup: '9999' },
      { accessToken: 'nope' },
      5000,
    );
    const err = await all(bad).then(
      () => 'no error',
      (e: unknown) => (e instanceof Error ? e.message : 'not an Error'),
    );
    expect(err).toMatch(/HTTP 401/);
    expect(err).not.toContain('nope');
    expect(await applyAll('te', batches)).toEqual([]);
  });
});
