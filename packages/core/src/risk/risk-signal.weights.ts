import type { RiskSignal } from './risk-signal.catalog.js';

/** A signal in force: its catalog entry and its rule numbers (weight and ramp). */
export interface ActiveSignal {
  /** The catalog entry. */
  readonly sig: RiskSignal;
  /** Largest contribution. */
  readonly weight: number;
  /** Ramp start: values at or below it contribute nothing. */
  readonly from: number;
  /** Ramp end: values at or above it contribute the full weight. */
  readonly to: number;
}

/** `v` mapped linearly from [from, to] onto [0, 1], clamped. */
export function ramp(v: number, from: number, to: number): number {
  const x = (v - from) / (to - from);
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/** Contribution of one signal value: weight × ramp × (sender band factor if minor-directed). */
export function contributionOf(a: ActiveSignal, v: number, factor: number): number {
  return a.weight * ramp(v, a.from, a.to) * (a.sig.minorDirected ? factor : 1);
}
