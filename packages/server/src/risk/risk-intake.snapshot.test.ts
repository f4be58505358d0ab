import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeRiskSnapshot, parseRiskEvent, RiskEngine } from '@lifeguard/core';
import {
  createStore,
  KyselyRiskEventLog,
  KyselyRiskSnapshotStore,
  type LifeguardStore,
} from '@lifeguard/store';
import { afterEach, describe, expect, it } from 'vitest';
import { RiskIntake } from './risk-intake.service.js';

const T0 = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;
const TEXTS = [undefined, 'hi', 'how old are you', 'keep this between us', 'add me on otherapp'];

/** A seeded stream: 60 users (a third minors), contacts, messages with text, blocks, ids. */
function stream(seed: number, n: number): Record<string, unknown>[] {
  let x = seed;
  const rnd = (k: number): number => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x % k;
  };
  const users = Array.from({ length: 60 }, (_, i) => `acct-${i}`);
  const out: Record<string, unknown>[] = users.map((u, i) => ({
    type: 'account',
    user: u,
    ageBand: i % 3 === 0 ? '13-15' : i % 7 === 0 ? 'unknown' : 'adult',
    at: new Date(T0).toISOString(),
  }));
  let t = T0;
  const types = ['contact_request', 'contact_accept', 'message', 'message', 'message', 'block'];
  for (let i = 0; i < n; i++) {
    t += rnd(40) * 60_000;
    const from = users[rnd(8) + 1]!;
    const to = users[rnd(60)]!;
    if (from === to) continue;
    const type = types[rnd(types.length)]!;
    const e: Record<string, unknown> = { type, from, to, at: new Date(t).toISOString() };
    if (rnd(3) === 0) e.id = `e-${rnd(5000)}`;
    if (type === 'message') {
      e.conversation = `c-${from}-${to}`;
      const text = TEXTS[rnd(TEXTS.length)];
      if (text !== undefined) e.text = text;
    }
    out.push(e);
  }
  return out;
}

const item = (o: Record<string, unknown>, i: number) => ({
  position: i,
  result: parseRiskEvent(structuredClone(o)),
  raw: JSON.stringify(o),
});

async function post(intake: RiskIntake, events: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < events.length; i += 250) {
    await intake.accept(events.slice(i, i + 250).map(item), 'index');
  }
}

const dirs: string[] = [];
const stores: LifeguardStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir?: string): Promise<{ store: LifeguardStore; dir: string }> {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'lg-risk-snap-'));
  if (dir === undefined) dirs.push(d);
  const store = await createStore({ dataDir: d });
  stores.push(store);
  return { store, dir: d };
}

function intakeOf(store: LifeguardStore, opts: { every?: number; retentionDays?: number } = {}) {
  const notices: string[] = [];
  // The server's log: SQLite appends on prepared statements (store.sqlite).
  const log = new KyselyRiskEventLog(store.kysely, store.sqlite);
  const intake = new RiskIntake(log, new RiskEngine(), {
    snapshots: new KyselyRiskSnapshotStore(store.kysely),
    snapshotEvery: opts.every ?? 0,
    retentionMs: (opts.retentionDays ?? 0) * DAY,
    notice: (l) => notices.push(l),
  });
  return { intake, notices };
}

describe('risk intake: snapshots and retention', () => {
  it('restart from snapshot + tail gives the scores of a full replay, at random cut points', async () => {
    const events = stream(7, 2400);
    let x = 99;
    for (let round = 0; round < 3; round++) {
      x = (x * 48_271) % 2_147_483_647;
      const k = 100 + (x % (events.length - 200));
      const { store, dir } = await open();
      const a = intakeOf(store);
      await a.intake.load();
      await post(a.intake, events.slice(0, k));
      const seq = await a.intake.snapshot();
      expect(seq).toBeGreaterThan(0);
      await post(a.intake, events.slice(k));
      await store.close();
      stores.pop();

      // "Restart": a new process state over the same data directory.
      const { store: store2 } = await open(dir);
      const b = intakeOf(store2);
      const replayed = await b.intake.load();
      expect(b.intake.startMode).toBe('snapshot');
      const log = new KyselyRiskEventLog(store2.kysely);
      expect(replayed).toBe((await log.page(seq!, 1_000_000)).length);
      expect(replayed).toBeLessThan(await log.count());
      expect(b.notices.join('\n')).toMatch(/restored the snapshot/);
      // Reference: the same log replayed in full, without snapshots.
      const full = new RiskIntake(log, new RiskEngine());
      await full.load();
      expect(b.intake.engine.stats).toEqual(full.engine.stats);
      expect(b.intake.engine.stats).toEqual(a.intake.engine.stats);
      for (const s of full.engine.store.accounts()) {
        expect(b.intake.engine.accountRisk(s.user)).toEqual(full.engine.accountRisk(s.user));
      }
      expect(b.intake.engine.store.size).toBe(full.engine.store.size);
    }
  }, 120_000);

  it('replays the whole log when the snapshot was made with other rules (and says why)', async () => {
    const events = stream(3, 600);
    const { store, dir } = await open();
    const a = intakeOf(store);
    await a.intake.load();
    await post(a.intake, events);
    await a.intake.snapshot();
    await store.close();
    stores.pop();
    const { store: store2 } = await open(dir);
    const rules = a.intake.engine.rules;
    const other = { ...rules, levels: { ...rules.levels, watch: rules.levels.watch + 0.05 } };
    const notices: string[] = [];
    const b = new RiskIntake(
      new KyselyRiskEventLog(store2.kysely),
      new RiskEngine({ rules: other }),
      { snapshots: new KyselyRiskSnapshotStore(store2.kysely), notice: (l) => notices.push(l) },
    );
    expect(await b.load()).toBe(await new KyselyRiskEventLog(store2.kysely).count());
    expect(b.startMode).toBe('full');
    expect(notices.join('\n')).toMatch(/snapshot not used: rules changed/);
  }, 60_000);

  it('writes snapshots every N events and prunes only covered events past the retention', async () => {
    // 40 days of events, about one an hour.
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 960; i++) {
      events.push({
        type: 'message',
        from: `a${i % 5}`,
        to: `b${i % 7}`,
        at: new Date(T0 + i * 3_600_000).toISOString(),
      });
    }
    const { store } = await open();
    const { intake } = intakeOf(store, { every: 300, retentionDays: 30 });
    await intake.load();
    const log = new KyselyRiskEventLog(store.kysely);
    await post(intake, events.slice(0, 500));
    await intake.snapshot(); // also waits for any queued background snapshot
    expect(intake.counters.snapshotsWritten).toBeGreaterThanOrEqual(2);
    // 500 hours < 30 days: nothing is old enough yet.
    expect(await log.count()).toBe(500);
    await post(intake, events.slice(500));
    const covered = await intake.snapshot();
    const rows = await log.page(0, 10_000);
    const newest = T0 + 959 * 3_600_000;
    // Everything older than 30 days before the newest event, and covered, is gone; the rest stays.
    const expectKept = events.filter((e) => Date.parse(e.at as string) >= newest - 30 * DAY);
    expect(rows.length).toBe(expectKept.length);
    expect(intake.counters.pruned).toBe(events.length - expectKept.length);
    expect(covered).toBe(rows[rows.length - 1]!.seq);
    // Events after the snapshot are never pruned, however old their event time.
    await post(intake, [{ type: 'message', from: 'a1', to: 'b1', at: new Date(T0).toISOString() }]);
    const tailSeq = await log.maxSeq();
    await log.prune(covered!, Number.MAX_SAFE_INTEGER);
    expect((await log.page(covered!, 10)).map((r) => r.seq)).toEqual([tailSeq]);
  }, 60_000);

  it('kill -9 while a snapshot is being written leaves a usable snapshot', async () => {
    const { store, dir } = await open();
    await store.close();
    stores.pop();
    const storeUrl = pathToFileURL(
      fileURLToPath(new URL('../../../store/dist/index.js', import.meta.url)),
    ).href;
    const coreUrl = pathToFileURL(
      fileURLToPath(new URL('../../../core/dist/index.js', import.meta.url)),
    ).href;
    const script = join(dir, 'writer.mjs');
    // The writer stores a small snapshot, then keeps writing large ones (tens of MB) until killed.
    writeFileSync(
      script,
      `import { createStore, KyselyRiskSnapshotStore } from ${JSON.stringify(storeUrl)};
import { RiskEngine, encodeRiskSnapshot } from ${JSON.stringify(coreUrl)};
const store = await createStore({ dataDir: ${JSON.stringify(dir)} });
const snaps = new KyselyRiskSnapshotStore(store.kysely);
const e = new RiskEngine();
const at = (ms) => ({ at: new Date(ms).toISOString(), atMs: ms });
e.ingest({ type: 'account', user: 'first', ageBand: 'adult', ...at(${T0}) });
await snaps.save(1, e.store.size, encodeRiskSnapshot(e, { seq: 1 }));
for (let i = 0; i < 60000; i++) {
  e.ingest({ type: 'contact_request', from: 'u' + (i % 3000), to: 'v' + i, ...at(${T0} + i * 1000) });
}
const big = encodeRiskSnapshot(e, { seq: 2 });
process.stdout.write('ready ' + big.length + '\\n');
for (let seq = 2; ; seq++) await snaps.save(seq, e.store.size, encodeRiskSnapshot(e, { seq }));
`,
    );
    for (const delayMs of [30, 120, 400]) {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().startsWith('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      await new Promise((r) => setTimeout(r, delayMs));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const { store: s } = await open(dir);
      const latest = await new KyselyRiskSnapshotStore(s.kysely).latest();
      expect(latest).toBeDefined();
      const r = decodeRiskSnapshot(new RiskEngine(), latest!.body);
      expect(r.ok).toBe(true);
      expect(r.ok && r.meta).toEqual({ seq: latest!.seq });
      await s.close();
      stores.pop();
    }
  }, 120_000);
});
