// bench:reports — time from a reviewer's confirmation (POST /v1/cases/{id}/report/confirm over
// real HTTP, session cookie) to the finished report at a local fake of NCMEC's CyberTipline
// (the fake's answer to /finish), one file per report, through a real `lifeguard serve` child
// (SQLite, evidence vault on disk, durable job queue). Reports are filed one after another.
// Prints p50/p90/p99, CPU time of the server and of this process per report, and load average.
//
//   npm run build && npm run bench:reports [-- --reports 60]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CASE_POLICY } from '@lifeguard/core';
import { DEFAULT_SERVER_CONFIG, openVault } from '@lifeguard/server';
import { createStore, KyselyCaseStore } from '@lifeguard/store';
import { startFakeCyberTipline } from '../packages/server/dist/testing/fake-cybertipline.js';
import { referenceImages } from '../packages/server/dist/testing/reference-images.js';
import { confirmedCase } from '../packages/server/dist/testing/report-case.fixture.js';
import { startServer, stopServer } from './serve-process.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'packages/cli/bin/lifeguard.js');
const { values } = parseArgs({ options: { reports: { type: 'string', default: '60' } } });
const N = Number(values.reports);
const PASSWORD = 'bench-ct-password';

/** CPU ms (user + system) of a process from /proc (clock ticks are 1/100 s on Linux). */
function procCpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(parts[11]) + Number(parts[12])) * 10;
}

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];

const dir = mkdtempSync(join(tmpdir(), 'lg-bench-reports-'));
const finishedAt = new Map();
const fake = await startFakeCyberTipline({
  password: PASSWORD,
  onAnswer: (step, reportId) => {
    if (step === 'finish' && reportId !== undefined && !finishedAt.has(reportId)) {
      finishedAt.set(reportId, performance.now());
    }
  },
});
try {
  // N confirmed cases, each with one benign reference image that a reviewer viewed in full.
  const vaultConfig = {
    dataDir: dir,
    vault: {
      ...DEFAULT_SERVER_CONFIG.vault,
      keyFile: join(dir, 'vault.key'),
      dir: join(dir, 'blobs'),
    },
  };
  const store = await createStore({ dataDir: join(dir, 'data') });
  const blobs = openVault(vaultConfig, () => undefined);
  const cases = new KyselyCaseStore(store.kysely, store.dialect, DEFAULT_CASE_POLICY);
  const images = referenceImages();
  const caseIds = [];
  for (let i = 0; i < N; i++) {
    const bytes = readFileSync(images[i % images.length].file);
    // With the upload's IP, port, time and a device id, as a platform sends them with a scan:
    // the report then carries IP capture events and a deviceId (docs/reporting.md).
    const upload = {
      ip: `198.51.100.${(i % 250) + 1}`,
      port: 40000 + i,
      at: Date.now() - 3_600_000,
      devices: [{ idType: 'IMEI', idValue: String(490154203237518 + i) }],
    };
    caseIds.push((await confirmedCase(cases, blobs, bytes, { uploader: `u_${i}`, upload })).caseId);
  }
  await store.close();
  const fileBytes = images.slice(0, N).map((im) => readFileSync(im.file).length);

  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      logLevel: 'warn',
      reports: {
        cybertipline: { environment: 'custom', baseUrl: fake.baseUrl, username: 'esp-user' },
        reporter: { espService: 'Bench Chat', email: 'safety@example.org' },
      },
    }),
  );
  process.env.LIFEGUARD_CYBERTIPLINE_PASSWORD = PASSWORD;
  process.env.LIFEGUARD_VAULT_KEY_FILE = join(dir, 'vault.key');
  process.env.LIFEGUARD_VAULT_DIR = join(dir, 'blobs');
  const adminKey = `bench-admin-${'k'.repeat(32)}`;
  const { child, url } = await startServer({ bin: BIN, dir, configFile, adminKey });
  try {
    const admin = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const u = await fetch(`${url}/v1/users`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        username: 'csr',
        password: 'bench password 1',
        roles: ['child_safety_reviewer'],
      }),
    });
    if (u.status !== 201) throw new Error(`user: ${u.status}`);
    const login = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'csr', password: 'bench password 1' }),
    });
    const cookie = /lg_session=[^;]+/.exec(login.headers.get('set-cookie'))[0];
    const { csrf } = await login.json();
    const session = { cookie, 'x-lifeguard-csrf': csrf, 'content-type': 'application/json' };

    const lat = [];
    const load0 = loadavg()[0];
    const srvCpu0 = procCpuMs(child.pid);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const caseId of caseIds) {
      const start = performance.now();
      const r = await fetch(`${url}/v1/cases/${caseId}/report/confirm`, {
        method: 'POST',
        headers: session,
        body: '{}',
      });
      if (r.status !== 202) throw new Error(`confirm ${caseId}: ${r.status} ${await r.text()}`);
      // Wait for the server to record the finish (so reports do not overlap), then take the
      // time at which the fake answered /finish.
      let sub;
      for (;;) {
        const s = await fetch(`${url}/v1/cases/${caseId}/report`, { headers: admin });
        sub = (await s.json()).submissions[0];
        if (sub.state === 'finished') break;
        if (sub.state === 'failed' || sub.state === 'retracted') {
          throw new Error(`case ${caseId}: ${sub.state} ${JSON.stringify(sub.error)}`);
        }
        await new Promise((x) => setTimeout(x, 5));
      }
      lat.push(finishedAt.get(Number(sub.reportId)) - start);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const srvCpu = procCpuMs(child.pid) - srvCpu0;
    const load1 = loadavg()[0];
    lat.sort((a, b) => a - b);
    const f = (x) => x.toFixed(1);
    const kib = fileBytes.reduce((a, b) => a + b, 0) / fileBytes.length / 1024;
    console.log(
      `bench:reports — ${N} reports, one file each (mean ${kib.toFixed(0)} KiB), sequential`,
    );
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}`);
    console.log(`load average (1 min): ${load0.toFixed(2)} -> ${load1.toFixed(2)}`);
    console.log('');
    console.log(
      '| reports | p50 ms | p90 ms | p99 ms | max ms | mean ms | server CPU ms/report | bench CPU ms/report | wall s |',
    );
    console.log(
      '| ------: | -----: | -----: | -----: | -----: | ------: | -------------------: | ------------------: | -----: |',
    );
    const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
    console.log(
      `| ${N} | ${f(pct(lat, 50))} | ${f(pct(lat, 90))} | ${f(pct(lat, 99))} | ${f(lat.at(-1))} | ${f(mean)} | ${f(srvCpu / N)} | ${f((cpu.user + cpu.system) / 1000 / N)} | ${(wall / 1000).toFixed(1)} |`,
    );
    console.log('');
    console.log(
      `fake: ${fake.finished().length} finished reports, ${fake.rejected.length} rejected documents`,
    );
    const withIps = fake
      .finished()
      .filter(
        (r) =>
          r.document.includes('<ipCaptureEvent>') &&
          [...r.files.values()].every(
            (file) =>
              file.details?.includes('<ipCaptureEvent>') && file.details.includes('<deviceId>'),
          ),
      ).length;
    console.log(`fake: ${withIps} reports carried the upload's IP captures and device id`);
    if (fake.finished().length !== N || fake.rejected.length !== 0 || withIps !== N) {
      process.exitCode = 1;
    }
  } finally {
    await stopServer(child);
  }
} finally {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
}
