import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RISK_RULES, ErrorCodes, LifeguardError, RiskEngine } from '@lifeguard/core';
import { loadServerConfig } from '../config/server.config.js';
import { loadRiskRules } from './risk-rules.loader.js';

const dir = mkdtempSync(join(tmpdir(), 'lg-risk-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof LifeguardError ? e.code : 'not a LifeguardError';
  }
  return undefined;
};

describe('server risk rules setting', () => {
  it('uses the defaults when unset and the file merged over them when set', () => {
    expect(loadRiskRules(undefined)).toBe(DEFAULT_RISK_RULES);
    const p = file('ok.json', '{"levels":{"watch":0.2,"high":0.5,"critical":0.8}}');
    const rules = loadRiskRules(p);
    expect(rules.levels.high).toBe(0.5);
    expect(rules.signals.minors_contacted_1h).toEqual(
      DEFAULT_RISK_RULES.signals.minors_contacted_1h,
    );
    expect(new RiskEngine({ rules }).rules.levels.high).toBe(0.5);
  });

  it('refuses a missing file, bad JSON and bad rules with stable codes', () => {
    expect(codeOf(() => loadRiskRules(join(dir, 'missing.json')))).toBe(ErrorCodes.READ_FAILED);
    expect(codeOf(() => loadRiskRules(file('bad.json', '{"levels":')))).toBe(
      ErrorCodes.INVALID_RISK_RULES,
    );
    expect(codeOf(() => loadRiskRules(file('typo.json', '{"signals":{"no_such":{}}}')))).toBe(
      ErrorCodes.INVALID_RISK_RULES,
    );
  });

  it('is read from the config file, LIFEGUARD_RISK_RULES and the command line, in that order', () => {
    const cfg = file('config.json', '{"riskRules":"/from/file.json"}');
    expect(loadServerConfig({ file: cfg }).riskRules).toBe('/from/file.json');
    expect(
      loadServerConfig({ file: cfg, env: { LIFEGUARD_RISK_RULES: '/from/env.json' } }).riskRules,
    ).toBe('/from/env.json');
    expect(
      loadServerConfig({
        file: cfg,
        env: { LIFEGUARD_RISK_RULES: '/from/env.json' },
        overrides: { riskRules: '/from/flag.json' },
      }).riskRules,
    ).toBe('/from/flag.json');
    expect(loadServerConfig({}).riskRules).toBeUndefined();
  });
});
