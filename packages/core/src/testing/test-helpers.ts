/** Test-only helpers shared by core's tests; never exported from the package index. */
import { isLifeguardError } from '../errors/lifeguard-error.js';

/** The `LG_ERR_*` code `fn` throws, or undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isLifeguardError(e) ? e.code : 'not a LifeguardError';
  }
  return undefined;
}

/** A seeded xorshift32 generator of unsigned 32-bit integers (reproducible test data). */
export function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}
