import { ROLES, type Role } from '../cases/case.model.js';
import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';

/**
 * What makes Lifeguard preserve a case's evidence (issue 7):
 * - `case_confirmed`: a reviewer confirmed the case (actual knowledge: the duty to report,
 *   and with the report the duty to preserve, starts here);
 * - `block_verdict`: a scan matched a bank entry with a block verdict and opened a case
 *   (preserved before any human looked, so nothing is lost while the case waits);
 * - `case_reported`: the case was reported to a hotline (18 U.S.C. 2258A(h): a completed
 *   report is a request to preserve its contents).
 */
export const EVIDENCE_TRIGGERS = ['case_confirmed', 'block_verdict', 'case_reported'] as const;
/** One of {@link EVIDENCE_TRIGGERS}. */
export type EvidenceTrigger = (typeof EVIDENCE_TRIGGERS)[number];

/** What an evidence object holds. */
export const EVIDENCE_KINDS = ['media', 'metadata', 'conversation'] as const;
/** One of {@link EVIDENCE_KINDS}. */
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** Retention of preserved material under one jurisdiction's rules. */
export interface RetentionRule {
  /** Hold (do not delete) for this many days from preservation. */
  readonly holdDays: number;
  /**
   * Delete no later than this many days after preservation (a legal ceiling such as the EU
   * interim regulation's 12 months), unless legal proceedings require longer; unset: none.
   */
  readonly maxDays?: number;
}

/**
 * Legal minimum hold per jurisdiction, in days. US: 18 U.S.C. 2258A(h)(1) as amended by the
 * REPORT Act (Pub. L. 118-59, 2024) — a completed CyberTipline report is a request to
 * preserve its contents for 1 year (previously 90 days). The configuration cannot go below.
 */
export const LEGAL_MIN_HOLD_DAYS: Readonly<Record<string, number>> = Object.freeze({ US: 365 });

/** The preservation policy (validated by {@link validateEvidencePolicy}). */
export interface EvidencePolicy {
  /** Which events preserve evidence. */
  readonly triggers: readonly EvidenceTrigger[];
  /** Jurisdictions whose rules apply to this deployment (keys of `retention`). */
  readonly jurisdictions: readonly string[];
  /** Retention rule per jurisdiction code (`US`, `EU`, `UK`, ...). */
  readonly retention: Readonly<Record<string, RetentionRule>>;
  /** Roles that may list and read evidence. */
  readonly accessRoles: readonly Role[];
}

/**
 * Defaults: preserve on a confirmation, a block verdict and a report; US rules (365 days);
 * an EU rule with the 12-month ceiling of Regulation (EU) 2021/1232 Art. 3 and a UK rule
 * of one year are defined but apply only when listed in `jurisdictions`.
 */
export const DEFAULT_EVIDENCE_POLICY: EvidencePolicy = Object.freeze<EvidencePolicy>({
  triggers: ['case_confirmed', 'block_verdict', 'case_reported'],
  jurisdictions: ['US'],
  retention: Object.freeze({
    US: { holdDays: 365 },
    EU: { holdDays: 365, maxDays: 365 },
    UK: { holdDays: 365 },
  }),
  accessRoles: ['admin', 'lead', 'child_safety_reviewer'],
});

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

function bad(path: string, why: string): never {
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `config ${path}: ${why}`, { path });
}

/**
 * Check a policy: known triggers and roles, whole positive day counts, every listed
 * jurisdiction has a rule, no rule below its legal minimum (US 365 days), no hold above its
 * own ceiling, and the applicable rules agree (the longest hold must fit under the shortest
 * ceiling — a conflict such as US 400 days with the EU 12-month ceiling needs a decision by
 * counsel, not a silent pick). Throws `LG_ERR_INVALID_ARGUMENT` naming the path.
 */
export function validateEvidencePolicy(p: EvidencePolicy, path = 'evidence'): EvidencePolicy {
  p.triggers.forEach((t, i) => {
    if (!EVIDENCE_TRIGGERS.includes(t)) {
      bad(`${path}.triggers[${i}]`, `must be one of ${EVIDENCE_TRIGGERS.join(', ')}`);
    }
  });
  p.accessRoles.forEach((r, i) => {
    if (!ROLES.includes(r)) bad(`${path}.accessRoles[${i}]`, `must be one of ${ROLES.join(', ')}`);
  });
  if (p.jurisdictions.length === 0) bad(`${path}.jurisdictions`, 'must name at least one');
  for (const [code, rule] of Object.entries(p.retention)) {
    const at = `${path}.retention.${code}`;
    if (!/^[A-Z]{2,8}$/.test(code)) bad(at, 'jurisdiction codes are 2-8 capital letters');
    if (!Number.isInteger(rule.holdDays) || rule.holdDays < 1 || rule.holdDays > 36_500) {
      bad(`${at}.holdDays`, 'must be an integer in 1..36500');
    }
    const min = LEGAL_MIN_HOLD_DAYS[code];
    if (min !== undefined && rule.holdDays < min) {
      bad(`${at}.holdDays`, `must be at least ${min} days (legal minimum for ${code})`);
    }
    if (rule.maxDays !== undefined) {
      if (!Number.isInteger(rule.maxDays) || rule.maxDays < 1) {
        bad(`${at}.maxDays`, 'must be a positive integer');
      }
      if (rule.maxDays < rule.holdDays) bad(`${at}.maxDays`, 'must not be below holdDays');
    }
  }
  p.jurisdictions.forEach((j, i) => {
    if (p.retention[j] === undefined)
      bad(`${path}.jurisdictions[${i}]`, `no retention rule for ${j}`);
  });
  const hold = holdDaysOf(p);
  for (const j of p.jurisdictions) {
    const max = p.retention[j]!.maxDays;
    if (max !== undefined && max < hold) {
      bad(
        `${path}.jurisdictions`,
        `conflicting retention: a ${hold}-day hold exceeds ${j}'s ${max}-day ceiling; decide with counsel and configure one rule`,
      );
    }
  }
  return p;
}

/** The hold in days that satisfies every applicable jurisdiction: the longest. */
export function holdDaysOf(p: EvidencePolicy, jurisdictions = p.jurisdictions): number {
  let days = 0;
  for (const j of jurisdictions) days = Math.max(days, p.retention[j]?.holdDays ?? 0);
  return Math.max(days, ...jurisdictions.map((j) => LEGAL_MIN_HOLD_DAYS[j] ?? 0));
}

/** When material preserved at `at` (epoch ms) may be purged under `p`. */
export function holdUntilOf(p: EvidencePolicy, at: number): number {
  return at + holdDaysOf(p) * DAY_MS;
}

/** Whether `trigger` preserves evidence under `p`. */
export function preservesOn(p: EvidencePolicy, trigger: EvidenceTrigger): boolean {
  return p.triggers.includes(trigger);
}

/** Whether an actor with `roles` may list and read evidence under `p`. */
export function mayAccessEvidence(p: EvidencePolicy, roles: readonly Role[]): boolean {
  return roles.some((r) => p.accessRoles.includes(r));
}
