#!/usr/bin/env node
// Evidence vault benchmark (issue 7): put and get of 1 MiB objects on the filesystem backend,
// encrypted (VaultBlobStore: AES-256-GCM envelope, SHA-256, temp + fsync + link) against a raw
// filesystem write with the same durability (temp + fsync + rename + directory fsync) and a
// raw read, in one run, one object at a time (latency) and 8 at a time (throughput). Reports
// wall time, CPU time (process.cpuUsage) and load average; compares as ratios.
//
//   npm run bench:vault [-- --n 200]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectBackend, VaultBlobStore, VaultKeyring } from '../packages/store/dist/index.js';

const nArg = process.argv.indexOf('--n');
const N = nArg > 0 ? Number(process.argv[nArg + 1]) : 200;
const SIZE = 1024 * 1024;
const CONCURRENCY = 8;

const dir = mkdtempSync(join(tmpdir(), 'lg-bench-vault-'));
const vault = new VaultBlobStore(
  new FsObjectBackend(join(dir, 'vault')),
  VaultKeyring.of([randomBytes(32)]),
);
const rawDir = join(dir, 'raw');
await mkdir(join(rawDir, '.tmp'), { recursive: true });
const payloads = Array.from({ length: 16 }, () => randomBytes(SIZE));

async function rawPut(name, bytes) {
  const tmp = join(rawDir, '.tmp', `${name}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  await fh.writeFile(bytes);
  await fh.sync();
  await fh.close();
  await rename(tmp, join(rawDir, name));
  const d = await open(rawDir, 'r');
  await d.sync();
  await d.close();
}
const rawGet = (name) => readFile(join(rawDir, name));

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Run `op(i)` for i < N with `conc` in flight; latency per op, wall, CPU. */
async function run(label, conc, op) {
  const lat = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      for (;;) {
        const i = next++;
        if (i >= N) return;
        const s = performance.now();
        await op(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    label,
    conc,
    opsPerS: N / wall,
    mibPerS: (N * SIZE) / (1024 * 1024) / wall,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpuMsPerOp: (cpu.user + cpu.system) / 1000 / N,
  };
}

const load0 = loadavg();
const rows = [];
for (const conc of [1, CONCURRENCY]) {
  const tag = `c${conc}`;
  rows.push(await run('raw put', conc, (i) => rawPut(`${tag}-${i}`, payloads[i % 16])));
  rows.push(await run('vault put', conc, (i) => vault.put(`bench/${tag}/${i}`, payloads[i % 16])));
  rows.push(await run('raw get', conc, (i) => rawGet(`${tag}-${i}`)));
  rows.push(await run('vault get', conc, (i) => vault.get(`bench/${tag}/${i}`)));
}
const load1 = loadavg();

console.log(
  `vault bench: ${N} objects of 1 MiB per row; ${cpus().length} x ${cpus()[0]?.model ?? '?'}; ` +
    `node ${process.version}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} -> ${load1
      .map((x) => x.toFixed(2))
      .join(' ')}`,
);
console.log('| operation | in flight | ops/s | MiB/s | p50 ms | p99 ms | CPU ms/op |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.conc} | ${r.opsPerS.toFixed(0)} | ${r.mibPerS.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuMsPerOp.toFixed(2)} |`,
  );
}
console.log('\nratios (vault / raw, same run):');
for (const conc of [1, CONCURRENCY]) {
  for (const op of ['put', 'get']) {
    const raw = rows.find((r) => r.label === `raw ${op}` && r.conc === conc);
    const enc = rows.find((r) => r.label === `vault ${op}` && r.conc === conc);
    console.log(
      `  ${op} x${conc}: throughput ${(enc.opsPerS / raw.opsPerS).toFixed(2)}, p50 latency ${(enc.p50 / raw.p50).toFixed(2)}, CPU per op ${(enc.cpuMsPerOp / raw.cpuMsPerOp).toFixed(2)}`,
    );
  }
}
rmSync(dir, { recursive: true, force: true });
