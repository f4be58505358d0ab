import {
  C_FIRST,
  C_REF,
  C_REQ,
  C_STRIDE,
  CF_ANSWERED,
  CF_DECLINED,
  CF_NO_MUTUAL,
  CF_RECONTACT,
  CV_COUNT_DAYS,
  CV_COUNTS,
  CV_DAY,
  CV_DAYMASK,
  CV_FIRST,
  CV_PARTNER,
  CV_SINCE,
  CV_STRIDE,
  CV_FLAGS,
  CV_UNREPLIED,
  CVF_INITIATED,
  IN_MINOR,
  IN_STRIDE,
  S_CONTACTS,
  S_CONVS,
  S_INBOUND,
  contactFlags,
  type AccountRiskState,
} from './account-state.model.js';
import type { AgeBand } from './risk-event.model.js';
import type { RiskRules, SignalRule } from './risk-rules.model.js';
import type { RiskStateStore } from './risk-state-store.port.js';

/** Seconds in one hour. */
export const HOUR = 3600;
/** Seconds in one day. */
export const DAY = 86_400;
/** Seconds in one week. */
export const WEEK = 7 * DAY;
/** A relationship counts as new for this long after the account first contacted the minor. */
export const NEW_RELATIONSHIP = 30 * DAY;

/** Byte `i` of the 16 day counters packed in 4 words at `o`. */
export function dayCount(d: Uint32Array, o: number, i: number): number {
  return ((d[o + (i >> 2)] as number) >>> ((i & 3) * 8)) & 0xff;
}

/** Age the 16 packed day counters at `o` by `shift` days (newest day = byte 0). */
export function shiftDays(d: Uint32Array, o: number, shift: number): void {
  if (shift <= 0) return;
  for (let i = CV_COUNT_DAYS - 1; i >= 0; i--) {
    const v = i - shift >= 0 ? dayCount(d, o, i - shift) : 0;
    const w = o + (i >> 2);
    const sh = (i & 3) * 8;
    d[w] = (((d[w] as number) & ~(0xff << sh)) | (v << sh)) >>> 0;
  }
}

/**
 * How much `x` counts as a minor in the minor-directed signals of accounts that contact it:
 * 1 for a declared minor; for an `unknown`-age account that accepted the contact requests of at
 * least `minKnownContacts` accounts of known age, of which a share of at least `minMinorShare`
 * are minors, `minorWeight × share` (a probable minor); otherwise 0. Its own accepted requests
 * are not evidence. Also damps an unknown-age sender's own factor (RiskEngine). Read at
 * evaluation time, like bands.
 */
export function minorWeightOf(x: AccountRiskState, inf: RiskRules['unknownAge']): number {
  if (x.minor) return 1;
  if (x.band !== 'unknown' || inf.minorWeight === 0) return 0;
  const known = x.knownFriends;
  if (known < inf.minKnownContacts) return 0;
  const share = x.minorFriends / known;
  return share >= inf.minMinorShare ? inf.minorWeight * share : 0;
}

/**
 * Value of a one-conversation signal `v` whose partner counts `m` of a minor (see
 * minorWeightOf). A declared minor (`m` = 1) gives `v`. For a probable minor the contribution is
 * probability-weighted: the value returned is the one at which a declared minor would contribute
 * `m` times what `v` contributes, `from + m × clamp((v − from) / (to − from), 0, 1) × (to −
 * from)`; below the ramp's start (no contribution) `v` itself. Scaling the value instead (`m ×
 * v`) would discount a probable minor twice on ramps that start above zero: 40 messages to a
 * minor of weight 0.6 would count as 24, under the default ramp's start of 25.
 */
export function weightedValue(v: number, r: SignalRule, m: number): number {
  if (m === 1) return v;
  const x = (v - r.from) / (r.to - r.from);
  if (x <= 0) return v;
  return r.from + m * (x >= 1 ? 1 : x) * (r.to - r.from);
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

/**
 * Everything the behavioural signals need, computed in one pass over the account's rings.
 * Window semantics: an item is inside window `W` at time `now` when `now - t < W`, i.e. the
 * half-open interval (now - W, now].
 */
export interface ContactSummary {
  // Minor counts below are weighted: a declared minor counts 1, a probable minor (an
  // unknown-age account, see minorWeightOf) its weight below 1.
  /** Distinct minors first contacted (request or message) in the last hour. */
  minors1h: number;
  /** ... in the last 24 hours. */
  minors24h: number;
  /** ... in the last 7 days. */
  minors7d: number;
  /** Contact requests to minors sent with no mutual contact, last 7 days. */
  noMutualMinorReq7d: number;
  /** Minors in the recent-contacts ring first contacted at least 24 h ago, or who declined. */
  minorsInRing: number;
  /** Of those, how many never answered or declined (blocked/reported). */
  minorsUnanswered: number;
  /** Largest adult-to-minor band gap (1..3), or -1 when the sender is not a known adult or no minor. */
  maxGap: number;
  /** Distinct new minors first contacted within 24 h after the latest block/report received. */
  burstAfterBlock: number;
  /** Minors first contacted in the last 7 days who had just blocked/reported another account. */
  recontact7d: number;
  /** ... of those, contacted while this account was less than 7 days old (createdAt known). */
  freshRecontact7d: number;
  /** Unknown-age accounts first contacted in the last 7 days that count as probable minors. */
  probableMinors7d: number;
  /** Distinct accounts that blocked or reported this one, last 24 h. */
  blockers24h: number;
  /** ... last 7 days. */
  blockers7d: number;
  /** Distinct minors that blocked or reported this one, last 7 days. */
  minorBlockers7d: number;
  /**
   * Over this account's conversations with minors it shares no mutual contact with ("private"
   * relationships; only adult or unknown-age senders have conversations): the most days with
   * messages to one such minor in the last 14 UTC days (today included), or -1 if none.
   */
  privateChatDays14d: number;
  /** ... the most messages to one such minor in the last 7 UTC days, or -1 if none. */
  privateMessages7d: number;
  /**
   * ... the same, only minors this account itself first contacted less than 30 days ago, or -1
   * if none.
   */
  newPrivateMessages7d: number;
  /**
   * ... the largest escalation: messages in the last 7 days over the 7 days before plus 7
   * (`last7 / (prev7 + 7)`, i.e. smoothed by one message a day), for conversations observed for
   * at least 14 days; -1 if none.
   */
  escalation: number;
  /** ... the most messages sent to one such minor since it last wrote back, or -1 if none. */
  unreplied: number;
  /**
   * ... the largest growth of messages to one such minor, as a test statistic: (last 7 days -
   * the 7 before) / sqrt(both + 4), for conversations observed for at least 14 days; -1 if none.
   */
  growth: number;
}

const GAP: Readonly<Record<AgeBand, number>> = {
  under13: 3,
  '13-15': 2,
  '16-17': 1,
  adult: 0,
  unknown: 0,
};

/** Reset `out` to the summary of an account with nothing in its rings ("-1 if none" fields at -1). */
export function resetSummary(out: ContactSummary): ContactSummary {
  out.minors1h = 0;
  out.minors24h = 0;
  out.minors7d = 0;
  out.noMutualMinorReq7d = 0;
  out.minorsInRing = 0;
  out.minorsUnanswered = 0;
  out.maxGap = -1;
  out.burstAfterBlock = 0;
  out.recontact7d = 0;
  out.freshRecontact7d = 0;
  out.probableMinors7d = 0;
  out.blockers24h = 0;
  out.blockers7d = 0;
  out.minorBlockers7d = 0;
  out.privateChatDays14d = -1;
  out.privateMessages7d = -1;
  out.newPrivateMessages7d = -1;
  out.escalation = -1;
  out.unreplied = -1;
  out.growth = -1;
  return out;
}

/**
 * Compute the {@link ContactSummary} of `s` at time `now` (seconds), into `out` when given (the
 * engine reuses one object: it summarizes on almost every other event).
 */
export function summarizeContacts(
  s: AccountRiskState,
  now: number,
  store: RiskStateStore,
  rules: RiskRules,
  out: ContactSummary = resetSummary({} as ContactSummary),
): ContactSummary {
  const inf = rules.unknownAge;
  resetSummary(out);
  const adult = s.band === 'adult';
  const c = s.data;
  if (c !== null) {
    for (let i = 0, o = S_CONTACTS, n = s.contactsLen; i < n; i++, o += C_STRIDE) {
      // The target's band is read now, not at contact time: an account event may arrive late.
      const other = store.byRef(c[o + C_REF] as number);
      if (other === undefined) continue;
      const m = other.minor ? 1 : minorWeightOf(other, inf);
      if (m === 0) continue;
      const first = c[o + C_FIRST] as number;
      const flags = contactFlags(c, i);
      // Counted by first contact: an established relationship (a coach's team, a parent's
      // child) is not "contacting minors" again every time a message is sent.
      const age = now - first;
      if (age < WEEK) {
        out.minors7d += m;
        if (!other.minor) out.probableMinors7d++;
        if (age < DAY) {
          out.minors24h += m;
          if (age < HOUR) out.minors1h += m;
        }
      }
      const req = c[o + C_REQ] as number;
      if (flags & CF_NO_MUTUAL && req > 0 && now - req < WEEK) out.noMutualMinorReq7d += m;
      // Only contacts at least a day old (or already declined) are judged: a request sent a
      // minute ago has not had a chance to be answered, and judging it would make a new coach
      // friending a team look exactly like a spray contacter.
      if (now - first >= DAY || flags & CF_DECLINED) {
        out.minorsInRing += m;
        if ((flags & CF_ANSWERED) === 0 || flags & CF_DECLINED) out.minorsUnanswered += m;
      }
      if (adult && other.minor && GAP[other.band] > out.maxGap) out.maxGap = GAP[other.band];
      if (s.lastBlockedAt >= 0 && first >= s.lastBlockedAt && first - s.lastBlockedAt < DAY)
        out.burstAfterBlock += m;
      if (flags & CF_RECONTACT && now - first < WEEK) {
        out.recontact7d += m;
        // Block evasion: a brand-new account reaching a minor who just blocked someone.
        if (s.createdAt >= 0 && first - s.createdAt < WEEK) out.freshRecontact7d += m;
      }
    }
  }
  const b = s.data;
  if (b !== null) {
    for (let i = 0, o = S_INBOUND, n = s.inboundLen; i < n; i++, o += IN_STRIDE) {
      const age = now - (b[o + 1] as number);
      if (age < WEEK) {
        out.blockers7d++;
        const w = b[o] as number;
        if (w & IN_MINOR) out.minorBlockers7d++;
        else {
          const by = store.byRef(w);
          if (by !== undefined && by.band === 'unknown')
            out.minorBlockers7d += minorWeightOf(by, inf);
        }
        if (age < DAY) out.blockers24h++;
      }
    }
    if (s.convLen > 0) summarizeConversations(s, b, now, store, rules, out);
  }
  return out;
}

function summarizeConversations(
  s: AccountRiskState,
  d: Uint32Array,
  now: number,
  store: RiskStateStore,
  rules: RiskRules,
  out: ContactSummary,
): void {
  const inf = rules.unknownAge;
  const sig = rules.signals;
  const today = Math.floor(now / DAY);
  for (let row = 0, o = S_CONVS; row < s.convLen; row++, o += CV_STRIDE) {
    const partner = store.byRef(d[o + CV_PARTNER] as number);
    // Band read now (a late account event counts); a mutual contact now makes it not private.
    if (partner === undefined) continue;
    // A probable minor (unknown age) counts at its weight: each value below is the one at which
    // a declared minor would contribute `m` times as much (see weightedValue).
    const m = partner.minor ? 1 : minorWeightOf(partner, inf);
    if (m === 0 || s.hasMutual(partner)) continue;
    // Align the day tables to today: `lag` days passed since the newest counted day.
    const lag = today - (d[o + CV_DAY] as number);
    const mask = lag >= 32 ? 0 : ((d[o + CV_DAYMASK] as number) << lag) >>> 0;
    const days = popcount(mask & 0x3fff);
    let m7 = 0;
    let prev7 = 0;
    for (let i = 0; i + lag < CV_COUNT_DAYS && i < 14; i++) {
      const n = dayCount(d, o + CV_COUNTS, i + lag);
      if (i < 7) m7 += n;
      else prev7 += n;
    }
    // Only judged once both weeks were observed: at the start of a conversation (or of the
    // event log) there is no earlier week to compare with.
    const observed = now - (d[o + CV_SINCE] as number) >= 2 * WEEK;
    const esc = observed ? weightedValue(m7 / (prev7 + 7), sig.private_minor_escalation, m) : -1;
    // Growth as a test statistic (a Poisson-style z score): a rise from 14 to 42 messages a
    // week scores ~3.1, a steady 28 a week 0 (± ~1.2 from day-to-day noise).
    const growth = observed
      ? weightedValue((m7 - prev7) / Math.sqrt(m7 + prev7 + 4), sig.private_minor_growth, m)
      : -1;
    const dd = weightedValue(days, sig.private_minor_chat_days_14d, m);
    if (dd > out.privateChatDays14d) out.privateChatDays14d = dd;
    const pm = weightedValue(m7, sig.private_minor_messages_7d, m);
    if (pm > out.privateMessages7d) out.privateMessages7d = pm;
    if (
      (d[o + CV_FLAGS] as number) & CVF_INITIATED &&
      now - (d[o + CV_FIRST] as number) < NEW_RELATIONSHIP
    ) {
      const nm = weightedValue(m7, sig.new_private_minor_messages_7d, m);
      if (nm > out.newPrivateMessages7d) out.newPrivateMessages7d = nm;
    }
    if (esc > out.escalation) out.escalation = esc;
    if (growth > out.growth) out.growth = growth;
    const un = weightedValue(
      d[o + CV_UNREPLIED] as number,
      sig.unanswered_private_minor_messages,
      m,
    );
    if (un > out.unreplied) out.unreplied = un;
  }
}
