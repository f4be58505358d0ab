/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call --
   End-to-end tests read JSON answers whose shape is exactly what they assert. */
/**
 * End-to-end: cases through the real `lifeguard serve` process over real HTTP on SQLite.
 * Issue 6's proofs: 1000 reports of one image and 50 near-duplicate copies (re-encoded as
 * JPEG at several qualities, resized; made with sharp from a benign PDQ reference image and
 * hashed by the server) fold into ONE case, reports about distinct images do not; the media
 * of a CSAM-severity case is refused (403) to a reviewer without the child-safety role and to
 * an admin key, and served to a child-safety reviewer, blurred by default, never cacheable,
 * with every view recorded and capped; a decision fires the signed `case.action` webhook and
 * grows the audit log. The bank is labelled `csam` for the test only: the images are benign.
 */
import { readFileSync } from 'node:fs';
import { hammingDistance256, parseHash256 } from '@lifeguard/core';
import { hashImage } from '@lifeguard/media';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceImages } from './testing/reference-images.js';
import { api, startServerProcess, type ServerProcess } from './testing/server-process.helper.js';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './testing/webhook-receiver.js';

const SECRET = 'case-webhook-secret-0123456789';
const dist = (a: string, b: string) => hammingDistance256(parseHash256(a), parseHash256(b));

/** Run `fn` over `items` with at most `n` in flight. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

describe('cases end to end (SQLite)', () => {
  let srv: ServerProcess;
  let hooks: WebhookReceiver | undefined;
  let received: ReceivedWebhook[] = [];
  let admin: ReturnType<typeof api>;
  let platform: ReturnType<typeof api>;
  let reviewer: ReturnType<typeof api>;
  let childSafety: ReturnType<typeof api>;
  let original: Uint8Array;
  let origHashes: Awaited<ReturnType<typeof hashImage>>;
  let copies: Uint8Array[];
  let caseId: string;
  let csKey = '';

  beforeAll(async () => {
    hooks = await startWebhookReceiver(SECRET);
    received = hooks.received;
    srv = await startServerProcess({
      config: {
        actions: { labels: { csam: 'block' } },
        limits: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000, hashWorkers: 2 },
        cases: { exposureCapPerDay: 2 },
        webhooks: {
          backoffBaseMs: 50,
          endpoints: [
            {
              name: 'platform',
              url: hooks.url,
              secret: SECRET,
              verdicts: ['block'],
            },
          ],
        },
      },
    });
    admin = api(srv.url, srv.adminKey);
    const key = async (name: string, scopes: string[]) => {
      const r = await admin.json('POST', '/v1/keys', { name, scopes });
      expect(r.status).toBe(201);
      if (scopes.includes('cases:child_safety')) csKey = r.body.key as string;
      return api(srv.url, r.body.key as string);
    };
    platform = await key('platform', ['scan', 'reports:write']);
    reviewer = await key('reviewer', ['cases:read', 'cases:write', 'cases:media']);
    childSafety = await key('cs', [
      'cases:read',
      'cases:write',
      'cases:media',
      'cases:child_safety',
    ]);

    const ref = referenceImages().find((i) => i.name === 'bridge-mods/aaa-orig.jpg')!;
    original = new Uint8Array(readFileSync(ref.file));
    origHashes = await hashImage(original);
    const meta = await sharp(original).metadata();
    copies = [];
    for (const scale of [1, 0.9, 0.75, 0.6, 0.5]) {
      for (const quality of [95, 90, 85, 80, 75, 70, 65, 60, 50, 40]) {
        const img = sharp(original);
        if (scale !== 1) img.resize(Math.round(meta.width * scale));
        copies.push(new Uint8Array(await img.jpeg({ quality }).toBuffer()));
      }
    }
    // The bank knows the original by MD5 and PDQ and is labelled csam (benign test images).
    expect(
      (
        await admin.json('POST', '/v1/banks', {
          name: 'test-csam',
          kind: 'block',
          labels: ['csam'],
        })
      ).status,
    ).toBe(201);
    const e = await admin.json('POST', '/v1/banks/test-csam/entries', {
      entries: [
        { signalType: 'md5', value: origHashes.md5 },
        { signalType: 'pdq', value: origHashes.pdq },
      ],
    });
    expect(e.status).toBeLessThan(300);
  }, 120_000);

  afterAll(async () => {
    await srv?.stop();
    await hooks?.close();
  });

  it('opens one verified_csam case for a blocked upload, auto-actioned, with a review copy', async () => {
    const r = await platform.upload('/v1/scan', original, {
      contentId: 'post-1',
      userId: 'uploader-1',
    });
    expect(r.status).toBe(200);
    expect(r.body.verdict).toBe('block');
    expect(r.body.caseId).toMatch(/^\d+$/);
    caseId = r.body.caseId;
    const d = await childSafety.json('GET', `/v1/cases/${caseId}`);
    expect(d.status).toBe(200);
    expect(d.body.case.severity).toBe('verified_csam');
    expect(d.body.case.needsConfirmation).toBe(true);
    expect(d.body.case.actionedAt).not.toBeNull();
    expect(d.body.items[0].hasMedia).toBe(true);
    expect(d.body.signals[0].source.matches[0]).toMatchObject({ bankName: 'test-csam' });
  });

  it('folds 1000 reports of the image and 50 near-duplicate copies into that one case', async () => {
    const reports = await pool(
      Array.from({ length: 1000 }, (_, i) => i),
      25,
      (i) =>
        platform.json('POST', '/v1/reports', {
          reporter: `reporter-${i}`,
          reportedContent: i % 2 === 0 ? { sha256: origHashes.sha256 } : { contentId: 'post-1' },
          reason: 'csam',
          text: 'placeholder report words',
        }),
    );
    expect(reports.every((r) => r.status === 201)).toBe(true);
    expect(new Set(reports.map((r) => r.body.caseId))).toEqual(new Set([caseId]));
    // Every copy is a real near-duplicate (the fixture's premise) and is hashed by the server.
    const copyHashes = await Promise.all(copies.map((c) => hashImage(c)));
    for (const h of copyHashes) expect(dist(h.pdq, origHashes.pdq)).toBeLessThanOrEqual(31);
    const scans = await pool(copies, 4, (c) => platform.upload('/v1/scan', c));
    expect(scans.every((s) => s.status === 200)).toBe(true);
    expect(new Set(scans.map((s) => s.body.caseId))).toEqual(new Set([caseId]));
    const d = await childSafety.json('GET', `/v1/cases/${caseId}`);
    expect(d.body.case.items).toBe(1 + 1000 + 50);
    expect(d.body.case.reports).toBe(1000);
    const distinctCopies = new Set(copyHashes.map((h) => h.sha256)).size;
    expect(d.body.items).toHaveLength(1 + distinctCopies);
    expect(d.body.items[0].count).toBe(1001);
    const q = await reviewer.json('GET', '/v1/cases?limit=5');
    expect(q.body.cases[0].id).toBe(caseId);
  }, 180_000);

  it('keeps reports about distinct images in separate cases', async () => {
    const others = referenceImages().filter((i) =>
      i.name.startsWith('reg-test-input/labelme-subset/'),
    );
    expect(others.length).toBeGreaterThanOrEqual(5);
    const hashes = await Promise.all(
      others.map((o) => hashImage(new Uint8Array(readFileSync(o.file)))),
    );
    for (let a = 0; a < hashes.length; a++) {
      expect(dist(hashes[a]!.pdq, origHashes.pdq)).toBeGreaterThan(31);
      for (let b = a + 1; b < hashes.length; b++) {
        expect(dist(hashes[a]!.pdq, hashes[b]!.pdq)).toBeGreaterThan(31);
      }
    }
    const ids = [];
    for (const h of hashes) {
      const r = await platform.json('POST', '/v1/reports', {
        reporter: 'reporter-x',
        reportedContent: { sha256: h.sha256, pdq: h.pdq },
        reason: 'other',
      });
      expect(r.status).toBe(201);
      expect(r.body.opened).toBe(true);
      ids.push(r.body.caseId);
    }
    expect(new Set(ids).size).toBe(hashes.length);
    expect(ids).not.toContain(caseId);
  });

  it('takes reports in a batch: folded in order, all stored or none', async () => {
    const sha = (c: string) => c.repeat(64);
    const r = await platform.json('POST', '/v1/reports/batch', [
      { reporter: 'b1', reportedContent: { sha256: sha('1') }, reason: 'other' },
      { reporter: 'b2', reportedContent: { sha256: sha('1') }, reason: 'self_harm', text: 'words' },
      { reporter: 'b3', reportedAccount: 'batch-acct', reason: 'harassment' },
      { reporter: 'b4', reportedContent: { sha256: sha('2') }, reason: 'other' },
    ]);
    expect(r.status).toBe(201);
    const res = r.body.results;
    expect(res.map((x: any) => x.opened)).toEqual([true, false, true, true]);
    expect(res[1].caseId).toBe(res[0].caseId);
    expect(res[1].via).toBe('sha256');
    const ids: string[] = res.map((x: any) => x.caseId);
    expect(new Set(ids).size).toBe(3);
    const c = await reviewer.json('GET', `/v1/cases/${res[0].caseId}`);
    expect(c.body.case.reports).toBe(2);
    // One bad report refuses the whole batch before anything is stored.
    const bad = await platform.json('POST', '/v1/reports/batch', [
      { reporter: 'b5', reportedContent: { sha256: sha('3') }, reason: 'other' },
      { reporter: 'b6', reportedContent: { sha256: sha('4') }, reason: 'not-a-reason' },
    ]);
    expect(bad.status).toBe(400);
    const again = await platform.json('POST', '/v1/reports', {
      reporter: 'b7',
      reportedContent: { sha256: sha('3') },
      reason: 'other',
    });
    expect(again.body.opened).toBe(true);
    expect((await platform.json('POST', '/v1/reports/batch', [])).status).toBe(400);
    // A reviewer's key may not submit reports.
    expect((await reviewer.json('POST', '/v1/reports/batch', [res[0]])).status).toBe(403);
  });

  it('refuses CSAM-case media to a reviewer without the child-safety role and to an admin key', async () => {
    const d = await childSafety.json('GET', `/v1/cases/${caseId}`);
    const itemId = d.body.items[0].id;
    for (const who of [reviewer, admin]) {
      const r = await who.json('GET', `/v1/cases/${caseId}/items/${itemId}/media?mode=blurred`);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('LG_ERR_FORBIDDEN');
    }
    // Nor may they claim it (claiming views media) or read the report text.
    const claim = await reviewer.json('POST', `/v1/cases/${caseId}/transitions`, {
      to: 'in_review',
      reason: 'claim',
    });
    expect(claim.status).toBe(403);
    const seen = await reviewer.json('GET', `/v1/cases/${caseId}`);
    const report = seen.body.signals.find((s: any) => s.kind === 'user_report');
    expect(report.textWithheld).toBe(true);
    expect(JSON.stringify(seen.body)).not.toContain('placeholder report words');
  });

  it('serves a child-safety reviewer blurred then revealed media, records views, caps exposure', async () => {
    const d = await childSafety.json('GET', `/v1/cases/${caseId}`);
    expect(d.body.signals.find((s: any) => s.kind === 'user_report').text).toBe(
      'placeholder report words',
    );
    const itemId = d.body.items[0].id;
    const url = `${srv.url}/v1/cases/${caseId}/items/${itemId}/media`;
    const auth = { authorization: `Bearer ${csKey}` };
    const blurred = await fetch(url, { headers: auth });
    expect(blurred.status).toBe(200);
    expect(blurred.headers.get('cache-control')).toBe('no-store');
    expect(blurred.headers.get('content-type')).toBe('image/jpeg');
    const bBytes = new Uint8Array(await blurred.arrayBuffer());
    expect(Buffer.compare(Buffer.from(bBytes), Buffer.from(original))).not.toBe(0);
    const bMeta = await sharp(bBytes).metadata();
    expect(Math.max(bMeta.width, bMeta.height)).toBeLessThanOrEqual(320);
    for (let i = 0; i < 2; i++) {
      const revealed = await fetch(`${url}?mode=revealed`, { headers: auth });
      expect(revealed.status).toBe(200);
      expect(revealed.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await revealed.arrayBuffer()).equals(Buffer.from(original))).toBe(true);
    }
    const over = await fetch(`${url}?mode=revealed`, { headers: auth });
    expect(over.status).toBe(429);
    expect(((await over.json()) as any).code).toBe('LG_ERR_EXPOSURE_LIMIT');
    const exposure = await childSafety.json('GET', '/v1/cases/exposure');
    expect(exposure.body).toMatchObject({ today: 2, cap: 2 });
    const after = await childSafety.json('GET', `/v1/cases/${caseId}`);
    expect(after.body.views.map((v: any) => v.mode)).toEqual(['blurred', 'revealed', 'revealed']);
    const audit = await admin.json('GET', `/v1/audit?action=media_view&subject=case:${caseId}`);
    expect(audit.body.records.map((r: any) => r.data.mode)).toEqual([
      'blurred',
      'revealed',
      'revealed',
    ]);
  });

  it('decides: claim, confirm csam with classification, signed case.action webhook, audit grows', async () => {
    const caseAudit = async () =>
      (await admin.json('GET', `/v1/audit?limit=1000&subject=case:${caseId}`)).body.records.filter(
        (r: any) => r.type === 'case_transition' || r.type === 'decision',
      );
    const before = (await caseAudit()).length;
    const claim = await childSafety.json('POST', `/v1/cases/${caseId}/transitions`, {
      to: 'in_review',
      reason: 'claim',
    });
    expect(claim.status).toBe(200);
    expect(claim.body.case.state).toBe('in_review');
    const d = await childSafety.json('POST', `/v1/cases/${caseId}/decision`, {
      kind: 'confirm',
      category: 'csam',
      classification: 'A1',
      addToLocalBank: true,
    });
    expect(d.status).toBe(200);
    expect(d.body.case.state).toBe('actioned');
    expect(d.body.plan.reportable).toBe(true);
    expect(d.body.plan.actions.map((a: any) => a.type)).toEqual(
      expect.arrayContaining(['remove_content', 'suspend_account', 'restrict_minor_contact']),
    );
    // A second decision on a closed case conflicts.
    const again = await childSafety.json('POST', `/v1/cases/${caseId}/decision`, {
      kind: 'escalate',
    });
    expect(again.status).toBe(409);
    for (let i = 0; i < 100 && !received.some((r) => r.body.type === 'case.action'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const hook = received.find((r) => r.body.type === 'case.action')!;
    expect(hook.valid).toBe(true);
    expect(hook.body.data).toMatchObject({ caseId, decision: 'confirm', category: 'csam' });
    expect(JSON.stringify(hook.body)).not.toContain('placeholder report words');
    // Other work (evidence preservation) may add its own records: count this case's own.
    const records = await caseAudit();
    expect(records.length).toBe(before + 2);
    expect(records.slice(-2).map((r: any) => r.type)).toEqual(['case_transition', 'decision']);
    // The confirmed copies' hashes reached the local bank (feedback), creating it.
    const bank = await admin.json('GET', '/v1/banks/local-confirmed');
    expect(bank.status).toBe(200);
    // The metrics show the decision.
    const m = await admin.json('GET', '/v1/cases/metrics');
    expect(m.body.toDecisionMs.verified_csam.count).toBe(1);
    expect(m.body.reviewers.find((r: any) => r.views > 0).exposure).toBe(2);
    const prom = await (await fetch(`${srv.url}/metrics`)).text();
    expect(prom).toContain('lifeguard_case_decisions_total');
    expect(prom).toMatch(/lifeguard_case_backlog\{severity="other",breached="false"\} [1-9]/);
  });
});
