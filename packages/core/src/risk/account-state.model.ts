import type { AgeBand } from './risk-event.model.js';

/** Capacity of the recent-contacts ring (distinct accounts this account reached out to). */
export const CONTACT_CAP = 32;
/** Capacity of the ring of distinct accounts that blocked or reported this account. */
export const INBOUND_CAP = 16;
/** Capacity of the accepted-contacts ring used for mutual-contact checks. */
export const FRIEND_CAP = 24;
/** Adult-to-minor conversations tracked per account. */
export const CONVERSATION_CAP = 4;

/** Layout of one contact entry in {@link AccountRiskState.contacts}. */
export const C_REF = 0;
/** First contact time (s). */
export const C_FIRST = 1;
/** Latest contact time (s). */
export const C_LAST = 2;
/** Time of the first contact request (s), 0 if none. */
export const C_REQ = 3;
/** Flag bits, see `CF_*`. */
export const C_FLAGS = 4;
/** Words per contact entry. */
export const C_STRIDE = 5;

/** A contact request was sent. */
export const CF_REQUESTED = 1;
/** The request was sent while the two had no mutual contact. */
export const CF_NO_MUTUAL = 2;
/** The target answered (accepted, replied or requested back). */
export const CF_ANSWERED = 4;
/** The target blocked or reported this account (a decline). */
export const CF_DECLINED = 8;
/** A message was sent. */
export const CF_MESSAGED = 16;
/** At first contact the target had blocked or reported a non-minor account in the previous 7 days. */
export const CF_RECONTACT = 32;

/** A decoded evidence span (what operators see; stored packed, see `EV_STRIDE`). */
export interface TextEvidence {
  /** Matched lexicon phrase or redaction label. */
  readonly match: string;
  /** Offsets in the message. */
  readonly start: number;
  /** End offset in the message. */
  readonly end: number;
  /** Message time (ms). */
  readonly atMs: number;
  /** Event id of the message, when the producer sent one. */
  readonly eventId: string | undefined;
}

/**
 * Numbers per packed evidence entry of an account: [start, end, atSec, phraseRef]. Evidence is
 * packed into plain number arrays, and phrases are interned by the engine, because objects and
 * strings per hit would dominate the per-account memory (and a sliced string could keep the
 * whole message text alive).
 */
export const EV_STRIDE = 4;
/** Numbers per packed evidence entry of a conversation: [category, start, end, atSec, phraseRef]. */
export const CONV_EV_STRIDE = 5;
/** Evidence spans kept per conversation (the first categories seen; later ones set only the mask). */
export const CONV_EVIDENCE_CAP = 3;

/** State of one adult(or unknown)-to-minor conversation, for conversation-level scores. */
export interface ConversationState {
  /** Store ref of the minor. */
  readonly partner: number;
  /** Conversation id when the platform sends one (first seen). */
  conversation: string | undefined;
  /** Messages the account sent in it. */
  sent: number;
  /** Messages the minor sent back. */
  received: number;
  /** Bit mask of text categories seen in the account's messages (bit = TEXT_CATEGORIES index). */
  categories: number;
  /** First evidence of up to CONV_EVIDENCE_CAP categories, packed (`CONV_EV_STRIDE` numbers each). */
  evidence: number[];
  /** Event ids of those evidence messages, only when the producer sends ids. */
  evidenceIds: Array<string | undefined> | undefined;
  /** True if the adult reached the minor without a mutual contact. */
  noMutual: boolean;
  /** First and last message time (s). */
  firstAt: number;
  /** Last message time (s). */
  lastAt: number;
}

/**
 * Bounded risk state of one account. Everything is capped (rings, counters), so memory per
 * account does not grow with history: about 1-1.5 KB for an active sender, a few hundred
 * bytes for an account that only receives (measured in docs/bench/risk.md). Times are
 * seconds since the epoch (fits 32 bits until 2106).
 */
export class AccountRiskState {
  /** Declared age band (`unknown` until an account event says otherwise). */
  band: AgeBand = 'unknown';
  /** Account creation time (s), -1 if never sent. */
  createdAt = -1;
  /** Latest event time applied to this account (s); later events never move it back. */
  lastAt = 0;
  /** Time of the first contact with a minor (s), -1 if none. */
  firstMinorContactAt = -1;
  /** Account age in days at that first minor contact, -1 if unknown. */
  ageDaysAtFirstMinorContact = -1;
  /** Last time this account was blocked or reported (s), -1 if never. */
  lastBlockedAt = -1;
  /** Last time this account blocked or reported an adult or unknown-age account (s), -1 if never. */
  blockGivenAt = -1;
  /** New distinct contacts (approximate beyond the ring: an evicted contact counts again). */
  newContacts = 0;
  /** New distinct minor contacts (same approximation). */
  newMinorContacts = 0;
  /** Messages sent (for detection latency). */
  messagesSent = 0;
  /** Recent contacts ring, `C_STRIDE` words per entry; null until the first contact. */
  contacts: Uint32Array | null = null;
  /** Entries used in `contacts`. */
  contactsLen = 0;
  /** Distinct blockers/reporters ring: [ref, at(s), isMinor] per entry. */
  inbound: Uint32Array | null = null;
  /** Entries used in `inbound`. */
  inboundLen = 0;
  /** Accepted contacts (refs), ring. */
  friends: Int32Array | null = null;
  /** Entries used in `friends`. */
  friendsLen = 0;
  /** Next write position in `friends` once full. */
  friendsPos = 0;
  /** Messages to minor/unknown recipients per text category (saturating at 65535). */
  textCounts: Uint16Array | null = null;
  /** First evidence per text category, packed (`EV_STRIDE` numbers each, start -1 = none). */
  textEvidence: number[] | null = null;
  /** Event ids of those evidence messages, only when the producer sends ids. */
  textEvidenceIds: Array<string | undefined> | null = null;
  /** Adult-to-minor conversations. */
  conversations: ConversationState[] | null = null;
  /** Highest score reached. */
  peakScore = 0;
  /** Event time (ms) when the score first reached `high`, -1 if never. */
  firstAlertAt = -1;
  /** Messages sent before the first `high` (detection latency), -1 if never. */
  messagesBeforeAlert = -1;

  /**
   * @param ref dense integer id given by the store (used inside rings instead of strings)
   * @param user the platform's user id
   */
  constructor(
    readonly ref: number,
    readonly user: string,
  ) {}

  /** Index (entry number) of `ref` in the contacts ring, or -1. */
  findContact(ref: number): number {
    const c = this.contacts;
    if (c === null) return -1;
    for (let i = 0, o = 0; i < this.contactsLen; i++, o += C_STRIDE) if (c[o] === ref) return i;
    return -1;
  }

  /** True if `ref` is an accepted contact. */
  hasFriend(ref: number): boolean {
    const f = this.friends;
    if (f === null) return false;
    for (let i = 0; i < this.friendsLen; i++) if (f[i] === ref) return true;
    return false;
  }

  /** Record an accepted contact (oldest is overwritten when full). */
  addFriend(ref: number): void {
    if (this.hasFriend(ref)) return;
    if (this.friends === null) this.friends = new Int32Array(FRIEND_CAP);
    if (this.friendsLen < FRIEND_CAP) this.friends[this.friendsLen++] = ref;
    else {
      this.friends[this.friendsPos] = ref;
      this.friendsPos = (this.friendsPos + 1) % FRIEND_CAP;
    }
  }

  /** True if this account and `other` share an accepted contact. */
  hasMutual(other: AccountRiskState): boolean {
    const f = this.friends;
    if (f === null || other.friends === null) return false;
    for (let i = 0; i < this.friendsLen; i++) if (other.hasFriend(f[i] as number)) return true;
    return false;
  }
}
