import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { AGE_BANDS } from './risk-event.model.js';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import {
  INTERVENTION_TYPES,
  RISK_LEVELS,
  SIGNAL_NAMES,
  type RiskRules,
  type SignalRule,
} from './risk-rules.model.js';
import { TEXT_CATEGORIES, type TextCategory } from './text-category.model.js';
import type { Lexicon, TextPattern } from './text.detector.js';

/** One problem found in a rules file, with the JSON path of the offending value. */
export interface RulesIssue {
  /** Dotted path, e.g. `signals.minors_contacted_1h.weight`. */
  readonly path: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

const TOP_KEYS = new Set([
  'version',
  'levels',
  'senderBandFactor',
  'signals',
  'minorContactBaseRate',
  'smoothingPrior',
  'unknownAge',
  'conversation',
  'interventions',
  'languages',
  'lexicons',
  'patterns',
  '$comment',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Validate a decoded rules file and merge it over {@link DEFAULT_RISK_RULES}. Every field is
 * optional; unknown keys are errors (a typo in safety configuration must not pass silently).
 * Throws `LG_ERR_INVALID_RISK_RULES` listing every issue with its path.
 */
export function parseRiskRules(input: unknown, base: RiskRules = DEFAULT_RISK_RULES): RiskRules {
  const issues: RulesIssue[] = [];
  const bad = (path: string, message: string): void => void issues.push({ path, message });
  if (!isObj(input)) {
    throw new LifeguardError(ErrorCodes.INVALID_RISK_RULES, 'rules file must be a JSON object', {
      issues: [{ path: '', message: 'must be a JSON object' }],
    });
  }
  for (const k of Object.keys(input)) if (!TOP_KEYS.has(k)) bad(k, 'unknown key');
  if (input.version !== undefined && input.version !== 1) bad('version', 'must be 1');

  const unitNumber = (
    path: string,
    v: unknown,
    lo: number,
    hi: number,
    fallback: number,
  ): number => {
    if (v === undefined) return fallback;
    if (!isNum(v) || v < lo || v > hi) {
      bad(path, `must be a number in [${lo}, ${hi}]`);
      return fallback;
    }
    return v;
  };
  const record = <K extends string>(
    path: string,
    v: unknown,
    keys: readonly K[],
    each: (key: K, value: unknown, path: string) => void,
  ): void => {
    if (v === undefined) return;
    if (!isObj(v)) return bad(path, 'must be an object');
    const allowed = new Set<string>(keys);
    for (const [k, val] of Object.entries(v)) {
      if (!allowed.has(k)) bad(`${path}.${k}`, `unknown key (allowed: ${keys.join(', ')})`);
      else each(k as K, val, `${path}.${k}`);
    }
  };

  const levels = { ...base.levels };
  record('levels', input.levels, ['watch', 'high', 'critical'] as const, (k, v, p) => {
    levels[k] = unitNumber(p, v, 0, 1, levels[k]);
  });
  if (!(levels.watch > 0 && levels.watch < levels.high && levels.high < levels.critical)) {
    bad('levels', 'must satisfy 0 < watch < high < critical <= 1');
  }

  const senderBandFactor = { ...base.senderBandFactor };
  record('senderBandFactor', input.senderBandFactor, AGE_BANDS, (k, v, p) => {
    senderBandFactor[k] = unitNumber(p, v, 0, 1, senderBandFactor[k]);
  });

  const signals: Record<string, SignalRule> = { ...base.signals };
  record('signals', input.signals, SIGNAL_NAMES, (k, v, p) => {
    if (!isObj(v)) return bad(p, 'must be an object {weight, from, to}');
    for (const key of Object.keys(v)) {
      if (key !== 'weight' && key !== 'from' && key !== 'to')
        bad(`${p}.${key}`, 'unknown key (allowed: weight, from, to)');
    }
    const prev = base.signals[k];
    const weight = unitNumber(`${p}.weight`, v.weight, 0, 1, prev.weight);
    const from =
      v.from === undefined
        ? prev.from
        : isNum(v.from)
          ? v.from
          : (bad(`${p}.from`, 'must be a finite number'), prev.from);
    const to =
      v.to === undefined
        ? prev.to
        : isNum(v.to)
          ? v.to
          : (bad(`${p}.to`, 'must be a finite number'), prev.to);
    if (from === to) bad(p, "'from' and 'to' must differ");
    signals[k] = { weight, from, to };
  });

  const minorContactBaseRate = unitNumber(
    'minorContactBaseRate',
    input.minorContactBaseRate,
    0.001,
    1,
    base.minorContactBaseRate,
  );
  const smoothingPrior = unitNumber(
    'smoothingPrior',
    input.smoothingPrior,
    0,
    1000,
    base.smoothingPrior,
  );

  const unknownAge = { ...base.unknownAge };
  record(
    'unknownAge',
    input.unknownAge,
    ['minKnownContacts', 'minMinorShare', 'minorWeight'] as const,
    (k, v, p) => {
      if (k === 'minKnownContacts') {
        if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 1000))
          bad(p, 'must be an integer in [1, 1000]');
        else if (v !== undefined) unknownAge.minKnownContacts = v as number;
      } else unknownAge[k] = unitNumber(p, v, 0, 1, unknownAge[k]);
    },
  );

  const categoryWeights = { ...base.conversation.categoryWeights };
  let noMutualStart = base.conversation.noMutualStart;
  record(
    'conversation',
    input.conversation,
    ['categoryWeights', 'noMutualStart'] as const,
    (k, v, p) => {
      if (k === 'noMutualStart') noMutualStart = unitNumber(p, v, 0, 1, noMutualStart);
      else
        record(p, v, TEXT_CATEGORIES, (cat, w, cp) => {
          categoryWeights[cat] = unitNumber(cp, w, 0, 1, categoryWeights[cat]);
        });
    },
  );

  const interventions = { ...base.interventions };
  record('interventions', input.interventions, INTERVENTION_TYPES, (k, v, p) => {
    if (
      v === 'off' ||
      (typeof v === 'string' && RISK_LEVELS.includes(v as never) && v !== 'none')
    ) {
      interventions[k] = v as (typeof interventions)[typeof k];
    } else bad(p, 'must be one of watch, high, critical, off');
  });

  let languages = base.languages;
  if (input.languages !== undefined) {
    if (
      !Array.isArray(input.languages) ||
      !input.languages.every((l) => typeof l === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(l))
    ) {
      bad('languages', 'must be an array of language tags such as "en"');
    } else languages = input.languages as string[];
  }

  const lexicons: Record<string, Lexicon> = { ...base.lexicons };
  if (input.lexicons !== undefined) {
    if (!isObj(input.lexicons))
      bad('lexicons', 'must be an object {language: {category: [phrases]}}');
    else
      for (const [lang, lex] of Object.entries(input.lexicons)) {
        const out: Partial<Record<TextCategory, string[]>> = {};
        record(`lexicons.${lang}`, lex, TEXT_CATEGORIES, (cat, phrases, p) => {
          if (
            !Array.isArray(phrases) ||
            !phrases.every((s) => typeof s === 'string' && s.trim().length > 0 && s.length <= 100)
          ) {
            bad(p, 'must be an array of non-empty phrases of at most 100 characters');
          } else out[cat] = phrases as string[];
        });
        lexicons[lang] = out;
      }
  }

  const patterns: TextPattern[] = [...base.patterns];
  if (input.patterns !== undefined) {
    if (!Array.isArray(input.patterns))
      bad('patterns', 'must be an array of {category, source, label}');
    else
      input.patterns.forEach((pt: unknown, i) => {
        const p = `patterns[${i}]`;
        if (!isObj(pt)) return bad(p, 'must be an object {category, source, label}');
        if (
          typeof pt.category !== 'string' ||
          !TEXT_CATEGORIES.includes(pt.category as TextCategory)
        ) {
          return bad(`${p}.category`, `must be one of ${TEXT_CATEGORIES.join(', ')}`);
        }
        if (typeof pt.label !== 'string' || pt.label.length === 0 || pt.label.length > 40) {
          return bad(
            `${p}.label`,
            'must be a string of 1-40 characters (shown instead of the match)',
          );
        }
        if (typeof pt.source !== 'string' || pt.source.length === 0)
          return bad(`${p}.source`, 'must be a regular expression');
        try {
          new RegExp(pt.source, 'giu');
        } catch {
          return bad(`${p}.source`, 'is not a valid regular expression (u flag)');
        }
        patterns.push({
          category: pt.category as TextCategory,
          source: pt.source,
          label: pt.label,
        });
      });
  }

  if (issues.length > 0) {
    const summary = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    throw new LifeguardError(ErrorCodes.INVALID_RISK_RULES, `invalid risk rules: ${summary}`, {
      issues,
    });
  }
  return {
    version: 1,
    levels,
    senderBandFactor,
    signals: signals as RiskRules['signals'],
    minorContactBaseRate,
    smoothingPrior,
    unknownAge,
    conversation: { categoryWeights, noMutualStart },
    interventions,
    languages,
    lexicons,
    patterns,
  };
}
