#!/usr/bin/env node
// Grooming-risk engine: detection quality on the seeded simulator and replay speed/memory.
// Usage: npm run bench:risk [-- --seed N --accounts N --quick]
// Prints markdown tables; results with machine details go to docs/bench/risk.md.
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseArgs } from 'node:util';
import {
  DEFAULT_RISK_RULES,
  parseRiskEventLine,
  RiskEngine,
  RiskReplaySession,
} from '../packages/core/dist/index.js';
import { simulate, toNdjsonLine } from './risk-simulator.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '2' },
    accounts: { type: 'string', default: '6000' },
    quick: { type: 'boolean', default: false },
    'quality-only': { type: 'boolean', default: false },
    'speed-only': { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const accounts = Number(values.accounts);
const rules = DEFAULT_RISK_RULES;

function auc(pos, neg) {
  // Mann-Whitney U with ties counted half.
  const all = [...pos.map((s) => [s, 1]), ...neg.map((s) => [s, 0])].sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k][1] === 1) rankSumPos += avg;
    i = j;
  }
  return (rankSumPos - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}
const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function evaluate(label, sim) {
  const session = new RiskReplaySession(rules);
  for (const e of sim.events) session.ingest(e);
  const store = session.engine.store;
  const rows = [];
  for (const [user, t] of sim.truth) {
    const s = store.get(user);
    rows.push({
      user,
      t,
      score: s?.peakScore ?? 0,
      alertMsgs: s?.messagesBeforeAlert ?? -1,
      sent: s?.messagesSent ?? 0,
    });
  }
  const pos = rows.filter((r) => r.t.groomer);
  const neg = rows.filter((r) => !r.t.groomer);
  const high = rules.levels.high;
  const tp = pos.filter((r) => r.score >= high).length;
  const fp = neg.filter((r) => r.score >= high).length;
  const k = pos.length;
  const topK = [...rows].sort((a, b) => b.score - a.score).slice(0, k);
  const patterns = {};
  for (const r of pos) {
    const p = (patterns[r.t.pattern] ??= { n: 0, detected: 0, lat: [] });
    p.n++;
    if (r.score >= high) {
      p.detected++;
      p.lat.push(r.alertMsgs);
    }
  }
  const fpRoles = {};
  for (const r of neg) if (r.score >= high) fpRoles[r.t.role] = (fpRoles[r.t.role] ?? 0) + 1;
  const watchFp = neg.filter((r) => r.score >= rules.levels.watch).length;
  return {
    label,
    events: sim.events.length,
    accounts: rows.length,
    groomers: k,
    auc: auc(
      pos.map((r) => r.score),
      neg.map((r) => r.score),
    ),
    precision: tp + fp ? tp / (tp + fp) : NaN,
    recall: tp / k,
    pAtK: topK.filter((r) => r.t.groomer).length / k,
    fp,
    watchFp,
    patterns,
    fpRoles,
  };
}

if (!values['speed-only']) {
  const scenarios = [
    ['with text', { text: true }],
    ['without text', { text: false }],
    ['with text, ageBand missing for 50%', { text: true, missingAgeFraction: 0.5 }],
    ['without text, ageBand missing for 50%', { text: false, missingAgeFraction: 0.5 }],
  ];
  const results = [];
  for (const [label, opts] of scenarios) {
    const sim = simulate({ seed, accounts, ...opts });
    results.push(evaluate(label, sim));
  }

  console.log(
    `## Detection quality (simulator seed ${seed}, ${accounts} accounts, 28 days; high >= ${rules.levels.high})\n`,
  );
  console.log(
    '| scenario | events | accounts | groomer accounts | ROC-AUC | precision@high | recall@high | precision@k | benign >= high | benign >= watch |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.events} | ${r.accounts} | ${r.groomers} | ${fmt(r.auc)} | ${fmt(r.precision)} | ${fmt(r.recall)} | ${fmt(r.pAtK)} | ${r.fp} | ${r.watchFp} |`,
    );
  }
  console.log(
    '\n### Per pattern: detected at high / total, median messages sent before the first high\n',
  );
  console.log('| scenario | spray | slow_escalation | block_evasion |');
  console.log('|---|---|---|---|');
  for (const r of results) {
    const cell = (p) => {
      const x = r.patterns[p];
      return x ? `${x.detected}/${x.n}, median ${fmt(median(x.lat), 0)} msgs` : 'n/a';
    };
    console.log(
      `| ${r.label} | ${cell('spray')} | ${cell('slow_escalation')} | ${cell('block_evasion')} |`,
    );
  }
  console.log('\n### Benign accounts at high, by role\n');
  for (const r of results) console.log(`- ${r.label}: ${JSON.stringify(r.fpRoles)}`);
}
if (values['quality-only']) process.exit(0);

// --- speed: engine only (events already parsed) and end to end from NDJSON lines.
const reps = values.quick ? 1 : 3;
// Wall time and CPU time of this process: the bench machine is shared, and CPU time is what
// "events/s on one core" means when other processes compete for the cores.
function timed(run) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < reps; i++) {
    gc();
    const t = performance.now();
    const c = process.cpuUsage();
    run();
    const dc = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((dc.user + dc.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}
function timeEngine(events) {
  const { wall, cpu } = timed(() => {
    const session = new RiskReplaySession(rules);
    for (const e of events) session.ingest(e);
  });
  return { wall: events.length / (wall / 1000), cpu: events.length / (cpu / 1000) };
}
function timeLines(lines) {
  const { wall, cpu } = timed(() => {
    const session = new RiskReplaySession(rules);
    for (const l of lines) {
      const r = parseRiskEventLine(l);
      if (r?.ok) session.ingest(r.event);
    }
  });
  return { wall: lines.length / (wall / 1000), cpu: lines.length / (cpu / 1000) };
}
// Only NDJSON lines are kept between phases (the simulators' object graphs are dropped), so the
// timed replays do not pay for collecting a gigabyte of unrelated heap.
const linesText = simulate({ seed, accounts, text: true }).events.map(toNdjsonLine);
const linesNoText = simulate({ seed, accounts, text: false }).events.map(toNdjsonLine);
const parsed = (lines) =>
  lines.map((l) => parseRiskEventLine(l)).flatMap((r) => (r?.ok ? [r.event] : []));
function speedOf(lines) {
  let events = parsed(lines);
  const engine = timeEngine(events);
  events = null;
  return [engine, timeLines(lines)];
}
const speed = [
  ['with text', ...speedOf(linesText)],
  ['without text', ...speedOf(linesNoText)],
];
const n = (x) => Math.round(x).toLocaleString('en');
console.log(
  `\n## Replay speed (single-threaded, median of ${reps}; load average ${os.loadavg()[0].toFixed(1)})\n`,
);
console.log(
  '| events | engine only, per CPU-second | parse NDJSON + engine, per CPU-second | engine only, wall | parse + engine, wall |',
);
console.log('|---|---:|---:|---:|---:|');
for (const [l, a, b] of speed)
  console.log(`| ${l} | ${n(a.cpu)} | ${n(b.cpu)} | ${n(a.wall)} | ${n(b.wall)} |`);

// --- memory per account: heap retained by the engine after a replay from NDJSON lines, so
// user-id strings are owned by the engine (not shared with a pre-built event array).
function memoryPerAccount(lines, withReplay) {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  // The bare engine is the per-account state; the replay session adds reason snapshots for
  // accounts that rose above none.
  let session = withReplay ? new RiskReplaySession(rules) : { engine: new RiskEngine({ rules }) };
  session.ingest ??= (e) => session.engine.ingest(e);
  for (const l of lines) {
    const r = parseRiskEventLine(l);
    if (r?.ok) session.ingest(r.event);
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const n = session.engine.store.size;
  session = null;
  return { perAccount: (after - before) / n, n };
}
const memText = memoryPerAccount(linesText, false);
const memNoText = memoryPerAccount(linesNoText, false);
const memTextReplay = memoryPerAccount(linesText, true);
console.log('\n## Memory per account (V8 heap retained after GC, divided by accounts)\n');
console.log('| case | accounts | engine state, bytes/account | with replay reason snapshots |');
console.log('|---|---:|---:|---:|');
console.log(
  `| simulator, with text | ${memText.n} | ${Math.round(memText.perAccount)} | ${Math.round(memTextReplay.perAccount)} |`,
);
console.log(`| simulator, without text | ${memNoText.n} | ${Math.round(memNoText.perAccount)} | |`);

// Worst case: accounts whose every ring is full (32 contacts, 16 blockers, 24 accepted
// contacts, 8 text categories with evidence, 4 conversations with evidence). Minor accounts are
// created first and excluded from the baseline, so the delta is the heavy accounts' state
// (plus the friend rings they cause on the minors' side, which makes this an overestimate).
function worstCasePerAccount(nHeavy, withReplay) {
  const T = Date.parse('2026-03-01T00:00:00Z');
  const phrases = [
    "you're so mature",
    'how old are you',
    'what school do you go to',
    "I'll buy you robux",
    'keep this between us',
    'add me on otherapp',
    'send a photo',
    "let's meet up",
  ];
  const mk = (o, ms) => ({ ...o, at: new Date(ms).toISOString(), atMs: ms });
  const session = withReplay ? new RiskReplaySession(rules) : { engine: new RiskEngine({ rules }) };
  session.ingest ??= (e) => session.engine.ingest(e);
  const nMinors = 2000;
  for (let i = 0; i < nMinors; i++)
    session.ingest(mk({ type: 'account', user: `minor-${i}`, ageBand: '13-15' }, T));
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let h = 0; h < nHeavy; h++) {
    const g = `heavy-${h}`;
    let t = T + h * 1000;
    session.ingest(
      mk({ type: 'account', user: g, ageBand: 'adult', createdAtMs: T - 86_400_000 }, t),
    );
    for (let k = 0; k < 40; k++) {
      const m = `minor-${(h * 40 + k) % nMinors}`;
      session.ingest(mk({ type: 'contact_request', from: g, to: m }, ++t));
      if (k < 24) session.ingest(mk({ type: 'contact_accept', from: m, to: g }, ++t));
      if (k < 16) session.ingest(mk({ type: 'block', from: m, to: g }, ++t));
      if (k < 4)
        for (const text of phrases)
          session.ingest(
            mk({ type: 'message', from: g, to: m, conversation: `c-${h}-${k}`, text }, ++t),
          );
    }
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (session.engine.store.size !== nMinors + nHeavy) throw new Error('unexpected account count');
  return (after - before) / nHeavy;
}
const worst = worstCasePerAccount(2000, false);
const worstReplay = worstCasePerAccount(2000, true);
console.log(
  `| worst case: every ring full, 4 text conversations | 2000 | ${Math.round(worst)} | ${Math.round(worstReplay)} |`,
);

console.log(
  `\nMachine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()} ${os.release()}; load average at end ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
