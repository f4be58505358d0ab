// Benchmark of the PDQ match index and the bank matcher (npm run bench:match).
//
// For each bank size: random PDQ hashes plus planted near-duplicates at distances 0..31;
// build/load time, memory per hash (heap + array buffers, measured), query latency p50/p99
// at threshold 31 (half planted near-duplicate queries, half random), recall on the planted
// hits, exact agreement with a brute-force scan on a sample, and the speed-up over that scan
// measured in the same run. Prints a Markdown table. Usage:
//   npx tsc -b packages/core && node bench/match.bench.mjs [--sizes 100000,1000000]
// Timings on a shared machine are noisy: compare the ratios within one run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

// Re-run with an explicit GC (for memory deltas) and room for 10M hashes.
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const { BankMatcher, PdqIndex, formatHash256, popcount32 } = await import(
  new URL('../packages/core/dist/index.js', import.meta.url).href
);

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
};
const SIZES = arg('--sizes', '100000,1000000,10000000').split(',').map(Number);
const THRESHOLD = 31;
const PLANTED = 1024; // planted near-duplicates: 32 at each distance 0..31
const QUERIES = 2000; // half planted, half random
const WARMUP = 200;

/** xorshift32: fast, seeded, reproducible. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function flipBits(words, off, k, next) {
  const seen = new Set();
  while (seen.size < k) seen.add(next() & 255);
  for (const b of seen) words[off + (b >>> 5)] = (words[off + (b >>> 5)] ^ (1 << (b & 31))) >>> 0;
}

/** n random hashes; the last PLANTED are near-duplicates of the planted queries. */
function makeData(n, seed) {
  const next = rng(seed);
  const words = new Uint32Array(n * 8);
  for (let i = 0; i < words.length; i++) words[i] = next();
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i + 1;
  const queries = new Uint32Array(QUERIES * 8);
  const expect = new Int32Array(QUERIES).fill(-1); // planted id a query must find
  const plantAt = n - PLANTED;
  for (let qi = 0; qi < QUERIES; qi++) {
    for (let w = 0; w < 8; w++) queries[qi * 8 + w] = next();
    if (qi % 2 === 0 && qi / 2 < PLANTED) {
      const p = plantAt + qi / 2;
      words.set(queries.subarray(qi * 8, qi * 8 + 8), p * 8);
      flipBits(words, p * 8, (qi / 2) % 32, next);
      expect[qi] = ids[p];
    }
  }
  return { words, ids, queries, expect };
}

/**
 * Brute force over the same flat array: every id within THRESHOLD. A fair baseline: unrolled,
 * and it stops after four words once the distance already exceeds the threshold.
 */
function bruteForce(words, ids, q, qo) {
  const out = [];
  const q0 = q[qo],
    q1 = q[qo + 1],
    q2 = q[qo + 2],
    q3 = q[qo + 3];
  const q4 = q[qo + 4],
    q5 = q[qo + 5],
    q6 = q[qo + 6],
    q7 = q[qo + 7];
  for (let s = 0, o = 0; s < ids.length; s++, o += 8) {
    let d =
      popcount32(words[o] ^ q0) +
      popcount32(words[o + 1] ^ q1) +
      popcount32(words[o + 2] ^ q2) +
      popcount32(words[o + 3] ^ q3);
    if (d > THRESHOLD) continue;
    d +=
      popcount32(words[o + 4] ^ q4) +
      popcount32(words[o + 5] ^ q5) +
      popcount32(words[o + 6] ^ q6) +
      popcount32(words[o + 7] ^ q7);
    if (d <= THRESHOLD) out.push(ids[s]);
  }
  return out;
}

function memNow() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Let array buffers dropped earlier be released (V8 frees their memory after a GC, lazily). */
async function settle() {
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    memNow();
  }
}

const cpuSeconds = (c) => (c.user + c.system) / 1e6;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const fmt = (x, d = 3) => x.toFixed(d);

/**
 * Per-query latency, wall clock and CPU time (user + system of this process, µs resolution).
 * Other work shares the machine, so wall-clock tails include time spent descheduled; CPU time
 * does not, and is the fairer per-query cost on a busy host.
 */
function timeQueries(run) {
  for (let qi = 0; qi < WARMUP; qi++) run(qi % QUERIES);
  const wall = [];
  const cpu = [];
  for (let qi = 0; qi < QUERIES; qi++) {
    const c = process.cpuUsage();
    const t = performance.now();
    run(qi);
    wall.push(performance.now() - t);
    const dc = process.cpuUsage(c);
    cpu.push((dc.user + dc.system) / 1000);
  }
  return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) };
}

const rows = [];
for (const n of SIZES) {
  const data = makeData(n, 0x5eed ^ n);
  const q8 = (qi) => data.queries.subarray(qi * 8, qi * 8 + 8);

  // 1. The index alone, bulk-loaded from flat arrays.
  await settle();
  let m0 = memNow();
  const cpuS = cpuSeconds;
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  let index = new PdqIndex();
  index.loadArrays(data.ids, data.words);
  const buildS = (performance.now() - t0) / 1000;
  const buildCpuS = cpuS(process.cpuUsage(c0));
  const indexBytes = (memNow() - m0) / n;
  let found = 0;
  const results = new Array(QUERIES);
  const lat = timeQueries((qi) => {
    results[qi] = index.search(q8(qi), THRESHOLD);
  });
  for (let qi = 0; qi < QUERIES; qi++) {
    if (data.expect[qi] >= 0 && results[qi].some((h) => h.id === data.expect[qi])) found++;
  }
  const planted = Math.min(PLANTED, QUERIES / 2);

  // 2. Brute force on a sample (fewer at 10M): agreement and the speed-up, same run.
  const sample = n >= 5_000_000 ? 20 : n >= 500_000 ? 60 : 200;
  const bruteLat = [];
  let agree = 0;
  for (let i = 0; i < sample; i++) {
    const qi = (i * 7) % QUERIES;
    const t = performance.now();
    const want = bruteForce(data.words, data.ids, data.queries, qi * 8).sort((a, b) => a - b);
    bruteLat.push(performance.now() - t);
    const got = index
      .search(q8(qi), THRESHOLD)
      .map((h) => h.id)
      .sort((a, b) => a - b);
    if (got.length === want.length && got.every((x, j) => x === want[j])) agree++;
  }
  bruteLat.sort((a, b) => a - b);
  const stats = index.stats();
  index = null;

  // 3. The bank matcher, loaded the way a server starts: BankEntry pages with hex values.
  const bank = {
    id: 1,
    name: 'bench',
    description: '',
    source: 'local',
    labels: [],
    kind: 'block',
    pdqThreshold: THRESHOLD,
    qualityFloor: 50,
    enabled: true,
    enabledRatio: 1,
    maxMatchesPerLookup: 100,
    createdAt: new Date(0).toISOString(),
  };
  // Hex formatting stands in for the store's row decoding and is kept out of the timing.
  function page(from, to) {
    const out = [];
    for (let s = from; s < to; s++) {
      out.push({
        id: data.ids[s],
        bankId: 1,
        signalType: 'pdq',
        value: formatHash256(data.words.subarray(s * 8, s * 8 + 8)),
        sourceId: null,
        classification: null,
        metadata: {},
        note: null,
        enabled: true,
        addedAt: '',
      });
    }
    return out;
  }
  await settle();
  m0 = memNow();
  let loadMs = 0;
  let loadCpuS = 0;
  const matcher = new BankMatcher();
  matcher.upsertBank(bank);
  const PAGE = 10_000;
  for (let s = 0; s < n; s += PAGE) {
    const entries = page(s, Math.min(n, s + PAGE));
    c0 = process.cpuUsage();
    t0 = performance.now();
    matcher.bulkLoad(entries, { deferBuild: true });
    loadMs += performance.now() - t0;
    loadCpuS += cpuS(process.cpuUsage(c0));
  }
  c0 = process.cpuUsage();
  t0 = performance.now();
  matcher.finishBulkLoad();
  loadMs += performance.now() - t0;
  loadCpuS += cpuS(process.cpuUsage(c0));
  const loadS = loadMs / 1000;
  const matcherBytes = (memNow() - m0) / n;
  let mFound = 0;
  const mLat = timeQueries((qi) => matcher.match({ pdq: q8(qi), quality: 100 }));
  for (let qi = 0; qi < QUERIES; qi++) {
    if (data.expect[qi] < 0) continue;
    const res = matcher.match({ pdq: q8(qi), quality: 100 });
    if (res.matches.some((h) => h.entryId === data.expect[qi])) mFound++;
  }

  // 4. Live updates, as the change feed applies them: entries added one by one are matchable
  // at once (overflow chains, no rebuild), queries stay fast, removals are O(1).
  const UPDATES = 20_000;
  const mU0 = memNow();
  const nextU = rng(0xadd ^ n);
  const updates = [];
  for (let i = 0; i < UPDATES; i++) {
    const w = new Uint32Array(8);
    const qi = i % QUERIES;
    if (i % 2 === 0) {
      w.set(q8(qi));
      flipBits(w, 0, i % 32, nextU);
    } else {
      for (let k = 0; k < 8; k++) w[k] = nextU();
    }
    updates.push({
      entry: {
        id: 2_000_000_000 + i,
        bankId: 1,
        signalType: 'pdq',
        value: formatHash256(w),
        sourceId: null,
        classification: null,
        enabled: true,
      },
      qi: i % 2 === 0 ? qi : -1,
    });
  }
  const updatesBytes = memNow() - mU0; // the update objects themselves, not the matcher
  // Every 5th near-duplicate is looked up right after its own upsert (outside the timing).
  let addMs = 0;
  let liveFound = 0;
  let liveWant = 0;
  for (let i = 0; i < UPDATES; i++) {
    const u = updates[i];
    t0 = performance.now();
    matcher.upsertEntry(u.entry);
    addMs += performance.now() - t0;
    if (u.qi < 0 || i % 10 !== 0) continue;
    liveWant++;
    const res = matcher.match({ pdq: q8(u.qi), quality: 100 });
    if (res.matches.some((h) => h.entryId === u.entry.id)) liveFound++;
  }
  const addUs = (addMs * 1000) / UPDATES;
  // Memory with the additions in the tail: adds must not copy or grow the built part.
  const afterAddsBytes = (memNow() - m0 - updatesBytes) / n;
  const uLat = timeQueries((qi) => matcher.match({ pdq: q8(qi), quality: 100 }));
  t0 = performance.now();
  for (const u of updates) matcher.removeEntry(u.entry.id);
  const removeUs = ((performance.now() - t0) * 1000) / UPDATES;

  rows.push({
    afterAddsBytes,
    addUs,
    removeUs,
    live: `${liveFound}/${liveWant}`,
    up50: pct(uLat.cpu, 0.5),
    up99: pct(uLat.cpu, 0.99),
    n,
    buildS,
    buildCpuS,
    loadS,
    loadCpuS,
    indexBytes,
    tableBytes: stats.bytes / n,
    matcherBytes,
    p50: pct(lat.wall, 0.5),
    p99: pct(lat.wall, 0.99),
    cp50: pct(lat.cpu, 0.5),
    cp99: pct(lat.cpu, 0.99),
    mp50: pct(mLat.wall, 0.5),
    mp99: pct(mLat.wall, 0.99),
    mcp99: pct(mLat.cpu, 0.99),
    recall: `${found}/${planted}`,
    mRecall: `${mFound}/${planted}`,
    agree: `${agree}/${sample}`,
    brute50: pct(bruteLat, 0.5),
    speedup: pct(bruteLat, 0.5) / pct(lat.wall, 0.5),
  });
  console.error(`done ${n}: ${JSON.stringify(rows[rows.length - 1])}`);
}

console.log(
  `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString()}, load average at end ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (other work shares the machine)`,
);
console.log(
  `Threshold ${THRESHOLD}; ${QUERIES} queries per size (half planted near-duplicates at distances 0..31, half random); single thread.\n`,
);
console.log(
  '| hashes | index build wall / CPU (s) | matcher load wall / CPU (s) | bytes/hash index (measured / typed arrays) | bytes/hash matcher | index p50 / p99 wall (ms) | index p50 / p99 CPU (ms) | matcher p50 / p99 wall, p99 CPU (ms) | recall index / matcher | brute-force agreement | brute-force p50 (ms) | speed-up (p50) |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.n.toLocaleString('en-US')} | ${fmt(r.buildS, 2)} / ${fmt(r.buildCpuS, 2)} | ${fmt(r.loadS, 2)} / ${fmt(r.loadCpuS, 2)} | ${fmt(r.indexBytes, 1)} / ${fmt(r.tableBytes, 1)} | ${fmt(r.matcherBytes, 1)} | ${fmt(r.p50)} / ${fmt(r.p99)} | ${fmt(r.cp50)} / ${fmt(r.cp99)} | ${fmt(r.mp50)} / ${fmt(r.mp99)}, ${fmt(r.mcp99)} | ${r.recall} / ${r.mRecall} | ${r.agree} | ${fmt(r.brute50, 2)} | ${fmt(r.speedup, 0)}x |`,
  );
}
console.log(
  `\nLive updates after the load: ${(20_000).toLocaleString('en-US')} entries added one by one with \`upsertEntry\` (half near-duplicates of queries; every 5th of those looked up right after its upsert), then removed with \`removeEntry\`.\n`,
);
console.log(
  '| hashes | add (µs/entry) | near-duplicate found by the next lookup | matcher p50 / p99 CPU with the additions (ms) | remove (µs/entry) | matcher bytes/hash with the additions |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.n.toLocaleString('en-US')} | ${fmt(r.addUs, 1)} | ${r.live} | ${fmt(r.up50)} / ${fmt(r.up99)} | ${fmt(r.removeUs, 1)} | ${fmt(r.afterAddsBytes, 1)} |`,
  );
}

// 5. Exact digests: a bank of MD5 entries through the matcher (typed-array digest tables).
const MD5_N = Math.min(1_000_000, Math.max(...SIZES));
{
  const md5 = (i) => createHash('md5').update(`bench entry ${i}`).digest('hex');
  await settle();
  const m0 = memNow();
  const matcher = new BankMatcher();
  matcher.upsertBank({
    id: 1,
    name: 'md5',
    description: '',
    source: 'local',
    labels: [],
    kind: 'block',
    pdqThreshold: 31,
    qualityFloor: 50,
    enabled: true,
    enabledRatio: 1,
    maxMatchesPerLookup: 100,
    createdAt: new Date(0).toISOString(),
  });
  let loadCpu = 0;
  for (let s = 0; s < MD5_N; s += 10_000) {
    const page = [];
    for (let i = s; i < Math.min(MD5_N, s + 10_000); i++) {
      page.push({
        id: i + 1,
        bankId: 1,
        signalType: 'md5',
        value: md5(i),
        sourceId: null,
        classification: null,
        enabled: true,
      });
    }
    const c0 = process.cpuUsage();
    matcher.bulkLoad(page);
    loadCpu += cpuSeconds(process.cpuUsage(c0));
  }
  const bytes = (memNow() - m0) / MD5_N;
  let found = 0;
  const lat = timeQueries((qi) => {
    if (matcher.match({ md5: md5((qi * 7919) % MD5_N) }).matches.length === 1) found++;
  });
  console.log(
    `\nMD5 bank of ${MD5_N.toLocaleString('en-US')} entries through \`BankMatcher\`: ${fmt(bytes, 1)} bytes per entry (heap + array buffers, measured), loaded in ${fmt(loadCpu, 2)} s CPU, lookup p50 / p99 CPU ${fmt(pct(lat.cpu, 0.5))} / ${fmt(pct(lat.cpu, 0.99))} ms (including the MD5 of the query key), ${found}/${QUERIES + WARMUP} found.`,
  );
}
