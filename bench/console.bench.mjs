// Benchmark of console authentication (issue 6): what a login costs (scrypt at the default
// N = 2^15, r = 8, p = 1, measured in process) and what a session costs per request compared
// with an API key, over loopback against a real `lifeguard serve` (SQLite): the same handler
// (GET /v1/users) called with an admin session cookie and with an admin API key.
// Usage: node bench/console.bench.mjs [--seconds 8] [--logins 20]
// The load generator shares the machine with the server: compare within one run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { hashPassword, verifyPassword } from '../packages/server/dist/index.js';
import { startServer, stopServer } from './serve-process.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('--seconds', '8'));
const LOGINS = Number(arg('--logins', '20'));
const BIN = fileURLToPath(new URL('../packages/cli/bin/lifeguard.js', import.meta.url));
const ADMIN = `bench-admin-${randomBytes(24).toString('hex')}`;
const dir = mkdtempSync(join(os.tmpdir(), 'lifeguard-bench-console-'));
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    logLevel: 'warn',
    limits: { rateLimitPerSecond: 1_000_000, rateLimitBurst: 1_000_000 },
  }),
);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const cpuMs = (u) => (u.user + u.system) / 1000;

// 1. scrypt in process: one verification is what a login costs the server.
const pw = 'bench password 0123';
const encoded = await hashPassword(pw);
const verifyWall = [];
let cpu0 = process.cpuUsage();
for (let i = 0; i < LOGINS; i++) {
  const t = performance.now();
  if (!(await verifyPassword(pw, encoded))) throw new Error('verify failed');
  verifyWall.push(performance.now() - t);
}
const verifyCpu = cpuMs(process.cpuUsage(cpu0)) / LOGINS;

// 2. A real server: logins over HTTP, then session vs key on the same handler.
const srv = await startServer({ bin: BIN, dir, configFile, adminKey: ADMIN });
const key = { authorization: `Bearer ${ADMIN}` };
const created = await fetch(`${srv.url}/v1/users`, {
  method: 'POST',
  headers: { ...key, 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'bench', password: pw, roles: ['admin'] }),
});
if (created.status !== 201) throw new Error(`user create: ${created.status}`);
const loginWall = [];
let cookie = '';
for (let i = 0; i < LOGINS; i++) {
  const t = performance.now();
  const r = await fetch(`${srv.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: pw }),
  });
  if (r.status !== 200) throw new Error(`login: ${r.status}`);
  await r.json();
  loginWall.push(performance.now() - t);
  cookie = r.headers.get('set-cookie').split(';')[0];
}

async function run(name, headers) {
  const c0 = process.cpuUsage();
  const r = await autocannon({
    url: `${srv.url}/v1/users`,
    connections: 16,
    duration: SECONDS,
    headers,
  });
  if (r.non2xx > 0 || r.errors > 0)
    console.error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return {
    name,
    rps: r['2xx'] / SECONDS,
    p50: r.latency.p50,
    p99: r.latency.p99,
    clientCpu: cpuMs(process.cpuUsage(c0)),
  };
}
const rows = [
  await run('GET /v1/users, API key', key),
  await run('GET /v1/users, session cookie', { cookie }),
];
await stopServer(srv.child);
rmSync(dir, { recursive: true, force: true });

const load = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' / ');
console.log(
  `\nconsole auth benchmark — ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}`,
);
console.log(`load average (1/5/15 min) at the end: ${load}\n`);
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(
  `| scrypt verify (N=2^15, r=8, p=1), in process | p50 ${pct(verifyWall, 50).toFixed(1)} ms wall, ${verifyCpu.toFixed(1)} ms CPU each (${LOGINS} runs) |`,
);
console.log(
  `| POST /v1/auth/login over HTTP | p50 ${pct(loginWall, 50).toFixed(1)} ms, max ${Math.max(...loginWall).toFixed(1)} ms (${LOGINS} sequential) |`,
);
for (const r of rows) {
  console.log(
    `| ${r.name} (16 connections, ${SECONDS} s) | ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms; load generator ${Math.round(r.clientCpu)} ms CPU |`,
  );
}
