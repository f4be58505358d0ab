#!/usr/bin/env node
// Guard for speed work on the risk engine: replays seeded simulator worlds from NDJSON lines
// (parse + engine, the replay path) and hashes everything the replay produces — the alerts
// with their reasons and evidence, every account's peak score, first alert and latency, and
// the engine's counters. `--check` compares with bench/risk-golden.json (exit 1 on a
// difference); `--write` records it. An optimisation must not change the hash; a deliberate
// change of results must re-record it in the same commit and say so.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseRiskEventLine, RiskReplaySession } from '../packages/core/dist/index.js';
import { simulate, toNdjsonLine } from './risk-simulator.mjs';

const FILE = new URL('./risk-golden.json', import.meta.url);
const WORLDS = [
  { seed: 3, accounts: 2000, text: true },
  { seed: 3, accounts: 2000, text: false, missingAgeFraction: 0.5 },
];

function digest(world) {
  const lines = simulate(world).events.map(toNdjsonLine);
  const session = new RiskReplaySession();
  for (const l of lines) {
    const r = parseRiskEventLine(l);
    if (r?.ok) session.ingest(r.event);
  }
  const h = createHash('sha256');
  h.update(JSON.stringify(session.alerts()));
  for (const s of session.engine.store.accounts())
    h.update(`${s.user}|${s.peakScore}|${s.firstAlertAt}|${s.messagesBeforeAlert}\n`);
  h.update(JSON.stringify(session.engine.stats));
  return { world, events: lines.length, sha256: h.digest('hex') };
}

const got = WORLDS.map(digest);
if (process.argv.includes('--write')) {
  writeFileSync(FILE, `${JSON.stringify(got, null, 2)}\n`);
  console.log('recorded', got.map((g) => g.sha256.slice(0, 12)).join(' '));
} else {
  const want = JSON.parse(readFileSync(FILE, 'utf8'));
  const same = JSON.stringify(want) === JSON.stringify(got);
  console.log(same ? 'identical to the recorded replay' : 'DIFFERENT from the recorded replay');
  if (!same) {
    console.log(JSON.stringify({ want, got }, null, 2));
    process.exitCode = 1;
  }
}
