import {
  DEFAULT_PDQ_THRESHOLD,
  DEFAULT_QUALITY_FLOOR,
  ErrorCodes,
  LifeguardError,
  type Bank,
  type BankKind,
  type BankSource,
  type NewBank,
} from '@lifeguard/core';

const NAME_RE = /^[A-Za-z0-9_.-]{1,100}$/;
const KINDS: readonly BankKind[] = ['block', 'allow'];
const SOURCES: readonly BankSource[] = ['local', 'file', 'exchange'];

/** Default flood-control cap when a bank is created without one. */
export const DEFAULT_MAX_MATCHES_PER_LOOKUP = 100;

/** Bank settings that may change after creation. */
export type BankPatch = Partial<Omit<Bank, 'id' | 'name' | 'createdAt'>>;

function invalid(message: string, details?: Record<string, unknown>): LifeguardError {
  return new LifeguardError(ErrorCodes.INVALID_ARGUMENT, message, details);
}

function intIn(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${name} must be an integer in ${min}..${max}, got ${v}`, { [name]: v });
  }
}

/** Validate the settings of a patch (or of a new bank); throws `LG_ERR_INVALID_ARGUMENT`. */
export function validateBankPatch(p: BankPatch): void {
  if (p.kind !== undefined && !KINDS.includes(p.kind))
    throw invalid(`unknown bank kind '${String(p.kind)}'`);
  if (p.source !== undefined && !SOURCES.includes(p.source)) {
    throw invalid(`unknown bank source '${String(p.source)}'`);
  }
  if (p.pdqThreshold !== undefined) intIn('pdqThreshold', p.pdqThreshold, 0, 256);
  if (p.qualityFloor !== undefined) intIn('qualityFloor', p.qualityFloor, 0, 100);
  if (p.maxMatchesPerLookup !== undefined) {
    intIn('maxMatchesPerLookup', p.maxMatchesPerLookup, 1, 1_000_000);
  }
  if (
    p.enabledRatio !== undefined &&
    !(Number.isFinite(p.enabledRatio) && p.enabledRatio >= 0 && p.enabledRatio <= 1)
  ) {
    throw invalid(`enabledRatio must be in 0..1, got ${p.enabledRatio}`);
  }
  if (p.labels !== undefined) {
    for (const l of p.labels) {
      if (typeof l !== 'string' || l.length === 0 || l.length > 100 || l.includes(',')) {
        throw invalid(`labels must be non-empty strings without commas (max 100 characters)`);
      }
    }
  }
  if (p.description !== undefined && p.description.length > 10_000) {
    throw invalid('description is longer than 10000 characters');
  }
}

/** A new bank with every default filled in; throws `LG_ERR_INVALID_ARGUMENT` on bad input. */
export function normalizeNewBank(b: NewBank): Omit<Bank, 'id' | 'createdAt'> {
  if (typeof b.name !== 'string' || !NAME_RE.test(b.name)) {
    throw invalid(`bank name must match [A-Za-z0-9_.-]{1,100}, got '${String(b.name)}'`);
  }
  validateBankPatch(b);
  return {
    name: b.name,
    description: b.description ?? '',
    source: b.source ?? 'local',
    labels: [...(b.labels ?? [])],
    kind: b.kind ?? 'block',
    pdqThreshold: b.pdqThreshold ?? DEFAULT_PDQ_THRESHOLD,
    qualityFloor: b.qualityFloor ?? DEFAULT_QUALITY_FLOOR,
    enabled: b.enabled ?? true,
    enabledRatio: b.enabledRatio ?? 1,
    maxMatchesPerLookup: b.maxMatchesPerLookup ?? DEFAULT_MAX_MATCHES_PER_LOOKUP,
  };
}
