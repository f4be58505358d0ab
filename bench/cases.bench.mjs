// Case intake and queue benchmark (npm run bench:cases; issue 6).
//
// 1. Seeds OPEN (default 100k) open cases on a fresh SQLite store in-process through the case
//    store (each a user report about distinct media: random SHA-256 and PDQ, so nothing folds).
// 2. Starts the real `lifeguard serve` (compiled; run `npm run build` first) on that data and
//    posts REPORTS (default 5000) user reports to POST /v1/reports from C concurrent clients:
//    40% about media of an existing case (fold by SHA-256), 20% near-duplicates (the PDQ of an
//    existing case with 8 bits flipped: fold through the in-memory PDQ index), 10% about an
//    account already reported (fold by account), 30% about new media (open a case). Every 201
//    means the report was committed. Reports reports/s and request latency p50/p99.
// 3. Loads the queue page (GET /v1/cases?limit=50, the first page and cursor pages, and a
//    severity filter) Q times sequentially over HTTP: p50/p99 wall per request.
// Records the server's CPU time (from /proc) and this process's, and the load average: the
// load generator shares the machine with the server. Usage:
//   node bench/cases.bench.mjs [--open 100000] [--reports 5000] [--concurrency 32] [--queue 500]
//                              [--batch 1]
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CasePdqIndex, DEFAULT_CASE_POLICY, ReportText } from '@lifeguard/core';
import { createStore, KyselyCaseStore } from '@lifeguard/store';
import { startServer, stopServer } from './serve-process.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
};
const OPEN = Number(arg('--open', '100000'));
const REPORTS = Number(arg('--reports', '5000'));
const CONC = Number(arg('--concurrency', '32'));
const QUEUE = Number(arg('--queue', '500'));
// Reports per request: 1 posts each to POST /v1/reports; more posts arrays of that many to
// POST /v1/reports/batch (one transaction per request).
const BATCH = Number(arg('--batch', '1'));
const BIN = fileURLToPath(new URL('../packages/cli/bin/lifeguard.js', import.meta.url));
const ADMIN = `bench-admin-${randomBytes(24).toString('hex')}`;
const dir = mkdtempSync(join(os.tmpdir(), 'lifeguard-bench-cases-'));
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    logLevel: 'warn',
    limits: { rateLimitPerSecond: 1_000_000, rateLimitBurst: 1_000_000 },
  }),
);

// Deterministic pseudo-random media per index.
const sha = (i) => createHash('sha256').update(`media-${i}`).digest('hex');
const pdq = (i) => createHash('sha256').update(`pdq-${i}`).digest('hex');
const flip = (hex, bits) => {
  const c = hex.split('');
  for (let b = 0; b < bits; b++) c[b] = (parseInt(c[b], 16) ^ 1).toString(16);
  return c.join('');
};
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const cpuOfPid = (pid) => {
  // utime + stime in clock ticks (fields 14, 15 of /proc/PID/stat; 100 ticks/s on Linux).
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // ms
};
const ms = (n) => n.toFixed(1);

// 1. Seed.
const seedT0 = performance.now();
const seedCpu0 = process.cpuUsage();
{
  const store = await createStore({ dataDir: join(dir, 'data') });
  const cases = new KyselyCaseStore(store.kysely, store.dialect, DEFAULT_CASE_POLICY, store.sqlite);
  const index = new CasePdqIndex();
  const now = Date.now();
  const BATCH = 1000;
  for (let i = 0; i < OPEN; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(OPEN, i + BATCH); j++) {
      batch.push({
        item: {
          id: 'seed',
          receivedAt: now - (OPEN - j) * 1000,
          source: {
            kind: 'user_report',
            reporter: `r${j}`,
            reason: j % 10 === 0 ? 'csam' : j % 3 === 0 ? 'grooming' : 'other',
            reportedContent: { sha256: sha(j), pdq: pdq(j) },
            ...(j % 7 === 0 ? { reportedAccount: `acct-${j}` } : {}),
            text: new ReportText('placeholder'),
          },
        },
      });
    }
    await cases.ingest(batch, index, now);
    if ((i / BATCH) % 20 === 0) process.stderr.write(`\rseeding ${i + batch.length}/${OPEN}`);
  }
  // Account-only reports so account folding has something to join.
  const acct = [];
  for (let j = 0; j < 1000; j++) {
    acct.push({
      item: {
        id: 'seed',
        receivedAt: now,
        source: {
          kind: 'user_report',
          reporter: 'x',
          reason: 'harassment',
          reportedAccount: `only-${j}`,
        },
      },
    });
  }
  await cases.ingest(acct, index, now);
  process.stderr.write('\n');
  await store.close();
}
const seedMs = performance.now() - seedT0;
const seedCpu = process.cpuUsage(seedCpu0);

// 2. Intake over HTTP.
const srv = await start();
async function start() {
  return startServer({ bin: BIN, dir, configFile, adminKey: ADMIN });
}
const keyRes = await fetch(`${srv.url}/v1/keys`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench', scopes: ['reports:write', 'cases:read'] }),
});
const KEY = (await keyRes.json()).key;
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const bodies = [];
const kinds = { sha: 0, near: 0, account: 0, new: 0 };
for (let i = 0; i < REPORTS; i++) {
  const r = i % 10;
  const target = (i * 7919) % OPEN;
  let content;
  let account;
  if (r < 4) {
    content = { sha256: sha(target) };
    kinds.sha++;
  } else if (r < 6) {
    content = { sha256: sha(`near-${i}`), pdq: flip(pdq(target), 8) };
    kinds.near++;
  } else if (r < 7) {
    account = `only-${i % 1000}`;
    kinds.account++;
  } else {
    content = { sha256: sha(`new-${i}`), pdq: pdq(`new-${i}`) };
    kinds.new++;
  }
  bodies.push({
    reporter: `bench-${i}`,
    reason: 'other',
    ...(content ? { reportedContent: content } : {}),
    ...(account ? { reportedAccount: account } : {}),
    text: 'placeholder report words',
  });
}
const requests = [];
for (let i = 0; i < bodies.length; i += BATCH) {
  requests.push(
    BATCH === 1
      ? { path: '/v1/reports', body: JSON.stringify(bodies[i]), n: 1 }
      : {
          path: '/v1/reports/batch',
          body: JSON.stringify(bodies.slice(i, i + BATCH)),
          n: Math.min(BATCH, bodies.length - i),
        },
  );
}
// node:http with a keep-alive agent, not fetch: undici's fetch cost the load generator ~1 ms
// of CPU per request on this machine, as much as the server spent, on the same 2 cores.
const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });
const { hostname, port } = new URL(srv.url);
function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        hostname,
        port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const lat = [];
let opened = 0;
let next = 0;
const load0 = os.loadavg();
const srvCpu0 = cpuOfPid(srv.child.pid);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: CONC }, async () => {
    for (;;) {
      const i = next++;
      if (i >= requests.length) return;
      const s = performance.now();
      const { status, json: j } = await post(requests[i].path, requests[i].body);
      if (status !== 201) throw new Error(`request ${i}: ${status} ${j.code}: ${j.detail}`);
      const results = BATCH === 1 ? [j] : j.results;
      if (results.length !== requests[i].n) throw new Error(`request ${i}: wrong result count`);
      for (const r of results) if (r.opened) opened++;
      lat.push(performance.now() - s);
    }
  }),
);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const srvCpu = cpuOfPid(srv.child.pid) - srvCpu0;
const load1 = os.loadavg();
lat.sort((a, b) => a - b);

// 3. Queue page over HTTP.
const qlat = [];
const qSrvCpu0 = cpuOfPid(srv.child.pid);
let cursor;
for (let i = 0; i < QUEUE; i++) {
  let path = '/v1/cases?limit=50';
  if (i % 5 === 1 && cursor) path += `&cursor=${encodeURIComponent(cursor)}`;
  if (i % 5 === 3) path += '&severity=possible_csam';
  const s = performance.now();
  const r = await fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  const j = await r.json();
  qlat.push(performance.now() - s);
  if (r.status !== 200 || j.cases.length === 0) throw new Error(`queue ${r.status}`);
  if (i % 5 === 1 || i % 5 === 0) cursor = j.next;
}
const qSrvCpu = cpuOfPid(srv.child.pid) - qSrvCpu0;
qlat.sort((a, b) => a - b);
const load2 = os.loadavg();
await stopServer(srv.child);
rmSync(dir, { recursive: true, force: true });

const rows = [
  ['machine', `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}`],
  [
    'open cases seeded',
    `${OPEN + 1000} in ${ms(seedMs / 1000)} s (${Math.round(((OPEN + 1000) / seedMs) * 1000)} signals/s in-process, CPU ${ms((seedCpu.user + seedCpu.system) / 1e6)} s)`,
  ],
  [
    'reports',
    `${REPORTS} (${kinds.sha} same SHA-256, ${kinds.near} near PDQ, ${kinds.account} same account, ${kinds.new} new); ${opened} opened a case`,
  ],
  [
    'intake',
    `${Math.round((REPORTS / wall) * 1000)} reports/s over HTTP, ${BATCH === 1 ? 'one report per request (POST /v1/reports)' : `${BATCH} reports per request (POST /v1/reports/batch)`}, ${CONC} clients, wall ${ms(wall / 1000)} s`,
  ],
  ['intake latency', `per request: p50 ${ms(pct(lat, 50))} ms, p99 ${ms(pct(lat, 99))} ms`],
  [
    'intake CPU',
    `server ${ms(srvCpu / 1000)} s (${((srvCpu / REPORTS) * 1000).toFixed(0)} us per report), load generator ${ms((cpu.user + cpu.system) / 1e6)} s`,
  ],
  [
    'queue page (limit 50)',
    `${QUEUE} sequential: p50 ${ms(pct(qlat, 50))} ms, p99 ${ms(pct(qlat, 99))} ms, max ${ms(qlat[qlat.length - 1])} ms; server CPU ${ms(qSrvCpu / 1000)} s`,
  ],
  [
    'load average (1/5/15)',
    `before ${load0.map((x) => x.toFixed(2)).join(' ')}, after intake ${load1.map((x) => x.toFixed(2)).join(' ')}, after queue ${load2.map((x) => x.toFixed(2)).join(' ')}`,
  ],
];
for (const [k, v] of rows) console.log(`${k.padEnd(24)} ${v}`);
const okIntake = (REPORTS / wall) * 1000 >= 1000;
const okQueue = pct(qlat, 99) < 50;
console.log(
  `targets: >= 1000 reports/s ${okIntake ? 'met' : 'MISSED'}; queue p99 < 50 ms ${okQueue ? 'met' : 'MISSED'}`,
);
