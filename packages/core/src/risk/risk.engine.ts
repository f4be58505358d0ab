import {
  C_FLAGS,
  C_LAST,
  C_REQ,
  C_STRIDE,
  CF_ANSWERED,
  CF_DECLINED,
  CF_MESSAGED,
  CF_NO_MUTUAL,
  CF_RECONTACT,
  CF_REQUESTED,
  CONTACT_CAP,
  CONV_EV_STRIDE,
  CONV_EVIDENCE_CAP,
  CONVERSATION_CAP,
  EV_STRIDE,
  INBOUND_CAP,
  type AccountRiskState,
  type ConversationState,
} from './account-state.model.js';
import { DAY, summarizeContacts, WEEK } from './contact-summary.js';
import { conversationScoreValue, scoreConversation } from './conversation.score.js';
import { DedupWindow } from './dedup.window.js';
import { recommendInterventions } from './interventions.policy.js';
import { isMinorBand, type MessageEvent, type RiskEvent } from './risk-event.model.js';
import type { AccountRisk, EvidenceSpan, RiskReason } from './risk-result.model.js';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import type { RiskLevel, RiskRules, SignalName } from './risk-rules.model.js';
import { RISK_SIGNALS, type SignalContext } from './risk-signal.catalog.js';
import { MemoryRiskStateStore, type RiskStateStore } from './risk-state-store.port.js';
import { TEXT_CATEGORIES, type TextMatch } from './text-category.model.js';
import { LEXICON_EN } from './text-lexicon-en.data.js';
import { DEFAULT_TEXT_PATTERNS, TextDetector, type Lexicon } from './text.detector.js';

/** Distinct evidence phrases remembered by one engine. */
const MAX_PHRASES = 65_536;

/** Options of a {@link RiskEngine}. */
export interface RiskEngineOptions {
  /** Validated rules (see parseRiskRules); defaults to DEFAULT_RISK_RULES. */
  readonly rules?: RiskRules;
  /** State store; defaults to a new in-memory store. */
  readonly store?: RiskStateStore;
  /** Idempotency window for event ids; defaults to 24 h of event time, 1 M ids. */
  readonly dedup?: DedupWindow;
  /**
   * Called when an account's score reaches or equals its peak at or above `watch` (replay
   * uses it to snapshot reasons). Must not throw.
   */
  readonly onPeak?: (state: AccountRiskState, score: number, atMs: number) => void;
}

/** What happened to one ingested event. */
export type IngestOutcome = 'accepted' | 'duplicate';

/** Counters of an engine, safe to log. */
export interface RiskEngineStats {
  /** Events applied. */
  accepted: number;
  /** Events ignored because their id was seen before. */
  duplicates: number;
  /** Events older than their account's latest event, applied at that latest time. */
  clampedLate: number;
  /** New distinct contacts seen (all senders). */
  newContacts: number;
  /** Of those, to minors: newMinorContacts / newContacts is the measured base rate. */
  newMinorContacts: number;
}

/** Map a score to a level by the rules' thresholds. */
export function levelOf(score: number, rules: RiskRules): RiskLevel {
  const l = rules.levels;
  return score >= l.critical
    ? 'critical'
    : score >= l.high
      ? 'high'
      : score >= l.watch
        ? 'watch'
        : 'none';
}

function ramp(v: number, from: number, to: number): number {
  const x = (v - from) / (to - from);
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/**
 * The grooming-risk engine: consumes events one at a time (in time order; see `ingest` for
 * the out-of-order policy) and keeps bounded state per account. Pure: no I/O, no clock —
 * "now" is event time. The same instance serves replay and, later, the live API.
 */
export class RiskEngine {
  /** Rules in force. */
  readonly rules: RiskRules;
  /** Per-account state. */
  readonly store: RiskStateStore;
  /** Counters. */
  readonly stats: RiskEngineStats = {
    accepted: 0,
    duplicates: 0,
    clampedLate: 0,
    newContacts: 0,
    newMinorContacts: 0,
  };
  private readonly dedup: DedupWindow;
  private readonly detector: TextDetector;
  private readonly onPeak: RiskEngineOptions['onPeak'];
  private watermarkMs = 0;
  // Interned evidence phrases; ref 0 is the generic label used once the table is full.
  private readonly phrases: string[] = ['[match]'];
  private readonly phraseRef = new Map<string, number>([['[match]', 0]]);

  /** @param options rules, store, dedup window and peak callback */
  constructor(options: RiskEngineOptions = {}) {
    this.rules = options.rules ?? DEFAULT_RISK_RULES;
    this.store = options.store ?? new MemoryRiskStateStore();
    this.dedup = options.dedup ?? new DedupWindow();
    this.onPeak = options.onPeak;
    const lexicons: Lexicon[] = [];
    if (this.rules.languages.includes('en')) lexicons.push(LEXICON_EN);
    for (const lex of Object.values(this.rules.lexicons)) lexicons.push(lex);
    this.detector = new TextDetector(lexicons, [...DEFAULT_TEXT_PATTERNS, ...this.rules.patterns]);
  }

  /** Latest event time seen (ms); "now" for {@link accountRisk}. */
  get watermark(): number {
    return this.watermarkMs;
  }

  /**
   * Apply one validated event. Out-of-order policy: each account keeps the latest event
   * time applied to it; an older event is applied as if it happened at that time (counted
   * in `stats.clampedLate`), so windows never run backwards and nothing is dropped. Feed
   * events roughly in time order (replay uses a reorder buffer) to keep clamping rare.
   * Events naming users never announced by an `account` event create them with band
   * `unknown`.
   */
  ingest(e: RiskEvent): IngestOutcome {
    if (e.id !== undefined && this.dedup.seen(e.id, e.atMs)) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    this.stats.accepted++;
    if (e.atMs > this.watermarkMs) this.watermarkMs = e.atMs;
    const sec = Math.floor(e.atMs / 1000);
    if (e.type === 'account') {
      const s = this.store.getOrCreate(e.user);
      this.touch(s, sec);
      // An absent field means "no change"; an explicit "unknown" resets the band.
      if (e.ageBand !== undefined) s.band = e.ageBand;
      if (e.createdAtMs !== undefined) s.createdAt = Math.floor(e.createdAtMs / 1000);
      return 'accepted';
    }
    const a = this.store.getOrCreate(e.from);
    const b = this.store.getOrCreate(e.to);
    const ta = this.touch(a, sec);
    const tb = this.touch(b, sec);
    switch (e.type) {
      case 'contact_request': {
        this.contact(a, b, ta, CF_REQUESTED);
        this.markAnswered(b, a.ref);
        this.rescore(a, ta, e.atMs);
        break;
      }
      case 'contact_accept': {
        // `from` accepted the request of `to`: both gain a mutual-contact edge.
        a.addFriend(b.ref);
        b.addFriend(a.ref);
        this.markAnswered(b, a.ref);
        break;
      }
      case 'message': {
        const changed = this.contact(a, b, ta, CF_MESSAGED);
        this.markAnswered(b, a.ref);
        const back = b.conversations?.find((c) => c.partner === a.ref);
        if (back !== undefined) back.received++;
        // A message to a known contact without text hits changes nothing a signal counts,
        // and time only shrinks windows, so the score cannot rise: skip the rescore (most
        // events are such messages).
        if (this.message(a, b, ta, e) !== 0 || changed) this.rescore(a, ta, e.atMs);
        a.messagesSent++;
        break;
      }
      case 'block':
      case 'report': {
        // `from` blocked/reported `to`: the account at risk is `to` (here `b`).
        this.inbound(b, a, tb);
        b.lastBlockedAt = tb;
        const i = b.findContact(a.ref);
        if (i >= 0 && b.contacts !== null) b.contacts[i * C_STRIDE + C_FLAGS]! |= CF_DECLINED;
        // Only blocks of adult or unknown-age accounts arm the block-evasion signal: minors
        // blocking each other is ordinary friction.
        if (!isMinorBand(b.band)) a.blockGivenAt = ta;
        this.rescore(b, tb, e.atMs);
        break;
      }
      default: {
        const never: never = e;
        return never;
      }
    }
    return 'accepted';
  }

  /** Current score of `state` at time `nowSec` (no allocation of reasons). */
  score(state: AccountRiskState, nowSec: number): number {
    const ctx: SignalContext = {
      state,
      summary: summarizeContacts(state, nowSec, this.store),
      rules: this.rules,
    };
    const factor = this.rules.senderBandFactor[state.band];
    let sum = 0;
    for (const sig of RISK_SIGNALS) {
      const rule = this.rules.signals[sig.name];
      if (rule.weight === 0) continue;
      const v = sig.compute(ctx);
      if (v === undefined) continue;
      sum += rule.weight * ramp(v, rule.from, rule.to) * (sig.minorDirected ? factor : 1);
    }
    return sum >= 1 ? 1 : sum;
  }

  /** Reasons with non-zero contribution, largest first. */
  reasons(state: AccountRiskState, nowSec: number): RiskReason[] {
    const ctx: SignalContext = {
      state,
      summary: summarizeContacts(state, nowSec, this.store),
      rules: this.rules,
    };
    const factor = this.rules.senderBandFactor[state.band];
    const out: RiskReason[] = [];
    RISK_SIGNALS.forEach((sig) => {
      const rule = this.rules.signals[sig.name];
      const v = sig.compute(ctx);
      if (v === undefined || rule.weight === 0) return;
      const contribution =
        rule.weight * ramp(v, rule.from, rule.to) * (sig.minorDirected ? factor : 1);
      if (contribution <= 0) return;
      const reason: RiskReason = {
        signal: sig.name,
        value: roundScore(v),
        window: sig.window,
        weight: rule.weight,
        contribution: roundScore(contribution),
      };
      const ev = this.textEvidenceFor(state, sig.name);
      out.push(ev === undefined ? reason : { ...reason, evidence: ev });
    });
    return out.sort((x, y) => y.contribution - x.contribution || (x.signal < y.signal ? -1 : 1));
  }

  /**
   * Raw value of every signal for `user` at `nowMs` (undefined where a signal cannot be
   * computed), whatever its weight: for tuning and tests.
   */
  signalValues(
    user: string,
    nowMs: number = this.watermarkMs,
  ): Partial<Record<SignalName, number>> {
    const s = this.store.get(user);
    if (s === undefined) return {};
    const nowSec = Math.max(Math.floor(nowMs / 1000), s.lastAt);
    const ctx: SignalContext = {
      state: s,
      summary: summarizeContacts(s, nowSec, this.store),
      rules: this.rules,
    };
    const out: Partial<Record<SignalName, number>> = {};
    for (const sig of RISK_SIGNALS) {
      const v = sig.compute(ctx);
      if (v !== undefined) out[sig.name] = v;
    }
    return out;
  }

  /**
   * The explained risk of `user` at `nowMs` (default: the latest event time seen), or
   * undefined for a user the engine never saw.
   */
  accountRisk(user: string, nowMs: number = this.watermarkMs): AccountRisk | undefined {
    const s = this.store.get(user);
    if (s === undefined) return undefined;
    const nowSec = Math.max(Math.floor(nowMs / 1000), s.lastAt);
    const raw = this.score(s, nowSec);
    const score = roundScore(raw);
    const level = levelOf(raw, this.rules);
    const reasons = this.reasons(s, nowSec);
    const conversations = (s.conversations ?? [])
      .map((c) =>
        scoreConversation(c, this.rules, this.store.byRef(c.partner)?.user ?? '?', (r) =>
          this.phrase(r),
        ),
      )
      .sort((x, y) => y.score - x.score);
    const minors = this.recentMinors(s, nowSec);
    return {
      user,
      score,
      level,
      reasons,
      peakScore: roundScore(s.peakScore),
      firstAlertAt: s.firstAlertAt < 0 ? null : new Date(s.firstAlertAt).toISOString(),
      conversations,
      interventions: recommendInterventions(level, reasons, conversations, minors, this.rules),
      evaluatedAt: new Date(nowSec * 1000).toISOString(),
    };
  }

  private touch(s: AccountRiskState, sec: number): number {
    if (sec < s.lastAt) {
      this.stats.clampedLate++;
      return s.lastAt;
    }
    s.lastAt = sec;
    return sec;
  }

  private rescore(s: AccountRiskState, sec: number, atMs: number): void {
    const score = this.score(s, sec);
    // Equal scores also refresh the peak snapshot: once capped at 1, later evidence (a text
    // hit after the contact burst) still reaches the replay output.
    if (score < s.peakScore || score === 0) return;
    s.peakScore = score;
    if (s.firstAlertAt < 0 && score >= this.rules.levels.high) {
      s.firstAlertAt = atMs;
      s.messagesBeforeAlert = s.messagesSent;
    }
    if (this.onPeak !== undefined && score >= this.rules.levels.watch) this.onPeak(s, score, atMs);
  }

  /**
   * Upsert `b` in `a`'s contact ring and set `flag`. Returns true when something a signal
   * counts changed (a new contact, a no-mutual request).
   */
  private contact(a: AccountRiskState, b: AccountRiskState, t: number, flag: number): boolean {
    let i = a.findContact(b.ref);
    let changed = false;
    if (i < 0) {
      changed = true;
      const minor = isMinorBand(b.band);
      a.newContacts++;
      this.stats.newContacts++;
      if (minor) {
        a.newMinorContacts++;
        this.stats.newMinorContacts++;
        if (a.firstMinorContactAt < 0) {
          a.firstMinorContactAt = t;
          if (a.createdAt >= 0) a.ageDaysAtFirstMinorContact = Math.max(0, (t - a.createdAt) / DAY);
        }
      }
      i = this.insertContact(a, minor);
      if (i < 0) return true;
      const c = a.contacts!;
      const o = i * C_STRIDE;
      c[o] = b.ref;
      c[o + 1] = t;
      c[o + C_LAST] = t;
      c[o + C_REQ] = 0;
      c[o + C_FLAGS] = minor && b.blockGivenAt >= 0 && t - b.blockGivenAt < WEEK ? CF_RECONTACT : 0;
    }
    const c = a.contacts!;
    const o = i * C_STRIDE;
    c[o + C_LAST] = t;
    if (flag === CF_REQUESTED && c[o + C_REQ] === 0) {
      c[o + C_REQ] = t;
      if (!a.hasFriend(b.ref) && !a.hasMutual(b)) {
        c[o + C_FLAGS]! |= CF_NO_MUTUAL;
        changed = true;
      }
    }
    c[o + C_FLAGS]! |= flag;
    return changed;
  }

  /**
   * Slot for a new contact. When full, the least recently contacted entry is replaced, but a
   * non-minor contact never evicts a minor one (so adult contacts can never hide minor
   * contacts, which keeps scores monotone) — it is then only counted, not stored.
   */
  private insertContact(a: AccountRiskState, minor: boolean): number {
    if (a.contacts === null) a.contacts = new Uint32Array(CONTACT_CAP * C_STRIDE);
    if (a.contactsLen < CONTACT_CAP) return a.contactsLen++;
    const c = a.contacts;
    let best = -1;
    let bestT = Infinity;
    let bestAny = -1;
    let bestAnyT = Infinity;
    for (let i = 0, o = 0; i < CONTACT_CAP; i++, o += C_STRIDE) {
      const t = c[o + C_LAST] as number;
      const isMinor = isMinorBand(this.store.byRef(c[o] as number)?.band ?? 'unknown');
      if (!isMinor && t < bestT) {
        best = i;
        bestT = t;
      }
      if (t < bestAnyT) {
        bestAny = i;
        bestAnyT = t;
      }
    }
    return best >= 0 ? best : minor ? bestAny : -1;
  }

  private markAnswered(s: AccountRiskState, ref: number): void {
    const i = s.findContact(ref);
    if (i >= 0 && s.contacts !== null) s.contacts[i * C_STRIDE + C_FLAGS]! |= CF_ANSWERED;
  }

  private inbound(s: AccountRiskState, from: AccountRiskState, t: number): void {
    if (s.inbound === null) s.inbound = new Uint32Array(INBOUND_CAP * 3);
    const b = s.inbound;
    for (let i = 0, o = 0; i < s.inboundLen; i++, o += 3) {
      if (b[o] === from.ref) {
        b[o + 1] = t;
        return;
      }
    }
    let i = s.inboundLen;
    if (i < INBOUND_CAP) s.inboundLen++;
    else {
      // Full: replace the oldest entry.
      i = 0;
      for (let j = 1; j < INBOUND_CAP; j++)
        if ((b[j * 3 + 1] as number) < (b[i * 3 + 1] as number)) i = j;
    }
    b[i * 3] = from.ref;
    b[i * 3 + 1] = t;
    b[i * 3 + 2] = isMinorBand(from.band) ? 1 : 0;
  }

  /** Text and conversation bookkeeping of a message; returns the mask of categories hit. */
  private message(a: AccountRiskState, b: AccountRiskState, t: number, e: MessageEvent): number {
    const minorTo = isMinorBand(b.band);
    // Text is scored only towards minors and unknown-age users: adult-to-adult talk about
    // meeting or apps is ordinary and not the engine's business.
    let mask = 0;
    let matches: TextMatch[] = [];
    if (e.text !== undefined && (minorTo || b.band === 'unknown')) {
      matches = this.detector.detect(e.text);
      if (matches.length > 0 && a.textCounts === null) {
        a.textCounts = new Uint16Array(TEXT_CATEGORIES.length);
        a.textEvidence = new Array<number>(TEXT_CATEGORIES.length * EV_STRIDE).fill(-1);
      } else if (a.textCounts === null) {
        // Text was sent but nothing matched: text signals become computable (value 0).
        a.textCounts = new Uint16Array(TEXT_CATEGORIES.length);
      }
      for (const m of matches) {
        const ci = TEXT_CATEGORIES.indexOf(m.category);
        const bit = 1 << ci;
        if (mask & bit) continue;
        mask |= bit;
        if ((a.textCounts[ci] as number) < 65535) a.textCounts[ci]!++;
        a.textEvidence ??= new Array<number>(TEXT_CATEGORIES.length * EV_STRIDE).fill(-1);
        const o = ci * EV_STRIDE;
        if (a.textEvidence[o] === -1) {
          a.textEvidence[o] = m.start;
          a.textEvidence[o + 1] = m.end;
          a.textEvidence[o + 2] = t;
          a.textEvidence[o + 3] = this.intern(m.evidence);
          if (e.id !== undefined) {
            a.textEvidenceIds ??= new Array<string | undefined>(TEXT_CATEGORIES.length).fill(
              undefined,
            );
            a.textEvidenceIds[ci] = e.id;
          }
        }
      }
    }
    if (!minorTo || isMinorBand(a.band)) return mask;
    // Conversation-level state: adult or unknown-age account writing to a minor.
    a.conversations ??= [];
    let conv = a.conversations.find((c) => c.partner === b.ref);
    if (conv === undefined) {
      const i = a.findContact(b.ref);
      const flags =
        i >= 0 && a.contacts !== null ? (a.contacts[i * C_STRIDE + C_FLAGS] as number) : 0;
      conv = {
        partner: b.ref,
        conversation: e.conversation,
        sent: 0,
        received: 0,
        categories: 0,
        evidence: [],
        evidenceIds: undefined,
        noMutual: (flags & CF_NO_MUTUAL) !== 0 || (!a.hasFriend(b.ref) && !a.hasMutual(b)),
        firstAt: t,
        lastAt: t,
      } satisfies ConversationState;
      if (a.conversations.length >= CONVERSATION_CAP) {
        // Keep the riskiest conversations; among equals the most recent.
        let worst = 0;
        let worstKey = Infinity;
        a.conversations.forEach((c, j) => {
          const key = conversationScoreValue(c, this.rules) * 1e10 + c.lastAt;
          if (key < worstKey) {
            worstKey = key;
            worst = j;
          }
        });
        a.conversations[worst] = conv;
      } else a.conversations.push(conv);
    }
    conv.sent++;
    conv.lastAt = t;
    const fresh = mask & ~conv.categories;
    if (fresh !== 0) {
      for (const m of matches) {
        const ci = TEXT_CATEGORIES.indexOf(m.category);
        if ((fresh & (1 << ci)) === 0 || conv.evidence.length >= CONV_EVIDENCE_CAP * CONV_EV_STRIDE)
          continue;
        if (conv.evidence.some((x, k) => k % CONV_EV_STRIDE === 0 && x === ci)) continue;
        conv.evidence.push(ci, m.start, m.end, t, this.intern(m.evidence));
        if (e.id !== undefined) {
          conv.evidenceIds ??= [];
          conv.evidenceIds[conv.evidence.length / CONV_EV_STRIDE - 1] = e.id;
        }
      }
    }
    conv.categories |= mask;
    return mask;
  }

  /**
   * Intern an evidence phrase: one flat copy per distinct phrase for the whole engine. Bounded:
   * past MAX_PHRASES distinct phrases, new ones share a generic label.
   */
  private intern(phrase: string): number {
    let ref = this.phraseRef.get(phrase);
    if (ref !== undefined) return ref;
    if (this.phrases.length >= MAX_PHRASES) return 0;
    // split/join makes a flat copy, so the table never pins the (sliced-from) message text.
    const flat = phrase.split('').join('');
    ref = this.phrases.length;
    this.phrases.push(flat);
    this.phraseRef.set(flat, ref);
    return ref;
  }

  /** The phrase of an interned ref. */
  phrase(ref: number): string {
    return this.phrases[ref] ?? '[match]';
  }

  private textEvidenceFor(s: AccountRiskState, signal: string): EvidenceSpan[] | undefined {
    const ev = s.textEvidence;
    if (ev === null || !signal.startsWith('text_')) return undefined;
    const ci = TEXT_CATEGORIES.indexOf(signal.slice(5) as never);
    const cats = ci >= 0 ? [ci] : TEXT_CATEGORIES.map((_, i) => i);
    const out: EvidenceSpan[] = [];
    for (const c of cats) {
      const o = c * EV_STRIDE;
      if (ev[o] === -1 || ev[o] === undefined) continue;
      out.push(
        toSpan({
          match: this.phrase(ev[o + 3]!),
          start: ev[o],
          end: ev[o + 1]!,
          atMs: ev[o + 2]! * 1000,
          eventId: s.textEvidenceIds?.[c],
        }),
      );
    }
    return out.length > 0 ? out : undefined;
  }

  private recentMinors(s: AccountRiskState, nowSec: number): string[] {
    const out: string[] = [];
    const c = s.contacts;
    if (c === null) return out;
    for (let i = 0, o = 0; i < s.contactsLen; i++, o += C_STRIDE) {
      const other = this.store.byRef(c[o] as number);
      if (
        other !== undefined &&
        isMinorBand(other.band) &&
        nowSec - (c[o + C_LAST] as number) < WEEK
      )
        out.push(other.user);
    }
    return out.sort();
  }
}

/** Convert stored evidence to its output form. */
export function toSpan(e: {
  match: string;
  start: number;
  end: number;
  atMs: number;
  eventId: string | undefined;
}): EvidenceSpan {
  const span = { match: e.match, start: e.start, end: e.end, at: new Date(e.atMs).toISOString() };
  return e.eventId === undefined ? span : { ...span, eventId: e.eventId };
}

/** Round to 4 decimals so output is stable and readable. */
export function roundScore(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
