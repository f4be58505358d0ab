import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REDACTED_TEXT, ReportText } from './report-text.model.js';

describe('ReportText', () => {
  const secret = 'placeholder-sensitive-phrase';
  const report = {
    kind: 'user_report',
    reporter: 'r',
    reason: 'other',
    text: new ReportText(secret),
  };

  it('never shows the text in JSON, string form, inspect or a spread', () => {
    expect(JSON.stringify(report)).not.toContain(secret);
    expect(JSON.stringify(report)).toContain(REDACTED_TEXT);
    expect(String(report.text)).toBe(REDACTED_TEXT);
    expect(inspect(report, { depth: 5, showHidden: true })).not.toContain(secret);
    expect(JSON.stringify({ ...report.text })).toBe('{}');
  });

  it('gives the text to code that asks for it', () => {
    expect(report.text.reveal()).toBe(secret);
    expect(report.text.length).toBe(secret.length);
  });
});
