/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any --
   HTTP tests read JSON answers whose shape is exactly what they assert. */
/**
 * Hotline reports over HTTP (Fastify inject, real SQLite, the fake CyberTipline on loopback):
 * preview, who may confirm, confirmation -> job -> filed report -> case `reported`, audit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type LifeguardStore } from '@lifeguard/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.factory.js';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../config/server.config.js';
import { REPORT_JOB } from '../reports/report.service.js';
import { ServerContext } from '../server.context.js';
import { startFakeCyberTipline, type FakeCyberTipline } from '../testing/fake-cybertipline.js';
import { referenceImages } from '../testing/reference-images.js';
import { confirmedCase } from '../testing/report-case.fixture.js';

const PASSWORD = 'ct-secret-password-value';
let dir: string;
let store: LifeguardStore;
let ctx: ServerContext;
let app: FastifyInstance;
let fake: FakeCyberTipline;
let adminKey: string;
const image = readFileSync(referenceImages()[0]!.file);

interface Session {
  cookie: string;
  csrf: string;
}

async function session(username: string, password: string): Promise<Session> {
  const r = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { username, password },
  });
  expect(r.statusCode).toBe(200);
  const c = r.cookies.find((x: any) => x.name === 'lg_session')!;
  return { cookie: `lg_session=${c.value}`, csrf: r.json().csrf };
}

function as(s: Session, method: string, url: string, payload?: unknown): Promise<any> {
  return app.inject({
    method: method as 'GET',
    url,
    headers: { cookie: s.cookie, 'x-lifeguard-csrf': s.csrf },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeguard-reports-'));
  fake = await startFakeCyberTipline({ password: PASSWORD });
  store = await createStore({ dataDir: dir });
  const config: ServerConfig = {
    ...DEFAULT_SERVER_CONFIG,
    dataDir: dir,
    limits: { ...DEFAULT_SERVER_CONFIG.limits, hashWorkers: 1 },
    reports: {
      ...DEFAULT_SERVER_CONFIG.reports,
      cybertipline: {
        ...DEFAULT_SERVER_CONFIG.reports.cybertipline,
        environment: 'custom',
        baseUrl: fake.baseUrl,
        username: 'esp-user',
        password: PASSWORD,
      },
      reporter: {
        espService: 'Example Chat',
        email: 'safety@example.org',
        firstName: 'Safety',
        lastName: 'Team',
        phone: undefined,
        companyTemplate: undefined,
        termsOfService: undefined,
        legalURL: 'https://example.org/legal',
      },
    },
  };
  ctx = new ServerContext(config, store, () => undefined);
  adminKey = (await ctx.keys.issue('test admin', ['admin'])).key;
  app = await buildApp(ctx, { isLoaded: () => true });
  await ctx.users.create('csr', 'csr password 123', ['child_safety_reviewer']);
  await ctx.users.create('rita', 'rita password 1', ['reviewer']);
});

afterAll(async () => {
  await app?.close();
  await ctx?.stop();
  await store?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hotline reports over HTTP', () => {
  it('previews, refuses the wrong people, files on confirmation and marks the case reported', async () => {
    const { caseId, itemId, md5 } = await confirmedCase(ctx.caseStore, ctx.blobs, image);
    const csr = await session('csr', 'csr password 123');
    const rita = await session('rita', 'rita password 1');

    const preview = await as(csr, 'POST', `/v1/cases/${caseId}/report`);
    expect(preview.statusCode).toBe(200);
    const p = preview.json();
    expect(p.problems).toEqual([]);
    expect(p.configured).toBe(true);
    expect(p.environment).toBe(new URL(fake.baseUrl).host);
    expect(p.files).toEqual([
      {
        itemId,
        fileName: `item-${itemId}`,
        fileViewedByEsp: true,
        exifViewedByEsp: false,
        industryClassification: 'A2',
        fileRelevance: 'Reported',
        views: [
          { actor: expect.any(String), mode: 'revealed', at: expect.any(String), full: true },
        ],
        uploadedAt: null,
        ipCaptureEvents: [],
      },
    ]);
    expect(p.fullViewModes).toEqual(['revealed']);
    expect(p.summary).toEqual({
      category: 'csam',
      incidentType: 'Child Pornography (possession, manufacture, and distribution)',
      incidentDateTime: expect.any(String),
      classification: 'A2',
      reportedUser: { espIdentifier: 'u_1', espService: expect.any(String), ipCaptureEvents: [] },
    });
    expect(p.document).toContain('<espIdentifier>u_1</espIdentifier>');
    expect(p.document).toContain(
      '<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>',
    );
    expect(fake.requests).toEqual([]); // a preview sends nothing

    // A reviewer without the child-safety role may not report a CSAM case; keys may not confirm.
    expect((await as(rita, 'POST', `/v1/cases/${caseId}/report`)).statusCode).toBe(403);
    expect((await as(rita, 'POST', `/v1/cases/${caseId}/report/confirm`, {})).statusCode).toBe(403);
    const byKey = await app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/report/confirm`,
      headers: { authorization: `Bearer ${adminKey}` },
      payload: {},
    });
    expect(byKey.statusCode).toBe(403);
    // A stale preview is refused.
    const stale = await as(csr, 'POST', `/v1/cases/${caseId}/report/confirm`, {
      documentSha256: '0'.repeat(64),
    });
    expect(stale.statusCode).toBe(409);

    const confirmed = await as(csr, 'POST', `/v1/cases/${caseId}/report/confirm`, {
      documentSha256: p.documentSha256,
    });
    expect(confirmed.statusCode).toBe(202);
    expect(confirmed.json()).toMatchObject({
      state: 'created',
      confirmedBy: 'user:' + (await ctx.users.get('csr')).id,
    });
    // One live submission per case.
    expect((await as(csr, 'POST', `/v1/cases/${caseId}/report/confirm`, {})).statusCode).toBe(409);

    // The worker's part: claim the job and run it.
    const job = await ctx.jobs.claim(60_000);
    expect(job?.kind).toBe(REPORT_JOB);
    await ctx.reports.runJob(job!);
    expect((await ctx.jobs.get(job!.id))?.state).toBe('succeeded');

    const status = await as(csr, 'GET', `/v1/cases/${caseId}/report`);
    expect(status.statusCode).toBe(200);
    const [sub] = status.json().submissions;
    expect(sub.state).toBe('finished');
    expect(fake.finished().map((r) => String(r.reportId))).toEqual([sub.reportId]);
    const filed = fake.finished()[0]!;
    expect([...filed.files.values()].map((f) => f.md5)).toEqual([md5]);
    expect(filed.document).toBe((await ctx.reports.status(caseId))[0]!.submission.document);
    expect(sub.steps.map((s: any) => `${s.step}:${s.phase}`)).toContain('finish:ok');

    const c = await ctx.caseStore.get(caseId);
    expect(c?.state).toBe('reported');
    const transitions = await ctx.caseStore.transitions(caseId);
    expect(transitions.at(-1)).toMatchObject({
      to: 'reported',
      reason: `reported:cybertipline:${sub.reportId}`,
    });
    const audit = await ctx.audit.list({ limit: 1000, subject: `case:${caseId}` });
    const sent = audit.filter((a) => a.type === 'report_sent').map((a) => a.data);
    expect(sent).toEqual([
      expect.objectContaining({ phase: 'confirmed', files: 1 }),
      expect.objectContaining({ phase: 'finished', reportId: sub.reportId }),
    ]);
    // Nothing in the audit log or the steps carries the credentials.
    expect(JSON.stringify([audit, sub])).not.toContain(PASSWORD);
  });

  it('refuses to report a case that is not confirmed as reportable', async () => {
    const csr = await session('csr', 'csr password 123');
    const r = await as(csr, 'POST', '/v1/cases/999999/report');
    expect(r.statusCode).toBe(404);
    const admin = await app.inject({
      method: 'GET',
      url: '/v1/cases/999999/report',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(admin.json()).toEqual({ caseId: '999999', submissions: [] });
  });
});
