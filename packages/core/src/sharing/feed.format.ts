import type { Bank, BankChange, EntryOpinion } from '../banks/bank.model.js';
import { checkSignalValue } from '../banks/signal-value.js';
import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import type { SignalUpdate } from './exchange.model.js';

/**
 * The Lifeguard hash-sharing feed, version 1 (`lifeguard-feed/1`), specified in
 * docs/sharing.md. A page is UTF-8 JSON lines: one header object, then one record per
 * change of the bank, in change-log order. The publisher signs the exact bytes of the page
 * with Ed25519; the signature travels in the `Lifeguard-Feed-Signature` HTTP header.
 */
export const FEED_FORMAT = 'lifeguard-feed/1';

/** First line of a page. Field names are snake_case on the wire. */
export interface FeedPageHeader {
  /** Always {@link FEED_FORMAT}. */
  readonly format: typeof FEED_FORMAT;
  /** Name of the published bank. */
  readonly bank: string;
  /** `block` or `allow`: what an `add` means (`confirmed` or `false_positive`). */
  readonly kind: Bank['kind'];
  /** The bank's labels (apply to every record). */
  readonly labels: readonly string[];
  /** The cursor this page was requested with (`"0"`: from the beginning). */
  readonly cursor: string;
  /** The cursor to request the next page with (equal to `cursor` when nothing is newer). */
  readonly next_cursor: string;
  /** True when the next page already has records. */
  readonly has_more: boolean;
  /** Number of record lines after the header. */
  readonly count: number;
  /** Id of the signing key (see the well-known key document). */
  readonly key_id: string;
  /** When the page was generated, ISO-8601. */
  readonly generated_at: string;
}

/** One record line. */
export interface FeedRecord {
  /** Change-log sequence of the change (increasing within and across pages). */
  readonly seq: number;
  /** `add` or `remove` (a tombstone). */
  readonly op: 'add' | 'remove';
  /** Signal type (`pdq`, `md5`, `sha256`). */
  readonly signal_type: string;
  /** Canonical value (lowercase hex). */
  readonly value: string;
  /** The publisher's opinion (always on `add`; on `remove` only when a reviewer gave one). */
  readonly opinion?: EntryOpinion;
  /** Classification (`A1`, ...) on `add`, when known. */
  readonly classification?: string;
  /** The publisher's entry id (informative). */
  readonly entry_id: number;
  /** When the publisher added the entry, on `add`. */
  readonly added_at?: string;
}

/** Cursors are decimal change-log sequence numbers on the wire. */
export function parseFeedCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(cursor) || !Number.isSafeInteger(Number(cursor))) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'cursor must be a decimal sequence', {
      field: 'cursor',
    });
  }
  return Number(cursor);
}

/**
 * Feed records for one bank's changes (as read with `changesSince(after, limit, bankId)`).
 * An upsert of an enabled entry is an `add`; of a disabled one, a `remove` (it is no longer
 * shared). An upsert whose entry is gone since is left out: its later removal is a
 * tombstone with the value. Removals recorded before tombstones carried values (migration
 * 0010) cannot be shared and are left out too. Notes and metadata never leave the instance.
 */
export function feedRecords(
  bank: Pick<Bank, 'id' | 'kind'>,
  changes: readonly BankChange[],
): FeedRecord[] {
  const addOpinion: EntryOpinion = bank.kind === 'allow' ? 'false_positive' : 'confirmed';
  const out: FeedRecord[] = [];
  for (const c of changes) {
    if (c.kind === 'entry_upsert' && c.entry.bankId === bank.id) {
      const e = c.entry;
      out.push(
        e.enabled
          ? {
              seq: c.seq,
              op: 'add',
              signal_type: e.signalType,
              value: e.value,
              opinion: addOpinion,
              ...(e.classification !== null ? { classification: e.classification } : {}),
              entry_id: e.id,
              added_at: e.addedAt,
            }
          : { seq: c.seq, op: 'remove', signal_type: e.signalType, value: e.value, entry_id: e.id },
      );
    } else if (c.kind === 'entry_remove' && c.bankId === bank.id && c.signal !== undefined) {
      out.push({
        seq: c.seq,
        op: 'remove',
        signal_type: c.signal.signalType,
        value: c.signal.value,
        ...(c.opinion !== undefined ? { opinion: c.opinion } : {}),
        entry_id: c.entryId,
      });
    }
  }
  return out;
}

/** The bytes of a page (header line, then records), ready to sign and send. */
export function formatFeedPage(header: FeedPageHeader, records: readonly FeedRecord[]): string {
  let out = `${JSON.stringify(header)}\n`;
  for (const r of records) out += `${JSON.stringify(r)}\n`;
  return out;
}

/** A page parsed by {@link parseFeedPage}. */
export interface ParsedFeedPage {
  /** The header. */
  readonly header: FeedPageHeader;
  /** The records as exchange updates. */
  readonly updates: SignalUpdate[];
  /** Records of signal types this version does not hold (skipped). */
  readonly unsupported: number;
}

function invalid(reason: string, line?: number): LifeguardError {
  return new LifeguardError(
    ErrorCodes.INVALID_FEED,
    line === undefined ? reason : `line ${line}: ${reason}`,
    line === undefined ? {} : { line },
  );
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse and check the header line; throws `LG_ERR_INVALID_FEED`. */
export function parseFeedHeader(line: string): FeedPageHeader {
  let h: unknown;
  try {
    h = JSON.parse(line);
  } catch {
    throw invalid('header is not JSON', 1);
  }
  if (!isObj(h) || h.format !== FEED_FORMAT)
    throw invalid(`header format is not ${FEED_FORMAT}`, 1);
  const str = (k: string): string => {
    if (typeof h[k] !== 'string') throw invalid(`header field ${k} must be a string`, 1);
    return h[k];
  };
  str('bank');
  str('key_id');
  str('generated_at');
  for (const k of ['cursor', 'next_cursor']) {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(str(k))) throw invalid(`header ${k} is not a cursor`, 1);
  }
  if (h.kind !== 'block' && h.kind !== 'allow')
    throw invalid('header kind must be block or allow', 1);
  if (!Array.isArray(h.labels) || !h.labels.every((l) => typeof l === 'string')) {
    throw invalid('header labels must be an array of strings', 1);
  }
  if (typeof h.has_more !== 'boolean') throw invalid('header has_more must be a boolean', 1);
  if (typeof h.count !== 'number' || !Number.isInteger(h.count) || h.count < 0) {
    throw invalid('header count must be a non-negative integer', 1);
  }
  return h as unknown as FeedPageHeader;
}

/**
 * Parse a page's text (after its signature verified). Throws `LG_ERR_INVALID_FEED` naming
 * the first bad line (never echoing values) when the page is corrupt: a bad header, a
 * record that is not JSON or has a bad field or hash, sequences out of order, or a record
 * count that disagrees with the header.
 */
export function parseFeedPage(text: string): ParsedFeedPage {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw invalid('empty page');
  const header = parseFeedHeader(lines[0]!);
  const updates: SignalUpdate[] = [];
  let unsupported = 0;
  let lastSeq = parseFeedCursor(header.cursor);
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    let r: unknown;
    try {
      r = JSON.parse(lines[i]!);
    } catch {
      throw invalid('record is not JSON', n);
    }
    if (!isObj(r)) throw invalid('record is not an object', n);
    if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq <= lastSeq) {
      throw invalid('seq must be an integer above the previous one', n);
    }
    lastSeq = r.seq;
    if (r.op !== 'add' && r.op !== 'remove') throw invalid('op must be add or remove', n);
    if (typeof r.signal_type !== 'string' || typeof r.value !== 'string') {
      throw invalid('signal_type and value must be strings', n);
    }
    if (r.opinion !== undefined && r.opinion !== 'confirmed' && r.opinion !== 'false_positive') {
      throw invalid('opinion must be confirmed or false_positive', n);
    }
    if (r.classification !== undefined && typeof r.classification !== 'string') {
      throw invalid('classification must be a string', n);
    }
    const check = checkSignalValue(r.signal_type, r.value);
    if (!check.ok) {
      // A signal type a newer publisher shares (vpdq, ...) is skipped, not corruption.
      if (/^[a-z0-9_]{1,40}$/.test(r.signal_type) && check.reason.startsWith('unknown signal')) {
        unsupported++;
        continue;
      }
      throw invalid(check.reason, n);
    }
    updates.push({
      op: r.op,
      signalType: check.signalType,
      value: check.value,
      ...(r.opinion !== undefined ? { opinion: r.opinion } : {}),
      ...(r.classification !== undefined ? { classification: r.classification } : {}),
    });
  }
  if (lines.length - 1 !== header.count) {
    throw invalid(`header count ${header.count} but ${lines.length - 1} records`);
  }
  if (lines.length > 1 && lastSeq > parseFeedCursor(header.next_cursor)) {
    throw invalid('a record is beyond next_cursor');
  }
  return { header, updates, unsupported };
}
