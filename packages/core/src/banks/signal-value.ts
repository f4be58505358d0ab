import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { SIGNAL_TYPES, type SignalType } from './bank.model.js';

/** Hex length of each signal type's canonical value. */
export const SIGNAL_HEX_LENGTH: Readonly<Record<SignalType, number>> = {
  pdq: 64,
  md5: 32,
  sha256: 64,
};

/**
 * Names accepted for each signal type in import files, lowercase. Besides Lifeguard's own
 * names this covers python-threatexchange's signal names (`pdq`, `video_md5`;
 * threatexchange/signal_type/*.py) and ThreatExchange API indicator types (`HASH_PDQ`,
 * `HASH_MD5`, `HASH_SHA256`).
 */
const ALIASES: ReadonlyMap<string, SignalType> = new Map<string, SignalType>([
  ['pdq', 'pdq'],
  ['hash_pdq', 'pdq'],
  ['md5', 'md5'],
  ['hash_md5', 'md5'],
  ['video_md5', 'md5'],
  ['photo_md5', 'md5'],
  ['sha256', 'sha256'],
  ['sha-256', 'sha256'],
  ['hash_sha256', 'sha256'],
]);

const HEX_RE = /^[0-9a-f]*$/;

/** Result of {@link checkSignalValue}: a canonical signal, or why the input is not one. */
export type SignalCheck =
  | { readonly ok: true; readonly signalType: SignalType; readonly value: string }
  | { readonly ok: false; readonly reason: string };

/** The canonical signal type for a name or alias (case-insensitive), or undefined. */
export function signalTypeFromName(name: string): SignalType | undefined {
  return ALIASES.get(name.trim().toLowerCase());
}

/**
 * Validate a (signal type, value) pair without throwing: known type (or alias), hex digits
 * only, exact length. The value is canonicalised to lowercase.
 */
export function checkSignalValue(type: string, value: string): SignalCheck {
  const signalType = signalTypeFromName(type);
  if (signalType === undefined) return { ok: false, reason: `unknown signal type '${clip(type)}'` };
  const v = value.trim().toLowerCase();
  if (!HEX_RE.test(v)) return { ok: false, reason: `${signalType} value is not hex` };
  const want = SIGNAL_HEX_LENGTH[signalType];
  if (v.length !== want) {
    return {
      ok: false,
      reason: `${signalType} value has ${v.length} hex characters, expected ${want}`,
    };
  }
  return { ok: true, signalType, value: v };
}

/**
 * Canonical value of an entry; throws `LG_ERR_INVALID_HASH` (bad hex or length) or
 * `LG_ERR_INVALID_ARGUMENT` (signal type not in {@link SIGNAL_TYPES}).
 */
export function canonicalSignalValue(signalType: SignalType, value: string): string {
  if (!(SIGNAL_TYPES as readonly string[]).includes(signalType)) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `unknown signal type '${clip(String(signalType))}'`,
    );
  }
  const r = checkSignalValue(signalType, typeof value === 'string' ? value : '');
  if (!r.ok) throw new LifeguardError(ErrorCodes.INVALID_HASH, r.reason, { signalType });
  return r.value;
}

/** Keep user-supplied text in error messages short (and never unbounded). */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
