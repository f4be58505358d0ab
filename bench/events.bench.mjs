// Durable intake benchmark of the live risk API (npm run bench:events; issue 5, "Live").
//
// Starts the real `lifeguard serve` (compiled; run `npm run build` first) on 127.0.0.1 with a
// fresh SQLite data directory, generates simulator events (neutral placeholder text only; see
// risk-simulator.mjs) with producer ids, and posts them as NDJSON batches to POST /v1/events
// from C concurrent keep-alive clients over loopback. Every 200 answer means the batch was
// committed to the event log (one transaction) and applied to the engine. Reports accepted
// events/s, request latency p50/p99, then restarts the server and times the replay of the log
// (the start-up cost of rebuilding the engine). Usage:
//   node bench/events.bench.mjs [--events 300000] [--batch 500] [--concurrency 4] [--text 1]
//     [--restart 1]
// The load generator shares the machine (2 cores here) with the server: numbers are noisy.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulate, toNdjsonLine } from './risk-simulator.mjs';
import { startServer, stopServer } from './serve-process.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
};
const EVENTS = Number(arg('--events', '300000'));
const BATCH = Number(arg('--batch', '500'));
const CONC = Number(arg('--concurrency', '4'));
const TEXT = arg('--text', '1') !== '0';
// --restart 0: skip the two restarts after the intake (for quick A/B runs of the intake alone).
const RESTART = arg('--restart', '1') !== '0';
const BIN = fileURLToPath(new URL('../packages/cli/bin/lifeguard.js', import.meta.url));
const ADMIN = `bench-admin-${randomBytes(24).toString('hex')}`;
const dir = mkdtempSync(join(os.tmpdir(), 'lifeguard-bench-events-'));
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    logLevel: 'warn',
    // Keep every event: restart 2 below replays the whole log.
    riskRetentionDays: 0,
    limits: { rateLimitPerSecond: 1_000_000, rateLimitBurst: 1_000_000, maxJsonBytes: 8 << 20 },
  }),
);

const start = () => startServer({ bin: BIN, dir, configFile, adminKey: ADMIN });
const stop = stopServer;

// Events: simulator output in time order, repeated with shifted users if more are asked for.
const lines = [];
for (let round = 0; lines.length < EVENTS; round++) {
  const sim = simulate({ seed: 1 + round, accounts: 6000, text: TEXT });
  for (const e of sim.events) {
    if (lines.length >= EVENTS) break;
    const tagged = { ...e, id: `ev-${lines.length}` };
    if (round > 0) {
      for (const k of ['user', 'from', 'to']) if (tagged[k]) tagged[k] = `r${round}-${tagged[k]}`;
    }
    lines.push(toNdjsonLine(tagged));
  }
}
const bodies = [];
for (let i = 0; i < lines.length; i += BATCH) bodies.push(lines.slice(i, i + BATCH).join('\n'));
const bytes = bodies.reduce((a, b) => a + Buffer.byteLength(b), 0);

// CPU seconds (user + system) a process has used so far, from /proc (Linux; undefined elsewhere).
// Clock ticks are 100 per second on Linux (USER_HZ).
// `task` = the pid again: its main thread alone (the event loop: HTTP, parsing, the engine).
const procCpu = (pid, task) => {
  const f = task === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${task}/stat`;
  if (!existsSync(f)) return undefined;
  const fields = readFileSync(f, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const srv = await start();
const serverCpu0 = procCpu(srv.child.pid);
const mainCpu0 = procCpu(srv.child.pid, srv.child.pid);
const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-ndjson' };
const latencies = [];
let accepted = 0;
let next = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: CONC }, async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      const s = performance.now();
      const r = await fetch(`${srv.url}/v1/events`, {
        method: 'POST',
        headers,
        body: bodies[i],
      });
      const j = await r.json();
      if (r.status !== 200) throw new Error(`batch ${i}: ${r.status} ${j.code}: ${j.detail}`);
      accepted += j.accepted;
      latencies.push(performance.now() - s);
    }
  }),
);
const secs = (performance.now() - t0) / 1000;
const clientCpu = process.cpuUsage(cpu0);
const serverCpu1 = procCpu(srv.child.pid);
const mainCpu1 = procCpu(srv.child.pid, srv.child.pid);
const mainCpu = mainCpu0 === undefined || mainCpu1 === undefined ? undefined : mainCpu1 - mainCpu0;
const serverCpu =
  serverCpu0 === undefined || serverCpu1 === undefined ? undefined : serverCpu1 - serverCpu0;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const load = os.loadavg();
await stop(srv.child);
const dbBytes = statSync(join(dir, 'data', 'lifeguard.db')).size;

// Restart 1: the server wrote a snapshot at its graceful stop (and every 100,000 events), so
// the engine is restored from it and replays only the events after it.
const snapRows = () => {
  const db = new Database(join(dir, 'data', 'lifeguard.db'));
  try {
    return db.prepare('select seq, accounts, length(body) as bytes from lg_risk_snapshots').all();
  } finally {
    db.close();
  }
};
const snapshot = snapRows()[0];
let again;
let full;
if (RESTART) {
  again = await start();
  await stop(again.child);
  // Restart 2: without snapshots, the engine is rebuilt by replaying the whole log (the time
  // before snapshots existed).
  {
    const db = new Database(join(dir, 'data', 'lifeguard.db'));
    db.prepare('delete from lg_risk_snapshots').run();
    db.close();
  }
  full = await start();
  await stop(full.child);
}
rmSync(dir, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `# events bench: ${os.cpus().length} x ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.version}, load average ${load.map((x) => x.toFixed(2)).join(' ')}`,
);
console.log(
  `events=${lines.length} batch=${BATCH} concurrency=${CONC} text=${TEXT} ` +
    `body=${(bytes / lines.length).toFixed(0)} B/event`,
);
console.log('');
console.log('| measure | value |');
console.log('|---|---:|');
console.log(
  `| accepted events/s (durable, SQLite) | ${Math.round(accepted / secs).toLocaleString('en')} |`,
);
console.log(`| batches/s | ${(bodies.length / secs).toFixed(1)} |`);
console.log(`| batch latency p50 / p99 (ms) | ${pct(0.5).toFixed(1)} / ${pct(0.99).toFixed(1)} |`);
console.log(
  `| client CPU (s, of ${secs.toFixed(1)} s wall) | ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(1)} |`,
);
console.log(
  `| server CPU during intake (s; µs per event) | ${serverCpu === undefined ? 'n/a' : `${serverCpu.toFixed(1)}; ${((serverCpu * 1e6) / accepted).toFixed(1)}`} |`,
);
console.log(
  `| of which the server's main thread (s; µs per event) | ${mainCpu === undefined ? 'n/a' : `${mainCpu.toFixed(1)}; ${((mainCpu * 1e6) / accepted).toFixed(1)}`} |`,
);
console.log(`| SQLite file after intake | ${(dbBytes / 2 ** 20).toFixed(0)} MiB |`);
console.log(
  `| snapshot at stop: accounts, size | ${snapshot ? `${snapshot.accounts}, ${(snapshot.bytes / 2 ** 20).toFixed(1)} MiB` : 'none'} |`,
);
if (RESTART) {
  console.log(`| restart from the snapshot (ready) | ${(again.readyMs / 1000).toFixed(2)} s |`);
  console.log(
    `| restart without snapshot: ready after replaying ${lines.length.toLocaleString('en')} events | ${(full.readyMs / 1000).toFixed(2)} s |`,
  );
}
