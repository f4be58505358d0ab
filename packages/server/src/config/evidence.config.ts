import {
  DEFAULT_EVIDENCE_POLICY,
  ErrorCodes,
  LifeguardError,
  validateEvidencePolicy,
  type EvidencePolicy,
  type EvidenceTrigger,
  type RetentionRule,
  type Role,
} from '@lifeguard/core';

/** Evidence preservation: the core policy plus the purge job's cadence. */
export interface EvidenceConfig extends EvidencePolicy {
  /** Milliseconds between purge runs (default one hour; 0 disables the job). */
  readonly purgeIntervalMs: number;
}

/** Defaults of {@link EvidenceConfig}. */
export const DEFAULT_EVIDENCE_CONFIG: EvidenceConfig = Object.freeze({
  ...DEFAULT_EVIDENCE_POLICY,
  purgeIntervalMs: 3_600_000,
});

type Json = Record<string, unknown>;

function bad(path: string, why: string): never {
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `config ${path}: ${why}`, { path });
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strList(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    bad(path, 'must be an array of strings');
  }
  return v;
}

/**
 * Validate the `evidence` section and merge it over `base`. Retention rules given here are
 * merged per jurisdiction over the defaults; the result is checked as a whole (legal
 * minimums, ceilings, conflicts: see `validateEvidencePolicy`).
 */
export function mergeEvidenceConfig(base: EvidenceConfig, v: unknown): EvidenceConfig {
  if (!isObj(v)) bad('evidence', 'must be an object');
  const allowed = ['triggers', 'jurisdictions', 'retention', 'accessRoles', 'purgeIntervalMs'];
  for (const k of Object.keys(v)) if (!allowed.includes(k)) bad(`evidence.${k}`, 'unknown field');
  const c = { ...base } as { -readonly [K in keyof EvidenceConfig]: EvidenceConfig[K] };
  if (v.triggers !== undefined) {
    c.triggers = strList(v.triggers, 'evidence.triggers') as EvidenceTrigger[];
  }
  if (v.jurisdictions !== undefined) {
    c.jurisdictions = strList(v.jurisdictions, 'evidence.jurisdictions');
  }
  if (v.accessRoles !== undefined) {
    c.accessRoles = strList(v.accessRoles, 'evidence.accessRoles') as Role[];
  }
  if (v.retention !== undefined) {
    if (!isObj(v.retention)) bad('evidence.retention', 'must be an object');
    const r: Record<string, RetentionRule> = { ...c.retention };
    for (const [code, rule] of Object.entries(v.retention)) {
      const at = `evidence.retention.${code}`;
      if (!isObj(rule)) bad(at, 'must be an object');
      for (const k of Object.keys(rule)) {
        if (k !== 'holdDays' && k !== 'maxDays') bad(`${at}.${k}`, 'unknown field');
      }
      if (typeof rule.holdDays !== 'number') bad(`${at}.holdDays`, 'must be a number');
      if (rule.maxDays !== undefined && typeof rule.maxDays !== 'number') {
        bad(`${at}.maxDays`, 'must be a number');
      }
      r[code] = {
        holdDays: rule.holdDays,
        ...(rule.maxDays !== undefined ? { maxDays: rule.maxDays } : {}),
      };
    }
    c.retention = r;
  }
  if (v.purgeIntervalMs !== undefined) {
    const n = v.purgeIntervalMs;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 86_400_000) {
      bad('evidence.purgeIntervalMs', 'must be an integer in 0..86400000');
    }
    c.purgeIntervalMs = n;
  }
  validateEvidencePolicy(c);
  return c;
}
