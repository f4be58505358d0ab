import { readFileSync } from 'node:fs';
import {
  DEFAULT_RISK_RULES,
  ErrorCodes,
  LifeguardError,
  parseRiskRules,
  type RiskRules,
} from '@lifeguard/core';

/**
 * The risk rules of the server: the file named by `riskRules` in the configuration, validated
 * like `lifeguard risk replay --rules` (every issue listed with its path), or the defaults.
 * Throws LG_ERR_READ_FAILED for an unreadable file and LG_ERR_INVALID_RISK_RULES for bad JSON
 * or bad rules, so a typo in safety configuration stops the start instead of passing silently.
 */
export function loadRiskRules(path: string | undefined): RiskRules {
  if (path === undefined) return DEFAULT_RISK_RULES;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LifeguardError(
      ErrorCodes.READ_FAILED,
      `cannot read risk rules file ${path}`,
      { path },
      { cause: e },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LifeguardError(
      ErrorCodes.INVALID_RISK_RULES,
      `risk rules file ${path} is not valid JSON`,
      { path },
    );
  }
  return parseRiskRules(json);
}
