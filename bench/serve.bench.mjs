// Load benchmark of the scanning service (npm run bench:serve).
//
// Starts the real `lifeguard serve` (compiled; run `npm run build` first) on 127.0.0.1 with a
// fresh SQLite data directory, imports a bank of N random PDQ hashes (default 1,000,000)
// through the streaming import endpoint, restarts the server so the index is loaded from the
// store at start-up (timed), then drives it with autocannon over loopback:
//   (a) hash lookups: POST /v1/scan {"hashes":{"pdq":...}} — a random hash per request, one in
//       ten planted near-duplicates of bank entries (so matches and verdicts happen);
//   (b) image uploads: POST /v1/scan multipart with a 1024x768 JPEG (generated noise, benign);
// each at full load (peak scans/s, p50/p99) and again at half the measured peak (p99 there).
// Prints a Markdown table. Usage:
//   node bench/serve.bench.mjs [--entries 1000000] [--seconds 10]
// The load generator shares the machine (and its 2 cores) with the server, and on a shared
// development machine with everything else: numbers are noisy; compare within one run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { startServer, stopServer } from './serve-process.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
};
const ENTRIES = Number(arg('--entries', '1000000'));
const SECONDS = Number(arg('--seconds', '10'));
const BIN = fileURLToPath(new URL('../packages/cli/bin/lifeguard.js', import.meta.url));
const ADMIN = `bench-admin-${randomBytes(24).toString('hex')}`;
const dir = mkdtempSync(join(os.tmpdir(), 'lifeguard-bench-serve-'));
const configFile = join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    logLevel: 'warn',
    limits: { rateLimitPerSecond: 1_000_000, rateLimitBurst: 1_000_000, maxQueuedHashes: 4096 },
    actions: { labels: { bench: 'block' } },
  }),
);

const start = () => startServer({ bin: BIN, dir, configFile, adminKey: ADMIN });
const stop = stopServer;

const auth = { authorization: `Bearer ${ADMIN}` };
const hex = (b) => b.toString('hex');
/** Flip `d` distinct bits of a 64-hex-char hash. */
function nearDuplicate(h, d) {
  const b = Buffer.from(h, 'hex');
  const bits = new Set();
  while (bits.size < d) bits.add(Math.floor(Math.random() * 256));
  for (const i of bits) b[i >> 3] ^= 1 << (i & 7);
  return hex(b);
}

// --- load the bank ---------------------------------------------------------------------
let server = await start();
await fetch(`${server.url}/v1/banks`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench', labels: ['bench'] }),
});
const planted = [];
function* lines() {
  const CHUNK = 10_000;
  for (let i = 0; i < ENTRIES; i += CHUNK) {
    let s = '';
    for (let j = i; j < Math.min(ENTRIES, i + CHUNK); j++) {
      const h = hex(randomBytes(32));
      if (j % 1000 === 0) planted.push(h);
      s += `pdq ${h}\n`;
    }
    yield Buffer.from(s);
  }
}
let t0 = performance.now();
const imp = await fetch(`${server.url}/v1/banks/bench/import?format=text`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'text/plain' },
  body: Readable.toWeb(Readable.from(lines())),
  duplex: 'half',
});
const report = await imp.json();
const importS = (performance.now() - t0) / 1000;
if (report.added !== ENTRIES)
  throw new Error(`import added ${report.added}: ${JSON.stringify(report)}`);
await stop(server.child);

// --- restart: index load from the store --------------------------------------------------
server = await start();
const ready = await (await fetch(`${server.url}/readyz`)).json();
const startupS = server.readyMs / 1000;

// --- load ---------------------------------------------------------------------------------
const jpeg = await sharp(randomBytes(1024 * 768 * 3), {
  raw: { width: 1024, height: 768, channels: 3 },
})
  .blur(3)
  .jpeg({ quality: 85 })
  .toBuffer();
const boundary = 'lifeguardbenchboundary';
const multipart = Buffer.concat([
  Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="b.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`,
  ),
  jpeg,
  Buffer.from(`\r\n--${boundary}--\r\n`),
]);

function lookupRequest() {
  return {
    method: 'POST',
    path: '/v1/scan',
    headers: { ...auth, 'content-type': 'application/json' },
    setupRequest(req) {
      const pdq =
        Math.random() < 0.1
          ? nearDuplicate(
              planted[Math.floor(Math.random() * planted.length)],
              Math.floor(Math.random() * 32),
            )
          : hex(randomBytes(32));
      return { ...req, body: JSON.stringify({ hashes: { pdq } }) };
    },
  };
}
const uploadRequest = {
  method: 'POST',
  path: '/v1/scan',
  headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
  body: multipart,
};

async function run(name, requests, connections, overallRate) {
  const r = await autocannon({
    url: server.url,
    connections,
    duration: SECONDS,
    requests: [requests],
    ...(overallRate ? { overallRate } : {}),
  });
  const ok = r['2xx'];
  if (r.non2xx > 0 || r.errors > 0) {
    console.error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  return {
    name,
    rps: ok / SECONDS,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors,
  };
}

const rows = [];
const lookupPeak = await run('hash lookup, peak', lookupRequest(), 32);
rows.push(lookupPeak);
rows.push(
  await run(
    'hash lookup, half peak',
    lookupRequest(),
    32,
    Math.max(1, Math.floor(lookupPeak.rps / 2)),
  ),
);
const uploadPeak = await run('1024x768 JPEG upload, peak', uploadRequest, 8);
rows.push(uploadPeak);
rows.push(
  await run(
    '1024x768 JPEG upload, half peak',
    uploadRequest,
    8,
    Math.max(1, Math.floor(uploadPeak.rps / 2)),
  ),
);
const metrics = await (await fetch(`${server.url}/metrics`)).text();
await stop(server.child);
rmSync(dir, { recursive: true, force: true });

const cpus = os.cpus();
console.log(`\n## bench:serve — ${new Date().toISOString()}`);
console.log(
  `\nMachine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
);
console.log(
  `Bank: ${ENTRIES.toLocaleString('en')} random PDQ hashes; import over HTTP ${importS.toFixed(1)} s ` +
    `(${Math.round(ENTRIES / importS).toLocaleString('en')} entries/s); restart to ready (index loaded from SQLite) ${startupS.toFixed(1)} s; ` +
    `index entries ${ready.index.entries}; JPEG ${jpeg.length} bytes; ${SECONDS} s per run\n`,
);
console.log('| workload | scans/s | p50 ms | p99 ms | errors |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} |`);
const verdicts = metrics.split('\n').filter((l) => l.startsWith('lifeguard_verdicts_total'));
console.log(`\nVerdicts counted by the server: ${verdicts.join('; ')}`);
