import {
  C_FIRST,
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
  CONV_EVIDENCE_CAP,
  CONVERSATION_CAP,
  CV_COUNTS,
  CV_DAY,
  CV_DAYMASK,
  CV_EV,
  CV_EV_STRIDE,
  CV_FIRST,
  CV_FLAGS,
  CV_LAST,
  CV_PARTNER,
  CV_RECEIVED,
  CV_SENT,
  CV_SINCE,
  CV_STRIDE,
  CV_UNREPLIED,
  CVF_INITIATED,
  CVF_NO_MUTUAL,
  IN_MINOR,
  IN_STRIDE,
  INBOUND_CAP,
  S_CONTACTS,
  S_CONVS,
  S_INBOUND,
  S_TEXT,
  STATE_WORDS,
  TEXT_EV,
  TEXT_EV_STRIDE,
  contactFlags,
  orContactFlags,
  setContactFlags,
  type AccountRiskState,
} from './account-state.model.js';
import {
  DAY,
  minorWeightOf,
  resetSummary,
  shiftDays,
  summarizeContacts,
  WEEK,
  type ContactSummary,
} from './contact-summary.js';
import { conversationScoreValue, scoreConversation } from './conversation.score.js';
import { DedupWindow } from './dedup.window.js';
import { recommendInterventions } from './interventions.policy.js';
import { type AgeBand, type MessageEvent, type RiskEvent } from './risk-event.model.js';
import type { AccountRisk, EvidenceSpan, InferredMinor, RiskReason } from './risk-result.model.js';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import type { RiskLevel, RiskRules, SignalName } from './risk-rules.model.js';
import { contributionOf, type ActiveSignal } from './risk-signal.weights.js';
import { RISK_SIGNALS, type SignalContext } from './risk-signal.catalog.js';
import { MemoryRiskStateStore, type RiskStateStore } from './risk-state-store.port.js';
import { TEXT_CATEGORIES } from './text-category.model.js';
import { LEXICON_EN } from './text-lexicon-en.data.js';
import { DEFAULT_TEXT_PATTERNS, TextDetector, type Lexicon } from './text.detector.js';

/** Distinct evidence phrases remembered by one engine. */
const MAX_PHRASES = 65_536;
/**
 * Producer-chosen strings referenced by account state (event ids of evidence messages,
 * conversation ids) are kept in one engine-wide table, not per account, so per-account state
 * has a fixed worst case whatever the producer sends. Bounded: past this many entries the
 * oldest are forgotten (the evidence is then shown without its event id).
 */
export const MAX_SIDE_STRINGS = 262_144;
/** Side-table slots per account: 8 text evidence ids, 4 conversation ids, 12 conversation evidence ids. */
const SLOTS = 32;
const SLOT_CONV_ID = 8;
const SLOT_CONV_EV = 12;

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

/** Engine-level state of a snapshot (see {@link RiskEngine.exportSnapshotParts}). */
export interface RiskEngineSnapshotParts {
  /** Counters. */
  readonly stats: RiskEngineStats;
  /** Latest event time seen (ms). */
  readonly watermarkMs: number;
  /** Interned evidence phrases, by ref. */
  readonly phrases: readonly string[];
  /** Side table of producer strings (conversation and event ids), oldest first. */
  readonly side: ReadonlyArray<readonly [number, string]>;
  /** The dedup window. */
  readonly dedup: {
    readonly newest: number;
    readonly ids: ReadonlyArray<readonly [string, number]>;
  };
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

/** Age order for conversations: a row is kept when the sender's rank is above the minor's. */
const BAND_RANK: Readonly<Record<AgeBand, number>> = {
  under13: 0,
  '13-15': 1,
  '16-17': 2,
  adult: 3,
  unknown: 3,
};

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

/**
 * What explains one evaluation of an account, captured compactly (typed arrays, no strings
 * built): {@link RiskEngine.captureReasons} takes it, {@link RiskEngine.explain} turns it into
 * reasons later. Replay keeps one per alerting account, taken at its peak.
 */
export interface ReasonsCapture {
  /** Value of each active signal (rules order), NaN where it could not be computed. */
  readonly values: Float64Array;
  /** Sender band factor at the time. */
  readonly factor: number;
  /** Copy of the account's text section (counts and first evidence), or null without text. */
  readonly text: Uint32Array | null;
  /** Event ids of the first evidence per text category (when the producer sent ids). */
  readonly eventIds: ReadonlyArray<string | undefined> | null;
  /** Probable minors named by `probable_minors_contacted_7d`, when it contributed. */
  readonly inferred: InferredMinor[] | undefined;
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
  private readonly side = new Map<number, string>();
  /** Signals with a non-zero weight, in catalog order, with their rule numbers. */
  private readonly activeSignals: readonly ActiveSignal[];
  /** Signal values of the latest {@link score} call, and what it evaluated. */
  private readonly values: Float64Array;
  private scored: AccountRiskState | null = null;
  private scoredSec = -1;
  private scoredAfter = -1;
  /** The summary object {@link score} fills (one per engine: scoring runs on ~40% of events). */
  private readonly summary: ContactSummary = resetSummary({} as ContactSummary);
  /** Index of `probable_minors_contacted_7d` among the active signals, or -1. */
  private readonly probableIndex: number;

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
    this.activeSignals = RISK_SIGNALS.filter(
      (sig) => this.rules.signals[sig.name].weight !== 0,
    ).map((sig) => ({ sig, ...this.rules.signals[sig.name] }));
    this.values = new Float64Array(this.activeSignals.length);
    this.probableIndex = this.activeSignals.findIndex(
      (a) => a.sig.name === 'probable_minors_contacted_7d',
    );
  }

  /**
   * Engine-level state besides the accounts, for snapshots (`risk-snapshot.codec.ts`): counters,
   * watermark, interned phrases, the side table of producer strings and the dedup window.
   */
  exportSnapshotParts(): RiskEngineSnapshotParts {
    return {
      stats: { ...this.stats },
      watermarkMs: this.watermarkMs,
      phrases: this.phrases.slice(),
      side: [...this.side],
      dedup: this.dedup.exportEntries(),
    };
  }

  /** Restore what {@link exportSnapshotParts} returned, into an engine that saw no event. */
  importSnapshotParts(p: RiskEngineSnapshotParts): void {
    if (this.stats.accepted !== 0 || this.stats.duplicates !== 0 || this.phrases.length !== 1) {
      throw new Error('a snapshot is restored into a fresh engine only');
    }
    Object.assign(this.stats, p.stats);
    this.watermarkMs = p.watermarkMs;
    this.phrases.length = 0;
    this.phraseRef.clear();
    p.phrases.forEach((ph, i) => {
      this.phrases.push(ph);
      this.phraseRef.set(ph, i);
    });
    this.side.clear();
    for (const [k, v] of p.side) this.side.set(k, v);
    this.dedup.importEntries(p.dedup.newest, p.dedup.ids);
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
      if (e.ageBand !== undefined) s.setBand(e.ageBand);
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
        // Age evidence for unknown-age accounts comes from the accepter's side only: `to`
        // sought `from` out. An account's own accepted requests never count, so an adult
        // cannot look like a child by collecting children's acceptances.
        if (a.addFriend(b.ref)) a.noteFriendBand(b);
        b.addFriend(a.ref);
        this.markAnswered(b, a.ref);
        break;
      }
      case 'message': {
        const changed = this.contact(a, b, ta, CF_MESSAGED);
        this.markAnswered(b, a.ref);
        const back = b.findConversation(a.ref);
        if (back >= 0) {
          const o = S_CONVS + back * CV_STRIDE;
          b.data![o + CV_RECEIVED]!++;
          b.data![o + CV_UNREPLIED] = 0;
        }
        // A message that adds no contact, no text hit and no adult-to-minor conversation
        // traffic changes nothing a signal counts, and time only shrinks windows, so the
        // score cannot rise: skip the rescore (most events are such messages).
        if (this.message(a, b, ta, e) || changed) this.rescore(a, ta, e.atMs);
        a.messagesSent++;
        break;
      }
      case 'block':
      case 'report': {
        // `from` blocked/reported `to`: the account at risk is `to` (here `b`).
        this.inbound(b, a, tb);
        b.lastBlockedAt = tb;
        const i = b.findContact(a.ref);
        if (i >= 0) orContactFlags(b.data!, i, CF_DECLINED);
        // Only blocks of adult or unknown-age accounts arm the block-evasion signal: minors
        // blocking each other is ordinary friction.
        if (!b.minor) a.blockGivenAt = ta;
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
      summary: summarizeContacts(state, nowSec, this.store, this.rules, this.summary),
      rules: this.rules,
    };
    this.scored = state;
    this.scoredSec = nowSec;
    this.scoredAfter = this.stats.accepted;
    const factor = this.senderFactor(state);
    const values = this.values;
    let sum = 0;
    // Same terms in the same order as `explain` (identical sums); values kept for it.
    const sigs = this.activeSignals;
    for (let i = 0; i < sigs.length; i++) {
      const a = sigs[i]!;
      const v = a.sig.compute(ctx);
      if (v === undefined) {
        values[i] = NaN;
        continue;
      }
      values[i] = v;
      sum += contributionOf(a, v, factor);
    }
    return sum >= 1 ? 1 : sum;
  }

  /** Reasons with non-zero contribution, largest first. */
  reasons(state: AccountRiskState, nowSec: number): RiskReason[] {
    return this.explain(this.captureReasons(state, nowSec));
  }

  /**
   * Capture what explains the score of `state` at `nowSec`, cheaply (no reason objects, no
   * strings): reuses the signal values of the evaluation that just ran when it was this one
   * (the `onPeak` case), else evaluates. {@link explain} builds the reasons from it.
   */
  captureReasons(state: AccountRiskState, nowSec: number): ReasonsCapture {
    if (
      this.scored !== state ||
      this.scoredSec !== nowSec ||
      this.scoredAfter !== this.stats.accepted
    )
      this.score(state, nowSec);
    const values = this.values.slice();
    const factor = this.senderFactor(state);
    const d = state.data;
    let text: Uint32Array | null = null;
    let eventIds: Array<string | undefined> | null = null;
    if (state.hasText && d !== null && d.length >= S_CONVS) {
      text = d.slice(S_TEXT, S_CONVS);
      eventIds = [];
      for (let c = 0; c < TEXT_CATEGORIES.length; c++)
        eventIds.push(state.textCount(c) > 0 ? this.side.get(state.ref * SLOTS + c) : undefined);
    }
    const p = this.probableIndex;
    const inferred =
      p >= 0 &&
      !Number.isNaN(values[p]!) &&
      contributionOf(this.activeSignals[p]!, values[p]!, factor) > 0
        ? this.inferredMinors(state, nowSec)
        : undefined;
    return { values, factor, text, eventIds, inferred };
  }

  /** The reasons of a {@link captureReasons} capture: non-zero contributions, largest first. */
  explain(cap: ReasonsCapture): RiskReason[] {
    const out: RiskReason[] = [];
    const sigs = this.activeSignals;
    for (let i = 0; i < sigs.length; i++) {
      const v = cap.values[i]!;
      if (Number.isNaN(v)) continue;
      const a = sigs[i]!;
      const contribution = contributionOf(a, v, cap.factor);
      if (contribution <= 0) continue;
      const reason: RiskReason = {
        signal: a.sig.name,
        value: roundScore(v),
        window: a.sig.window,
        weight: a.weight,
        contribution: roundScore(contribution),
      };
      const ev = this.textEvidenceFor(cap, a.sig.name);
      if (i === this.probableIndex) out.push({ ...reason, inferred: cap.inferred ?? [] });
      else out.push(ev === undefined ? reason : { ...reason, evidence: ev });
    }
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
      summary: summarizeContacts(s, nowSec, this.store, this.rules),
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
   * The level {@link accountRisk} would report for `user` at `nowMs` (same score, same time),
   * without building reasons, conversations and interventions; undefined for a user the
   * engine never saw. The live intake checks it for every account a batch touched.
   */
  riskLevel(user: string, nowMs: number = this.watermarkMs): RiskLevel | undefined {
    const s = this.store.get(user);
    if (s === undefined) return undefined;
    return levelOf(this.score(s, Math.max(Math.floor(nowMs / 1000), s.lastAt)), this.rules);
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
    const conversations = [];
    for (let row = 0; row < s.convLen; row++) {
      const o = S_CONVS + row * CV_STRIDE;
      const base = s.ref * SLOTS;
      conversations.push(
        scoreConversation(s.data!, o, this.rules, {
          partner: this.store.byRef(s.data![o + CV_PARTNER] as number)?.user ?? '?',
          conversation: this.side.get(base + SLOT_CONV_ID + row),
          phrase: (r) => this.phrase(r),
          eventId: (k) => this.side.get(base + SLOT_CONV_EV + row * CONV_EVIDENCE_CAP + k),
        }),
      );
    }
    conversations.sort((x, y) => y.score - x.score);
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

  /**
   * Factor on the minor-directed signals by the account's own age band. An unknown-age account
   * that is itself a probable minor (weight `w`, see minorWeightOf) is damped towards the
   * `16-17` factor: `unknown + w × (16-17 − unknown)`.
   */
  private senderFactor(s: AccountRiskState): number {
    const f = this.rules.senderBandFactor;
    if (s.band !== 'unknown') return f[s.band];
    const w = minorWeightOf(s, this.rules.unknownAge);
    return w === 0 ? f.unknown : f.unknown + w * (f['16-17'] - f.unknown);
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
      const minor = b.minor;
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
      const c = a.data!;
      const o = S_CONTACTS + i * C_STRIDE;
      c[o] = b.ref;
      c[o + 1] = t;
      c[o + C_LAST] = t;
      c[o + C_REQ] = 0;
      // Unknown-age targets are flagged too: they count if they are probable minors.
      setContactFlags(
        c,
        i,
        (minor || b.band === 'unknown') && b.blockGivenAt >= 0 && t - b.blockGivenAt < WEEK
          ? CF_RECONTACT
          : 0,
      );
    }
    const c = a.data!;
    const o = S_CONTACTS + i * C_STRIDE;
    c[o + C_LAST] = t;
    if (flag === CF_REQUESTED && c[o + C_REQ] === 0) {
      c[o + C_REQ] = t;
      if (!a.hasFriend(b.ref) && !a.hasMutual(b)) {
        orContactFlags(c, i, CF_NO_MUTUAL);
        changed = true;
      }
    }
    orContactFlags(c, i, flag);
    return changed;
  }

  /**
   * Slot for a new contact. When full, the least recently contacted entry is replaced, but a
   * non-minor contact never evicts a minor one (so adult contacts can never hide minor
   * contacts, which keeps scores monotone) — it is then only counted, not stored.
   */
  private insertContact(a: AccountRiskState, minor: boolean): number {
    const c = a.grow(S_TEXT);
    if (a.contactsLen < CONTACT_CAP) return a.contactsLen++;
    let best = -1;
    let bestT = Infinity;
    let bestAny = -1;
    let bestAnyT = Infinity;
    for (let i = 0, o = S_CONTACTS; i < CONTACT_CAP; i++, o += C_STRIDE) {
      const t = c[o + C_LAST] as number;
      const isMinor = this.store.byRef(c[o] as number)?.minor ?? false;
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
    if (i >= 0) orContactFlags(s.data!, i, CF_ANSWERED);
  }

  private inbound(s: AccountRiskState, from: AccountRiskState, t: number): void {
    const b = s.grow(S_CONTACTS);
    for (let i = 0, o = S_INBOUND, n = s.inboundLen; i < n; i++, o += IN_STRIDE) {
      if (((b[o] as number) & ~IN_MINOR) === from.ref) {
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
        if (
          (b[S_INBOUND + j * IN_STRIDE + 1] as number) <
          (b[S_INBOUND + i * IN_STRIDE + 1] as number)
        )
          i = j;
    }
    const o = S_INBOUND + i * IN_STRIDE;
    b[o] = (from.ref | (from.minor ? IN_MINOR : 0)) >>> 0;
    b[o + 1] = t;
  }

  /**
   * Text and conversation bookkeeping of a message. Returns true when a signal input changed:
   * a text hit, or a message of an adult or unknown-age account to a minor (conversation
   * volume and day counts).
   */
  private message(a: AccountRiskState, b: AccountRiskState, t: number, e: MessageEvent): boolean {
    const minorTo = b.minor;
    // Text is scored only towards minors and unknown-age users: adult-to-adult talk about
    // meeting or apps is ordinary and not the engine's business.
    let mask = 0;
    const matches =
      e.text !== undefined && (minorTo || b.band === 'unknown') ? this.detector.detect(e.text) : [];
    if (e.text !== undefined && (minorTo || b.band === 'unknown')) {
      // Text was sent: text signals become computable (value 0 until a hit).
      a.hasText = true;
      if (matches.length > 0) {
        const d = a.grow(S_CONVS);
        for (const m of matches) {
          const ci = TEXT_CATEGORIES.indexOf(m.category);
          const bit = 1 << ci;
          if (mask & bit) continue;
          mask |= bit;
          const n = a.textCount(ci);
          const w = S_TEXT + (ci >> 1);
          if (n === 0) {
            const o = S_TEXT + TEXT_EV + ci * TEXT_EV_STRIDE;
            d[o] = (m.start & 0xffff) | ((m.end & 0xffff) << 16);
            d[o + 1] = t;
            d[o + 2] = this.intern(m.evidence);
            if (e.id !== undefined) this.setSide(a.ref * SLOTS + ci, e.id);
          }
          if (n < 0xffff) d[w] = (d[w] as number) + (ci & 1 ? 0x10000 : 1);
        }
      }
    }
    // Conversation-level state: an adult or unknown-age account writing to a minor or to a
    // probable minor (unknown age, see minorWeightOf), or a minor writing to a younger minor
    // (bands are self-declared; the sender factor damps it).
    if (
      minorTo
        ? BAND_RANK[a.band] <= BAND_RANK[b.band]
        : a.minor || b.band !== 'unknown' || minorWeightOf(b, this.rules.unknownAge) === 0
    )
      return mask !== 0;
    const d = a.grow(STATE_WORDS);
    const day = Math.floor(t / DAY);
    let row = a.findConversation(b.ref);
    if (row < 0) {
      const i = a.findContact(b.ref);
      const flags = i >= 0 ? contactFlags(d, i) : 0;
      const noMutual = (flags & CF_NO_MUTUAL) !== 0 || (!a.hasFriend(b.ref) && !a.hasMutual(b));
      if (a.convLen < CONVERSATION_CAP) row = a.convLen++;
      else {
        // Keep the riskiest conversations; among equals the most recent.
        row = 0;
        let worstKey = Infinity;
        for (let j = 0; j < CONVERSATION_CAP; j++) {
          const key =
            conversationScoreValue(d, S_CONVS + j * CV_STRIDE, this.rules) * 1e10 +
            (d[S_CONVS + j * CV_STRIDE + CV_LAST] as number);
          if (key < worstKey) {
            worstKey = key;
            row = j;
          }
        }
        this.side.delete(a.ref * SLOTS + SLOT_CONV_ID + row);
        for (let k = 0; k < CONV_EVIDENCE_CAP; k++)
          this.side.delete(a.ref * SLOTS + SLOT_CONV_EV + row * CONV_EVIDENCE_CAP + k);
      }
      const o = S_CONVS + row * CV_STRIDE;
      d.fill(0, o, o + CV_STRIDE);
      d[o + CV_PARTNER] = b.ref;
      d[o + CV_FLAGS] =
        (noMutual ? CVF_NO_MUTUAL : 0) | (b.findContact(a.ref) < 0 ? CVF_INITIATED : 0);
      d[o + CV_DAY] = day;
      d[o + CV_SINCE] = t;
      d[o + CV_FIRST] = i >= 0 ? (d[S_CONTACTS + i * C_STRIDE + C_FIRST] as number) : t;
      if (e.conversation !== undefined)
        this.setSide(a.ref * SLOTS + SLOT_CONV_ID + row, e.conversation);
    }
    const o = S_CONVS + row * CV_STRIDE;
    d[o + CV_SENT]!++;
    d[o + CV_UNREPLIED]!++;
    d[o + CV_LAST] = t;
    const shift = day - (d[o + CV_DAY] as number);
    if (shift > 0) {
      d[o + CV_DAY] = day;
      d[o + CV_DAYMASK] = shift >= 32 ? 0 : ((d[o + CV_DAYMASK] as number) << shift) >>> 0;
      shiftDays(d, o + CV_COUNTS, shift);
    }
    d[o + CV_DAYMASK] = ((d[o + CV_DAYMASK] as number) | 1) >>> 0;
    if (((d[o + CV_COUNTS] as number) & 0xff) < 0xff) d[o + CV_COUNTS]!++;
    const flags = d[o + CV_FLAGS] as number;
    const fresh = mask & ~flags & 0xff;
    if (fresh !== 0) {
      let kept = (flags >>> 12) & 3;
      for (const m of matches) {
        const ci = TEXT_CATEGORIES.indexOf(m.category);
        if ((fresh & (1 << ci)) === 0 || kept >= CONV_EVIDENCE_CAP) continue;
        let dup = false;
        for (let k = 0; k < kept; k++)
          if (((d[o + CV_EV + k * CV_EV_STRIDE] as number) & 0xf) === ci) dup = true;
        if (dup) continue;
        const x = o + CV_EV + kept * CV_EV_STRIDE;
        d[x] = ci | (this.intern(m.evidence) << 4);
        d[x + 1] = (m.start & 0xffff) | ((m.end & 0xffff) << 16);
        d[x + 2] = t;
        if (e.id !== undefined)
          this.setSide(a.ref * SLOTS + SLOT_CONV_EV + row * CONV_EVIDENCE_CAP + kept, e.id);
        kept++;
      }
      d[o + CV_FLAGS] = (flags & ~(3 << 12)) | (kept << 12);
    }
    d[o + CV_FLAGS] = (d[o + CV_FLAGS] as number) | mask;
    return true;
  }

  private setSide(key: number, value: string): void {
    this.side.delete(key);
    this.side.set(key, value);
    if (this.side.size > MAX_SIDE_STRINGS) {
      for (const k of this.side.keys()) {
        this.side.delete(k);
        break;
      }
    }
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

  /** Evidence spans of a text signal from a capture's copy of the text section. */
  private textEvidenceFor(cap: ReasonsCapture, signal: string): EvidenceSpan[] | undefined {
    const d = cap.text;
    if (d === null || !signal.startsWith('text_')) return undefined;
    const ci = TEXT_CATEGORIES.indexOf(signal.slice(5) as never);
    const cats = ci >= 0 ? [ci] : TEXT_CATEGORIES.map((_, i) => i);
    const out: EvidenceSpan[] = [];
    for (const c of cats) {
      // The copy starts at S_TEXT: counts in words 0-3, evidence from TEXT_EV.
      const w = d[c >> 1] as number;
      if ((c & 1 ? w >>> 16 : w & 0xffff) === 0) continue;
      const o = TEXT_EV + c * TEXT_EV_STRIDE;
      const se = d[o] as number;
      out.push(
        toSpan({
          match: this.phrase(d[o + 2] as number),
          start: se & 0xffff,
          end: se >>> 16,
          atMs: (d[o + 1] as number) * 1000,
          eventId: cap.eventIds?.[c],
        }),
      );
    }
    return out.length > 0 ? out : undefined;
  }

  /** The probable minors among the contacts first reached in the last 7 days (at most 5). */
  private inferredMinors(s: AccountRiskState, nowSec: number): InferredMinor[] {
    const out: InferredMinor[] = [];
    const c = s.data;
    if (c === null) return out;
    for (let i = 0, o = S_CONTACTS; i < s.contactsLen && out.length < 5; i++, o += C_STRIDE) {
      const other = this.store.byRef(c[o] as number);
      if (other === undefined || other.minor || nowSec - (c[o + C_FIRST] as number) >= WEEK)
        continue;
      const w = minorWeightOf(other, this.rules.unknownAge);
      if (w > 0)
        out.push({
          user: other.user,
          minorContacts: other.minorFriends,
          knownContacts: other.knownFriends,
          weight: roundScore(w),
        });
    }
    return out;
  }

  private recentMinors(s: AccountRiskState, nowSec: number): string[] {
    const out: string[] = [];
    const c = s.data;
    if (c === null) return out;
    for (let i = 0, o = S_CONTACTS, n = s.contactsLen; i < n; i++, o += C_STRIDE) {
      const other = this.store.byRef(c[o] as number);
      if (other !== undefined && other.minor && nowSec - (c[o + C_LAST] as number) < WEEK)
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
