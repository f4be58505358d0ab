import {
  DEFAULT_CASE_POLICY,
  DEFAULT_PDQ_THRESHOLD,
  ErrorCodes,
  LifeguardError,
  parseCasePolicy,
  type CasePolicyConfig,
} from '@lifeguard/core';

/** Risk levels that open a `risk_alert` case. */
export type AlertLevel = 'high' | 'critical';

/** Cases: policy, folding, reviewer wellness, feedback banks (docs/cases.md). */
export interface CasesConfig {
  /** Severity points, priority weights and SLA clocks (core `parseCasePolicy`). */
  readonly policy: CasePolicyConfig;
  /** PDQ distance within which two media fold into one case (default 31). */
  readonly pdqThreshold: number;
  /** Revealed (unblurred) media views a reviewer may make per UTC day (default 200). */
  readonly exposureCapPerDay: number;
  /** Milliseconds between SLA checks and priority refreshes (default 30000). */
  readonly slaCheckMs: number;
  /** Block bank that confirmed media hashes go to (created when missing). */
  readonly localBank: string;
  /** Allow bank that false positives go to (created when missing). */
  readonly allowBank: string;
  /** Keep a review copy of uploaded media that opened or joined a case (default true). */
  readonly keepMedia: boolean;
  /** Risk levels that open a case (default high and critical). */
  readonly riskAlertLevels: readonly AlertLevel[];
  /** Most signals folded in one transaction (group commit; default 256). */
  readonly intakeBatch: number;
}

/** Defaults of {@link CasesConfig}. */
export const DEFAULT_CASES_CONFIG: CasesConfig = Object.freeze({
  policy: DEFAULT_CASE_POLICY,
  pdqThreshold: DEFAULT_PDQ_THRESHOLD,
  exposureCapPerDay: 200,
  slaCheckMs: 30_000,
  localBank: 'local-confirmed',
  allowBank: 'local-allow',
  keepMedia: true,
  riskAlertLevels: ['high', 'critical'] as AlertLevel[],
  intakeBatch: 256,
});

const KEYS = Object.keys(DEFAULT_CASES_CONFIG);
const BANK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

function bad(path: string, why: string): never {
  const where = path === '' ? 'cases' : `cases.${path}`;
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `config ${where}: ${why}`, { path: where });
}

function int(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    bad(path, `must be an integer ${min}..${max}`);
  }
  return n;
}

/** Merge a `cases` config object over `base`, validating every field. */
export function parseCasesConfig(
  v: unknown,
  base: CasesConfig = DEFAULT_CASES_CONFIG,
): CasesConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('', 'must be an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) bad(k, 'is not a known setting');
  const c = { ...base } as { -readonly [K in keyof CasesConfig]: CasesConfig[K] };
  if (o.policy !== undefined) {
    try {
      c.policy = parseCasePolicy(o.policy);
    } catch (e) {
      const issues = e instanceof LifeguardError ? (e.details?.issues as string[] | undefined) : [];
      bad('policy', `is invalid: ${(issues ?? []).join('; ')}`);
    }
  }
  if (o.pdqThreshold !== undefined) c.pdqThreshold = int(o.pdqThreshold, 'pdqThreshold', 0, 128);
  if (o.exposureCapPerDay !== undefined) {
    c.exposureCapPerDay = int(o.exposureCapPerDay, 'exposureCapPerDay', 0, 100_000);
  }
  if (o.slaCheckMs !== undefined) c.slaCheckMs = int(o.slaCheckMs, 'slaCheckMs', 100, 3_600_000);
  if (o.intakeBatch !== undefined) c.intakeBatch = int(o.intakeBatch, 'intakeBatch', 1, 5000);
  for (const k of ['localBank', 'allowBank'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'string' || !BANK_NAME.test(o[k])) bad(k, 'must be a bank name');
    c[k] = o[k];
  }
  if (o.keepMedia !== undefined) {
    if (typeof o.keepMedia !== 'boolean') bad('keepMedia', 'must be a boolean');
    c.keepMedia = o.keepMedia;
  }
  if (o.riskAlertLevels !== undefined) {
    const l = o.riskAlertLevels;
    if (!Array.isArray(l) || l.some((x) => x !== 'high' && x !== 'critical')) {
      bad('riskAlertLevels', 'must be a list of high, critical');
    }
    c.riskAlertLevels = [...new Set(l as AlertLevel[])];
  }
  return c;
}
