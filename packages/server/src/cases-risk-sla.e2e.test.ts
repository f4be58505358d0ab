/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument --
   End-to-end tests read JSON answers whose shape is exactly what they assert. */
/**
 * End-to-end (issue 6), the real `lifeguard serve` process over real HTTP on SQLite: risk
 * events posted to `POST /v1/events` that take an adult account to `high` open a
 * `grooming_live_contact` case carrying the engine's reasons and the evidence spans of its text
 * hits; with a short SLA for that severity, the periodic check marks the case breached, fires
 * the signed `case.sla_breached` webhook and counts it in `/metrics`. Events are neutral
 * (contact requests, blocks, messages whose only hit is an off-platform @handle); the risk
 * levels are lowered in a rules file so the test does not depend on tuned weights.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServerProcess, type ServerProcess } from './testing/server-process.helper.js';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './testing/webhook-receiver.js';

const SECRET = 'case-sla-webhook-secret-0123456789';
const MIN = 60_000;
const DAY = 86_400_000;
const SLA_MS = 1500;

describe('risk alert to case, SLA breach webhook (SQLite)', () => {
  let srv: ServerProcess;
  let hooks: WebhookReceiver | undefined;
  let received: ReceivedWebhook[] = [];
  let writer: ReturnType<typeof api>;
  let reader: ReturnType<typeof api>;
  const T = Date.now() - 2 * 60 * MIN;
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    hooks = await startWebhookReceiver(SECRET);
    received = hooks.received;
    const rules = join(tmpdir(), `lifeguard-risk-rules-${process.pid}-${Date.now()}.json`);
    writeFileSync(rules, JSON.stringify({ levels: { watch: 0.02, high: 0.05, critical: 0.95 } }));
    srv = await startServerProcess({
      config: {
        riskRules: rules,
        limits: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 },
        cases: { slaCheckMs: 200, policy: { slaMs: { grooming_live_contact: SLA_MS } } },
        webhooks: {
          backoffBaseMs: 50,
          endpoints: [
            {
              name: 'platform',
              url: hooks.url,
              secret: SECRET,
              verdicts: ['block'],
              cases: true,
            },
          ],
        },
      },
    });
    const admin = api(srv.url, srv.adminKey);
    const key = async (name: string, scopes: string[]) => {
      const r = await admin.json('POST', '/v1/keys', { name, scopes });
      expect(r.status).toBe(201);
      return api(srv.url, r.body.key as string);
    };
    writer = await key('events', ['events:write']);
    reader = await key('reviewer', ['cases:read']);
  }, 60_000);

  afterAll(async () => {
    await srv?.stop();
    await hooks?.close();
  });

  it('opens a grooming case with the risk reasons and evidence spans, then fires the SLA breach', async () => {
    const g = 'adult-7';
    const ev: Record<string, unknown>[] = [
      { type: 'account', user: g, ageBand: 'adult', createdAt: iso(T - DAY), at: iso(T - DAY) },
    ];
    for (let i = 1; i <= 6; i++) {
      ev.push({ type: 'account', user: `${g}-m${i}`, ageBand: '13-15', at: iso(T - 200 * DAY) });
      ev.push({
        id: `${g}-req-${i}`,
        type: 'contact_request',
        from: g,
        to: `${g}-m${i}`,
        at: iso(T + i * MIN),
      });
    }
    for (let i = 1; i <= 3; i++) {
      ev.push({ type: 'block', from: `${g}-m${i}`, to: g, at: iso(T + 20 * MIN + i * MIN) });
    }
    const text = 'hello, add me there: @placeholder_handle';
    for (let i = 0; i < 2; i++) {
      ev.push({
        id: `${g}-msg-${i}`,
        type: 'message',
        from: g,
        to: `${g}-m5`,
        conversation: `${g}-c5`,
        text,
        at: iso(T + 40 * MIN + i * MIN),
      });
    }
    const posted = await writer.json('POST', '/v1/events', ev);
    expect(posted.status).toBe(200);
    expect(posted.body.accepted).toBe(ev.length);

    // The case opens once the events are durable and applied (asynchronously to the answer).
    let found: any;
    for (let i = 0; i < 100 && found === undefined; i++) {
      const q = await reader.json('GET', '/v1/cases?limit=50');
      expect(q.status).toBe(200);
      found = q.body.cases.find((c: any) => c.account === g);
      if (found === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found).toBeDefined();
    expect(found.severity).toBe('grooming_live_contact');
    const d = await reader.json('GET', `/v1/cases/${found.id}`);
    expect(d.status).toBe(200);
    const alert = d.body.signals.find((s: any) => s.kind === 'risk_alert');
    expect(alert.source.account).toBe(g);
    expect(alert.source.minorsInContact.length).toBeGreaterThan(0);
    expect(alert.source.score).toBeGreaterThanOrEqual(0.05);
    const reasons: any[] = alert.source.reasons;
    expect(reasons.length).toBeGreaterThan(1);
    for (const r of reasons) expect(r.contribution).toBeGreaterThan(0);
    // The text hit comes with its span in the message, and a redaction label, not the text.
    const textReason = reasons.find((r) => r.signal === 'text_off_platform');
    expect(textReason).toBeDefined();
    const span = textReason.evidence[0];
    expect(span.end).toBeGreaterThan(span.start);
    expect(text.slice(span.start, span.end)).toBe('@placeholder_handle');
    expect(JSON.stringify(d.body)).not.toContain('placeholder_handle');

    // SLA: 1.5 s for grooming with live contact, checked every 200 ms.
    let breach: any;
    for (let i = 0; i < 100 && breach === undefined; i++) {
      breach = received.find(
        (h) => h.body.type === 'case.sla_breached' && h.body.data.caseId === found.id,
      );
      if (breach === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(breach).toBeDefined();
    expect(breach.valid).toBe(true);
    expect(breach.body.data).toMatchObject({
      caseId: found.id,
      severity: 'grooming_live_contact',
      state: 'open',
    });
    expect(Date.parse(breach.body.data.slaDueAt)).toBe(d.body.case.slaDueAt);
    expect(d.body.case.slaDueAt - d.body.case.openedAt).toBe(SLA_MS);
    // Once: later checks do not fire it again.
    await new Promise((r) => setTimeout(r, 600));
    expect(
      received.filter(
        (h) => h.body.type === 'case.sla_breached' && h.body.data.caseId === found.id,
      ),
    ).toHaveLength(1);
    const after = await reader.json('GET', `/v1/cases/${found.id}`);
    expect(after.body.case.slaBreachedAt).not.toBeNull();
    expect(after.body.case.sla.breached).toBe(true);
    const breached = await reader.json('GET', '/v1/cases?limit=50&breached=true');
    expect(breached.body.cases.map((c: any) => c.id)).toContain(found.id);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(
      /lifeguard_case_sla_breaches_total\{severity="grooming_live_contact"\} 1\b/,
    );
  }, 60_000);
});
