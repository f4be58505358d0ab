// Hash-sharing feed throughput (issue 7): a publisher `lifeguard serve` process holds a bank
// of N random PDQ entries; this process, as the subscriber, measures
//   1. export: every signed page fetched over HTTP, signature verified and parsed;
//   2. import: those pages' updates applied to a fresh local bank the way the subscriber
//      does it (consecutive pages merged by coalesceExchangeBatches into imports of up to
//      100k entries, each applied by applyExchangeBatch -> BankStore.addEntries in one
//      transaction), the target being >= 50k entries/s; then the same pages applied one by
//      one (one transaction per page, the path before session 3) into another fresh bank;
//   3. end to end: a fresh exchange synced from the publisher (fetch + verify + import);
//   4. tombstones: 10% of the entries removed at the publisher, then an incremental sync.
// Usage: node bench/sharing.bench.mjs [--n 100000] [--page 10000] [--pg]
// (--pg: also import into PostgreSQL, LIFEGUARD_TEST_DATABASE_URL or the local default.)
// Prints a table with wall time, CPU time of this process (process.cpuUsage) and of the
// publisher process (/proc/PID/stat), and the load average.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyExchangeBatch, coalesceExchangeBatches, parseFeedPage } from '@lifeguard/core';
import { parsePublicFeedKey, standaloneExchangeService, verifyFeedPage } from '@lifeguard/server';
import { createStore, KyselyExchangeStore } from '@lifeguard/store';
import pg from 'pg';
import { startServer, stopServer } from './serve-process.mjs';

const { values } = parseArgs({
  options: { n: { type: 'string' }, page: { type: 'string' }, pg: { type: 'boolean' } },
});
const N = Number(values.n ?? 100_000);
const PAGE = Number(values.page ?? 10_000);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'packages/cli/bin/lifeguard.js');
const dir = mkdtempSync(join(tmpdir(), 'lg-bench-sharing-'));
const adminKey = `bench-admin-${randomBytes(24).toString('hex')}`;
const rows = [];

const clkTck = 100; // USER_HZ on Linux
function childCpuS(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / clkTck; // utime + stime
}
async function measure(name, entries, fn, pid) {
  const load = loadavg()[0];
  const c0 = process.cpuUsage();
  const p0 = pid ? childCpuS(pid) : 0;
  const t0 = performance.now();
  await fn();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const row = {
    measurement: name,
    entries,
    'entries/s (wall)': Math.round(entries / wall),
    'wall s': wall.toFixed(2),
    'CPU s (this)': ((cpu.user + cpu.system) / 1e6).toFixed(2),
    'entries per CPU s (this)': Math.round(entries / ((cpu.user + cpu.system) / 1e6)),
    'CPU s (publisher)': pid ? (childCpuS(pid) - p0).toFixed(2) : '-',
    'load avg': `${load.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`,
  };
  rows.push(row);
  console.error(JSON.stringify(row));
}

const hex = () => randomBytes(32).toString('hex');

try {
  // Publisher data, written before the server starts (setup, not measured).
  const pubStore = await createStore({ dataDir: join(dir, 'data') });
  const bank = await pubStore.createBank({ name: 'shared', labels: ['bench'] });
  for (let i = 0; i < N; i += 10_000) {
    await pubStore.addEntries(
      bank.id,
      Array.from({ length: Math.min(10_000, N - i) }, () => ({ signalType: 'pdq', value: hex() })),
    );
  }
  await pubStore.close();
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({ logLevel: 'warn', sharing: { maxFeedPage: 100_000 } }),
  );
  const { child, url } = await startServer({ bin: BIN, dir, configFile, adminKey });
  try {
    const keys = await (await fetch(`${url}/.well-known/lifeguard/feed-keys.json`)).json();
    const publisherKey = keys.keys[0].public_key;
    const key = parsePublicFeedKey(publisherKey);
    const feedKey = (
      await (
        await fetch(`${url}/v1/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'bench', scopes: ['feeds:read'] }),
        })
      ).json()
    ).key;

    // 1. Export: fetch, verify and parse every page.
    const batches = [];
    let bytes = 0;
    await measure(
      `export: ${Math.ceil(N / PAGE)} signed pages of ${PAGE} over HTTP, verified and parsed`,
      N,
      async () => {
        let cursor = '0';
        for (;;) {
          const r = await fetch(`${url}/v1/feeds/shared?cursor=${cursor}&limit=${PAGE}`, {
            headers: { authorization: `Bearer ${feedKey}` },
          });
          const body = Buffer.from(await r.arrayBuffer());
          bytes += body.length;
          verifyFeedPage(key, body, r.headers.get('lifeguard-feed-signature') ?? undefined);
          const page = parseFeedPage(body.toString('utf8'));
          batches.push({ updates: page.updates, checkpoint: page.header.next_cursor });
          if (!page.header.has_more) break;
          cursor = page.header.next_cursor;
        }
      },
      child.pid,
    );
    const got = batches.reduce((n, b) => n + b.updates.length, 0);
    if (got !== N) throw new Error(`export returned ${got} records, expected ${N}`);
    console.error(
      `feed bytes: ${(bytes / 1e6).toFixed(1)} MB (${(bytes / N).toFixed(0)} bytes/entry)`,
    );

    // 2. Import only: apply the fetched pages to a fresh SQLite bank, as ExchangeService
    //    does (pages merged into large imports), then page by page into another one.
    async function* pages() {
      yield* batches;
    }
    const importAll = async (store, bank) => {
      for await (const b of coalesceExchangeBatches(pages()))
        await applyExchangeBatch(store, bank, b);
    };
    const sub = await createStore({ dataDir: join(dir, 'sub-import') });
    const local = await sub.createBank({ name: 'from-publisher', source: 'exchange' });
    await measure(
      'import: pages merged into 100k-entry transactions, into a fresh SQLite bank',
      N,
      () => importAll(sub, local),
    );
    const count = (await sub.countEntries(local.id)).total;
    if (count !== N) throw new Error(`import stored ${count}, expected ${N}`);
    await measure('import again (every entry a duplicate)', N, () => importAll(sub, local));
    await sub.close();
    const perPage = await createStore({ dataDir: join(dir, 'sub-import-per-page') });
    const ppBank = await perPage.createBank({ name: 'from-publisher', source: 'exchange' });
    await measure(
      `import page by page (one transaction per ${PAGE}-entry page), into a fresh SQLite bank`,
      N,
      async () => {
        for (const b of batches) await applyExchangeBatch(perPage, ppBank, b);
      },
    );
    await perPage.close();
    rmSync(join(dir, 'sub-import-per-page'), { recursive: true, force: true });

    if (values.pg) {
      const base =
        process.env.LIFEGUARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
      const schema = `lg_bench_sharing_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      try {
        const ps = await createStore({ databaseUrl: base, pgSchema: schema });
        const pb = await ps.createBank({ name: 'from-publisher', source: 'exchange' });
        await measure(
          'import: pages merged into 100k-entry transactions, into a fresh PostgreSQL bank',
          N,
          () => importAll(ps, pb),
        );
        await ps.close();
      } finally {
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
      }
    }

    // 3. End to end: an exchange synced from the publisher into a fresh SQLite store.
    const e2e = await createStore({ dataDir: join(dir, 'sub-e2e') });
    const eb = await e2e.createBank({ name: 'from-publisher', source: 'exchange' });
    await new KyselyExchangeStore(e2e.kysely).create({
      name: 'publisher',
      kind: 'lifeguard',
      bankId: eb.id,
      config: { url, feed: 'shared', publisherKey, pageSize: PAGE },
      credentials: { apiKey: feedKey },
      intervalMs: 3_600_000,
    });
    const svc = standaloneExchangeService(e2e, {
      requestTimeoutMs: 120_000,
      warn: (l) => console.error(l),
    });
    let report;
    await measure(
      'end to end: exchange sync (fetch + verify + parse + import + checkpoint per merged import)',
      N,
      async () => {
        report = await svc.sync('publisher');
      },
      child.pid,
    );
    if (report.error || report.stats.added !== N)
      throw new Error(`sync: ${JSON.stringify(report)}`);

    // 4. Tombstones: remove 10% at the publisher, then sync incrementally.
    const removeN = Math.floor(N / 10);
    const victims = batches.flatMap((b) => b.updates).slice(0, removeN);
    for (let i = 0; i < victims.length; i += 10_000) {
      const r = await fetch(`${url}/v1/banks/shared/entries/remove`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          entries: victims
            .slice(i, i + 10_000)
            .map((u) => ({ signalType: u.signalType, value: u.value })),
          opinion: 'false_positive',
        }),
      });
      if (!r.ok) throw new Error(`remove: HTTP ${r.status}`);
    }
    await measure(
      `incremental sync of ${removeN} false-positive tombstones`,
      removeN,
      async () => {
        report = await svc.sync('publisher');
      },
      child.pid,
    );
    if (report.error || report.stats.removed !== removeN)
      throw new Error(`tombstone sync: ${JSON.stringify(report)}`);
    await e2e.close();
  } finally {
    await stopServer(child);
  }
  console.log(
    `\nsharing bench, N = ${N.toLocaleString('en')}, page ${PAGE}, ${cpus().length} CPUs (${cpus()[0]?.model}), Node ${process.version}, ${new Date().toISOString()}\n`,
  );
  const cols = Object.keys(rows[0]);
  console.log(
    `| ${cols.join(' | ')} |\n| ${cols.map((c, i) => (i < 1 ? '---' : '--:')).join(' | ')} |`,
  );
  for (const r of rows)
    console.log(
      `| ${cols.map((c) => (typeof r[c] === 'number' ? r[c].toLocaleString('en') : r[c])).join(' | ')} |`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
