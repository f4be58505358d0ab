import type { AgeBand } from './risk-event.model.js';

/** Capacity of the recent-contacts ring (distinct accounts this account reached out to). */
export const CONTACT_CAP = 32;
/** Capacity of the ring of distinct accounts that blocked or reported this account. */
export const INBOUND_CAP = 16;
/** Capacity of the accepted-contacts ring used for mutual-contact checks. */
export const FRIEND_CAP = 24;
/** Adult-to-minor conversations tracked per account. */
export const CONVERSATION_CAP = 4;

// All per-account rings live in ONE Uint32Array (`AccountRiskState.data`), in sections that
// are allocated lazily in this order (the array grows to the end of the highest section
// needed, at most four times per account): one typed array costs V8 heap on top of its data,
// so one array instead of five keeps the worst case near 2 KB per account (docs/bench/risk.md).
// The arrays are views on shared 64 KiB slabs (`allocStateWords`): a view costs ~97 bytes of
// heap, an array with its own ArrayBuffer ~185. Times are seconds since the epoch (fit 32 bits
// until 2106).

/** Offset of the accepted-contacts ring: FRIEND_CAP refs. */
export const S_FRIENDS = 0;
/** Offset of the inbound (blockers/reporters) ring: INBOUND_CAP entries of IN_STRIDE words. */
export const S_INBOUND = S_FRIENDS + FRIEND_CAP;
/** Words per inbound entry: [ref | minor bit 31, at]. */
export const IN_STRIDE = 2;
/** Bit 31 of an inbound ref word: the blocker was a minor. */
export const IN_MINOR = 0x8000_0000;
/** Offset of the recent-contacts ring: CONTACT_CAP entries of C_STRIDE words. */
export const S_CONTACTS = S_INBOUND + INBOUND_CAP * IN_STRIDE;

/** Layout of one contact entry (offsets inside the entry). */
export const C_REF = 0;
/** First contact time (s). */
export const C_FIRST = 1;
/** Latest contact time (s). */
export const C_LAST = 2;
/** Time of the first contact request (s), 0 if none. */
export const C_REQ = 3;
/** Words per contact entry (the flags live in a byte table after the ring, see `S_CFLAGS`). */
export const C_STRIDE = 4;
/** Offset of the contact flag bytes (`CF_*`), four per word, one byte per ring entry. */
export const S_CFLAGS = S_INBOUND + INBOUND_CAP * IN_STRIDE + CONTACT_CAP * C_STRIDE;

/** Flag byte of contact entry `i`. */
export function contactFlags(d: Uint32Array, i: number): number {
  return ((d[S_CFLAGS + (i >> 2)] as number) >>> ((i & 3) * 8)) & 0xff;
}

/** Set the flag byte of contact entry `i` to `v`. */
export function setContactFlags(d: Uint32Array, i: number, v: number): void {
  const w = S_CFLAGS + (i >> 2);
  const sh = (i & 3) * 8;
  d[w] = (((d[w] as number) & ~(0xff << sh)) | ((v & 0xff) << sh)) >>> 0;
}

/** OR `f` into the flag byte of contact entry `i`. */
export function orContactFlags(d: Uint32Array, i: number, f: number): void {
  setContactFlags(d, i, contactFlags(d, i) | f);
}

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

/**
 * Offset of the text section: 4 words of per-category message counts (two saturating 16-bit
 * counts per word), then the first evidence of each category, TEXT_EV_STRIDE words each:
 * [start | end << 16, atSec, phraseRef]. Evidence exists exactly when the category's count
 * is non-zero (it is recorded at the first hit). Phrases are interned by the engine.
 */
export const S_TEXT = S_CFLAGS + CONTACT_CAP / 4;
/** Words per account-level evidence entry. */
export const TEXT_EV_STRIDE = 3;
/** Offset of the evidence entries inside the text section. */
export const TEXT_EV = 4;
/** Text categories (the bit mask and tables are sized for 8). */
export const TEXT_CATEGORY_SLOTS = 8;
const TEXT_WORDS = TEXT_EV + TEXT_CATEGORY_SLOTS * TEXT_EV_STRIDE;

/** Offset of the conversations table: CONVERSATION_CAP rows of CV_STRIDE words. */
export const S_CONVS = S_TEXT + TEXT_WORDS;

/** Conversation row: store ref of the minor. */
export const CV_PARTNER = 0;
/** Latest message time (s). */
export const CV_LAST = 1;
/** Messages the account sent in it. */
export const CV_SENT = 2;
/** Messages the minor sent back. */
export const CV_RECEIVED = 3;
/** Bits 0-7: text categories seen; CVF_NO_MUTUAL, CVF_INITIATED; bits 12-13: evidence entries kept. */
export const CV_FLAGS = 4;
/** Day number (UTC days since the epoch) of the newest day in CV_DAYMASK / CV_COUNTS. */
export const CV_DAY = 5;
/** Bit i set: the account messaged the minor on day CV_DAY - i (32 days). */
export const CV_DAYMASK = 6;
/** Messages sent since the minor last wrote back (or since the start). */
export const CV_UNREPLIED = 7;
/** 4 words = 16 saturating byte counters: messages sent on day CV_DAY - i (byte i). */
export const CV_COUNTS = 8;
/** Days covered by CV_COUNTS. */
export const CV_COUNT_DAYS = 16;
/** Time the account first contacted the minor (s): from the contact ring, else the first message. */
export const CV_FIRST = 12;
/** Time of the account's first message in this conversation (s): how long it has been observed. */
export const CV_SINCE = 13;
/** First evidence entries: CV_EV_STRIDE words each, [category | phraseRef << 4, start | end << 16, atSec]. */
export const CV_EV = 14;
/** Words per conversation evidence entry. */
export const CV_EV_STRIDE = 3;
/** Evidence spans kept per conversation (the first categories seen; later ones set only the mask). */
export const CONV_EVIDENCE_CAP = 3;
/** Words per conversation row. */
export const CV_STRIDE = CV_EV + CONV_EVIDENCE_CAP * CV_EV_STRIDE;
/** CV_FLAGS bit: the adult reached the minor with no mutual contact. */
export const CVF_NO_MUTUAL = 1 << 8;
/** CV_FLAGS bit: this account started the contact (the minor had not contacted it before). */
export const CVF_INITIATED = 1 << 9;

/** Words of a fully grown state array. */
export const STATE_WORDS = S_CONVS + CONVERSATION_CAP * CV_STRIDE;

/** A decoded evidence span (what operators see). */
export interface TextEvidence {
  /** Matched lexicon phrase or redaction label. */
  readonly match: string;
  /** Offsets in the message. */
  readonly start: number;
  /** End offset in the message. */
  readonly end: number;
  /** Message time (ms). */
  readonly atMs: number;
  /** Event id of the message, when the producer sent one (and it is still remembered). */
  readonly eventId: string | undefined;
}

// --- State arrays: views on shared slabs, with free lists per size for the arrays that grow.
const SLAB_WORDS = 16_384;
/** Free arrays kept per size for reuse (a bound on what freed arrays can pin). */
const FREE_CAP = 1024;
let slab: ArrayBuffer | null = null;
let slabUsed = SLAB_WORDS;
const freeBySize = new Map<number, Uint32Array[]>();

/**
 * A zeroed Uint32Array of `words` for account state: a view on a shared 64 KiB slab, or a
 * recycled one of the same size. An array given to {@link releaseStateWords} may be handed to
 * another account: never keep a reference to an account's `data` across a call that grows it.
 */
export function allocStateWords(words: number): Uint32Array {
  const f = freeBySize.get(words);
  if (f !== undefined && f.length > 0) return f.pop()!.fill(0);
  if (words > SLAB_WORDS) return new Uint32Array(words);
  if (slab === null || slabUsed + words > SLAB_WORDS) {
    slab = new ArrayBuffer(SLAB_WORDS * 4);
    slabUsed = 0;
  }
  const a = new Uint32Array(slab, slabUsed * 4, words);
  slabUsed += words;
  return a;
}

/** Give back a state array that no account references any more (see {@link allocStateWords}). */
export function releaseStateWords(a: Uint32Array): void {
  let f = freeBySize.get(a.length);
  if (f === undefined) freeBySize.set(a.length, (f = []));
  if (f.length < FREE_CAP) f.push(a);
}

/**
 * Bounded risk state of one account: scalar fields plus one lazily grown Uint32Array holding
 * every ring (layout above). Everything is capped, so memory per account does not grow with
 * history: a state array of at most 1,248 bytes (every ring full), far less for most accounts
 * (measured in docs/bench/risk.md). Strings that producers choose (event ids of evidence,
 * conversation ids) are not kept here but in the engine's bounded side table.
 */
export class AccountRiskState {
  /** Declared age band (`unknown` until an account event says otherwise); set with {@link setBand}. */
  band: AgeBand = 'unknown';
  /** True when `band` is one of the three minor bands (kept with `band`, read on hot paths). */
  minor = false;
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
  /**
   * Accepted contacts that sent the request (this account accepted it) and whose age band was
   * known when accepted: bits 0-14 count them, bits 15-29 count the minors among them (each
   * saturating at 32,767). The account's own accepted requests are not counted. Feeds the age
   * inference of `unknown`-age accounts (docs/risk.md, "Unknown age"). One small integer.
   */
  friendBands = 0;
  /** New distinct contacts (approximate beyond the ring: an evicted contact counts again). */
  newContacts = 0;
  /** New distinct minor contacts (same approximation). */
  newMinorContacts = 0;
  /** Messages sent (for detection latency). */
  messagesSent = 0;
  /** All rings (see the S_* layout); null until the first ring is needed. */
  data: Uint32Array | null = null;
  /** Entries used in the contacts ring. */
  contactsLen = 0;
  /** Entry found by the last {@link findContact} (most messages go to the same few contacts). */
  private lastContact = 0;
  /** Entries used in the inbound ring. */
  inboundLen = 0;
  /** Entries used in the friends ring. */
  friendsLen = 0;
  /** Next write position in the friends ring once full. */
  friendsPos = 0;
  /** Rows used in the conversations table. */
  convLen = 0;
  /** True once text was sent to a minor or unknown-age user (text signals become computable). */
  hasText = false;
  /** Highest score reached. */
  peakScore = 0;
  /** Event time (ms) when the score first reached `high`, -1 if never. */
  firstAlertAt = -1;
  /** Messages sent before the first `high` (detection latency), -1 if never. */
  messagesBeforeAlert = -1;

  /**
   * @param ref dense integer id given by the store (used inside rings instead of strings)
   * @param user the platform's user id
   * @param data a state array to adopt (snapshot restore)
   */
  constructor(
    readonly ref: number,
    readonly user: string,
    data?: Uint32Array,
  ) {
    if (data !== undefined) this.data = data;
  }

  /** The state array grown to at least `words` (section ends: S_INBOUND, S_CONTACTS, ...). */
  grow(words: number): Uint32Array {
    const d = this.data;
    if (d !== null && d.length >= words) return d;
    const n = allocStateWords(words);
    if (d !== null) {
      n.set(d);
      releaseStateWords(d);
    }
    this.data = n;
    return n;
  }

  /** Set the age band (and `minor`). */
  setBand(band: AgeBand): void {
    this.band = band;
    this.minor = band === 'under13' || band === '13-15' || band === '16-17';
  }

  /** Index (entry number) of `ref` in the contacts ring, or -1. */
  findContact(ref: number): number {
    const c = this.data;
    if (c === null) return -1;
    const h = this.lastContact;
    if (h < this.contactsLen && c[S_CONTACTS + h * C_STRIDE] === ref) return h;
    for (let i = 0, o = S_CONTACTS, n = this.contactsLen; i < n; i++, o += C_STRIDE)
      if (c[o] === ref) return (this.lastContact = i);
    return -1;
  }

  /** Row number of the conversation with `ref`, or -1. */
  findConversation(ref: number): number {
    const c = this.data;
    if (c === null) return -1;
    for (let i = 0, o = S_CONVS, n = this.convLen; i < n; i++, o += CV_STRIDE)
      if (c[o] === ref) return i;
    return -1;
  }

  /** Messages to minor/unknown recipients containing text category `ci`. */
  textCount(ci: number): number {
    const d = this.data;
    if (d === null || d.length < S_CONVS) return 0;
    const w = d[S_TEXT + (ci >> 1)] as number;
    return ci & 1 ? w >>> 16 : w & 0xffff;
  }

  /** True if `ref` is an accepted contact. */
  hasFriend(ref: number): boolean {
    const f = this.data;
    if (f === null) return false;
    for (let i = 0, n = this.friendsLen; i < n; i++) if (f[S_FRIENDS + i] === ref) return true;
    return false;
  }

  /** Accepted contacts of known age band (see {@link friendBands}). */
  get knownFriends(): number {
    return this.friendBands & 0x7fff;
  }

  /** Of those, minors. */
  get minorFriends(): number {
    return (this.friendBands >>> 15) & 0x7fff;
  }

  /** Count a new accepted contact of band `other` in {@link friendBands}. */
  noteFriendBand(other: AccountRiskState): void {
    if (other.band === 'unknown') return;
    const known = this.friendBands & 0x7fff;
    const minors = (this.friendBands >>> 15) & 0x7fff;
    if (known === 0x7fff) return;
    this.friendBands = known + 1 + ((other.minor ? minors + 1 : minors) << 15);
  }

  /** Record an accepted contact (oldest is overwritten when full); false if already there. */
  addFriend(ref: number): boolean {
    if (this.hasFriend(ref)) return false;
    const f = this.grow(S_INBOUND);
    if (this.friendsLen < FRIEND_CAP) f[S_FRIENDS + this.friendsLen++] = ref;
    else {
      f[S_FRIENDS + this.friendsPos] = ref;
      this.friendsPos = (this.friendsPos + 1) % FRIEND_CAP;
    }
    return true;
  }

  /** True if this account and `other` share an accepted contact. */
  hasMutual(other: AccountRiskState): boolean {
    const f = this.data;
    if (f === null || other.friendsLen === 0) return false;
    for (let i = 0, n = this.friendsLen; i < n; i++)
      if (other.hasFriend(f[S_FRIENDS + i] as number)) return true;
    return false;
  }
}
