import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import { SIGNAL_NAMES } from './risk-rules.model.js';
import { parseRiskRules } from './risk-rules.parser.js';

function issues(input: unknown): string[] {
  try {
    parseRiskRules(input);
  } catch (e) {
    if (!isLifeguardError(e, 'LG_ERR_INVALID_RISK_RULES')) throw e;
    return (e.details?.issues as Array<{ path: string }>).map((i) => i.path);
  }
  throw new Error('expected LG_ERR_INVALID_RISK_RULES');
}

describe('parseRiskRules', () => {
  it('accepts an empty file as the defaults, and the defaults themselves', () => {
    expect(parseRiskRules({})).toEqual(DEFAULT_RISK_RULES);
    expect(parseRiskRules(JSON.parse(JSON.stringify(DEFAULT_RISK_RULES)))).toEqual(
      DEFAULT_RISK_RULES,
    );
  });

  it('has a default rule for every signal', () => {
    for (const s of SIGNAL_NAMES)
      expect(DEFAULT_RISK_RULES.signals[s].weight).toBeGreaterThanOrEqual(0);
  });

  it('merges partial overrides over the defaults', () => {
    const r = parseRiskRules({
      levels: { high: 0.7 },
      signals: { minors_contacted_1h: { weight: 0.5 } },
      interventions: { warn_minor: 'off' },
      lexicons: { de: { secrecy: ['sag es niemandem'] } },
      patterns: [
        { category: 'off_platform', source: 'otherapp\\.example/\\w+', label: '[profile-link]' },
      ],
    });
    expect(r.levels).toEqual({ watch: 0.3, high: 0.7, critical: 0.85 });
    expect(r.signals.minors_contacted_1h).toEqual({
      ...DEFAULT_RISK_RULES.signals.minors_contacted_1h,
      weight: 0.5,
    });
    expect(r.interventions.warn_minor).toBe('off');
    expect(r.lexicons.de).toEqual({ secrecy: ['sag es niemandem'] });
    expect(r.patterns).toHaveLength(1);
    expect(parseRiskRules({ unknownAge: { minorWeight: 0 } }).unknownAge).toEqual({
      ...DEFAULT_RISK_RULES.unknownAge,
      minorWeight: 0,
    });
  });

  it('reports every issue with its path and a stable code', () => {
    expect(
      issues({
        version: 2,
        typo: 1,
        levels: { watch: 0.9 },
        signals: { minors_contacted_1h: { weight: 2, from: 3, to: 3 }, nope: {} },
        senderBandFactor: { adult: -1 },
        unknownAge: { minKnownContacts: 0.5, minMinorShare: 2, other: 1 },
        interventions: { open_case: 'soon' },
        patterns: [
          { category: 'secrecy', source: '(', label: 'x' },
          { category: 'other', source: 'a', label: 'x' },
        ],
        lexicons: { en: { secrecy: [''] } },
        languages: 'en',
      }),
    ).toEqual([
      'typo',
      'version',
      'levels',
      'senderBandFactor.adult',
      'signals.minors_contacted_1h.weight',
      'signals.minors_contacted_1h',
      'signals.nope',
      'unknownAge.minKnownContacts',
      'unknownAge.minMinorShare',
      'unknownAge.other',
      'interventions.open_case',
      'languages',
      'lexicons.en.secrecy',
      'patterns[0].source',
      'patterns[1].category',
    ]);
  });

  it('rejects a non-object and puts the issues in the message', () => {
    expect(issues([])).toEqual(['']);
    expect(() => parseRiskRules({ levels: { critical: 0.2 } })).toThrow(
      /levels: must satisfy 0 < watch < high < critical/,
    );
  });
});
