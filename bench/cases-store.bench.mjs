// Store-only case intake benchmark (issue 6): CPU per folded signal, in-process, no HTTP.
//
//   node bench/cases-store.bench.mjs seed DIR [--open 100000]
//     seeds OPEN open cases (distinct random SHA-256 and PDQ, the same mix as
//     bench/cases.bench.mjs) plus 1,000 account-only cases into a SQLite store in DIR.
//   node bench/cases-store.bench.mjs run DIR [--signals 5000] [--cache-mib 64] [--mmap-mib 0]
//     opens DIR (copy the seeded DIR first: a run adds cases) with a cold SQLite page cache,
//     bulk-loads the PDQ index as the server does at start, and folds SIGNALS signals in group
//     commits of 32 (40% same SHA-256, 20% near PDQ, 10% same account, 30% new media).
//     Prints CPU (process.cpuUsage) and wall time per signal and the load average.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { CasePdqIndex, DEFAULT_CASE_POLICY, ReportText } from '@lifeguard/core';
import { createStore, KyselyCaseStore } from '@lifeguard/store';

const [mode, dir] = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return Number(i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt);
};
if ((mode !== 'seed' && mode !== 'run') || !dir) {
  console.error('usage: cases-store.bench.mjs seed|run DIR [options]');
  process.exit(2);
}
const OPEN = arg('--open', 100_000);
const sha = (i) => createHash('sha256').update(`media-${i}`).digest('hex');
const pdq = (i) => createHash('sha256').update(`pdq-${i}`).digest('hex');
const flip = (hex, bits) => {
  const c = hex.split('');
  for (let b = 0; b < bits; b++) c[b] = (parseInt(c[b], 16) ^ 1).toString(16);
  return c.join('');
};
const report = (i, receivedAt, fields) => ({
  item: {
    id: 'bench',
    receivedAt,
    source: {
      kind: 'user_report',
      reporter: `r${i}`,
      text: new ReportText('placeholder'),
      ...fields,
    },
  },
});
const now = Date.now();
const store = await createStore({ dataDir: dir });
const cases = new KyselyCaseStore(store.kysely, store.dialect, DEFAULT_CASE_POLICY, store.sqlite);

if (mode === 'seed') {
  const index = new CasePdqIndex();
  for (let i = 0; i < OPEN; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(OPEN, i + 1000); j++) {
      batch.push(
        report(j, now - (OPEN - j) * 1000, {
          reason: j % 10 === 0 ? 'csam' : j % 3 === 0 ? 'grooming' : 'other',
          reportedContent: { sha256: sha(j), pdq: pdq(j) },
          ...(j % 7 === 0 ? { reportedAccount: `acct-${j}` } : {}),
        }),
      );
    }
    await cases.ingest(batch, index, now);
  }
  const acct = [];
  for (let j = 0; j < 1000; j++) {
    acct.push(report(j, now, { reason: 'harassment', reportedAccount: `only-${j}` }));
  }
  await cases.ingest(acct, index, now);
  console.log(`seeded ${OPEN + 1000} cases in ${dir}`);
} else {
  const N = arg('--signals', 5000);
  const cacheMiB = arg('--cache-mib', 64);
  const mmapMiB = arg('--mmap-mib', 0);
  store.sqlite.pragma(`cache_size = -${cacheMiB * 1024}`);
  store.sqlite.pragma(`mmap_size = ${mmapMiB * 1024 * 1024}`);
  const index = new CasePdqIndex();
  index.load(
    store.sqlite
      .prepare("select case_id, substr(key, 3) as pdq from lg_case_keys where key like 'p:%'")
      .all()
      .map((r) => ({ caseId: String(r.case_id), pdq: r.pdq })),
  );
  const signals = [];
  for (let i = 0; i < N; i++) {
    const r = i % 10;
    const t = (i * 7919) % OPEN;
    let fields;
    if (r < 4) fields = { reportedContent: { sha256: sha(t) } };
    else if (r < 6)
      fields = { reportedContent: { sha256: sha(`near-${i}`), pdq: flip(pdq(t), 8) } };
    else if (r < 7) fields = { reportedAccount: `only-${i % 1000}` };
    else fields = { reportedContent: { sha256: sha(`new-${i}`), pdq: pdq(`new-${i}`) } };
    signals.push(report(`b${i}`, now, { reason: 'other', ...fields }));
  }
  const load0 = os.loadavg()[0];
  const via = {};
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i += 32) {
    for (const o of await cases.ingest(signals.slice(i, i + 32), index, now)) {
      via[o.via] = (via[o.via] ?? 0) + 1;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  console.log(
    JSON.stringify({
      signals: N,
      cacheMiB,
      mmapMiB,
      cpuUsPerSignal: Math.round((cpu.user + cpu.system) / N),
      wallUsPerSignal: Math.round((wall * 1000) / N),
      loadAverage: [load0, os.loadavg()[0]].map((x) => x.toFixed(1)),
      via,
    }),
  );
}
await store.close();
