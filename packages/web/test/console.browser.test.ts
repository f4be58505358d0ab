/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   End-to-end test: JSON answers are read untyped; the test asserts their shape. */
/**
 * The review console end to end: the real `lifeguard serve` process (temp SQLite data dir,
 * built console), Debian Chromium driven by playwright-core, a local webhook receiver. Cases
 * are seeded through the public API (scans of benign reference images against banks, a user
 * report). Proves: login, queue in priority order, case view, blurred media revealed and
 * blurred again by itself, the panic key, a decision by keyboard that fires the webhook and
 * grows the audit log, and that the API itself refuses CSAM-case media to a reviewer without
 * the child-safety role. Then (issue 7) the confirmed case is reported from the console's
 * "Report to NCMEC" screen to a local fake CyberTipline that validates every document, the
 * report id shows on the case, and the preserved evidence is readable by the authorised role
 * only, all audited. Needs `npm run build` first. `LIFEGUARD_SCREENSHOTS=1` rewrites the
 * screenshots in docs/images/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../../server/src/auth/totp.js';
import {
  startFakeCyberTipline,
  type FakeCyberTipline,
} from '../../server/src/testing/fake-cybertipline.js';
import { referenceImages } from '../../server/src/testing/reference-images.js';
import {
  api,
  startServerProcess,
  type ServerProcess,
} from '../../server/src/testing/server-process.helper.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CHROMIUM = process.env.LIFEGUARD_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.LIFEGUARD_SCREENSHOTS === '1';
const CARA = { username: 'cara', password: 'cara console pass 1' };
const RITA = { username: 'rita', password: 'rita console pass 1' };
const LEO = { username: 'leo', password: 'leo console pass 1' };
const TINA = { username: 'tina', password: 'tina console pass 1' };
const ADA = { username: 'ada', password: 'ada console pass 1' };

interface Hook {
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

let server: ServerProcess;
let fake: FakeCyberTipline;
let receiver: Server;
const hooks: Hook[] = [];
let browser: Browser;
let admin: ReturnType<typeof api>;
let csamCase: string;
let csamItem: string;
let ritaId: string;
let csamBytes: Buffer;
const CT_PASSWORD = 'console-ct-password';
const UPLOAD_AT = '2026-11-24T09:30:00.000Z';
const UPLOAD = { ip: '198.51.100.23', port: 41234, at: UPLOAD_AT };

async function waitFor<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const until = Date.now() + 15_000;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function login(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(repoRoot, 'docs/images', name), fullPage: false });
}

// Like the PostgreSQL suites: without Chromium a developer machine skips, CI fails.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Chromium not found at ${CHROMIUM}: browser test skipped`);
const run = haveChromium || process.env.CI ? describe : describe.skip;

beforeAll(async () => {
  if (!haveChromium && !process.env.CI) return;
  if (!existsSync(join(repoRoot, 'packages/web/dist/index.html'))) {
    throw new Error('the console is not built: run `npm run build` first');
  }
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  fake = await startFakeCyberTipline({ password: CT_PASSWORD });
  server = await startServerProcess({
    env: { LIFEGUARD_CYBERTIPLINE_PASSWORD: CT_PASSWORD },
    config: {
      reports: {
        cybertipline: { environment: 'custom', baseUrl: fake.baseUrl, username: 'esp-user' },
        reporter: { espService: 'Example Chat', email: 'safety@example.org' },
      },
      limits: { hashWorkers: 1 },
      actions: { labels: { csam: 'block', spam: 'review' } },
      webhooks: {
        endpoints: [{ name: 'platform', url: hookUrl, secret: 'test-webhook-secret-0123456789' }],
        backoffBaseMs: 100,
      },
    },
  });
  admin = api(server.url, server.adminKey);
  const images = referenceImages();
  const bridge = images.find((i) => i.name === 'bridge-mods/aaa-orig.jpg')!;
  const pen = images.find((i) => i.name.endsWith('pen-and-coaster.png'))!;

  // Two banks: one labelled csam (block), one labelled spam (review).
  for (const [name, labels, pdq] of [
    ['known-csam', ['csam'], bridge.pdq],
    ['spam-images', ['spam'], pen.pdq],
  ] as const) {
    expect((await admin.json('POST', '/v1/banks', { name, labels })).status).toBe(201);
    const e = await admin.json('POST', `/v1/banks/${name}/entries`, {
      entries: [{ signalType: 'pdq', value: pdq }],
    });
    expect(e.status).toBeLessThan(300);
  }
  // Scans of the benign images open a verified-CSAM case and an "other" case with review copies.
  csamBytes = readFileSync(bridge.file);
  const s1 = await admin.upload('/v1/scan', csamBytes, {
    userId: 'acct-17',
    upload: JSON.stringify(UPLOAD),
  });
  expect(s1.status).toBe(200);
  expect(s1.body.verdict).toBe('block');
  csamCase = s1.body.caseId;
  const s2 = await admin.upload('/v1/scan', readFileSync(pen.file), { userId: 'acct-42' });
  expect(s2.body.verdict).toBe('review');
  // And a user report about an account.
  const rep = await admin.json('POST', '/v1/reports', {
    reporter: 'member-7',
    reportedAccount: 'acct-99',
    reason: 'harassment',
    text: 'placeholder report text',
  });
  expect(rep.status).toBe(201);
  for (const [u, roles] of [
    [CARA, ['reviewer', 'child_safety_reviewer']],
    [RITA, ['reviewer']],
    [LEO, ['lead']],
    [TINA, ['reviewer']],
    [ADA, ['admin']],
  ] as const) {
    const r = await admin.json('POST', '/v1/users', { ...u, roles });
    expect(r.status).toBe(201);
    if (u === RITA) ritaId = r.body.id;
  }
  const detail = await admin.json('GET', `/v1/cases/${csamCase}`);
  csamItem = detail.body.items.find((i: any) => i.hasMedia).id;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
  await new Promise((r) => receiver?.close(r));
});

run('review console in Chromium', () => {
  it('logs in, shows the queue by priority, reveals and re-blurs media, decides by key', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    // Short re-blur so the test sees it happen (the setting a reviewer can change).
    await ctx.addInitScript({
      content: "window.localStorage.setItem('lifeguard.reblurSeconds', '2');",
    });
    const page = await ctx.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
        cspErrors.push(m.text());
    });

    // Wrong password first: a generic message, no hint.
    await page.goto(server.url);
    await page.getByLabel('Username').fill(CARA.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Wrong username/);
    await login(page, CARA);

    // Queue: the API's priority order, highest first, with live SLA timers.
    const rows = page.locator('[data-testid=queue] tbody tr');
    await waitFor('three queue rows', async () => ((await rows.count()) === 3 ? true : undefined));
    const uiOrder: (string | null)[] = [];
    for (let i = 0; i < 3; i++) uiOrder.push(await rows.nth(i).getAttribute('data-case-id'));
    const apiQueue = (await admin.json('GET', '/v1/cases')).body.cases;
    expect(uiOrder).toEqual(apiQueue.map((c: any) => c.id));
    const prio = apiQueue.map((c: any) => c.priority);
    expect([...prio].sort((a: number, b: number) => b - a)).toEqual(prio);
    expect(apiQueue[0].id).toBe(csamCase);
    expect(apiQueue[0].severity).toBe('verified_csam');
    await expect(rows.first().locator('[data-testid=sla]').textContent()).resolves.toMatch(
      /due in/,
    );
    await shot(page, 'console-queue.png');

    // Open the top case from the keyboard (j/k move, Enter opens).
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('Enter');
    await page.getByTestId('case-severity').waitFor();
    const media = page.getByTestId('media');
    await media.waitFor();
    expect(await media.getAttribute('data-mode')).toBe('blurred');
    await expect(page.getByTestId('match').first().textContent()).resolves.toMatch(/known-csam/);
    await shot(page, 'console-case-blurred.png');

    // Click (not hover) to reveal; it blurs again by itself after the configured 2 s.
    await page.getByRole('button', { name: /^Reveal item/ }).click();
    await waitFor('revealed', async () =>
      (await media.getAttribute('data-mode')) === 'revealed' ? true : undefined,
    );
    await shot(page, 'console-case-revealed.png');
    await waitFor('re-blurred', async () =>
      (await media.getAttribute('data-mode')) === 'blurred' ? true : undefined,
    );
    await expect(page.getByTestId('exposure').textContent()).resolves.toMatch(/1 \/ 200/);

    // The server recorded both views with their modes.
    const views = (await admin.json('GET', `/v1/cases/${csamCase}`)).body.views;
    expect(views.map((v: any) => v.mode).sort()).toEqual(['blurred', 'revealed']);

    // Panic key: every image leaves the page at once.
    await page.keyboard.press('Escape');
    await page.getByTestId('panic-banner').waitFor();
    expect(await page.locator('img').count()).toBe(0);
    await page.getByRole('button', { name: 'Allow media again (blurred)' }).click();

    // Decide by keyboard: 1 = confirm CSAM (claims the open case first), classified A1.
    const auditBefore = (await admin.json('GET', '/v1/audit?limit=1000')).body.records.length;
    const classification = page.getByLabel('Industry classification');
    await classification.selectOption('A1');
    await classification.blur(); // keys typed into a select are not shortcuts
    await page.keyboard.press('1');
    await waitFor('actioned', async () =>
      (await page.getByTestId('case-state').textContent()) === 'actioned' ? true : undefined,
    );
    // The platform's webhook receives the actions.
    const hook = await waitFor('case.action webhook', () =>
      hooks.find((h) => h.headers['lifeguard-event'] === 'case.action'),
    );
    expect(hook.body.data.caseId).toBe(csamCase);
    expect(hook.body.data.decision).toBe('confirm');
    expect(hook.body.data.actions.map((a: any) => a.type)).toContain('remove_content');
    // The audit log grew: claim and decision at least.
    const audit = (await admin.json('GET', '/v1/audit?limit=1000')).body.records;
    expect(audit.length).toBeGreaterThanOrEqual(auditBefore + 2);
    const types = new Set(audit.map((r: any) => r.type ?? r.action));
    for (const t of ['login', 'login_failed', 'media_view', 'decision']) expect(types).toContain(t);
    expect(JSON.stringify(audit)).not.toContain('placeholder report text');
    expect(cspErrors).toEqual([]);
    await ctx.close();
  });

  it('reports the confirmed case to NCMEC from the console, and guards its evidence', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
    const page = await ctx.newPage();
    await login(page, CARA);
    await page.goto(`${server.url}/#/case/${csamCase}`);
    await page.getByTestId('case-severity').waitFor();
    // Nothing was sent by deciding, opening the case or (next) previewing the report.
    expect(fake.requests).toEqual([]);

    // n opens "Report to NCMEC" from the keyboard.
    await page.getByRole('button', { name: /^Report to NCMEC/ }).waitFor();
    await page.keyboard.press('n');
    await page
      .getByRole('heading', { name: `Report case #${csamCase} to NCMEC (CyberTipline)` })
      .waitFor();
    await page.getByTestId('report-files').waitFor();
    expect(await page.locator('img, video').count()).toBe(0); // no media on this screen
    await expect(page.getByTestId('incident-type').textContent()).resolves.toBe(
      'Child Pornography (possession, manufacture, and distribution)',
    );
    await expect(page.getByTestId('report-classification').textContent()).resolves.toMatch(/^A1:/);
    await expect(page.getByTestId('reported-user').textContent()).resolves.toBe(
      'acct-17 on Example Chat',
    );
    // fileViewedByEsp comes from the recorded full view, and the screen says whose.
    const viewed = page.getByTestId('file-viewed').first();
    expect(await viewed.getAttribute('data-value')).toBe('true');
    await expect(viewed.textContent()).resolves.toMatch(/viewed the whole file \(revealed\)/);
    // The upload's IP and time, as the platform sent them, are in the report.
    await expect(page.getByTestId('ip-capture').first().textContent()).resolves.toContain(
      UPLOAD.ip,
    );
    expect(fake.requests).toEqual([]);

    // Explicit confirmation: the button stays disabled until the box is ticked.
    const send = page.getByRole('button', { name: 'Send the report to NCMEC' });
    expect(await send.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: /I have checked this report/ }).check();
    expect(await send.isDisabled()).toBe(false);
    await shot(page, 'console-report.png');
    await send.click();

    // Progress, then the report id, from the fake's own answer.
    const filedId = page.getByTestId('filed-report-id');
    await filedId.waitFor({ timeout: 30_000 });
    expect(fake.rejected).toEqual([]);
    const finished = fake.finished();
    expect(finished).toHaveLength(1);
    const reportId = String(finished[0]!.reportId);
    await expect(filedId.textContent()).resolves.toContain(reportId);
    await expect(page.getByTestId('submission-state').first().textContent()).resolves.toBe(
      'finished',
    );
    const filed = finished[0]!;
    expect(filed.document).toContain('<espIdentifier>acct-17</espIdentifier>');
    expect(filed.document).toContain(`<ipAddress>${UPLOAD.ip}</ipAddress>`);
    const files = [...filed.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]!.details).toContain('<fileViewedByEsp>true</fileViewedByEsp>');
    expect(files[0]!.details).toContain('<industryClassification>A1</industryClassification>');
    expect(files[0]!.details).toContain(
      `<uploadedToEspTimestamp>${UPLOAD_AT}</uploadedToEspTimestamp>`,
    );
    // The sending button is gone for good: one live submission per case.
    expect(await send.isDisabled()).toBe(true);

    // Back on the case: reported, with the report id.
    await page.getByRole('button', { name: 'Back to the case' }).click();
    await waitFor('reported', async () =>
      (await page.getByTestId('case-state').textContent()) === 'reported' ? true : undefined,
    );
    await expect(page.getByTestId('case-report-id').textContent()).resolves.toContain(reportId);

    // Evidence: the child-safety reviewer reads the preserved bytes (integrity-checked)...
    let media: any;
    await waitFor('preserved media', async () => {
      const r = await ctx.request.get(`${server.url}/v1/cases/${csamCase}/evidence`);
      expect(r.status()).toBe(200);
      media = (await r.json()).evidence.find((e: any) => e.kind === 'media');
      return media ?? undefined;
    });
    const bytes = await ctx.request.get(`${server.url}/v1/evidence/${media.id}`);
    expect(bytes.status()).toBe(200);
    expect(Buffer.from(await bytes.body()).equals(csamBytes)).toBe(true);
    // ...a plain reviewer is refused by the API.
    const ritaCtx = await browser.newContext();
    const ritaPage = await ritaCtx.newPage();
    await login(ritaPage, RITA);
    for (const path of [`/v1/evidence/${media.id}`, `/v1/cases/${csamCase}/evidence`]) {
      const r = await ritaCtx.request.get(`${server.url}${path}`);
      expect(r.status()).toBe(403);
    }
    // Rita's report screen shows no report can be built for her, and nothing more is sent.
    await ritaPage.goto(`${server.url}/#/case/${csamCase}/report`);
    await ritaPage.getByTestId('preview-error').waitFor();
    expect(fake.finished()).toHaveLength(1);

    // The audit log has the view, the decision, the report (confirmed, finished) and both
    // evidence accesses, and never the credentials.
    const need = [
      'media_view',
      'decision',
      'report_sent:confirmed',
      'report_sent:finished',
      'evidence_access:granted',
      'evidence_access:refused',
    ];
    let seen: string[] = [];
    await waitFor('audit records', async () => {
      const records = (await admin.json('GET', '/v1/audit?limit=1000')).body.records;
      seen = records.map(
        (r: any) =>
          `${r.type ?? r.action}${typeof r.data?.phase === 'string' ? `:${r.data.phase}` : ''}` +
          `${typeof r.data?.result === 'string' ? `:${r.data.result}` : ''}`,
      );
      expect(JSON.stringify(records)).not.toContain(CT_PASSWORD);
      return need.every((n) => seen.some((x) => x.startsWith(n))) ? true : undefined;
    });
    await ritaCtx.close();
    await ctx.close();
  });

  it('refuses CSAM-case media to a reviewer without the child-safety role (the API, not just the UI)', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, RITA);
    await page.goto(`${server.url}/#/case/${csamCase}`);
    await page.getByTestId('case-severity').waitFor();
    await page.getByTestId('media-withheld').waitFor();
    expect(await page.locator('img').count()).toBe(0);
    // The same session asks the API directly: 403, for both modes, and nothing recorded.
    for (const mode of ['blurred', 'revealed']) {
      const r = await ctx.request.get(
        `${server.url}/v1/cases/${csamCase}/items/${csamItem}/media?mode=${mode}`,
      );
      expect(r.status()).toBe(403);
      expect((await r.json()).code).toBe('LG_ERR_FORBIDDEN');
    }
    const views = (await admin.json('GET', `/v1/cases/${csamCase}`)).body.views;
    expect(views.some((v: any) => String(v.actor).includes(ritaId))).toBe(false);
    await ctx.close();
  });

  it('asks for the TOTP code after the password when the user enrolled', async () => {
    // Tina enrols through the API with her session (the Account screen does the same calls).
    const lr = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TINA),
    });
    const cookie = lr.headers.get('set-cookie')!.split(';')[0]!;
    const { csrf } = (await lr.json()) as { csrf: string };
    const h = { cookie, 'x-lifeguard-csrf': csrf, 'content-type': 'application/json' };
    const enrol = await fetch(`${server.url}/v1/auth/totp/enrol`, {
      method: 'POST',
      headers: { cookie, 'x-lifeguard-csrf': csrf },
    });
    const { secret } = (await enrol.json()) as { secret: string };
    const key = base32Decode(secret);
    const step = totpStep(Date.now());
    const conf = await fetch(`${server.url}/v1/auth/totp/confirm`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ code: hotp(key, step) }),
    });
    expect(conf.status).toBe(200);

    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(server.url);
    await page.getByLabel('Username').fill(TINA.username);
    await page.getByLabel('Password').fill(TINA.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    const code = page.getByLabel('Code from your authenticator app');
    await code.waitFor();
    // The confirming code is spent; the next step's code is within the window.
    await code.fill(hotp(key, step + 1));
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await ctx.close();
  });

  it('shows leads the metrics as inline SVG charts', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
    const page = await ctx.newPage();
    await login(page, LEO);
    await page.keyboard.press('m');
    await page.getByRole('heading', { name: 'Metrics' }).waitFor();
    const charts = page.locator('figure.chart svg');
    await waitFor('four charts', async () => ((await charts.count()) === 4 ? true : undefined));
    // The backlog chart has a bar per severity and series, with the numbers in a table too.
    expect(await page.locator('figure.chart').first().locator('rect.bar').count()).toBe(8);
    await expect(page.locator('table.sr-only').first().textContent()).resolves.toMatch(/other/);
    // Cara decided the verified-CSAM case: its time to decision is a duration, not "no data".
    const decisionRow = page
      .locator('table.sr-only')
      .nth(1)
      .locator('tr', { hasText: 'verified CSAM' });
    await expect(decisionRow.locator('td').first().textContent()).resolves.toMatch(/\d+ (s|min)/);
    await shot(page, 'console-metrics.png');
    await ctx.close();
  });

  it('lets an admin add and disable users from the Users screen', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, ADA);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Username').fill('newbie');
    await page.getByLabel('Initial password (at least 10 characters)').fill('newbie console 1');
    await page.getByRole('checkbox', { name: 'child safety reviewer' }).check();
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('button', { name: 'Disable newbie' }).click();
    await page.getByRole('button', { name: 'Enable newbie' }).waitFor();
    const list = (await admin.json('GET', '/v1/users')).body.users;
    const u = list.find((x: any) => x.username === 'newbie');
    expect(u).toMatchObject({ roles: ['reviewer', 'child_safety_reviewer'], disabled: true });
    await ctx.close();
  });
});
