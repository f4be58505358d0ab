import type { MatchHit } from '@lifeguard/core';
import { describe, expect, it } from 'vitest';
import { decideVerdict } from './verdict.policy.js';

function hit(
  bankId: number,
  bankName: string,
  labels: string[],
  kind: 'block' | 'allow' = 'block',
): MatchHit {
  return {
    bankId,
    bankName,
    kind,
    entryId: bankId * 10,
    signal: 'pdq',
    value: '0'.repeat(64),
    distance: 3,
    threshold: 31,
    labels,
    classification: null,
    sourceId: null,
  };
}

const rules = {
  banks: { cfg: 'block' as const },
  labels: { csam: 'block' as const, spam: 'review' as const, meme: 'allow' as const },
};

describe('decideVerdict', () => {
  it('allows content with no match', () => {
    expect(decideVerdict([], new Map(), rules)).toEqual({ verdict: 'allow', rule: 'no-match' });
  });
  it('reviews a match on a bank without any action', () => {
    expect(decideVerdict([hit(1, 'x', [])], new Map(), rules).verdict).toBe('review');
  });
  it('applies stored action, then config bank action, then labels (most severe label)', () => {
    expect(decideVerdict([hit(1, 'cfg', ['spam'])], new Map([[1, 'review']]), rules)).toEqual({
      verdict: 'review',
      rule: 'bank:cfg=review',
    });
    expect(decideVerdict([hit(1, 'cfg', ['spam'])], new Map(), rules)).toEqual({
      verdict: 'block',
      rule: 'config-bank:cfg=block',
    });
    expect(decideVerdict([hit(2, 'y', ['spam', 'csam'])], new Map(), rules)).toEqual({
      verdict: 'block',
      rule: 'label:csam=block',
    });
  });
  it('takes the most severe action across matches', () => {
    const v = decideVerdict([hit(1, 'a', ['spam']), hit(2, 'b', ['csam'])], new Map(), rules);
    expect(v).toEqual({ verdict: 'block', rule: 'label:csam=block' });
  });
  it('lets an allow-bank match override everything', () => {
    const v = decideVerdict(
      [hit(2, 'b', ['csam']), hit(3, 'memes', [], 'allow')],
      new Map(),
      rules,
    );
    expect(v).toEqual({ verdict: 'allow', rule: 'allow-bank:memes' });
  });
});
