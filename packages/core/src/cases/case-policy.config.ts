import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { CASE_SEVERITIES, type CaseSeverity } from './case.model.js';

const HOUR = 3_600_000;

/** How reach (views, shares, reports) turns into priority points; see docs/cases.md. */
export interface ReachWeights {
  /** Reach units per view. */
  readonly view: number;
  /** Reach units per share (a share puts the content in front of new people). */
  readonly share: number;
  /** Reach units per user report (each report is someone who saw it and was harmed). */
  readonly report: number;
  /** Points per decade of reach units: points = scale x log10(1 + units). */
  readonly scale: number;
  /** Most points reach can add. */
  readonly max: number;
}

/** How the age of a case turns into priority points. */
export interface AgeWeights {
  /** Points per hour since the case's first item. */
  readonly perHour: number;
  /** Most points age can add. */
  readonly max: number;
}

/** Everything configurable about severity, priority and SLA clocks. */
export interface CasePolicyConfig {
  /** Base points per severity; must strictly decrease from `verified_csam` to `other`. */
  readonly severityPoints: Readonly<Record<CaseSeverity, number>>;
  /** Points added while a minor is in contact now (ongoing harm). */
  readonly ongoingHarmPoints: number;
  /** Reach weights. */
  readonly reach: ReachWeights;
  /** Age weights. */
  readonly age: AgeWeights;
  /** SLA per severity, in ms from the first item of that severity. */
  readonly slaMs: Readonly<Record<CaseSeverity, number>>;
  /** SLA while a minor is in contact now, in ms from the first such item (usually shortest). */
  readonly ongoingHarmSlaMs: number;
  /** How recent the last adult-minor message must be to count as contact "now", in ms. */
  readonly ongoingContactWindowMs: number;
  /**
   * Bank labels (and entry classifications) that mean child sexual abuse material. A block
   * verdict with such a hit is `verified_csam`; a non-block one is `possible_csam`.
   */
  readonly csamLabels: readonly string[];
}

/**
 * Defaults (docs/cases.md). The gap between neighbouring severities (500) is larger than
 * everything else can add (200 + 150 + 120 = 470), so by default severity always dominates
 * and the other components order cases within a severity.
 */
export const DEFAULT_CASE_POLICY: CasePolicyConfig = {
  severityPoints: {
    verified_csam: 2000,
    possible_csam: 1500,
    grooming_live_contact: 1000,
    other: 500,
  },
  ongoingHarmPoints: 200,
  reach: { view: 1, share: 10, report: 50, scale: 30, max: 150 },
  age: { perHour: 5, max: 120 },
  slaMs: {
    verified_csam: 1 * HOUR,
    possible_csam: 4 * HOUR,
    grooming_live_contact: 4 * HOUR,
    other: 24 * HOUR,
  },
  ongoingHarmSlaMs: 1 * HOUR,
  ongoingContactWindowMs: 24 * HOUR,
  csamLabels: ['csam'],
};

/** A partial policy as read from a config file; missing fields take the defaults. */
export interface CasePolicyInput {
  /** Overrides of {@link CasePolicyConfig.severityPoints}. */
  readonly severityPoints?: Partial<Record<CaseSeverity, number>>;
  /** Override of {@link CasePolicyConfig.ongoingHarmPoints}. */
  readonly ongoingHarmPoints?: number;
  /** Overrides of {@link CasePolicyConfig.reach}. */
  readonly reach?: Partial<ReachWeights>;
  /** Overrides of {@link CasePolicyConfig.age}. */
  readonly age?: Partial<AgeWeights>;
  /** Overrides of {@link CasePolicyConfig.slaMs}. */
  readonly slaMs?: Partial<Record<CaseSeverity, number>>;
  /** Override of {@link CasePolicyConfig.ongoingHarmSlaMs}. */
  readonly ongoingHarmSlaMs?: number;
  /** Override of {@link CasePolicyConfig.ongoingContactWindowMs}. */
  readonly ongoingContactWindowMs?: number;
  /** Override of {@link CasePolicyConfig.csamLabels}. */
  readonly csamLabels?: readonly string[];
}

type Issues = string[];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkNumber(v: unknown, path: string, issues: Issues, positive = false): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0)) {
    issues.push(`${path}: must be a finite number ${positive ? '> 0' : '>= 0'}`);
    return null;
  }
  return v;
}

/** Merge an object of numbers over defaults, reporting unknown keys and bad values. */
function numbers<T extends object>(
  v: unknown,
  defaults: T,
  path: string,
  issues: Issues,
  positive = false,
): T {
  if (v === undefined) return defaults;
  if (!isRecord(v)) {
    issues.push(`${path}: must be an object`);
    return defaults;
  }
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, x] of Object.entries(v)) {
    if (!(k in defaults)) {
      issues.push(`${path}.${k}: unknown field`);
      continue;
    }
    const n = checkNumber(x, `${path}.${k}`, issues, positive);
    if (n !== null) out[k] = n;
  }
  return out as T;
}

/**
 * Validate a policy from a config file (parsed JSON/YAML) and fill in the defaults.
 * Collects every problem before failing, so an operator fixes them all in one go.
 *
 * @throws LifeguardError `LG_ERR_INVALID_ARGUMENT` with `details.issues`: one string per
 *   problem, each starting with the field's path (e.g. `slaMs.other: must be ...`)
 */
export function parseCasePolicy(input: unknown = {}): CasePolicyConfig {
  const issues: Issues = [];
  const d = DEFAULT_CASE_POLICY;
  if (!isRecord(input)) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'case policy must be an object', {
      issues: ['(root): must be an object'],
    });
  }
  const known = new Set(Object.keys(d));
  for (const k of Object.keys(input)) if (!known.has(k)) issues.push(`${k}: unknown field`);
  const severityPoints = numbers(input.severityPoints, d.severityPoints, 'severityPoints', issues);
  for (let i = 1; i < CASE_SEVERITIES.length; i++) {
    const hi = CASE_SEVERITIES[i - 1]!;
    const lo = CASE_SEVERITIES[i]!;
    if (!(severityPoints[hi] > severityPoints[lo])) {
      issues.push(`severityPoints.${lo}: must be less than severityPoints.${hi}`);
    }
  }
  const single = (k: 'ongoingHarmPoints' | 'ongoingHarmSlaMs' | 'ongoingContactWindowMs') => {
    const v = input[k];
    if (v === undefined) return d[k];
    return checkNumber(v, k, issues, k !== 'ongoingHarmPoints') ?? d[k];
  };
  let csamLabels = d.csamLabels;
  if (input.csamLabels !== undefined) {
    const v = input.csamLabels;
    if (!Array.isArray(v) || v.some((l) => typeof l !== 'string' || l.length === 0)) {
      issues.push('csamLabels: must be an array of non-empty strings');
    } else {
      csamLabels = v as string[];
    }
  }
  const config: CasePolicyConfig = {
    severityPoints,
    ongoingHarmPoints: single('ongoingHarmPoints'),
    reach: numbers(input.reach, d.reach, 'reach', issues),
    age: numbers(input.age, d.age, 'age', issues),
    slaMs: numbers(input.slaMs, d.slaMs, 'slaMs', issues, true),
    ongoingHarmSlaMs: single('ongoingHarmSlaMs'),
    ongoingContactWindowMs: single('ongoingContactWindowMs'),
    csamLabels,
  };
  if (issues.length > 0) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid case policy: ${issues.join('; ')}`,
      { issues },
    );
  }
  return config;
}
