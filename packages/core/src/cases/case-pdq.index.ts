import { DEFAULT_PDQ_THRESHOLD } from '../banks/bank.model.js';
import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { parseHash256 } from '../hashing/hash256.codec.js';
import { PDQ_INDEX_MAX_ID, PdqIndex, type PdqIndexOptions } from '../matching/pdq.index.js';
import type { FoldIndex, NearCase } from '../ports/case-store.port.js';

interface CaseEntry {
  readonly ids: number[];
  readonly pdqs: Set<string>;
}

/**
 * The in-memory PDQ side of case folding (a {@link FoldIndex}): the distinct PDQs of active
 * cases in a {@link PdqIndex}, each PDQ once per case, so 1000 reports of one image cost one
 * entry. The server rebuilds it from the store at start (`load`), the store calls `added` as
 * it folds, and the server drops a case when it closes (`removeCase`). Exact keys are not kept
 * here: the store looks them up in its own index.
 */
export class CasePdqIndex implements FoldIndex {
  private readonly index: PdqIndex;
  private readonly idCase = new Map<number, string>();
  private readonly cases = new Map<string, CaseEntry>();
  private nextId = 0;

  /**
   * @param threshold Hamming distance within which two PDQs are the same media (default 31)
   * @param options index tuning
   */
  constructor(
    readonly threshold: number = DEFAULT_PDQ_THRESHOLD,
    options: PdqIndexOptions = {},
  ) {
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > 256) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'pdqThreshold must be 0..256', {
        pdqThreshold: threshold,
      });
    }
    this.index = new PdqIndex(options);
  }

  /** Distinct (case, PDQ) entries. */
  get size(): number {
    return this.idCase.size;
  }

  /** Cases indexed. */
  get caseCount(): number {
    return this.cases.size;
  }

  /** {@inheritDoc FoldIndex.near} — one entry per case, at its smallest distance. */
  near(pdq: string): NearCase[] {
    const best = new Map<string, number>();
    this.index.forEachWithin(parseHash256(pdq), this.threshold, (id, distance) => {
      const caseId = this.idCase.get(id);
      if (caseId === undefined) return;
      const old = best.get(caseId);
      if (old === undefined || distance < old) best.set(caseId, distance);
    });
    return [...best.entries()].map(([caseId, distance]) => ({ caseId, distance }));
  }

  /** {@inheritDoc FoldIndex.added} */
  added(caseId: string, pdq: string): void {
    this.put(caseId, pdq, false);
  }

  /** Bulk-load (caseId, PDQ) pairs, building the tables once. */
  load(entries: Iterable<{ readonly caseId: string; readonly pdq: string }>): void {
    for (const e of entries) this.put(e.caseId, e.pdq, true);
    this.index.commit();
  }

  /** Forget a case (it closed): it absorbs nothing more. Returns false when unknown. */
  removeCase(caseId: string): boolean {
    const entry = this.cases.get(caseId);
    if (entry === undefined) return false;
    for (const id of entry.ids) {
      this.index.remove(id);
      this.idCase.delete(id);
    }
    this.cases.delete(caseId);
    return true;
  }

  private put(caseId: string, pdq: string, bulk: boolean): void {
    const p = pdq.toLowerCase();
    let entry = this.cases.get(caseId);
    if (entry?.pdqs.has(p) === true) return;
    const words = parseHash256(p);
    if (this.nextId > PDQ_INDEX_MAX_ID) {
      throw new LifeguardError(ErrorCodes.INTERNAL, 'case PDQ index ids exhausted');
    }
    if (entry === undefined) {
      entry = { ids: [], pdqs: new Set() };
      this.cases.set(caseId, entry);
    }
    const id = this.nextId++;
    if (bulk) this.index.append(id, words);
    else this.index.add(id, words);
    this.idCase.set(id, caseId);
    entry.ids.push(id);
    entry.pdqs.add(p);
  }
}
