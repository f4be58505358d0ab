/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   HTTP answers are asserted field by field. */
/**
 * Kill the process in the middle of a CyberTipline submission (SIGKILL: no shutdown code
 * runs), start it again on the same data, and check that the submission resumes and exactly
 * one report is filed at the fake. Spawns the compiled `lifeguard serve` (build first).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, KyselyCaseStore } from '@lifeguard/store';
import { DEFAULT_CASE_POLICY } from '@lifeguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_CONFIG } from '../config/server.config.js';
import { openVault } from '../evidence/vault.factory.js';
import { startFakeCyberTipline, type FakeCyberTipline } from '../testing/fake-cybertipline.js';
import { referenceImages } from '../testing/reference-images.js';
import { confirmedCase } from '../testing/report-case.fixture.js';
import { api, startServerProcess, type ServerProcess } from '../testing/server-process.helper.js';

const PASSWORD = 'kill-test-ct-password';
const images = referenceImages();
const dirs: string[] = [];
const fakes: FakeCyberTipline[] = [];
const procs: ServerProcess[] = [];

afterAll(async () => {
  for (const p of procs)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const f of fakes) await f.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function configFor(fake: FakeCyberTipline): Record<string, unknown> {
  return {
    // Long enough that a busy machine does not let the restarted worker's own lease lapse
    // mid-step (a second claim would repeat an idempotent /finish), short enough to resume fast.
    jobLeaseMs: 5000,
    reports: {
      cybertipline: { environment: 'custom', baseUrl: fake.baseUrl, username: 'esp-user' },
      reporter: { espService: 'Example Chat', email: 'safety@example.org' },
      retryBaseMs: 50,
    },
  };
}

/** A data directory holding one confirmed, reportable case; returns its id. */
async function prepare(imageIndex: number): Promise<{ dir: string; caseId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lg-kill-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'data'));
  const store = await createStore({ dataDir: join(dir, 'data') });
  const blobs = openVault(
    {
      dataDir: dir,
      vault: {
        ...DEFAULT_SERVER_CONFIG.vault,
        keyFile: join(dir, 'vault.key'),
        dir: join(dir, 'blobs'),
      },
    },
    () => undefined,
  );
  const cases = new KyselyCaseStore(store.kysely, store.dialect, DEFAULT_CASE_POLICY);
  const bytes = readFileSync(images[imageIndex]!.file);
  const { caseId } = await confirmedCase(cases, blobs, bytes);
  await store.close();
  return { dir, caseId };
}

async function start(dir: string, fake: FakeCyberTipline): Promise<ServerProcess> {
  const p = await startServerProcess({
    dir,
    config: configFor(fake),
    env: { LIFEGUARD_CYBERTIPLINE_PASSWORD: PASSWORD },
    adminKey: 'kill-test-admin-key-0123456789abcdef0123456789',
  });
  procs.push(p);
  return p;
}

/** Log in a child-safety reviewer (created through the admin key) and confirm the report. */
async function confirm(srv: ServerProcess, caseId: string): Promise<void> {
  const admin = api(srv.url, srv.adminKey);
  const created = await admin.json('POST', '/v1/users', {
    username: 'csr',
    password: 'csr password 123',
    roles: ['child_safety_reviewer'],
  });
  expect(created.status).toBe(201);
  const login = await fetch(`${srv.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'csr', password: 'csr password 123' }),
  });
  expect(login.status).toBe(200);
  const cookie = /lg_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
  const { csrf } = (await login.json()) as { csrf: string };
  const r = await fetch(`${srv.url}/v1/cases/${caseId}/report/confirm`, {
    method: 'POST',
    headers: { cookie, 'x-lifeguard-csrf': csrf, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(r.status).toBe(202);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function finishedSubmission(
  srv: ServerProcess,
  caseId: string,
): Promise<{ reportId: string; state: string }> {
  return waitFor('a finished submission', async () => {
    const r = await api(srv.url, srv.adminKey).json('GET', `/v1/cases/${caseId}/report`);
    const s = (r.body as { submissions?: { reportId: string; state: string }[] } | undefined)
      ?.submissions?.[0];
    return s?.state === 'finished' ? s : undefined;
  });
}

describe('a submission survives kill -9', () => {
  beforeAll(() => undefined);

  it('between upload and finish (file info in flight): resumes and files exactly one report', async () => {
    const { dir, caseId } = await prepare(0);
    let reached: () => void = () => undefined;
    const atFileInfo = new Promise<void>((r) => (reached = r));
    let first = true;
    const fake = await startFakeCyberTipline({
      password: PASSWORD,
      // Hold the first /fileinfo: the file is uploaded (its id stored), the report unfinished.
      onRequest: (step) => {
        if (step !== 'fileinfo' || !first) return undefined;
        first = false;
        reached();
        return new Promise<void>(() => undefined);
      },
    });
    fakes.push(fake);
    const a = await start(dir, fake);
    await confirm(a, caseId);
    await atFileInfo;
    a.child.kill('SIGKILL');
    await a.exited();
    expect(fake.finished()).toEqual([]);

    const b = await start(dir, fake);
    const sub = await finishedSubmission(b, caseId);
    expect(fake.finished().map((r) => String(r.reportId))).toEqual([sub.reportId]);
    expect(fake.reports.size).toBe(1);
    const steps = fake.requests.map((r) => r.step);
    expect(steps.filter((s) => s === 'submit')).toHaveLength(1);
    expect(steps.filter((s) => s === 'upload')).toHaveLength(1);
    // /finish is idempotent at NCMEC ("already finished", 5102): a repeat is allowed, a second
    // report or a second upload is not.
    const finishes = fake.requests.filter((r) => r.step === 'finish');
    expect(finishes.length).toBeGreaterThanOrEqual(1);
    expect(finishes.slice(1).every((r) => r.responseCode === 5102)).toBe(true);
    const files = [...fake.finished()[0]!.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]!.details).toContain('<fileViewedByEsp>true</fileViewedByEsp>');
    const c = await api(b.url, b.adminKey).json('GET', `/v1/cases/${caseId}/report`);
    expect(c.body.submissions).toHaveLength(1);
    await b.stop();
  }, 60_000);

  it('after /finish reached NCMEC but before its answer: "already finished" counts, one report', async () => {
    const { dir, caseId } = await prepare(1);
    let reached: () => void = () => undefined;
    const atFinish = new Promise<void>((r) => (reached = r));
    let first = true;
    const fake = await startFakeCyberTipline({
      password: PASSWORD,
      // The report is finished at the fake, but the answer never leaves.
      onAnswer: (step) => {
        if (step !== 'finish' || !first) return undefined;
        first = false;
        reached();
        return new Promise<void>(() => undefined);
      },
    });
    fakes.push(fake);
    const a = await start(dir, fake);
    await confirm(a, caseId);
    await atFinish;
    a.child.kill('SIGKILL');
    await a.exited();
    expect(fake.finished()).toHaveLength(1);

    const b = await start(dir, fake);
    const sub = await finishedSubmission(b, caseId);
    expect(fake.finished().map((r) => String(r.reportId))).toEqual([sub.reportId]);
    expect(fake.reports.size).toBe(1);
    // Every /finish after the restart was answered "already finished" (5102): at least one,
    // more only if a lease lapsed on a busy machine; never a second report.
    const after = fake.requests.filter((r) => r.step === 'finish').map((r) => r.responseCode);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.every((code) => code === 5102)).toBe(true);
    expect(fake.requests.filter((r) => r.step === 'submit')).toHaveLength(1);
    await b.stop();
  }, 60_000);
});
