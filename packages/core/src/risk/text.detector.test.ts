import { describe, expect, it } from 'vitest';
import { LEXICON_EN } from './text-lexicon-en.data.js';
import { TEXT_CATEGORIES } from './text-category.model.js';
import { TextDetector } from './text.detector.js';

const det = new TextDetector([LEXICON_EN]);

describe('TextDetector', () => {
  it.each([
    ['How old are you?', 'age_probe', 'how old are you'],
    ['so what school do you go to', 'location_probe', 'what school do you go to'],
    ["please don't tell your parents ok", 'secrecy', "don't tell your parents"],
    ['add me on otherapp', 'off_platform', 'add me on'],
    ['can you send a photo', 'image_request', 'send a photo'],
    ['[IMAGE_REQUEST_PLACEHOLDER]', 'image_request', '[image_request_placeholder]'],
    ["let's meet up", 'meeting', "let's meet up"],
    ["I'll buy you robux", 'gifts', "i'll buy you"],
    ["you're so mature", 'flattery_isolation', "you're so mature"],
  ])('finds %j as %s with its span', (text, category, evidence) => {
    const m = det.detect(text);
    expect(m[0]).toMatchObject({ category, evidence });
    expect(text.slice(m[0]!.start, m[0]!.end).toLowerCase()).toBe(evidence);
  });

  it('has a lexicon for every category', () => {
    for (const c of TEXT_CATEGORIES) expect(LEXICON_EN[c].length).toBeGreaterThan(0);
  });

  it('tolerates typographic apostrophes, extra spaces and case', () => {
    const m = det.detect('Keep  THIS between us; don\u2019t tell your parents');
    expect(m.map((x) => x.category)).toEqual(['secrecy', 'secrecy']);
    expect(m[0]).toMatchObject({ start: 0, end: 21, evidence: 'keep this between us' });
  });

  it('respects word boundaries', () => {
    expect(det.detect('the robuxian empire')).toEqual([]);
    expect(det.detect('we should meetup sometime')).toEqual([]);
  });

  it('redacts phone numbers and usernames to labels with offsets', () => {
    const text = 'call 555 0100 200 or find me @someone_123';
    const m = det.detect(text);
    expect(m).toEqual([
      { category: 'off_platform', start: 5, end: 17, evidence: '[phone-number]' },
      { category: 'off_platform', start: 29, end: 41, evidence: '[username]' },
    ]);
  });

  it('finds nothing in neutral chatter', () => {
    for (const t of [
      'hey',
      'did you finish the homework',
      'good game yesterday',
      'meet the team at 5',
      'I am 2026 years old',
    ]) {
      expect(det.detect(t)).toEqual([]);
    }
  });

  it('merges operator lexicons of other languages', () => {
    const d = new TextDetector([LEXICON_EN, { secrecy: ['sag es niemandem'] }]);
    expect(d.detect('bitte sag es niemandem')).toEqual([
      { category: 'secrecy', start: 6, end: 22, evidence: 'sag es niemandem' },
    ]);
  });

  it('scans only the first 4096 characters of a long message', () => {
    expect(det.detect(`${'a '.repeat(3000)}how old are you`)).toEqual([]);
  });
});
