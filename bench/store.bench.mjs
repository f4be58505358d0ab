#!/usr/bin/env node
// Bank store benchmark (issue 3): bulk addEntries throughput, start-up snapshot load time,
// change-feed catch-up rate, and cross-process propagation latency (a hash written by another
// OS process until it is matchable here through IndexSync), on SQLite and PostgreSQL.
//
//   node bench/store.bench.mjs [--n 1000000] [--quick] [--no-pg]
//   node bench/store.bench.mjs --startup 10000000 [--no-pg] [--no-sqlite]   start-up load only: the rows
//       are generated inside the database (no change log), then read into a BankMatcher
//
// PostgreSQL: LIFEGUARD_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres; a
// random schema is created and dropped. Results go to docs/bench/store.md.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { BankMatcher, IndexSync } from '../packages/core/dist/index.js';
import { createStore } from '../packages/store/dist/index.js';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const PG_URL =
  process.env.LIFEGUARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// ---- child: the writer process of the propagation test ---------------------------------
if (flag('--child')) {
  const store = await createStore(JSON.parse(opt('--store')));
  const bankId = Number(opt('--bank'));
  process.on('message', async (msg) => {
    if (msg.type === 'add') {
      await store.addEntries(bankId, [{ signalType: 'pdq', value: msg.value }]);
      // Wall clock right after the commit: comparable across processes on one machine.
      process.send({ type: 'added', at: performance.timeOrigin + performance.now() });
    } else if (msg.type === 'exit') {
      await store.close();
      process.exit(0);
    }
  });
  process.send({ type: 'ready' });
  await new Promise(() => undefined);
}

// ---- parent ------------------------------------------------------------------------------
let N = Number(opt('--n', flag('--quick') ? '100000' : '1000000'));
const BATCH = 5000;
const SAMPLES = flag('--quick') ? 10 : 30;
const fmt = (x) => Math.round(x).toLocaleString('en-US');
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function openSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'lg-bench-store-'));
  const spec = { dataDir: dir };
  return { spec, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function openPg() {
  const schema = `lg_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const spec = { databaseUrl: PG_URL, pgSchema: schema };
  return {
    spec,
    cleanup: async () => {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

async function propagation(spec, bankId, intervalMs) {
  const reader = await createStore(spec);
  const matcher = new BankMatcher();
  const sync = new IndexSync(reader, matcher, { intervalMs, onError: (e) => console.error(e) });
  await sync.start();
  const child = fork(new URL(import.meta.url).pathname, [
    '--child',
    '--store',
    JSON.stringify(spec),
    '--bank',
    String(bankId),
  ]);
  const next = (type) =>
    new Promise((resolve) => child.once('message', (m) => m.type === type && resolve(m)));
  await next('ready');
  const lat = [];
  for (let i = 0; i < SAMPLES; i++) {
    const value = randomBytes(32).toString('hex');
    const added = next('added');
    child.send({ type: 'add', value });
    const { at } = await added;
    while (matcher.match({ pdq: value }).matches.length === 0)
      await new Promise((r) => setTimeout(r, 1));
    lat.push(performance.timeOrigin + performance.now() - at);
    // Start the next write at a random phase of the polling interval.
    await new Promise((r) => setTimeout(r, Math.random() * intervalMs));
  }
  child.send({ type: 'exit' });
  await sync.stop();
  await reader.close();
  return lat;
}

async function run(name, open) {
  const { spec, cleanup } = await open();
  const rows = [];
  try {
    const store = await createStore(spec);
    const bank = await store.createBank({ name: 'bench' });
    const hex = randomBytes(32 * N).toString('hex');
    let t = performance.now();
    let cpu = process.cpuUsage();
    for (let i = 0; i < N; i += BATCH) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + BATCH); j++)
        batch.push({ signalType: 'pdq', value: hex.slice(j * 64, j * 64 + 64) });
      await store.addEntries(bank.id, batch);
    }
    let s = (performance.now() - t) / 1000;
    let c = cpuSeconds(cpu);
    rows.push([
      `addEntries, ${fmt(N)} new PDQ entries in batches of ${BATCH}`,
      `${fmt(N / s)} entries/s`,
      `${s.toFixed(1)} s`,
      `${c.toFixed(1)} s`,
    ]);

    t = performance.now();
    cpu = process.cpuUsage();
    const again = await store.addEntries(
      bank.id,
      Array.from({ length: BATCH }, (_, j) => ({
        signalType: 'pdq',
        value: hex.slice(j * 64, j * 64 + 64),
      })),
    );
    s = (performance.now() - t) / 1000;
    c = cpuSeconds(cpu);
    rows.push([
      `addEntries, ${BATCH} duplicates (re-import)`,
      `${fmt(BATCH / s)} entries/s`,
      `${again.duplicates} duplicates`,
      `${c.toFixed(2)} s`,
    ]);

    t = performance.now();
    cpu = process.cpuUsage();
    let n = 0;
    for await (const p of store.snapshotIndex().pages) n += p.length;
    s = (performance.now() - t) / 1000;
    c = cpuSeconds(cpu);
    rows.push([
      `snapshotIndex() read, ${fmt(n)} entries`,
      `${fmt(n / s)} entries/s`,
      `${s.toFixed(2)} s`,
      `${c.toFixed(1)} s`,
    ]);

    t = performance.now();
    cpu = process.cpuUsage();
    n = 0;
    for await (const p of store.snapshot().pages) n += p.length;
    s = (performance.now() - t) / 1000;
    c = cpuSeconds(cpu);
    rows.push([
      `snapshot() read (full rows), ${fmt(n)} entries`,
      `${fmt(n / s)} entries/s`,
      `${s.toFixed(2)} s`,
      `${c.toFixed(1)} s`,
    ]);

    const matcher = new BankMatcher();
    t = performance.now();
    cpu = process.cpuUsage();
    const report = await new IndexSync(store, matcher).load();
    s = (performance.now() - t) / 1000;
    c = cpuSeconds(cpu);
    rows.push([
      `start-up load into BankMatcher (IndexSync.load), ${fmt(report.entries)} entries`,
      `${fmt(report.entries / s)} entries/s`,
      `${s.toFixed(2)} s`,
      `${c.toFixed(1)} s`,
    ]);

    t = performance.now();
    cpu = process.cpuUsage();
    n = 0;
    let after = 0;
    for (;;) {
      const page = await store.changesSince(after, 10_000);
      n += page.length;
      if (page.length < 10_000) break;
      after = page[page.length - 1].seq;
    }
    s = (performance.now() - t) / 1000;
    c = cpuSeconds(cpu);
    rows.push([
      `changesSince catch-up, ${fmt(n)} changes`,
      `${fmt(n / s)} changes/s`,
      `${s.toFixed(2)} s`,
      `${c.toFixed(1)} s`,
    ]);

    for (const interval of [500, 100]) {
      const lat = await propagation(spec, bank.id, interval);
      rows.push([
        `cross-process propagation, poll every ${interval} ms (${lat.length} samples)`,
        `p50 ${fmt(pct(lat, 50))} ms, p95 ${fmt(pct(lat, 95))} ms`,
        `max ${fmt(Math.max(...lat))} ms`,
        '',
      ]);
    }
    await store.close();
  } finally {
    await cleanup();
  }
  console.log(`\n### ${name}\n`);
  console.log('| measurement | rate / latency (wall) | total (wall) | CPU of this process |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

/** User + system CPU seconds of this process since `start` (immune to other processes' load). */
function cpuSeconds(start) {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

async function startup(name, open, fill) {
  const { spec, cleanup } = await open();
  try {
    const store = await createStore(spec);
    const bank = await store.createBank({ name: 'bench' });
    let t = performance.now();
    await fill(spec, bank.id, N);
    const fillS = (performance.now() - t) / 1000;
    t = performance.now();
    let cpu = process.cpuUsage();
    let n = 0;
    for await (const p of store.snapshotIndex().pages) n += p.length;
    const readS = (performance.now() - t) / 1000;
    const readCpu = cpuSeconds(cpu);
    globalThis.gc?.();
    const mem = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = mem();
    const matcher = new BankMatcher();
    t = performance.now();
    cpu = process.cpuUsage();
    const report = await new IndexSync(store, matcher).load();
    const loadS = (performance.now() - t) / 1000;
    const loadCpu = cpuSeconds(cpu);
    globalThis.gc?.();
    const perEntry = (mem() - before) / report.entries;
    console.log(
      `\n### start-up, ${name}, ${fmt(N)} entries (generated in ${fillS.toFixed(0)} s)\n`,
    );
    console.log('| measurement | rate (wall) | wall | CPU of this process | ');
    console.log('| --- | --- | --- | --- |');
    console.log(
      `| snapshotIndex() read | ${fmt(n / readS)} entries/s | ${readS.toFixed(1)} s | ${readCpu.toFixed(1)} s |`,
    );
    console.log(
      `| IndexSync.load into BankMatcher (${perEntry.toFixed(0)} B/entry retained) | ${fmt(report.entries / loadS)} entries/s | ${loadS.toFixed(1)} s | ${loadCpu.toFixed(1)} s |`,
    );
    console.log(`\nload average ${loadavg()[0].toFixed(1)} at the end`);
    await store.close();
  } finally {
    await cleanup();
  }
}

function fillSqlite(spec, bankId, n) {
  const db = new Database(join(spec.dataDir, 'lifeguard.db'));
  db.prepare(
    `with recursive c(x) as (select 1 union all select x + 1 from c where x < ?)
     insert into lg_bank_entries (bank_id, signal_type, value, metadata, enabled, added_at)
     select ?, 'pdq', lower(hex(randomblob(32))), '{}', 1, '2026-01-01T00:00:00.000Z' from c`,
  ).run(n, bankId);
  db.close();
}

async function fillPg(spec, bankId, n) {
  const c = new pg.Client({
    connectionString: spec.databaseUrl,
    options: `-c search_path=${spec.pgSchema}`,
  });
  await c.connect();
  await c.query(
    `insert into lg_bank_entries (bank_id, signal_type, value, metadata, enabled, added_at)
     select $1, 'pdq', md5(random()::text) || md5(random()::text), '{}', 1, '2026-01-01T00:00:00.000Z'
     from generate_series(1, $2)`,
    [bankId, n],
  );
  await c.query('analyze lg_bank_entries');
  await c.end();
}

if (opt('--startup')) {
  N = Number(opt('--startup'));
  console.log(
    `# store start-up benchmark: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${loadavg()[0].toFixed(1)} at start`,
  );
  if (!flag('--no-sqlite')) await startup('SQLite', openSqlite, fillSqlite);
  if (!flag('--no-pg')) await startup('PostgreSQL', openPg, fillPg);
  process.exit(0);
}

console.log(
  `# store benchmark: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, N=${fmt(N)}, load average ${loadavg()[0].toFixed(1)} at start`,
);
await run('SQLite (WAL, one file, default durability)', openSqlite);
if (!flag('--no-pg')) await run('PostgreSQL (local, same machine)', openPg);
