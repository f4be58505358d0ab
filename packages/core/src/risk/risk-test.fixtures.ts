// Test helpers for building risk events by hand (test-only, not exported from the package).
import { RiskEngine } from './risk.engine.js';
import type { AgeBand, RiskEvent } from './risk-event.model.js';
import type { RiskRules } from './risk-rules.model.js';

/** A fixed start time: 2026-03-01T12:00:00Z. */
export const T = Date.UTC(2026, 2, 1, 12);
/** One minute in ms. */
export const MIN = 60_000;
/** One hour in ms. */
export const H = 3_600_000;
/** One day in ms. */
export const D = 86_400_000;

/** Message texts for the property tests: none, neutral, and one neutral placeholder per text category. */
export const FUZZ_TEXTS = [
  undefined,
  'hey',
  'how old are you',
  'keep this between us',
  'add me on otherapp',
  'send a photo',
  "let's meet up",
  "I'll buy you robux",
  "you're so mature",
];
/** Event types for the property tests, messages weighted 3x. */
export const FUZZ_TYPES = [
  'contact_request',
  'contact_accept',
  'message',
  'message',
  'message',
  'block',
  'report',
] as const;

const at = (ms: number) => ({ at: new Date(ms).toISOString(), atMs: ms });

/** An account event (created 100 days before T unless given). */
/** `createdAtMs: null` omits the creation time. */
export function account(
  user: string,
  ageBand: AgeBand | undefined,
  createdAtMs: number | null = T - 100 * D,
  t = T - 200 * D,
): RiskEvent {
  return {
    type: 'account',
    user,
    ...(ageBand === undefined ? {} : { ageBand }),
    ...(createdAtMs === null ? {} : { createdAtMs }),
    ...at(Math.min(t, createdAtMs ?? t)),
  };
}

/** A pair event. */
export function pair(
  type: 'contact_request' | 'contact_accept' | 'block' | 'report',
  from: string,
  to: string,
  t: number,
  id?: string,
): RiskEvent {
  return { type, from, to, ...at(t), ...(id === undefined ? {} : { id }) };
}

/** A message, with optional text. */
export function msg(from: string, to: string, t: number, text?: string, id?: string): RiskEvent {
  return {
    type: 'message',
    from,
    to,
    ...at(t),
    ...(text === undefined ? {} : { text }),
    ...(id === undefined ? {} : { id }),
  };
}

/** Run events through a fresh engine. */
export function run(events: readonly RiskEvent[], rules?: RiskRules): RiskEngine {
  const e = new RiskEngine(rules === undefined ? {} : { rules });
  for (const ev of events) e.ingest(ev);
  return e;
}
