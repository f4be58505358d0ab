import type { MatchHit } from '../matching/match.model.js';
import type { CaseItem, CaseSource } from './case.model.js';

/** A block-bank hit with the given labels (test helper, not exported from the package). */
export function hit(labels: readonly string[], kind: 'block' | 'allow' = 'block'): MatchHit {
  return {
    bankId: 1,
    bankName: 'bank-a',
    kind,
    entryId: 10,
    signal: 'md5',
    value: 'ab'.repeat(16),
    distance: 0,
    threshold: 0,
    labels,
    classification: null,
    sourceId: null,
  };
}

/** An item with the given source, received at `at`. */
export function item(id: string, at: number, source: CaseSource, views = 0): CaseItem {
  return { id, receivedAt: at, source, reach: { views } };
}
