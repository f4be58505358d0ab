/**
 * JSON schemas shared by the routes. They validate requests (unknown fields are rejected:
 * `additionalProperties: false` everywhere, with Ajv's `removeAdditional` off) and generate
 * the OpenAPI document.
 */

/** A problem+json response (RFC 9457), for route `response` maps. */
export const PROBLEM_RESPONSE = {
  description: 'Problem document (application/problem+json) with a stable LG_ERR_* code',
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
} as const;

/** Error responses every authenticated route can produce. */
export const ERROR_RESPONSES = {
  400: PROBLEM_RESPONSE,
  401: PROBLEM_RESPONSE,
  403: PROBLEM_RESPONSE,
  429: PROBLEM_RESPONSE,
  500: PROBLEM_RESPONSE,
} as const;

/** Hashes of one piece of content. */
export const HASHES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pdq: { type: 'string', description: 'PDQ hash, 64 hex characters' },
    md5: { type: 'string', description: 'MD5 of the bytes, 32 hex characters' },
    sha256: { type: 'string', description: 'SHA-256 of the bytes, 64 hex characters' },
  },
} as const;

/** One match in a scan or lookup answer. */
export const MATCH_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bank', 'entryId', 'signal', 'distance', 'threshold', 'labels', 'action'],
  properties: {
    bank: { type: 'string' },
    bankKind: { type: 'string', enum: ['block', 'allow'] },
    entryId: { type: 'integer' },
    signal: { type: 'string', enum: ['pdq', 'md5', 'sha256'] },
    value: { type: 'string', description: 'The matched entry value (hex)' },
    distance: { type: 'integer' },
    threshold: { type: 'integer' },
    labels: { type: 'array', items: { type: 'string' } },
    action: { type: 'string', enum: ['block', 'review', 'allow'] },
  },
} as const;

/** Flood-control report. */
export const TRUNCATED_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['bank', 'omitted'],
    properties: { bank: { type: 'string' }, omitted: { type: 'integer' } },
  },
} as const;

/** A bank as the API shows it. */
export const BANK_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'kind', 'labels', 'pdqThreshold', 'qualityFloor', 'enabled'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    description: { type: 'string' },
    source: { type: 'string', enum: ['local', 'file', 'exchange'] },
    labels: { type: 'array', items: { type: 'string' } },
    kind: { type: 'string', enum: ['block', 'allow'] },
    pdqThreshold: { type: 'integer' },
    qualityFloor: { type: 'integer' },
    enabled: { type: 'boolean' },
    enabledRatio: { type: 'number' },
    maxMatchesPerLookup: { type: 'integer' },
    createdAt: { type: 'string' },
    action: {
      type: ['string', 'null'],
      enum: ['block', 'review', 'allow', null],
      description: 'Stored per-bank action; null falls back to config and label rules',
    },
    entries: {
      type: 'object',
      additionalProperties: false,
      properties: { total: { type: 'integer' }, enabled: { type: 'integer' } },
    },
  },
} as const;

/** Settings a client may set on a bank (create and patch). */
export const BANK_SETTINGS_PROPERTIES = {
  description: { type: 'string', maxLength: 10_000 },
  labels: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 100 } },
  kind: { type: 'string', enum: ['block', 'allow'] },
  source: { type: 'string', enum: ['local', 'file', 'exchange'] },
  pdqThreshold: { type: 'integer', minimum: 0, maximum: 256 },
  qualityFloor: { type: 'integer', minimum: 0, maximum: 100 },
  enabled: { type: 'boolean' },
  enabledRatio: { type: 'number', minimum: 0, maximum: 1 },
  maxMatchesPerLookup: { type: 'integer', minimum: 1, maximum: 100_000 },
  action: { type: ['string', 'null'], enum: ['block', 'review', 'allow', null] },
} as const;
