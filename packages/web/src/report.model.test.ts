import { describe, expect, it } from 'vitest';
import {
  confirmedReportable,
  explainViewed,
  isLive,
  isTerminal,
  reportIdOf,
  type PreviewFile,
} from './report.model.js';

const base: PreviewFile = {
  itemId: '1',
  fileName: 'item-1',
  fileViewedByEsp: false,
  exifViewedByEsp: false,
  industryClassification: 'A1',
  fileRelevance: 'Reported',
  views: [],
  uploadedAt: null,
  ipCaptureEvents: [],
};

describe('report screen explanations', () => {
  it('names the full view that makes fileViewedByEsp true', () => {
    const f: PreviewFile = {
      ...base,
      fileViewedByEsp: true,
      views: [
        { actor: 'user:1', mode: 'blurred', at: '2026-11-25T10:00:00.000Z', full: false },
        { actor: 'user:2', mode: 'revealed', at: '2026-11-25T10:01:00.000Z', full: true },
      ],
    };
    expect(explainViewed(f, ['revealed'])).toBe(
      'Yes: user:2 viewed the whole file (revealed) at 2026-11-25 10:01:00 UTC.',
    );
  });

  it('says why false: blurred-only views, or none, and what it means', () => {
    const blurred: PreviewFile = {
      ...base,
      views: [{ actor: 'user:1', mode: 'blurred', at: '2026-11-25T10:00:00.000Z', full: false }],
    };
    expect(explainViewed(blurred, ['revealed'])).toMatch(
      /^No: only blurred view\(s\) are recorded, and only a revealed view counts.*warrant/,
    );
    expect(explainViewed(base, ['revealed'])).toMatch(/^No: nobody is recorded/);
  });

  it('reads the report id from the reported transition and knows live states', () => {
    expect(
      reportIdOf([
        { to: 'in_review', reason: 'claimed' },
        { to: 'reported', reason: 'reported:cybertipline:1234567' },
      ]),
    ).toEqual({ destination: 'cybertipline', reportId: '1234567' });
    expect(reportIdOf([{ to: 'actioned', reason: 'confirm' }])).toBeNull();
    expect(isTerminal('finished')).toBe(true);
    expect(isTerminal('finishing')).toBe(false);
    expect(isLive('failed')).toBe(false);
    expect(isLive('created')).toBe(true);
  });

  it('offers a report only for a case last confirmed in a reportable category', () => {
    const confirm = (category: string) => ({ decision: { kind: 'confirm', category } });
    expect(confirmedReportable([confirm('csam')])).toBe(true);
    expect(confirmedReportable([confirm('grooming'), { decision: { kind: 'escalate' } }])).toBe(
      true,
    );
    expect(confirmedReportable([confirm('csam'), confirm('policy_violation')])).toBe(false);
    expect(confirmedReportable([{ decision: { kind: 'false_positive' } }])).toBe(false);
    expect(confirmedReportable([])).toBe(false);
  });
});
