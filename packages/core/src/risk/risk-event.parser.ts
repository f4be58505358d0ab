import type { AgeBand, RiskEvent } from './risk-event.model.js';

/** Outcome of parsing one event: the event, or a log-safe reason (never the input text). */
export type ParseEventResult =
  | { readonly ok: true; readonly event: RiskEvent }
  | { readonly ok: false; readonly reason: string };

/** Longest user id, conversation id or event id accepted (bytes of state stay bounded). */
export const MAX_ID_LENGTH = 256;

const BANDS = new Set<string>(['under13', '13-15', '16-17', 'adult', 'unknown']);
const PAIR_TYPES = new Set<string>([
  'contact_request',
  'contact_accept',
  'message',
  'block',
  'report',
]);
// ISO 8601 date-time with an explicit zone: a zone-less time would be read in the machine's
// local zone and make replays differ between machines.
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function fail(reason: string): ParseEventResult {
  return { ok: false, reason };
}

function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || !ISO_RE.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
}

/**
 * Validate an already-decoded JSON value as a risk event. Unknown fields are kept on the
 * returned object (forward compatibility) but the engine ignores them. The returned event
 * is the input object itself with `atMs` (and `createdAtMs`) added, to avoid a copy per event.
 */
export function parseRiskEvent(value: unknown): ParseEventResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not a JSON object');
  }
  const o = value as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string') return fail("missing field 'type'");
  const atMs = parseTime(o.at);
  if (atMs === undefined) return fail("field 'at' is not an ISO 8601 time with zone");
  if (o.id !== undefined && o.id !== null) {
    if (typeof o.id === 'number' && Number.isSafeInteger(o.id)) o.id = String(o.id);
    else if (!isId(o.id)) return fail("field 'id' is not a string of 1-256 characters");
  } else if (o.id === null) {
    delete o.id;
  }
  if (type === 'account') {
    if (!isId(o.user)) return fail("field 'user' is not a string of 1-256 characters");
    if (o.ageBand === null) delete o.ageBand;
    if (o.ageBand !== undefined && (typeof o.ageBand !== 'string' || !BANDS.has(o.ageBand))) {
      return fail("field 'ageBand' is not one of under13, 13-15, 16-17, adult, unknown");
    }
    if (o.createdAt !== undefined && o.createdAt !== null) {
      const c = parseTime(o.createdAt);
      if (c === undefined) return fail("field 'createdAt' is not an ISO 8601 time with zone");
      o.createdAtMs = c;
    }
    o.atMs = atMs;
    return { ok: true, event: o as unknown as RiskEvent };
  }
  if (!PAIR_TYPES.has(type)) return fail('unknown event type');
  if (!isId(o.from)) return fail("field 'from' is not a string of 1-256 characters");
  if (!isId(o.to)) return fail("field 'to' is not a string of 1-256 characters");
  if (o.from === o.to) return fail("fields 'from' and 'to' are the same user");
  if (type === 'message') {
    if (o.text === null) delete o.text;
    if (o.text !== undefined && typeof o.text !== 'string')
      return fail("field 'text' is not a string");
    if (o.conversation === null) delete o.conversation;
    if (o.conversation !== undefined && !isId(o.conversation)) {
      return fail("field 'conversation' is not a string of 1-256 characters");
    }
  }
  o.atMs = atMs;
  return { ok: true, event: o as unknown as RiskEvent };
}

/**
 * Parse one NDJSON line. Blank lines are `undefined` (skipped, not an error). The reason of
 * a failure never quotes the line: lines may carry message text.
 */
export function parseRiskEventLine(line: string): ParseEventResult | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return fail('invalid JSON');
  }
  return parseRiskEvent(value);
}

/** Narrow a string to an {@link AgeBand}, mapping anything else to `unknown`. */
export function toAgeBand(v: string | undefined): AgeBand {
  return v !== undefined && BANDS.has(v) ? (v as AgeBand) : 'unknown';
}
