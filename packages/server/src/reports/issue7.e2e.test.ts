/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any --
   HTTP answers are asserted field by field. */
/**
 * Issue 7 end to end, over real HTTP against a running server (SQLite, vault, job worker):
 * an upload matches a CSAM-labelled bank -> a case opens -> a child-safety reviewer claims it,
 * views the media in full and confirms it -> previews and confirms the CyberTipline report ->
 * the worker files it at the fake (valid XML, file uploaded, finished) -> the report id is on
 * the case, which is `reported` -> the preserved evidence is readable by an authorised role and
 * refused to others -> every step is in the audit log.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../config/server.config.js';
import { startServer, type RunningServer } from '../server.runner.js';
import { startFakeCyberTipline, type FakeCyberTipline } from '../testing/fake-cybertipline.js';
import { referenceImages } from '../testing/reference-images.js';

const PASSWORD = 'issue7-ct-password';
const image = readFileSync(referenceImages()[2]!.file);
const md5 = createHash('md5').update(image).digest('hex');
const UPLOAD_AT = '2026-11-24T09:30:00.000Z';
const UPLOAD = {
  ip: '203.0.113.45',
  port: 50123,
  at: UPLOAD_AT,
  possibleProxy: false,
  devices: [{ idType: 'IMEI', idValue: '490154203237518' }],
};

describe('issue 7: match -> case -> confirmed -> reported -> evidence, audited', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-issue7-'));
  const adminKey = `test-admin-${randomBytes(24).toString('hex')}`;
  let s: RunningServer;
  let fake: FakeCyberTipline;

  beforeAll(async () => {
    fake = await startFakeCyberTipline({ password: PASSWORD });
    const config = loadServerConfig({
      env: { LIFEGUARD_CYBERTIPLINE_PASSWORD: PASSWORD },
      overrides: {
        dataDir: dir,
        port: 0,
        logLevel: 'silent',
        adminKey,
        limits: { hashWorkers: 1 },
        reports: {
          cybertipline: { environment: 'custom', baseUrl: fake.baseUrl, username: 'esp-user' },
          reporter: { espService: 'Example Chat', email: 'safety@example.org' },
        },
      },
    });
    s = await startServer(config, { notice: () => undefined, warn: () => undefined });
    await s.indexLoaded;
  });
  afterAll(async () => {
    await s?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${s.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  async function login(username: string, roles: string[]) {
    const password = `${username} password 123`;
    expect((await admin('POST', '/v1/users', { username, password, roles })).status).toBe(201);
    const r = await fetch(`${s.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(r.status).toBe(200);
    const cookie = /lg_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')![0];
    const { csrf } = (await r.json()) as { csrf: string };
    return (method: string, path: string, body?: unknown) =>
      fetch(`${s.url}${path}`, {
        method,
        headers: {
          cookie,
          'x-lifeguard-csrf': csrf,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
  }

  it('files exactly one valid report and keeps the evidence for the right people only', async () => {
    // A bank of verified material (labelled csam) holds the upload's MD5.
    expect((await admin('POST', '/v1/banks', { name: 'verified', labels: ['csam'] })).status).toBe(
      201,
    );
    expect(
      (
        await admin('POST', '/v1/banks/verified/entries', {
          entries: [{ signalType: 'md5', value: md5 }],
        })
      ).status,
    ).toBeLessThan(300);
    await s.ctx.catchUp();

    // A malformed upload context is refused, naming the field and never echoing the value.
    const badFd = new FormData();
    badFd.append('upload', JSON.stringify({ ip: '203.0.113.300' }));
    badFd.append('file', new Blob([image]), 'upload.jpg');
    const badScan = await fetch(`${s.url}/v1/scan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
      body: badFd,
    });
    expect(badScan.status).toBe(400);
    const badBody = await badScan.text();
    expect(badBody).toContain('upload.ip');
    expect(badBody).not.toContain('203.0.113.300');

    // The upload matches: a case opens with the review copy kept, and with how the upload
    // reached the platform (IP, port, time, device).
    const fd = new FormData();
    fd.append('userId', 'u_77');
    fd.append('upload', JSON.stringify(UPLOAD));
    fd.append('file', new Blob([image]), 'upload.jpg');
    const scan = await fetch(`${s.url}/v1/scan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
      body: fd,
    });
    expect(scan.status).toBe(200);
    const scanned = (await scan.json()) as any;
    expect(scanned.matches.length).toBeGreaterThan(0);
    const caseId = String(scanned.caseId);
    expect(caseId).not.toBe('undefined');

    const csr = await login('csr', ['child_safety_reviewer']);
    const rita = await login('rita', ['reviewer']);

    // Claim, look at the original (recorded), confirm as CSAM with a classification.
    expect(
      (await csr('POST', `/v1/cases/${caseId}/transitions`, { to: 'in_review', reason: 'claim' }))
        .status,
    ).toBe(200);
    const detail = (await (await csr('GET', `/v1/cases/${caseId}`)).json()) as any;
    const itemId = String(detail.items[0].id);
    expect(
      (await rita('GET', `/v1/cases/${caseId}/items/${itemId}/media?mode=revealed`)).status,
    ).toBe(403);
    const view = await csr('GET', `/v1/cases/${caseId}/items/${itemId}/media?mode=revealed`);
    expect(view.status).toBe(200);
    await view.arrayBuffer();
    const decided = await csr('POST', `/v1/cases/${caseId}/decision`, {
      kind: 'confirm',
      category: 'csam',
      classification: 'A1',
    });
    expect(decided.status).toBe(200);

    // Preview, then the explicit go.
    const preview = (await (await csr('POST', `/v1/cases/${caseId}/report`)).json()) as any;
    expect(preview.problems).toEqual([]);
    expect(preview.summary).toMatchObject({
      category: 'csam',
      classification: 'A1',
      reportedUser: {
        espIdentifier: 'u_77',
        ipCaptureEvents: [
          { ipAddress: UPLOAD.ip, eventName: 'Upload', dateTime: UPLOAD_AT, port: UPLOAD.port },
        ],
      },
    });
    expect(preview.files[0].views).toMatchObject([{ mode: 'revealed', full: true }]);
    expect(preview.files[0].uploadedAt).toBe(UPLOAD_AT);
    expect(preview.files).toMatchObject([
      { itemId, fileViewedByEsp: true, industryClassification: 'A1', fileRelevance: 'Reported' },
    ]);
    expect((await rita('POST', `/v1/cases/${caseId}/report/confirm`, {})).status).toBe(403);
    const confirmed = await csr('POST', `/v1/cases/${caseId}/report/confirm`, {
      documentSha256: preview.documentSha256,
    });
    expect(confirmed.status).toBe(202);

    // The worker files it.
    let sub: any;
    for (let i = 0; i < 300; i++) {
      sub = ((await (await admin('GET', `/v1/cases/${caseId}/report`)).json()) as any)
        .submissions[0];
      if (sub.state === 'finished') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(sub.state).toBe('finished');
    expect(fake.rejected).toEqual([]);
    expect(fake.finished().map((r) => String(r.reportId))).toEqual([sub.reportId]);
    const filed = fake.finished()[0]!;
    expect(filed.document).toContain('<espIdentifier>u_77</espIdentifier>');
    expect(filed.document).toContain(
      `<ipCaptureEvent><ipAddress>${UPLOAD.ip}</ipAddress><eventName>Upload</eventName>` +
        `<dateTime>${UPLOAD_AT}</dateTime><possibleProxy>false</possibleProxy>` +
        `<port>${UPLOAD.port}</port></ipCaptureEvent>`,
    );
    // The incident happened when the file was uploaded, not when the case opened.
    expect(filed.document).toContain(`<incidentDateTime>${UPLOAD_AT}</incidentDateTime>`);
    const [file] = [...filed.files.values()];
    expect(file!.md5).toBe(md5);
    expect(file!.details).toContain('<fileViewedByEsp>true</fileViewedByEsp>');
    expect(file!.details).toContain('<industryClassification>A1</industryClassification>');
    expect(file!.details).toContain(`<originalFileHash hashType="MD5">${md5}</originalFileHash>`);
    expect(file!.details).toContain(
      `<uploadedToEspTimestamp>${UPLOAD_AT}</uploadedToEspTimestamp>`,
    );
    expect(file!.details).toContain(`<ipAddress>${UPLOAD.ip}</ipAddress>`);
    expect(file!.details).toContain(
      `<deviceId><idType>IMEI</idType><idValue>${UPLOAD.devices[0]!.idValue}</idValue>`,
    );

    // The report id is on the case, which is reported.
    const after = (await (await csr('GET', `/v1/cases/${caseId}`)).json()) as any;
    expect(after.case.state).toBe('reported');
    expect(JSON.stringify(after.transitions)).toContain(`reported:cybertipline:${sub.reportId}`);

    // Evidence: preserved by the follower; a child-safety reviewer reads it, a reviewer cannot.
    // (The vault records the media object, then the metadata: wait for both.)
    let evidence: any[] = [];
    let metaRecords: any[] = [];
    for (let i = 0; i < 200 && (evidence.length === 0 || metaRecords.length === 0); i++) {
      const r = await csr('GET', `/v1/cases/${caseId}/evidence`);
      expect(r.status).toBe(200);
      const all = ((await r.json()) as any).evidence;
      evidence = all.filter((e: any) => e.kind === 'media');
      metaRecords = all.filter((e: any) => e.kind === 'metadata');
      if (evidence.length === 0 || metaRecords.length === 0) {
        await new Promise((r2) => setTimeout(r2, 50));
      }
    }
    expect(evidence).toHaveLength(1);
    // The preserved metadata keeps the account, IP, port, time and device of the upload.
    expect(metaRecords.length).toBeGreaterThan(0);
    const meta = (await (await csr('GET', `/v1/evidence/${metaRecords[0].id}`)).json()) as any;
    const hashSignal = meta.signals.find((sg: any) => sg.item.source.kind === 'hash_match');
    expect(hashSignal.item.source.uploader).toBe('u_77');
    expect(hashSignal.item.source.upload).toEqual({
      ip: UPLOAD.ip,
      port: UPLOAD.port,
      at: Date.parse(UPLOAD_AT),
      possibleProxy: false,
      devices: UPLOAD.devices,
    });
    const bytes = await csr('GET', `/v1/evidence/${evidence[0].id}`);
    expect(bytes.status).toBe(200);
    expect(Buffer.from(await bytes.arrayBuffer()).equals(image)).toBe(true);
    expect((await rita('GET', `/v1/evidence/${evidence[0].id}`)).status).toBe(403);
    expect((await rita('GET', `/v1/cases/${caseId}/evidence`)).status).toBe(403);

    // Everything is in the audit log, in order, with no credentials. (The follower records
    // its preservation just after storing it: give it a moment.)
    const expected = [
      'media_view',
      'decision',
      'report_sent:confirmed',
      'report_sent:finished',
      'evidence_preserve',
      'evidence_access:granted',
      'evidence_access:refused',
    ];
    let audit = await s.ctx.audit.list({ limit: 1000 });
    let mine: string[] = [];
    for (let i = 0; i < 100; i++) {
      audit = await s.ctx.audit.list({ limit: 1000 });
      mine = audit
        .filter(
          (a) =>
            a.subject === `case:${caseId}` ||
            (a.subject ?? '').startsWith('evidence:') ||
            (a.subject ?? '').startsWith('item:'),
        )
        .map(
          (a) =>
            `${a.type}${typeof a.data.phase === 'string' ? `:${a.data.phase}` : ''}${typeof a.data.result === 'string' ? `:${a.data.result}` : ''}`,
        );
      if (expected.every((e) => mine.some((m) => m.startsWith(e)))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(expected.filter((e) => !mine.some((m) => m.startsWith(e)))).toEqual([]);
    expect(mine.indexOf('report_sent:confirmed')).toBeLessThan(
      mine.indexOf('report_sent:finished'),
    );
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  }, 60_000);
  it('keeps the upload context of JSON and asynchronous scans too', async () => {
    const md5s = ['1'.repeat(32), '2'.repeat(32)];
    expect((await admin('POST', '/v1/banks', { name: 'more', labels: ['csam'] })).status).toBe(201);
    expect(
      (
        await admin('POST', '/v1/banks/more/entries', {
          entries: md5s.map((value) => ({ signalType: 'md5', value })),
        })
      ).status,
    ).toBeLessThan(300);
    await s.ctx.catchUp();
    const upload = { ip: '2001:db8::45', at: '2026-11-24T10:00:00+01:00', port: 443 };
    const expected = { ip: upload.ip, port: 443, at: Date.parse('2026-11-24T09:00:00Z') };

    const sync = await admin('POST', '/v1/scan', {
      hashes: { md5: md5s[0] },
      userId: 'u_json',
      upload,
    });
    expect(sync.status).toBe(200);
    const syncCase = String(((await sync.json()) as any).caseId);

    const queued = await admin('POST', '/v1/scan?async=1', {
      hashes: { md5: md5s[1] },
      userId: 'u_async',
      upload,
    });
    expect(queued.status).toBe(202);
    const jobId = ((await queued.json()) as any).jobId;
    let job: any;
    for (let i = 0; i < 200; i++) {
      job = await (await admin('GET', `/v1/jobs/${jobId}`)).json();
      if (job.state === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.state).toBe('succeeded');
    const asyncCase = String(job.result.caseId);

    for (const [caseId, uploader] of [
      [syncCase, 'u_json'],
      [asyncCase, 'u_async'],
    ] as const) {
      const [sg] = await s.ctx.caseStore.signals(caseId, 10);
      const src = sg!.item.source;
      expect(src.kind).toBe('hash_match');
      if (src.kind !== 'hash_match') continue;
      expect(src.uploader).toBe(uploader);
      expect(src.upload).toEqual(expected);
    }

    // Checked before anything is queued: a bad value never reaches the job table.
    const bad = await admin('POST', '/v1/scan?async=1', {
      hashes: { md5: md5s[1] },
      upload: { ip: '10.0.0.1', at: '2026-11-24T10:00:00' },
    });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toMatch(/upload[./]at/); // the JSON schema names the field
    expect(text).not.toContain('10.0.0.1');
  }, 60_000);
});
