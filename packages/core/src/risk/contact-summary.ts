import {
  C_FIRST,
  C_FLAGS,
  C_REF,
  C_REQ,
  C_STRIDE,
  CF_ANSWERED,
  CF_DECLINED,
  CF_NO_MUTUAL,
  CF_RECONTACT,
  type AccountRiskState,
} from './account-state.model.js';
import { isMinorBand, type AgeBand } from './risk-event.model.js';
import type { RiskStateStore } from './risk-state-store.port.js';

/** Seconds in one hour. */
export const HOUR = 3600;
/** Seconds in one day. */
export const DAY = 86_400;
/** Seconds in one week. */
export const WEEK = 7 * DAY;

/**
 * Everything the behavioural signals need, computed in one pass over the account's rings.
 * Window semantics: an item is inside window `W` at time `now` when `now - t < W`, i.e. the
 * half-open interval (now - W, now].
 */
export interface ContactSummary {
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
  /** Distinct accounts that blocked or reported this one, last 24 h. */
  blockers24h: number;
  /** ... last 7 days. */
  blockers7d: number;
  /** Distinct minors that blocked or reported this one, last 7 days. */
  minorBlockers7d: number;
}

const GAP: Readonly<Record<AgeBand, number>> = {
  under13: 3,
  '13-15': 2,
  '16-17': 1,
  adult: 0,
  unknown: 0,
};

/** Compute the {@link ContactSummary} of `s` at time `now` (seconds). */
export function summarizeContacts(
  s: AccountRiskState,
  now: number,
  store: RiskStateStore,
): ContactSummary {
  const out: ContactSummary = {
    minors1h: 0,
    minors24h: 0,
    minors7d: 0,
    noMutualMinorReq7d: 0,
    minorsInRing: 0,
    minorsUnanswered: 0,
    maxGap: -1,
    burstAfterBlock: 0,
    recontact7d: 0,
    blockers24h: 0,
    blockers7d: 0,
    minorBlockers7d: 0,
  };
  const adult = s.band === 'adult';
  const c = s.contacts;
  if (c !== null) {
    for (let i = 0, o = 0; i < s.contactsLen; i++, o += C_STRIDE) {
      // The target's band is read now, not at contact time: an account event may arrive late.
      const band = store.byRef(c[o + C_REF] as number)?.band ?? 'unknown';
      if (!isMinorBand(band)) continue;
      const first = c[o + C_FIRST] as number;
      const flags = c[o + C_FLAGS] as number;
      // Counted by first contact: an established relationship (a coach's team, a parent's
      // child) is not "contacting minors" again every time a message is sent.
      const age = now - first;
      if (age < WEEK) {
        out.minors7d++;
        if (age < DAY) {
          out.minors24h++;
          if (age < HOUR) out.minors1h++;
        }
      }
      const req = c[o + C_REQ] as number;
      if (flags & CF_NO_MUTUAL && req > 0 && now - req < WEEK) out.noMutualMinorReq7d++;
      // Only contacts at least a day old (or already declined) are judged: a request sent a
      // minute ago has not had a chance to be answered, and judging it would make a new coach
      // friending a team look exactly like a spray contacter.
      if (now - first >= DAY || flags & CF_DECLINED) {
        out.minorsInRing++;
        if ((flags & CF_ANSWERED) === 0 || flags & CF_DECLINED) out.minorsUnanswered++;
      }
      if (adult && GAP[band] > out.maxGap) out.maxGap = GAP[band];
      if (s.lastBlockedAt >= 0 && first >= s.lastBlockedAt && first - s.lastBlockedAt < DAY)
        out.burstAfterBlock++;
      if (flags & CF_RECONTACT && now - first < WEEK) out.recontact7d++;
    }
  }
  const b = s.inbound;
  if (b !== null) {
    for (let i = 0, o = 0; i < s.inboundLen; i++, o += 3) {
      const age = now - (b[o + 1] as number);
      if (age < WEEK) {
        out.blockers7d++;
        if (b[o + 2] === 1) out.minorBlockers7d++;
        if (age < DAY) out.blockers24h++;
      }
    }
  }
  return out;
}
