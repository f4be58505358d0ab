#!/usr/bin/env node
// Hashing benchmark (issue 2): per-image decode / PDQ / total time and images/s on one core and
// on all cores, for a 640x480 JPEG, a 4000x3000 JPEG and a 1024x768 PNG made from a benign
// reference photo; PDQ math alone on 512x512 pixels; and the cost of end-to-end hashing relative
// to a bare sharp decode-and-shrink of the same file, measured in the same run.
//
//   npm run bench:hash [-- --quick]
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { PdqHasher } from '../packages/core/dist/index.js';
import { HashPool, hashImage } from '../packages/media/dist/index.js';

const quick = process.argv.includes('--quick');
const root = resolve(import.meta.dirname, '..');
const photo = join(
  process.env.LIFEGUARD_PDQ_DATA ?? resolve(root, '../shared/pdq'),
  'images/pdq-data/bridge-mods/aaa-orig.jpg',
);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (x, d = 2) => x.toFixed(d);

async function makeInputs(dir) {
  const specs = [
    { name: '640x480 JPEG', w: 640, h: 480, fmt: 'jpeg', n: quick ? 30 : 200 },
    { name: '4000x3000 JPEG', w: 4000, h: 3000, fmt: 'jpeg', n: quick ? 10 : 60 },
    { name: '1024x768 PNG', w: 1024, h: 768, fmt: 'png', n: quick ? 20 : 100 },
  ];
  for (const s of specs) {
    let img = sharp(photo).resize(s.w, s.h, { fit: 'fill' });
    img = s.fmt === 'jpeg' ? img.jpeg({ quality: 90 }) : img.png();
    s.bytes = await img.toBuffer();
    s.file = join(dir, `${s.w}x${s.h}.${s.fmt === 'jpeg' ? 'jpg' : 'png'}`);
    writeFileSync(s.file, s.bytes);
  }
  return specs;
}

/**
 * Bare sharp decode-and-shrink: what any service must do to look at the pixels. Large images
 * are decoded and shrunk to 512x512 (with libjpeg shrink-on-load where the format allows it);
 * others are decoded at their size, as resizing them would be extra work, not decoding.
 */
const bareDecode = async (bytes) => {
  const { width, height } = await sharp(bytes).metadata();
  const img = sharp(bytes);
  return (width >= 1024 && height >= 1024 ? img.resize(512, 512, { fit: 'fill' }) : img)
    .raw()
    .toBuffer();
};

async function oneCore(spec) {
  sharp.concurrency(1);
  for (let i = 0; i < 5; i++) {
    await hashImage(spec.bytes);
    await bareDecode(spec.bytes);
  }
  const total = [];
  const decode = [];
  const pdq = [];
  const bare = [];
  const digest = [];
  // CPU time of the whole process (main thread + libvips thread): what one image costs a
  // core, whatever else the machine is doing.
  let bareCpu = 0;
  let totalCpu = 0;
  const cpuMs = (c) => (c.user + c.system) / 1000;
  // Interleave the two measurements so that drift in machine load hits both alike.
  for (let i = 0; i < spec.n; i++) {
    let c = process.cpuUsage();
    let t = performance.now();
    await bareDecode(spec.bytes);
    bare.push(performance.now() - t);
    bareCpu += cpuMs(process.cpuUsage(c));
    c = process.cpuUsage();
    t = performance.now();
    const r = await hashImage(spec.bytes);
    total.push(performance.now() - t);
    totalCpu += cpuMs(process.cpuUsage(c));
    decode.push(r.decodeMs);
    pdq.push(r.pdqMs);
    t = performance.now();
    createHash('md5').update(spec.bytes).digest();
    createHash('sha256').update(spec.bytes).digest();
    digest.push(performance.now() - t);
  }
  sharp.concurrency(0);
  return {
    total: median(total),
    decode: median(decode),
    pdq: median(pdq),
    bare: median(bare),
    digest: median(digest),
    totalCpu: totalCpu / spec.n,
    bareCpu: bareCpu / spec.n,
  };
}

async function allCores(spec, workers) {
  const pool = new HashPool(workers);
  const n = spec.n * 2;
  for (let i = 0; i < workers * 2; i++) await pool.hashFile(spec.file);
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: workers * 2 }, async () => {
      while (next < n) {
        next++;
        await pool.hashFile(spec.file);
      }
    }),
  );
  const secs = (performance.now() - t) / 1000;
  await pool.close();
  return n / secs;
}

function pdqMath() {
  const hasher = new PdqHasher();
  const js = new PdqHasher('js');
  const w = 512;
  const data = new Uint8Array(w * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + ((i / 1536) | 0) * 3) & 255;
  const px = { data, width: w, height: w, channels: 3 };
  // Median wall time per hash, and mean CPU time (user + system of this single-threaded
  // loop), which is not inflated when other processes take the core away.
  const time = (h, n) => {
    for (let i = 0; i < 50; i++) h.hash(px);
    const xs = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      h.hash(px);
      xs.push(performance.now() - t);
    }
    const cpu = process.cpuUsage(cpu0);
    return { wall: median(xs), cpu: (cpu.user + cpu.system) / 1000 / n };
  };
  return { wasm: time(hasher, quick ? 200 : 1000), js: time(js, quick ? 50 : 200) };
}

const dir = mkdtempSync(join(tmpdir(), 'lg-bench-'));
const specs = await makeInputs(dir);
const workers = availableParallelism();
console.log(`# lifeguard bench:hash — ${new Date().toISOString()}`);
console.log(
  `# ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const math = pdqMath();
console.log('');
console.log(
  `PDQ math on 512x512 RGB pixels (luma, Jarosz, DCT, median, bits): WebAssembly ${fmt(math.wasm.wall)} ms wall (median), ${fmt(math.wasm.cpu)} ms CPU (mean); JavaScript fallback ${fmt(math.js.wall)} ms wall, ${fmt(math.js.cpu)} ms CPU`,
);
console.log('');
console.log(
  '| image | bytes | decode ms | PDQ ms | MD5+SHA-256 ms | total ms (1 core) | img/s 1 core | img/s ' +
    workers +
    ' cores | bare sharp decode+shrink ms | total / bare | CPU ms total / bare |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const s of specs) {
  const one = await oneCore(s);
  const many = await allCores(s, workers);
  console.log(
    `| ${s.name} | ${s.bytes.length} | ${fmt(one.decode)} | ${fmt(one.pdq)} | ${fmt(one.digest)} | ${fmt(one.total)} | ${fmt(1000 / one.total, 0)} | ${fmt(many, 0)} | ${fmt(one.bare)} | ${fmt(one.total / one.bare)} | ${fmt(one.totalCpu)} / ${fmt(one.bareCpu)} = ${fmt(one.totalCpu / one.bareCpu)} |`,
  );
}
console.log('');
console.log(
  'decode ms is wall time from bytes to pixels, with MD5 and SHA-256 of the bytes computed on the main thread meanwhile;',
);
console.log(
  '1 core = sequential, libvips limited to one thread; all cores = one worker thread per core (HashPool).',
);
