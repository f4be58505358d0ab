import type { Bank, BankChange, SignalType } from '../banks/bank.model.js';
import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { formatHash256, HASH256_WORDS, type Hash256 } from '../hashing/hash256.codec.js';
import type { IndexEntry } from '../ports/bank-store.port.js';
import { DigestTable } from './digest.table.js';
import type { MatchHit, MatchQuery, MatchResult, TruncatedBank } from './match.model.js';
import {
  PDQ_MAX_DISTANCE,
  PdqIndex,
  type PdqIndexOptions,
  type PdqIndexStats,
} from './pdq.index.js';
import { isRolledOut } from './rollout.policy.js';

/** Options of a {@link BankMatcher}. */
export interface BankMatcherOptions {
  /**
   * Keep each entry's `sourceId` and `classification` in memory so that hits carry them.
   * Off by default: at 10M entries that side table would cost more than the whole index, and
   * a reviewer opening a match can fetch the entry from the bank store by `entryId`.
   */
  readonly retainEntryMetadata?: boolean;
  /** Tuning of the PDQ index. */
  readonly index?: PdqIndexOptions;
}

/** What {@link BankMatcher.bulkLoad} did. */
export interface BulkLoadSummary {
  /** PDQ entries loaded. */
  readonly pdq: number;
  /** MD5 entries loaded. */
  readonly md5: number;
  /** SHA-256 entries loaded. */
  readonly sha256: number;
  /** Disabled entries (not matchable, so not loaded). */
  readonly disabled: number;
  /** Entries whose value is malformed for their signal type, skipped. */
  readonly invalid: number;
  /** The first (up to 100) ids of invalid entries. */
  readonly invalidEntryIds: readonly number[];
}

/** Sizes of a {@link BankMatcher}. */
export interface BankMatcherStats {
  /** Banks with settings. */
  readonly banks: number;
  /** Matchable MD5 and SHA-256 entries. */
  readonly exactEntries: number;
  /** The PDQ index. */
  readonly pdq: PdqIndexStats;
}

interface BankSlot {
  readonly tag: number;
  bank: Bank | null;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Hex digit values; 255 marks a non-hex character. */
const HEX_VALUE = (() => {
  const t = new Uint8Array(128).fill(255);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

/**
 * Parse 64 hex digits (reference order: most significant 16-bit word first, see
 * `hash256.codec.ts`) into `out` without allocating; false when malformed. The bulk-load path
 * parses millions of hashes, so it avoids `parseHash256`'s per-hash arrays and substrings.
 */
function parsePdqInto(hex: string, out: Uint32Array): boolean {
  if (hex.length !== 64) return false;
  for (let i = 0; i < HASH256_WORDS; i++) {
    let w = 0;
    for (let j = 0; j < 8; j++) {
      const c = hex.charCodeAt(i * 8 + j);
      const v = c < 128 ? HEX_VALUE[c]! : 255;
      if (v === 255) return false;
      w = (w << 4) | v;
    }
    out[HASH256_WORDS - 1 - i] = w >>> 0;
  }
  return true;
}

/**
 * Bank-aware matching over one shared {@link PdqIndex} and exact maps for MD5 and SHA-256.
 *
 * One PDQ search per lookup, at the largest threshold among the banks consulted for it; each
 * hit is then kept only if within its own bank's threshold. Per entry the PDQ side holds no
 * object: the entry id, hash and a 16-bit bank tag live in the index's typed arrays (under
 * 100 bytes per hash in total at 10M, measured by bench/match.bench.mjs). MD5/SHA-256 entries
 * live in {@link DigestTable}s, typed arrays too (~35 / ~51 bytes per entry).
 *
 * Entries of banks not seen yet are indexed and become matchable once their bank arrives;
 * entries of disabled banks stay indexed and are skipped at lookup, so toggling a bank is
 * O(1). Disabled entries are not indexed.
 */
export class BankMatcher {
  private readonly index: PdqIndex;
  private readonly banksById = new Map<number, BankSlot>();
  private readonly slotsByTag: BankSlot[] = [];
  private readonly md5 = new DigestTable(16);
  private readonly sha256 = new DigestTable(32);
  private readonly meta: Map<
    number,
    { sourceId: string | null; classification: string | null }
  > | null;
  private readonly scratch = new Uint32Array(HASH256_WORDS);
  private seq = 0;

  /** @param options see {@link BankMatcherOptions} */
  constructor(options: BankMatcherOptions = {}) {
    this.index = new PdqIndex(options.index);
    this.meta = options.retainEntryMetadata === true ? new Map() : null;
  }

  /** Highest change sequence applied (or given to {@link bulkLoad}); 0 at first. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Insert or replace a bank's settings. */
  upsertBank(bank: Bank): void {
    this.slotFor(bank.id).bank = bank;
  }

  /** A bank's settings, if known. */
  getBank(bankId: number): Bank | undefined {
    return this.banksById.get(bankId)?.bank ?? undefined;
  }

  /** Forget a bank and all its entries (O(entries)); returns how many entries were dropped. */
  removeBank(bankId: number): number {
    const slot = this.banksById.get(bankId);
    if (slot === undefined) return 0;
    slot.bank = null;
    return (
      this.index.removeByTag(slot.tag) +
      this.md5.removeByTag(slot.tag) +
      this.sha256.removeByTag(slot.tag)
    );
  }

  /**
   * Insert, replace or (when `entry.enabled` is false) withdraw an entry (a full `BankEntry`
   * or the store's lean `IndexEntry`; metadata, note and times are not kept). Throws
   * `LG_ERR_INVALID_HASH` for a malformed value, leaving the matcher unchanged.
   */
  upsertEntry(entry: IndexEntry): void {
    const parsed = this.validate(entry);
    if (parsed === null) {
      throw new LifeguardError(
        ErrorCodes.INVALID_HASH,
        `bank entry ${entry.id} has a malformed ${entry.signalType} value`,
        { entryId: entry.id, signalType: entry.signalType, length: entry.value.length },
      );
    }
    if (!entry.enabled) {
      this.removeEntry(entry.id);
      return;
    }
    this.put(entry, parsed, false);
  }

  /** Withdraw an entry; false when it was not matchable. */
  removeEntry(entryId: number): boolean {
    const inIndex = this.index.remove(entryId);
    const inMd5 = this.md5.remove(entryId);
    const inSha256 = this.sha256.remove(entryId);
    this.meta?.delete(entryId);
    return inIndex || inMd5 || inSha256;
  }

  /**
   * Apply one change from the store's feed. Changes at or below {@link lastSeq} were already
   * applied (or are older than the loaded snapshot) and are ignored; returns whether applied.
   * Throws `LG_ERR_INVALID_HASH` for an entry with a malformed value (the change still counts
   * as seen).
   */
  applyChange(change: BankChange): boolean {
    if (change.seq <= this.seq) return false;
    // Advanced first: a change rejected below (a malformed entry value) leaves the matcher
    // unchanged and could never apply, so it must not block or be retried.
    this.seq = change.seq;
    switch (change.kind) {
      case 'entry_upsert':
        this.upsertEntry(change.entry);
        break;
      case 'entry_remove':
        this.removeEntry(change.entryId);
        break;
      case 'bank_upsert':
        this.upsertBank(change.bank);
        break;
      case 'bank_remove':
        this.removeBank(change.bankId);
        break;
    }
    return true;
  }

  /**
   * Load many entries at once (start-up from a store snapshot): PDQ hashes are appended and
   * the index tables are built once at the end, instead of entry by entry. Malformed entries
   * are skipped and counted rather than aborting start-up. `atSeq` is the change sequence the
   * snapshot is consistent with; later {@link applyChange} calls skip changes up to it.
   *
   * For a snapshot read in pages, pass `deferBuild: true` for every page and call
   * {@link finishBulkLoad} after the last one, so the tables are built once (building after
   * every page would cost O(n) per page). Entries appended but not yet built are still found,
   * by a linear scan, so the matcher is never wrong in between, only slower.
   */
  bulkLoad(
    entries: Iterable<IndexEntry>,
    options: { readonly atSeq?: number; readonly deferBuild?: boolean } = {},
  ): BulkLoadSummary {
    let pdq = 0;
    let md5 = 0;
    let sha256 = 0;
    let disabled = 0;
    const invalidEntryIds: number[] = [];
    let invalid = 0;
    for (const entry of entries) {
      if (!entry.enabled) {
        this.removeEntry(entry.id);
        disabled++;
        continue;
      }
      const parsed = this.validate(entry);
      if (parsed === null) {
        invalid++;
        if (invalidEntryIds.length < 100) invalidEntryIds.push(entry.id);
        continue;
      }
      this.put(entry, parsed, true);
      if (entry.signalType === 'pdq') pdq++;
      else if (entry.signalType === 'md5') md5++;
      else sha256++;
    }
    if (options.deferBuild !== true) this.index.commit();
    if (options.atSeq !== undefined && options.atSeq > this.seq) this.seq = options.atSeq;
    return { pdq, md5, sha256, disabled, invalid, invalidEntryIds };
  }

  /** Build the index over entries loaded with `deferBuild: true` (see {@link bulkLoad}). */
  finishBulkLoad(): void {
    this.index.commit();
  }

  /**
   * Match one piece of content against every enabled bank it is rolled out to. Throws
   * `LG_ERR_INVALID_HASH` for a malformed query hash and `LG_ERR_INVALID_ARGUMENT` for a
   * non-finite quality.
   */
  match(query: MatchQuery): MatchResult {
    const pdq = query.pdq === undefined ? undefined : toHash(query.pdq);
    const md5 = query.md5 === undefined ? undefined : toHex(query.md5, HEX32, 'md5');
    const sha256 = query.sha256 === undefined ? undefined : toHex(query.sha256, HEX64, 'sha256');
    if (query.quality !== undefined && !Number.isFinite(query.quality)) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'PDQ quality must be a finite number', {
        quality: query.quality,
      });
    }
    const contentKey =
      query.contentKey ??
      sha256 ??
      (pdq === undefined ? undefined : formatHash256(pdq)) ??
      md5 ??
      '';

    // Per bank tag: -1 = not consulted; else the PDQ threshold (or -2 = exact signals only).
    const consult = new Int16Array(this.slotsByTag.length).fill(-1);
    let maxThreshold = -1;
    for (const slot of this.slotsByTag) {
      const bank = slot.bank;
      if (bank === null || !bank.enabled) continue;
      if (!isRolledOut(bank.id, bank.enabledRatio, contentKey)) continue;
      const pdqOk = query.quality === undefined || query.quality >= bank.qualityFloor;
      const threshold = Math.min(Math.max(Math.floor(bank.pdqThreshold), 0), PDQ_MAX_DISTANCE);
      consult[slot.tag] = pdqOk ? threshold : -2;
      if (pdqOk && threshold > maxThreshold) maxThreshold = threshold;
    }

    const hits: MatchHit[] = [];
    if (pdq !== undefined && maxThreshold >= 0) {
      this.index.forEachWithin(pdq, maxThreshold, (entryId, distance, tag) => {
        const threshold = consult[tag]!;
        if (distance > threshold) return; // also drops -1 / -2 (never >= 0 distance)
        const hash = this.index.getHash(entryId)!;
        hits.push(this.hit(tag, entryId, 'pdq', formatHash256(hash), distance, threshold));
      });
    }
    for (const [signal, value, table] of [
      ['md5', md5, this.md5],
      ['sha256', sha256, this.sha256],
    ] as const) {
      if (value === undefined) continue;
      table.forEachMatch(value, (entryId, tag) => {
        if (consult[tag] !== -1) hits.push(this.hit(tag, entryId, signal, value, 0, 0));
      });
    }
    return this.finish(hits);
  }

  /** Sizes of the matcher. */
  stats(): BankMatcherStats {
    let banks = 0;
    for (const s of this.slotsByTag) if (s.bank !== null) banks++;
    return { banks, exactEntries: this.md5.size + this.sha256.size, pdq: this.index.stats() };
  }

  // ---------------------------------------------------------------------------------------

  /** Sort, apply flood control per bank, then allow-bank suppression. */
  private finish(hits: MatchHit[]): MatchResult {
    hits.sort((a, b) => a.distance - b.distance || a.bankId - b.bankId || a.entryId - b.entryId);
    const kept = new Map<number, number>();
    const omitted = new Map<number, TruncatedBank>();
    const capped: MatchHit[] = [];
    let allowMatched = false;
    for (const h of hits) {
      if (h.kind === 'allow') allowMatched = true;
      const cap = this.banksById.get(h.bankId)!.bank!.maxMatchesPerLookup;
      const n = kept.get(h.bankId) ?? 0;
      if (n < cap) {
        kept.set(h.bankId, n + 1);
        capped.push(h);
      } else {
        const t = omitted.get(h.bankId);
        omitted.set(h.bankId, {
          bankId: h.bankId,
          bankName: h.bankName,
          omitted: (t?.omitted ?? 0) + 1,
        });
      }
    }
    const matches = allowMatched ? capped.filter((h) => h.kind === 'allow') : capped;
    const suppressed = allowMatched ? capped.filter((h) => h.kind === 'block') : [];
    const truncated = [...omitted.values()].sort((a, b) => a.bankId - b.bankId);
    return { matches, suppressed, truncated };
  }

  private hit(
    tag: number,
    entryId: number,
    signal: SignalType,
    value: string,
    distance: number,
    threshold: number,
  ): MatchHit {
    const bank = this.slotsByTag[tag]!.bank!;
    const m = this.meta?.get(entryId);
    return {
      bankId: bank.id,
      bankName: bank.name,
      kind: bank.kind,
      entryId,
      signal,
      value,
      distance,
      threshold,
      labels: bank.labels,
      classification: m?.classification ?? null,
      sourceId: m?.sourceId ?? null,
    };
  }

  private slotFor(bankId: number): BankSlot {
    let slot = this.banksById.get(bankId);
    if (slot === undefined) {
      if (this.slotsByTag.length > 0xffff) {
        throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'more than 65536 banks', { bankId });
      }
      slot = { tag: this.slotsByTag.length, bank: null };
      this.banksById.set(bankId, slot);
      this.slotsByTag.push(slot);
    }
    return slot;
  }

  /**
   * The canonical value (lowercase hex) when well-formed for its signal type, else null. For
   * PDQ the parsed hash is left in `this.scratch` and the value is not re-cased: the index
   * keeps words, not text, and start-up parses millions of these.
   */
  private validate(entry: IndexEntry): string | null {
    switch (entry.signalType) {
      case 'pdq':
        return parsePdqInto(entry.value, this.scratch) ? entry.value : null;
      case 'md5': {
        const v = entry.value.toLowerCase();
        return HEX32.test(v) ? v : null;
      }
      case 'sha256': {
        const v = entry.value.toLowerCase();
        return HEX64.test(v) ? v : null;
      }
    }
  }

  /** Store a validated, enabled entry (for pdq, `this.scratch` holds the parsed hash). */
  private put(entry: IndexEntry, value: string, bulk: boolean): void {
    const tag = this.slotFor(entry.bankId).tag;
    // An entry holds one signal: drop the id from the other two structures.
    if (entry.signalType === 'pdq') {
      this.md5.remove(entry.id);
      this.sha256.remove(entry.id);
      if (bulk) this.index.append(entry.id, this.scratch, tag);
      else this.index.add(entry.id, this.scratch, tag);
    } else {
      this.index.remove(entry.id);
      const [table, other] =
        entry.signalType === 'md5' ? [this.md5, this.sha256] : [this.sha256, this.md5];
      other.remove(entry.id);
      table.set(entry.id, value, tag);
    }
    if (this.meta !== null) {
      if (entry.sourceId !== null || entry.classification !== null) {
        this.meta.set(entry.id, { sourceId: entry.sourceId, classification: entry.classification });
      } else {
        this.meta.delete(entry.id);
      }
    }
  }
}

function toHash(pdq: Hash256 | string): Hash256 {
  if (typeof pdq !== 'string') {
    if (pdq.length !== HASH256_WORDS) {
      throw new LifeguardError(ErrorCodes.INVALID_HASH, 'PDQ query must be 8 words', {
        length: pdq.length,
      });
    }
    return pdq;
  }
  const out = new Uint32Array(HASH256_WORDS);
  if (!parsePdqInto(pdq, out)) {
    throw new LifeguardError(
      ErrorCodes.INVALID_HASH,
      'invalid PDQ hash: expected 64 hex characters',
      {
        length: pdq.length,
      },
    );
  }
  return out;
}

function toHex(value: string, re: RegExp, signal: SignalType): string {
  const v = value.toLowerCase();
  if (!re.test(v)) {
    throw new LifeguardError(
      ErrorCodes.INVALID_HASH,
      `invalid ${signal}: wrong length or non-hex characters`,
      {
        signal,
        length: value.length,
      },
    );
  }
  return v;
}
