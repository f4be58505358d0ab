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
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `i` as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Parse ISO 8601 `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or `+hh:mm`/`-hh:mm` into
 * ms since the epoch, or undefined. The zone is required: a zone-less time would be read in the
 * machine's local zone and replays would differ between machines. Hand-written because it runs
 * once per event and a validating regex plus `Date.parse` cost more than the rest of the parse.
 */
export function parseIsoTimeMs(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length < 17 || v.length > 40) return undefined;
  const c0 = d2(v, 0);
  const c1 = d2(v, 2);
  const mo = d2(v, 5);
  const d = d2(v, 8);
  const h = d2(v, 11);
  const mi = d2(v, 14);
  if (c0 < 0 || c1 < 0 || v[4] !== '-' || v[7] !== '-' || v[10] !== 'T' || v[13] !== ':')
    return undefined;
  if (mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
  const y = c0 * 100 + c1;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : (DAYS[mo - 1] as number))) return undefined;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (v[i] === ':') {
    sec = d2(v, i + 1);
    if (sec < 0 || sec > 59) return undefined;
    i += 3;
    if (v[i] === '.') {
      let j = i + 1;
      let frac = 0;
      let scale = 100;
      while (j < v.length && j - i <= 9) {
        const c = v.charCodeAt(j) - 48;
        if (c < 0 || c > 9) break;
        frac += c * scale;
        scale /= 10;
        j++;
      }
      if (j === i + 1) return undefined;
      ms = Math.floor(frac + 1e-9);
      i = j;
    }
  }
  let offset = 0;
  if (v[i] === 'Z' && i + 1 === v.length) offset = 0;
  else if ((v[i] === '+' || v[i] === '-') && i + 6 === v.length && v[i + 3] === ':') {
    const oh = d2(v, i + 1);
    const om = d2(v, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = (v[i] === '+' ? 1 : -1) * (oh * 60 + om) * 60_000;
  } else return undefined;
  const t = ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms - offset;
  return t >= 0 ? t : undefined;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), by integer arithmetic:
 * cheaper than `Date.UTC` on a path that runs once per event, and it takes years below 100
 * literally (`Date.UTC` maps 0-99 to 1900-1999).
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // [0, 399]
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function fail(reason: string): ParseEventResult {
  return { ok: false, reason };
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
  const atMs = parseIsoTimeMs(o.at);
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
      const c = parseIsoTimeMs(o.createdAt);
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
  // Cheap blank check: only a line not starting with '{' can be blank.
  if (line.length === 0 || (line.charCodeAt(0) !== 123 && line.trim() === '')) return undefined;
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
