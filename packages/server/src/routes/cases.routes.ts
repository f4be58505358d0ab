import {
  allowedTargets,
  ErrorCodes,
  isCsamSeverity,
  LifeguardError,
  scorePriority,
  type CaseSeverity,
  type CaseState,
  type ConfirmCategory,
  type ReviewDecision,
} from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import { assertMayView, caseAccess, requestActor } from '../cases/case-access.js';
import { blurredPreview, sniffImageType } from '../cases/case-media.js';
import { summarizeDurations } from '../cases/case.metrics.js';
import {
  CASE_DETAIL_SCHEMA,
  CASE_SCHEMA,
  DECISION_BODY,
  INTAKE_SCHEMA,
  MANUAL_BODY,
  PLAN_SCHEMA,
  TRANSITION_BODY,
} from '../cases/case.schemas.js';
import { caseView, itemView, signalView } from '../cases/case.views.js';
import type { ServerContext } from '../server.context.js';

const DAY = 86_400_000;
const ID = { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } as const;
const CASE_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: ID },
} as const;
const ITEM_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'itemId'],
  properties: { id: ID, itemId: ID },
} as const;
const NOT_FOUND = { 404: PROBLEM_RESPONSE } as const;

function intakeView(o: {
  caseId: string;
  itemId: string;
  signalId: string;
  opened: boolean;
  via: string;
  linkedTo: readonly string[];
}) {
  return {
    caseId: o.caseId,
    itemId: o.itemId,
    signalId: o.signalId,
    opened: o.opened,
    via: o.via,
    linkedTo: o.linkedTo,
  };
}

/** Start of the UTC day of `now`: the exposure cap's window. */
export function utcDayStart(now: number): number {
  return Math.floor(now / DAY) * DAY;
}

/**
 * The case API (issue 6): queue, detail, manual cases, transitions, decisions, item media
 * (never cacheable; CSAM-case media only for child-safety reviewers; views recorded against
 * the daily exposure cap), text views, exposure and metrics. Authorisation: `case-access.ts`.
 */
export function caseRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const policy = ctx.config.cases.policy;
  const store = ctx.caseStore;
  const mustGet = async (id: string) => {
    const c = await store.get(id);
    if (c === undefined) throw new LifeguardError(ErrorCodes.NOT_FOUND, 'unknown case', { id });
    return c;
  };

  app.get(
    '/v1/cases',
    {
      onRequest: caseAccess(ctx, 'read'),
      schema: {
        tags: ['cases'],
        summary: 'The review queue, highest priority first',
        description:
          'Active cases (open, in_review, escalated) unless `state` says otherwise, sorted by ' +
          'priority (ties: oldest first), with SLA due time and breach. Cursor pagination.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'array', items: TRANSITION_BODY.properties.to },
            severity: { type: 'array', items: CASE_SCHEMA.properties.severity },
            breached: { type: 'boolean' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string', maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['cases', 'next'],
            properties: {
              cases: { type: 'array', items: CASE_SCHEMA },
              next: { type: ['string', 'null'], description: 'Cursor of the next page' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        state?: CaseState[];
        severity?: CaseSeverity[];
        breached?: boolean;
        limit: number;
        cursor?: string;
      };
      const page = await store.queue({
        limit: q.limit,
        ...(q.state !== undefined ? { states: q.state } : {}),
        ...(q.severity !== undefined ? { severities: q.severity } : {}),
        ...(q.breached !== undefined ? { breached: q.breached } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      const now = Date.now();
      return { cases: page.cases.map((c) => caseView(c, policy, now)), next: page.next };
    },
  );

  app.post(
    '/v1/cases',
    {
      onRequest: caseAccess(ctx, 'write'),
      schema: {
        tags: ['cases'],
        summary: 'Open a case by hand (folds like any signal)',
        body: MANUAL_BODY,
        response: { 201: INTAKE_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const b = request.body as {
        severity: CaseSeverity;
        media?: Record<string, string>;
        account?: string;
        ongoingHarm?: boolean;
      };
      const o = await ctx.cases.manual(requestActor(request), {
        severity: b.severity,
        ...(b.media !== undefined ? { media: b.media } : {}),
        ...(b.account !== undefined ? { account: b.account } : {}),
        ...(b.ongoingHarm !== undefined ? { ongoingHarm: b.ongoingHarm } : {}),
      });
      return reply.code(201).send(intakeView(o));
    },
  );

  app.get(
    '/v1/cases/metrics',
    {
      onRequest: caseAccess(ctx, 'metrics'),
      schema: {
        tags: ['cases'],
        summary: 'Case metrics: time to decision and action, backlog, breaches, reviewers',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sinceHours: { type: 'integer', minimum: 1, maximum: 24 * 90, default: 24 },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['since', 'backlog', 'breached', 'toDecisionMs', 'toActionMs', 'reviewers'],
            properties: {
              since: { type: 'integer', description: 'Epoch ms' },
              backlog: { type: 'object', additionalProperties: { type: 'integer' } },
              breached: { type: 'object', additionalProperties: { type: 'integer' } },
              toDecisionMs: {
                type: 'object',
                description: 'Per severity: count, p50, p90 of first signal -> first decision (ms)',
                additionalProperties: true,
              },
              toActionMs: {
                type: 'object',
                description: 'Per severity: count, p50, p90 of first signal -> first action (ms)',
                additionalProperties: true,
              },
              reviewers: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { sinceHours } = request.query as { sinceHours: number };
      const since = Date.now() - sinceHours * 3_600_000;
      const s = await store.stats(since);
      const names = new Set([
        ...Object.keys(s.decisionsByReviewer),
        ...Object.keys(s.viewsByReviewer),
      ]);
      return {
        since,
        backlog: s.backlog,
        breached: s.breached,
        toDecisionMs: summarizeDurations(s.toDecisionMs),
        toActionMs: summarizeDurations(s.toActionMs),
        reviewers: [...names].sort().map((r) => {
          const byMode = s.viewsByReviewer[r] ?? {};
          return {
            reviewer: r,
            decisions: s.decisionsByReviewer[r] ?? 0,
            views: Object.values(byMode).reduce((a, b) => a + b, 0),
            viewsByMode: byMode,
            exposure: byMode.revealed ?? 0,
          };
        }),
      };
    },
  );

  app.get(
    '/v1/cases/exposure',
    {
      onRequest: caseAccess(ctx, 'read'),
      schema: {
        tags: ['cases'],
        summary: "The caller's revealed media views today and the daily cap",
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['today', 'cap', 'dayStart'],
            properties: {
              today: { type: 'integer', description: 'Revealed views since UTC midnight' },
              cap: { type: 'integer' },
              dayStart: { type: 'integer', description: 'UTC midnight (epoch ms)' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const day = utcDayStart(Date.now());
      const used = await store.exposure(requestActor(request).id, day);
      return { today: used, cap: ctx.config.cases.exposureCapPerDay, dayStart: day };
    },
  );

  app.get(
    '/v1/cases/:id',
    {
      onRequest: caseAccess(ctx, 'read'),
      schema: {
        tags: ['cases'],
        summary: 'A case with its items, signals, history and the account history',
        params: CASE_PARAMS,
        response: { 200: CASE_DETAIL_SCHEMA, ...ERROR_RESPONSES, ...NOT_FOUND },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const actor = requestActor(request);
      const c = await mustGet(id);
      const mayView = !isCsamSeverity(c.severity) || actor.roles.includes('child_safety_reviewer');
      const [items, signals, transitions, decisions, views, feedback] = await Promise.all([
        store.items(id),
        store.signals(id, 200),
        store.transitions(id),
        store.decisions(id),
        store.views(id),
        store.feedback(id),
      ]);
      const accounts = new Set<string>();
      if (c.account !== null) accounts.add(c.account);
      for (const i of items) if (i.account !== null) accounts.add(i.account);
      const history = new Map<string, (typeof c)[]>();
      for (const a of [...accounts].slice(0, 5)) history.set(a, await store.casesOfAccount(a, 20));
      const others = new Map<string, typeof c>();
      for (const list of history.values())
        for (const o of list) if (o.id !== id) others.set(o.id, o);
      const now = Date.now();
      return {
        case: caseView(c, policy, now),
        priority: scorePriority(c.summary, policy, now),
        items: items.map(itemView),
        signals: signals.map((s) => signalView(s, mayView)),
        transitions,
        decisions,
        views,
        feedback,
        accountHistory: [...others.values()].map((o) => caseView(o, policy, now)),
        allowedTransitions: allowedTargets(c.state, actor, c.severity),
        mayViewMedia: mayView,
      };
    },
  );

  app.post(
    '/v1/cases/:id/transitions',
    {
      onRequest: caseAccess(ctx, 'write'),
      schema: {
        tags: ['cases'],
        summary: 'Move a case (claim, release, escalate, report, reopen)',
        description:
          'Allowed moves and roles: docs/cases.md. 409 when the move is not allowed from the ' +
          'current state (also when a colleague moved it first); 403 for a missing role.',
        params: CASE_PARAMS,
        body: TRANSITION_BODY,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['case'],
            properties: { case: CASE_SCHEMA },
          },
          ...ERROR_RESPONSES,
          ...NOT_FOUND,
          409: PROBLEM_RESPONSE,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const b = request.body as { to: CaseState; reason: string };
      const c = await ctx.cases.transition(id, b.to, requestActor(request), b.reason);
      return { case: caseView(c, policy, Date.now()) };
    },
  );

  app.post(
    '/v1/cases/:id/decision',
    {
      onRequest: caseAccess(ctx, 'write'),
      schema: {
        tags: ['cases'],
        summary: 'Decide a claimed case: confirm (with category), false positive, escalate',
        description:
          'Moves the case, records the decision and its audit record, and queues the ' +
          '`case.action` webhook (remove content, suspend account, restrict contact with ' +
          'minors) in one transaction; bank feedback follows.',
        params: CASE_PARAMS,
        body: DECISION_BODY,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['case', 'decisionId', 'plan'],
            properties: { case: CASE_SCHEMA, decisionId: { type: 'string' }, plan: PLAN_SCHEMA },
          },
          ...ERROR_RESPONSES,
          ...NOT_FOUND,
          409: PROBLEM_RESPONSE,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const b = request.body as {
        kind: ReviewDecision['kind'];
        category?: ConfirmCategory;
        classification?: string;
        addToLocalBank?: boolean;
        addToAllowBank?: boolean;
        note?: string;
      };
      let decision: ReviewDecision;
      if (b.kind === 'confirm') {
        if (b.category === undefined) {
          throw new LifeguardError(ErrorCodes.INVALID_REQUEST, 'confirm needs a category');
        }
        decision = {
          kind: 'confirm',
          category: b.category,
          ...(b.addToLocalBank !== undefined ? { addToLocalBank: b.addToLocalBank } : {}),
        };
      } else {
        if (b.category !== undefined || b.classification !== undefined) {
          throw new LifeguardError(
            ErrorCodes.INVALID_REQUEST,
            'category and classification go only with confirm',
          );
        }
        decision =
          b.kind === 'false_positive'
            ? {
                kind: 'false_positive',
                ...(b.addToAllowBank !== undefined ? { addToAllowBank: b.addToAllowBank } : {}),
              }
            : { kind: 'escalate' };
      }
      const r = await ctx.cases.decide(
        id,
        decision,
        { classification: b.classification ?? null, note: b.note ?? null },
        requestActor(request),
      );
      return { case: caseView(r.case, policy, Date.now()), decisionId: r.decisionId, plan: r.plan };
    },
  );

  app.get(
    '/v1/cases/:id/items/:itemId/media',
    {
      onRequest: caseAccess(ctx, 'media'),
      schema: {
        tags: ['cases'],
        summary: 'The review copy of an item: blurred greyscale preview or the original',
        description:
          '`blurred` (default) is rendered by the server; `revealed` is the original and counts ' +
          'toward the daily exposure cap (`LG_ERR_EXPOSURE_LIMIT`, 429). Every view is recorded ' +
          'with its mode. CSAM-severity cases: only child-safety reviewers (403 otherwise). ' +
          'Never cacheable.',
        params: ITEM_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mode: { type: 'string', enum: ['blurred', 'revealed'], default: 'blurred' },
          },
        },
        response: {
          200: {
            description: 'Image bytes',
            content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
          },
          ...ERROR_RESPONSES,
          ...NOT_FOUND,
          415: PROBLEM_RESPONSE,
          503: PROBLEM_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      const { id, itemId } = request.params as { id: string; itemId: string };
      const { mode } = request.query as { mode: 'blurred' | 'revealed' };
      const actor = requestActor(request);
      const c = await mustGet(id);
      assertMayView(actor, c.severity);
      const item = await store.item(id, itemId);
      if (item === undefined) throw new LifeguardError(ErrorCodes.NOT_FOUND, 'unknown item');
      if (item.blobKey === null) {
        throw new LifeguardError(ErrorCodes.NOT_FOUND, 'no review copy is kept for this item');
      }
      const blobs = ctx.cases.blobs;
      if (blobs === undefined) {
        throw new LifeguardError(ErrorCodes.UNAVAILABLE, 'no blob store is configured');
      }
      const bytes = await blobs.get(item.blobKey);
      if (bytes === undefined) {
        throw new LifeguardError(ErrorCodes.NOT_FOUND, 'the review copy is gone (purged)');
      }
      const body =
        mode === 'blurred'
          ? await blurredPreview(bytes, ctx.config.limits.maxImagePixels)
          : Buffer.from(bytes);
      const now = Date.now();
      await ctx.cases.recordView(
        { caseId: id, itemId, actor: actor.id, mode, at: now },
        utcDayStart(now),
      );
      return reply
        .header('content-type', mode === 'blurred' ? 'image/jpeg' : sniffImageType(bytes))
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', 'inline')
        .send(body);
    },
  );

  app.post(
    '/v1/cases/:id/items/:itemId/views',
    {
      onRequest: caseAccess(ctx, 'read'),
      schema: {
        tags: ['cases'],
        summary: 'Record a text-first view of an item (grooming evidence, report text)',
        params: ITEM_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['mode'],
          properties: { mode: { type: 'string', enum: ['text'] } },
        },
        response: {
          204: { type: 'null', description: 'Recorded' },
          ...ERROR_RESPONSES,
          ...NOT_FOUND,
        },
      },
    },
    async (request, reply) => {
      const { id, itemId } = request.params as { id: string; itemId: string };
      const actor = requestActor(request);
      const c = await mustGet(id);
      assertMayView(actor, c.severity);
      if ((await store.item(id, itemId)) === undefined) {
        throw new LifeguardError(ErrorCodes.NOT_FOUND, 'unknown item');
      }
      const now = Date.now();
      await ctx.cases.recordView(
        { caseId: id, itemId, actor: actor.id, mode: 'text', at: now },
        utcDayStart(now),
      );
      return reply.code(204).send();
    },
  );
}
