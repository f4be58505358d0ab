import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import {
  account,
  MIN,
  msg,
  pair,
  T,
  FUZZ_TEXTS as TEXTS,
  FUZZ_TYPES as TYPES,
} from './risk-test.fixtures.js';
import { RiskEngine } from './risk.engine.js';
import type { AgeBand, RiskEvent } from './risk-event.model.js';
import {
  decodeRiskSnapshot,
  encodeRiskSnapshot,
  RISK_SNAPSHOT_FORMAT,
} from './risk-snapshot.codec.js';

// Enough users that rings fill and evict (32 contacts, 16 blockers, 24 friends, 4 conversations).
const USERS = Array.from({ length: 48 }, (_, i) => `user-${i}`);

const worldArb = fc.record({
  bands: fc.array(
    fc.constantFrom<AgeBand | undefined>(
      'under13',
      '13-15',
      '16-17',
      'adult',
      'unknown',
      undefined,
    ),
    { minLength: USERS.length, maxLength: USERS.length },
  ),
  steps: fc.array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      // Few senders, many receivers: the senders' rings fill up.
      from: fc.nat(5),
      to: fc.nat(USERS.length - 1),
      dt: fc.nat(300),
      text: fc.nat(TEXTS.length - 1),
      // Event ids (some repeated: duplicates) and conversation ids exercise the dedup window
      // and the side table.
      id: fc.option(fc.nat(400), { nil: undefined }),
      back: fc.boolean(),
    }),
    { maxLength: 400 },
  ),
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
});

type World = typeof worldArb extends fc.Arbitrary<infer X> ? X : never;

function build(w: World): RiskEvent[] {
  const ev: RiskEvent[] = USERS.map((u, i) => account(u, w.bands[i]));
  let t = T;
  for (const s of w.steps) {
    t += s.dt * MIN;
    let from = USERS[s.from]!;
    let to = USERS[s.to]!;
    if (from === to) continue;
    if (s.back && s.type === 'message') [from, to] = [to, from];
    const id = s.id === undefined ? undefined : `evt-${s.id}`;
    if (s.type === 'message') {
      ev.push({
        ...msg(from, to, t, TEXTS[s.text], id),
        conversation: `conv-${from}-${to}`,
      } as RiskEvent);
    } else ev.push(pair(s.type, from, to, t, id));
  }
  return ev;
}

describe('risk engine snapshots', () => {
  it('snapshot at a random cut + replay of the tail = full replay (scores, reasons, state bytes)', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const events = build(w);
        const k = Math.floor(w.cut * events.length);
        const full = new RiskEngine();
        for (const e of events) full.ingest(e);

        const head = new RiskEngine();
        for (const e of events.slice(0, k)) head.ingest(e);
        const bytes = encodeRiskSnapshot(head, { seq: k });
        const restored = new RiskEngine();
        const r = decodeRiskSnapshot(restored, bytes);
        expect(r).toEqual({ ok: true, meta: { seq: k }, accounts: head.store.size });
        for (const e of events.slice(k)) restored.ingest(e);

        expect(restored.stats).toEqual(full.stats);
        expect(restored.watermark).toBe(full.watermark);
        for (const u of USERS) expect(restored.accountRisk(u)).toEqual(full.accountRisk(u));
        // Everything the engine holds is identical: the two snapshots are the same bytes.
        expect(
          Buffer.from(encodeRiskSnapshot(restored, 0)).equals(
            Buffer.from(encodeRiskSnapshot(full, 0)),
          ),
        ).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a snapshot of other rules, another format, a damaged one, or into a used engine', () => {
    const e = new RiskEngine();
    e.ingest(account('a', 'adult'));
    e.ingest(account('m', '13-15'));
    e.ingest(msg('a', 'm', T, 'how old are you'));
    const bytes = encodeRiskSnapshot(e);
    expect(decodeRiskSnapshot(new RiskEngine(), bytes).ok).toBe(true);

    const other = {
      ...DEFAULT_RISK_RULES,
      levels: { ...DEFAULT_RISK_RULES.levels, watch: DEFAULT_RISK_RULES.levels.watch + 0.01 },
    };
    expect(decodeRiskSnapshot(new RiskEngine({ rules: other }), bytes)).toEqual({
      ok: false,
      reason: 'rules changed since the snapshot',
    });

    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(4, RISK_SNAPSHOT_FORMAT + 1, true);
    const refused = decodeRiskSnapshot(new RiskEngine(), v2);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/format/);

    const fresh = new RiskEngine();
    expect(decodeRiskSnapshot(fresh, bytes.subarray(0, bytes.length - 4)).ok).toBe(false);
    expect(decodeRiskSnapshot(fresh, bytes.subarray(0, 40)).ok).toBe(false);
    expect(decodeRiskSnapshot(fresh, new Uint8Array(64)).ok).toBe(false);
    // Nothing was restored by the refusals.
    expect(fresh.store.size).toBe(0);

    expect(decodeRiskSnapshot(e, bytes)).toEqual({ ok: false, reason: 'the engine is not fresh' });
  });
});
