import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planCyberTipReport, type ReportSubject } from '@lifeguard/core';
import { createStore, KyselyReportSubmissionStore, type LifeguardStore } from '@lifeguard/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCyberTipline, type FakeCyberTipline } from '../testing/fake-cybertipline.js';
import { MemoryBlobStore } from '../testing/memory-blob-store.js';
import { referenceImages } from '../testing/reference-images.js';
import { CyberTiplineClient } from './cybertipline.client.js';
import { ReportSubmissionRunner } from './report-submission.runner.js';

const PASSWORD = 'esp-password-do-not-log';
const images = referenceImages().slice(0, 2);
const bytes = images.map((i) => readFileSync(i.file));
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

let dir: string;
let store: LifeguardStore;
let subs: KyselyReportSubmissionStore;
let blobs: MemoryBlobStore;
let fake: FakeCyberTipline | undefined;
let caseSeq = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lg-runner-'));
  store = await createStore({ dataDir: dir });
  subs = new KyselyReportSubmissionStore(store.kysely);
  blobs = new MemoryBlobStore();
  for (const [i, b] of bytes.entries()) {
    await blobs.put(`media/${i}`, b, { contentType: 'image/jpeg' });
  }
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(
  fakeOpts: Parameters<typeof startFakeCyberTipline>[0] = {},
  clientOpts: { password?: string; timeoutMs?: number } = {},
) {
  fake = await startFakeCyberTipline({ password: PASSWORD, ...fakeOpts });
  const client = new CyberTiplineClient({
    environment: 'custom',
    baseUrl: fake.baseUrl,
    username: 'esp-user',
    password: clientOpts.password ?? PASSWORD,
    ...(clientOpts.timeoutMs ? { timeoutMs: clientOpts.timeoutMs } : {}),
  });
  const finished: string[] = [];
  const runner = new ReportSubmissionRunner({
    store: subs,
    destinations: new Map([['cybertipline', client]]),
    blobs,
    onFinished: (s) => {
      finished.push(s.id);
      return Promise.resolve();
    },
  });
  const caseId = `case-${++caseSeq}`;
  const subject: ReportSubject = {
    caseId,
    category: 'csam',
    classification: 'A2',
    incidentAt: Date.now() - 60_000,
    reportedAccount: { id: 'u_1' },
    files: bytes.map((b, i) => ({
      itemId: `i${i}`,
      blobKey: `media/${i}`,
      fileName: `upload-${i}.jpg`,
      md5: md5(b),
      views: i === 0 ? [{ actor: 'r1', mode: 'revealed', at: Date.now() - 1000 }] : [],
    })),
  };
  const plan = planCyberTipReport(
    subject,
    { espService: 'Example', reportingPerson: { email: [{ value: 'safety@example.org' }] } },
    { now: Date.now() },
  );
  expect(plan.issues).toEqual([]);
  const sub = await subs.create({
    caseId,
    destination: 'cybertipline',
    environment: client.environment,
    document: plan.document.xml,
    files: plan.files,
    confirmedBy: 'r1',
    now: Date.now(),
  });
  return { runner, sub, finished, fake: fake };
}

async function rejects(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return {
      code: (e as { code?: string }).code,
      message: String(e),
      details: (e as { details?: unknown }).details,
    };
  }
  throw new Error('expected a rejection');
}

describe('ReportSubmissionRunner against the fake CyberTipline', () => {
  it('files a report: submit, upload, file info, finish; views become fileViewedByEsp', async () => {
    const { runner, sub, finished, fake } = await setup();
    const done = await runner.run(sub.id);
    expect(done.state).toBe('finished');
    expect(finished).toEqual([sub.id]);
    expect(fake.finished()).toHaveLength(1);
    const r = fake.finished()[0]!;
    expect(String(r.reportId)).toBe(done.reportId);
    expect([...r.files.values()].map((f) => f.md5)).toEqual(bytes.map(md5));
    const details = [...r.files.values()].map((f) => f.details ?? '');
    expect(details[0]).toContain('<fileViewedByEsp>true</fileViewedByEsp>');
    expect(details[1]).toContain('<fileViewedByEsp>false</fileViewedByEsp>');
    expect(details[0]).toContain('<industryClassification>A2</industryClassification>');
    expect(fake.rejected).toEqual([]);
    expect(fake.requests.map((q) => q.step)).toEqual([
      'submit',
      'upload',
      'fileinfo',
      'upload',
      'fileinfo',
      'finish',
    ]);
    const steps = await subs.steps(sub.id);
    expect(
      steps.map((s) => `${s.step}:${s.phase}${s.fileIndex === null ? '' : `:${s.fileIndex}`}`),
    ).toEqual([
      'confirm:ok',
      'submit:begin',
      'submit:ok',
      'upload:begin:0',
      'upload:ok:0',
      'describe:begin:0',
      'describe:ok:0',
      'upload:begin:1',
      'upload:ok:1',
      'describe:begin:1',
      'describe:ok:1',
      'finish:begin',
      'finish:ok',
    ]);
    expect(steps[2]?.detail.requestId).toMatch(/^[0-9a-f]{16}$/);
    // Running a finished submission again sends nothing.
    await runner.run(sub.id);
    expect(fake.requests).toHaveLength(6);
  });

  it('retracts the opened report when the destination refuses a document (4100)', async () => {
    const { runner, sub, fake } = await setup({
      onRequest: (step) => (step === 'fileinfo' ? { responseCode: 4100, status: 400 } : undefined),
    });
    const done = await runner.run(sub.id);
    expect(done.state).toBe('retracted');
    expect(done.error?.code).toBe('LG_ERR_DESTINATION_FAILED');
    expect(fake.finished()).toEqual([]);
    expect([...fake.reports.values()].map((r) => r.state)).toEqual(['retracted']);
  });

  it('fails without a report when /submit is refused, and never retries a refused submit', async () => {
    const { runner, sub, fake } = await setup({
      onRequest: (step) => (step === 'submit' ? { responseCode: 4100, status: 400 } : undefined),
    });
    const done = await runner.run(sub.id);
    expect(done).toMatchObject({ state: 'failed', reportId: null });
    expect(fake.reports.size).toBe(0);
    expect(fake.requests.map((q) => q.step)).toEqual(['submit']);
  });

  it('retries a transient failure later and still files exactly one report', async () => {
    let failures = 1;
    const { runner, sub, fake } = await setup({
      onRequest: (step: string) =>
        step === 'upload' && failures-- > 0 ? { responseCode: 1000, status: 500 } : undefined,
    });
    const err = await rejects(runner.run(sub.id));
    expect(err.code).toBe('LG_ERR_DESTINATION_FAILED');
    expect((await subs.get(sub.id))?.state).toBe('submitted');
    const done = await runner.run(sub.id);
    expect(done.state).toBe('finished');
    expect(fake.reports.size).toBe(1);
    expect(fake.finished()).toHaveLength(1);
    expect(fake.requests.filter((q) => q.step === 'submit')).toHaveLength(1);
  });

  it('treats a lost /finish answer as finished on the next run ("already finished")', async () => {
    let held = false;
    const { runner, sub, fake } = await setup(
      {
        onRequest: (step: string) =>
          step === 'finish' && !held
            ? ((held = true), new Promise((r) => setTimeout(r, 400)))
            : undefined,
      },
      { timeoutMs: 150 },
    );
    const err = await rejects(runner.run(sub.id));
    expect(err.code).toBe('LG_ERR_DESTINATION_FAILED');
    await new Promise((r) => setTimeout(r, 400)); // the fake finishes the report meanwhile
    expect((await subs.get(sub.id))?.state).toBe('finishing');
    expect(fake.finished()).toHaveLength(1);
    const done = await runner.run(sub.id);
    expect(done.state).toBe('finished');
    expect(fake.finished()).toHaveLength(1);
    expect(fake.requests.filter((q) => q.step === 'finish').map((q) => q.responseCode)).toEqual([
      0, 5102,
    ]);
  });

  it('two workers racing on one submission open and file exactly one report', async () => {
    const { runner, sub, fake } = await setup({ latencyMs: 20 });
    const results = await Promise.allSettled([runner.run(sub.id), runner.run(sub.id)]);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect((r.reason as { details?: { takenOver?: boolean } }).details?.takenOver).toBe(true);
      }
    }
    expect((await subs.get(sub.id))?.state).toBe('finished');
    expect(fake.requests.filter((q) => q.step === 'submit')).toHaveLength(1);
    expect(fake.finished()).toHaveLength(1);
  });

  it('never sends /submit twice: a submission left submitting stops in doubt', async () => {
    const { runner, sub, fake } = await setup();
    await subs.update(sub.id, sub.version, {
      state: 'submitting',
      step: { step: 'submit', fileIndex: null, phase: 'begin', at: Date.now(), detail: {} },
    });
    const done = await runner.run(sub.id);
    expect(done.state).toBe('failed');
    expect(done.error?.message).toContain('not sent twice');
    expect(fake.requests).toEqual([]);
  });

  it('fails on wrong credentials (HTTP 401) without ever echoing them', async () => {
    const { runner, sub } = await setup({}, { password: 'wrong-secret-value' });
    const done = await runner.run(sub.id);
    expect(done.state).toBe('failed');
    expect(done.error?.message).toContain('authentication failed');
    const all = JSON.stringify([done, await subs.steps(sub.id)]);
    expect(all).not.toContain('wrong-secret-value');
    expect(all).not.toContain(Buffer.from('esp-user:wrong-secret-value').toString('base64'));
  });

  it('retracts when evidence is tampered with (integrity check on read)', async () => {
    const { runner, sub, fake } = await setup();
    blobs.corrupt('media/1');
    try {
      const done = await runner.run(sub.id);
      expect(done.state).toBe('retracted');
      expect(done.error?.code).toBe('LG_ERR_INTEGRITY');
      expect(fake.finished()).toEqual([]);
    } finally {
      blobs.corrupt('media/1'); // flip it back
    }
  });
});
