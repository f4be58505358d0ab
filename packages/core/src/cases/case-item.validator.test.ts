import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import type { CaseItem, CaseSource } from './case.model.js';
import { validateCaseItem } from './case-item.validator.js';
import { ReportText } from './report-text.model.js';

const secret = 'placeholder-words-typed-by-reporter';

function issues(source: CaseSource, over: Partial<CaseItem> = {}): string[] {
  try {
    validateCaseItem({ id: 'i1', receivedAt: 5, source, ...over });
    return [];
  } catch (e) {
    if (!isLifeguardError(e, 'LG_ERR_INVALID_ARGUMENT')) throw e;
    expect(e.message).not.toContain(secret);
    expect(JSON.stringify(e.details)).not.toContain(secret);
    return e.details!.issues as string[];
  }
}

describe('validateCaseItem', () => {
  it('accepts each well-formed source', () => {
    expect(
      issues({
        kind: 'user_report',
        reporter: 'r',
        reportedAccount: 'a',
        reason: 'grooming',
        text: new ReportText(secret),
      }),
    ).toEqual([]);
    expect(
      issues({
        kind: 'hash_match',
        media: { md5: 'A'.repeat(32) },
        verdict: 'review',
        rule: 'x',
        matches: [],
      }),
    ).toEqual([]);
    expect(
      issues({
        kind: 'risk_alert',
        account: 'a',
        score: 0.5,
        reasons: [],
        minorsInContact: ['m'],
        lastMinorContactAt: 3,
      }),
    ).toEqual([]);
    expect(issues({ kind: 'manual', createdBy: 's', severity: 'other' })).toEqual([]);
  });

  it('names every bad field and never echoes report text', () => {
    expect(
      issues(
        {
          kind: 'user_report',
          reporter: '',
          reason: 'bad' as 'other',
          text: new ReportText(secret.repeat(200)),
        },
        { id: '', receivedAt: -1, reach: { views: 1.5 } },
      ),
    ).toEqual([
      'id: must be a string of 1..256 characters',
      'receivedAt: must be epoch milliseconds',
      'reach.views: must be a non-negative integer',
      'source.reporter: must be a string of 1..256 characters',
      'source: a report needs reportedContent, reportedAccount or both',
      'source.reason: unknown reason',
      'source.text: longer than 4000 characters',
    ]);
    expect(
      issues({
        kind: 'user_report',
        reporter: 'r',
        reason: 'csam',
        reportedContent: {},
        text: secret as unknown as ReportText,
      }),
    ).toEqual([
      'source.reportedContent: needs a contentId or a hash',
      'source.text: must be wrapped in ReportText',
    ]);
    expect(
      issues({
        kind: 'hash_match',
        media: { md5: 'x', sha256: 'y', pdq: 'z' },
        verdict: 'no' as 'block',
        rule: '',
        matches: [],
      }),
    ).toEqual([
      'source.media.md5: must be 32 hex characters',
      'source.media.sha256: must be 64 hex characters',
      'source.media.pdq: must be 64 hex characters',
      'source.verdict: must be block, review or allow',
    ]);
    expect(
      issues({ kind: 'risk_alert', account: 'a', score: 2, reasons: [], minorsInContact: [''] }),
    ).toEqual([
      'source.score: must be in [0, 1]',
      'source.minorsInContact[0]: must be a string of 1..256 characters',
    ]);
    expect(issues({ kind: 'nope' } as unknown as CaseSource)).toEqual([
      'source.kind: must be hash_match, risk_alert, user_report or manual',
    ]);
  });
});
