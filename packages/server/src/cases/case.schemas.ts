import { CASE_SEVERITIES, CASE_STATES, CONFIRM_CATEGORIES, REPORT_REASONS } from '@lifeguard/core';

/** JSON schemas of the case API (they validate requests and generate the OpenAPI document). */

const OPEN = { type: 'object', additionalProperties: true } as const;
const TIME = { type: 'integer', description: 'Epoch milliseconds (UTC)' } as const;
const TIME_OR_NULL = {
  type: ['integer', 'null'],
  description: 'Epoch milliseconds or null',
} as const;
const STR_LIST = { type: 'array', items: { type: 'string' } } as const;

/** A media reference in a request: at least one field. */
export const MEDIA_REF_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    contentId: { type: 'string', minLength: 1, maxLength: 256 },
    sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    md5: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
    pdq: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
  },
} as const;

/** A case in the queue and in the detail. */
export const CASE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'state',
    'severity',
    'priority',
    'items',
    'reports',
    'openedAt',
    'updatedAt',
    'sla',
    'slaDueAt',
    'needsConfirmation',
  ],
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: [...CASE_STATES] },
    severity: { type: 'string', enum: [...CASE_SEVERITIES] },
    priority: { type: 'number', description: 'Priority score as last computed (docs/cases.md)' },
    items: { type: 'integer', description: 'Signals folded into the case' },
    reports: { type: 'integer', description: 'User reports among them' },
    account: { type: ['string', 'null'] },
    assignee: { type: ['string', 'null'] },
    linkedTo: STR_LIST,
    alsoMatches: STR_LIST,
    openedAt: TIME,
    updatedAt: TIME,
    closedAt: TIME_OR_NULL,
    decidedAt: TIME_OR_NULL,
    actionedAt: TIME_OR_NULL,
    slaDueAt: { ...TIME, description: 'SLA deadline (epoch ms)' },
    slaBreachedAt: { ...TIME_OR_NULL, description: 'When the SLA check marked the breach' },
    needsConfirmation: {
      type: 'boolean',
      description: 'Blocked at scan time (auto-actioned) and still waiting for a human',
    },
    sla: {
      type: 'object',
      additionalProperties: false,
      required: ['dueAt', 'remainingMs', 'breached'],
      properties: {
        dueAt: TIME,
        remainingMs: { type: 'integer', description: 'Negative once overdue' },
        breached: { type: 'boolean' },
        basis: { type: 'string', description: 'Severity or `ongoing_harm` that set the deadline' },
      },
    },
    summary: { ...OPEN, description: 'Aggregated facts (severity clocks, reach, ongoing harm)' },
  },
} as const;

/** Result of folding one signal. */
export const INTAKE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['caseId', 'itemId', 'signalId', 'opened', 'via'],
  properties: {
    caseId: { type: 'string' },
    itemId: { type: 'string' },
    signalId: { type: 'string' },
    opened: { type: 'boolean', description: 'True when the signal opened a new case' },
    via: { type: 'string', description: 'Fold key that joined it, or `opened`' },
    linkedTo: STR_LIST,
  },
} as const;

/** `POST /v1/reports` body. */
export const REPORT_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['reporter', 'reason'],
  properties: {
    reporter: { type: 'string', minLength: 1, maxLength: 256 },
    reportedContent: MEDIA_REF_SCHEMA,
    reportedAccount: { type: 'string', minLength: 1, maxLength: 256 },
    reason: { type: 'string', enum: [...REPORT_REASONS] },
    text: {
      type: 'string',
      maxLength: 4000,
      description: 'Free text: stored for reviewers, never logged or sent in webhooks',
    },
    reach: {
      type: 'object',
      additionalProperties: false,
      properties: {
        views: { type: 'integer', minimum: 0 },
        shares: { type: 'integer', minimum: 0 },
      },
    },
  },
} as const;

/** `POST /v1/cases` (manual case) body. */
export const MANUAL_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['severity'],
  properties: {
    severity: { type: 'string', enum: [...CASE_SEVERITIES] },
    media: MEDIA_REF_SCHEMA,
    account: { type: 'string', minLength: 1, maxLength: 256 },
    ongoingHarm: { type: 'boolean', description: 'A minor is in contact now' },
  },
} as const;

/** `POST /v1/cases/{id}/transitions` body. */
export const TRANSITION_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'reason'],
  properties: {
    to: { type: 'string', enum: [...CASE_STATES] },
    reason: { type: 'string', minLength: 1, maxLength: 1000, description: 'Why (log-safe)' },
  },
} as const;

/** `POST /v1/cases/{id}/decision` body. */
export const DECISION_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: { type: 'string', enum: ['confirm', 'false_positive', 'escalate'] },
    category: {
      type: 'string',
      enum: [...CONFIRM_CATEGORIES],
      description: 'Required with confirm',
    },
    classification: {
      type: 'string',
      enum: ['A1', 'A2', 'B1', 'B2'],
      description:
        'Industry classification of confirmed CSAM (A: prepubescent, B: pubescent; 1: sex act, ' +
        '2: lascivious exhibition), carried into NCMEC reports; only with confirm',
    },
    addToLocalBank: { type: 'boolean', description: 'Confirm: bank the media hashes' },
    addToAllowBank: { type: 'boolean', description: 'False positive: add to the allow bank' },
    note: { type: 'string', maxLength: 1000, description: 'Log-safe note' },
  },
} as const;

/** A decision's outputs. */
export const PLAN_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'reason', 'actions', 'feedback', 'reportable'],
  properties: {
    to: { type: 'string', enum: [...CASE_STATES] },
    reason: { type: 'string' },
    actions: { type: 'array', items: OPEN },
    feedback: { type: 'array', items: OPEN },
    reportable: { type: 'boolean' },
  },
} as const;

/** The case detail. */
export const CASE_DETAIL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'case',
    'priority',
    'items',
    'signals',
    'transitions',
    'decisions',
    'views',
    'feedback',
    'accountHistory',
    'allowedTransitions',
    'mayViewMedia',
  ],
  properties: {
    case: CASE_SCHEMA,
    priority: {
      type: 'object',
      additionalProperties: false,
      required: ['score', 'components'],
      properties: {
        score: { type: 'number', description: 'Computed now' },
        components: { type: 'array', items: OPEN },
      },
    },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'kind', 'severity', 'count', 'firstAt', 'lastAt', 'hasMedia'],
        properties: {
          id: { type: 'string' },
          kind: { type: 'string', enum: ['media', 'account'] },
          media: { type: ['object', 'null'], additionalProperties: true },
          account: { type: ['string', 'null'] },
          severity: { type: 'string', enum: [...CASE_SEVERITIES] },
          count: { type: 'integer', description: 'Signals folded into this item' },
          firstAt: TIME,
          lastAt: TIME,
          hasMedia: { type: 'boolean', description: 'A review copy is kept' },
        },
      },
    },
    signals: {
      type: 'array',
      description:
        'Latest signals (at most 200), newest first: matches with bank, distance and threshold; ' +
        'risk reasons with evidence spans; reports (text only for those who may view the case)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'itemId', 'kind', 'severity', 'via', 'receivedAt', 'source'],
        properties: {
          id: { type: 'string' },
          itemId: { type: 'string' },
          kind: { type: 'string' },
          severity: { type: 'string' },
          via: { type: 'string' },
          receivedAt: TIME,
          source: OPEN,
          reach: OPEN,
          text: { type: ['string', 'null'], description: 'Report free text' },
          textWithheld: { type: 'boolean' },
        },
      },
    },
    transitions: { type: 'array', items: OPEN },
    decisions: { type: 'array', items: OPEN },
    views: { type: 'array', items: OPEN },
    feedback: { type: 'array', items: OPEN },
    accountHistory: { type: 'array', items: CASE_SCHEMA },
    allowedTransitions: { type: 'array', items: { type: 'string', enum: [...CASE_STATES] } },
    mayViewMedia: { type: 'boolean' },
  },
} as const;

/** An audit record. */
export const AUDIT_RECORD_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'prevHash', 'hash', 'type', 'actor', 'at', 'subject', 'data'],
  properties: {
    seq: { type: 'integer' },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
    type: { type: 'string' },
    actor: { type: 'string' },
    at: { type: 'integer', description: 'Epoch ms' },
    subject: { type: ['string', 'null'] },
    data: OPEN,
  },
} as const;
