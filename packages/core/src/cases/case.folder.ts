import { DEFAULT_PDQ_THRESHOLD } from '../banks/bank.model.js';
import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { parseHash256 } from '../hashing/hash256.codec.js';
import { PDQ_INDEX_MAX_ID, PdqIndex, type PdqIndexOptions } from '../matching/pdq.index.js';
import type { ItemSubject } from './case.model.js';

/** Which key brought an item to a case. */
export type FoldVia = 'content_id' | 'md5' | 'sha256' | 'pdq' | 'pdq_near' | 'account';

/** A case an item could belong to, and why. */
export interface FoldMatch {
  /** The case. */
  readonly caseId: string;
  /** The strongest key shared with it (exact keys before `pdq_near`). */
  readonly via: FoldVia;
  /** PDQ distance for `pdq_near` (0 for exact keys). */
  readonly distance: number;
}

/** What to do with a new item. */
export type FoldDecision =
  | {
      /** Join an active case. */
      readonly kind: 'join';
      /** The earliest-registered active case that matched. */
      readonly target: FoldMatch;
      /** Other active cases the item also matched (candidates for a lead to merge). */
      readonly alsoMatches: readonly FoldMatch[];
      /** Closed cases the item matched (shown as history on the case). */
      readonly closedMatches: readonly FoldMatch[];
    }
  | {
      /** Open a new case. */
      readonly kind: 'open';
      /** Closed cases about the same media or account: the new case links to them. */
      readonly linkedTo: readonly FoldMatch[];
    };

/** Options of a {@link CaseFolder}. */
export interface CaseFolderOptions {
  /** PDQ Hamming distance within which two media are the same (default 31, as banks). */
  readonly pdqThreshold?: number;
  /** Tuning of the PDQ index behind near-duplicate lookups. */
  readonly pdqIndex?: PdqIndexOptions;
}

interface CaseEntry {
  /** Registration order: ties go to the earliest case, so the choice is deterministic. */
  readonly seq: number;
  active: boolean;
  readonly keys: string[];
  readonly pdqIds: number[];
}

const VIA_ORDER: readonly FoldVia[] = ['content_id', 'sha256', 'md5', 'pdq', 'account', 'pdq_near'];

/**
 * The keys an item folds on. Media keys when the item names media; the account key only
 * when it names no media — so that reports about two different images posted by one account
 * stay two cases (each image needs its own decision), while account reports and risk alerts
 * about one account fold together.
 */
export function foldKeys(subject: ItemSubject): Array<{ via: FoldVia; key: string }> {
  const out: Array<{ via: FoldVia; key: string }> = [];
  const m = subject.media;
  if (m !== undefined) {
    if (m.contentId !== undefined) out.push({ via: 'content_id', key: `c:${m.contentId}` });
    if (m.sha256 !== undefined) out.push({ via: 'sha256', key: `s:${m.sha256.toLowerCase()}` });
    if (m.md5 !== undefined) out.push({ via: 'md5', key: `m:${m.md5.toLowerCase()}` });
    if (m.pdq !== undefined) out.push({ via: 'pdq', key: `p:${m.pdq.toLowerCase()}` });
  }
  if (out.length === 0 && subject.account !== undefined) {
    out.push({ via: 'account', key: `a:${subject.account}` });
  }
  return out;
}

/**
 * Decides which active case a new item joins (issue 6): same media by an equal content id,
 * SHA-256, MD5 or PDQ, or PDQ within the threshold of an item already in a case, or the same
 * account for items about an account only. Closed cases never absorb items; a match on one
 * is returned so the new case can link to it.
 *
 * All state is in memory and pure (no I/O): the store rebuilds a folder from its active (and
 * recently closed) cases at start and feeds it every item it stores. Exact keys are a hash
 * map; PDQ near-duplicates go through {@link PdqIndex}, so a lookup stays sub-millisecond
 * with 100k open cases. Each distinct PDQ is indexed once per case, so 1000 reports of one
 * image cost one index entry.
 */
export class CaseFolder {
  private readonly threshold: number;
  private readonly index: PdqIndex;
  private readonly byKey = new Map<string, string[]>();
  private readonly cases = new Map<string, CaseEntry>();
  private readonly pdqCase = new Map<number, string>();
  private nextSeq = 0;
  private nextPdqId = 0;

  /** @param options threshold and index tuning */
  constructor(options: CaseFolderOptions = {}) {
    const t = options.pdqThreshold ?? DEFAULT_PDQ_THRESHOLD;
    if (!Number.isInteger(t) || t < 0 || t > 256) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'pdqThreshold must be 0..256', {
        pdqThreshold: t,
      });
    }
    this.threshold = t;
    this.index = new PdqIndex(options.pdqIndex);
  }

  /** Number of cases known (active and closed). */
  get size(): number {
    return this.cases.size;
  }

  /** True when `caseId` is known and active. */
  isActive(caseId: string): boolean {
    return this.cases.get(caseId)?.active === true;
  }

  /**
   * Decide where an item about `subject` goes, without changing anything.
   *
   * @throws LifeguardError `LG_ERR_INVALID_HASH` for a malformed PDQ
   */
  decide(subject: ItemSubject): FoldDecision {
    const found = new Map<string, FoldMatch>();
    const consider = (caseId: string, via: FoldVia, distance: number) => {
      const old = found.get(caseId);
      if (old === undefined || VIA_ORDER.indexOf(via) < VIA_ORDER.indexOf(old.via)) {
        found.set(caseId, { caseId, via, distance });
      }
    };
    for (const { via, key } of foldKeys(subject)) {
      for (const caseId of this.byKey.get(key) ?? []) consider(caseId, via, 0);
    }
    const pdq = subject.media?.pdq;
    if (pdq !== undefined) {
      const q = parseHash256(pdq);
      this.index.forEachWithin(q, this.threshold, (id, distance) => {
        const caseId = this.pdqCase.get(id);
        if (caseId !== undefined) consider(caseId, distance === 0 ? 'pdq' : 'pdq_near', distance);
      });
    }
    const bySeq = [...found.values()].sort(
      (a, b) => this.cases.get(a.caseId)!.seq - this.cases.get(b.caseId)!.seq,
    );
    const active = bySeq.filter((m) => this.cases.get(m.caseId)!.active);
    const closed = bySeq.filter((m) => !this.cases.get(m.caseId)!.active);
    const target = active[0];
    if (target === undefined) return { kind: 'open', linkedTo: closed };
    return { kind: 'join', target, alsoMatches: active.slice(1), closedMatches: closed };
  }

  /**
   * Record that an item about `subject` is now in `caseId` (registering the case, active,
   * when new). Call after storing the item, with the case {@link decide} chose or a new one.
   *
   * @throws LifeguardError `LG_ERR_CONFLICT` when `caseId` is closed: closed cases do not
   *   absorb items; `LG_ERR_INVALID_HASH` for a malformed PDQ
   */
  add(caseId: string, subject: ItemSubject): void {
    const pdq = subject.media?.pdq;
    const words = pdq === undefined ? undefined : parseHash256(pdq); // validate before any change
    let entry = this.cases.get(caseId);
    if (entry === undefined) {
      entry = { seq: this.nextSeq++, active: true, keys: [], pdqIds: [] };
      this.cases.set(caseId, entry);
    } else if (!entry.active) {
      throw new LifeguardError(ErrorCodes.CONFLICT, 'a closed case does not take new items', {
        caseId,
      });
    }
    for (const { key, via } of foldKeys(subject)) {
      const list = this.byKey.get(key);
      if (list?.includes(caseId) === true) continue;
      if (list === undefined) this.byKey.set(key, [caseId]);
      else list.push(caseId);
      entry.keys.push(key);
      if (via === 'pdq' && words !== undefined) {
        // First time this exact PDQ enters this case: index it once.
        if (this.nextPdqId > PDQ_INDEX_MAX_ID) {
          throw new LifeguardError(ErrorCodes.INTERNAL, 'case folder PDQ ids exhausted');
        }
        const id = this.nextPdqId++;
        this.index.add(id, words);
        this.pdqCase.set(id, caseId);
        entry.pdqIds.push(id);
      }
    }
  }

  /**
   * Decide and record in one step: join the chosen active case or open `newCaseId()`.
   * Returns the case id, whether it is new, and the decision behind it.
   */
  fold(
    subject: ItemSubject,
    newCaseId: () => string,
  ): { readonly caseId: string; readonly opened: boolean; readonly decision: FoldDecision } {
    const decision = this.decide(subject);
    const caseId = decision.kind === 'join' ? decision.target.caseId : newCaseId();
    if (decision.kind === 'open' && this.cases.has(caseId)) {
      throw new LifeguardError(ErrorCodes.CONFLICT, 'new case id is already in use', { caseId });
    }
    this.add(caseId, subject);
    return { caseId, opened: decision.kind === 'open', decision };
  }

  /** Mark a case closed: it keeps its keys (for linking) but absorbs nothing more. */
  close(caseId: string): void {
    this.entryOf(caseId).active = false;
  }

  /** Mark a reopened case active again. */
  reopen(caseId: string): void {
    this.entryOf(caseId).active = true;
  }

  /** Drop a case and its keys entirely (bounds memory for long-closed cases). */
  forget(caseId: string): boolean {
    const entry = this.cases.get(caseId);
    if (entry === undefined) return false;
    for (const key of entry.keys) {
      const list = this.byKey.get(key)!.filter((c) => c !== caseId);
      if (list.length === 0) this.byKey.delete(key);
      else this.byKey.set(key, list);
    }
    for (const id of entry.pdqIds) {
      this.index.remove(id);
      this.pdqCase.delete(id);
    }
    this.cases.delete(caseId);
    return true;
  }

  private entryOf(caseId: string): CaseEntry {
    const entry = this.cases.get(caseId);
    if (entry === undefined) {
      throw new LifeguardError(ErrorCodes.NOT_FOUND, 'unknown case', { caseId });
    }
    return entry;
  }
}
