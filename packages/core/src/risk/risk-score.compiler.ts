import type { RiskSignal, SignalContext } from './risk-signal.catalog.js';

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

/**
 * The score of one evaluation: the sum of every active signal's contribution, capped at 1.
 * `values[i]` receives the value of active signal `i` (NaN where it cannot be computed), so a
 * caller can explain the score without computing the signals again.
 */
export type ScoreFunction = (ctx: SignalContext, factor: number, values: Float64Array) => number;

/** `v` mapped linearly from [from, to] onto [0, 1], clamped. */
export function ramp(v: number, from: number, to: number): number {
  const x = (v - from) / (to - from);
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/** Contribution of one signal value: weight × ramp × (sender band factor if minor-directed). */
export function contributionOf(a: ActiveSignal, v: number, factor: number): number {
  return a.weight * ramp(v, a.from, a.to) * (a.sig.minorDirected ? factor : 1);
}

/**
 * Compile the active signals into one scoring function. A loop over the signals calls ~30
 * different `compute` closures from a single call site, which V8 cannot inline (a
 * megamorphic call per signal per evaluation, a large part of the engine's cost). The compiled
 * function has one call site per signal, each of which always sees the same closure, so V8
 * inlines them. The generated text holds only indices: signals and rule numbers are passed in
 * as arrays, never written into the code. Terms are added in catalog order with the same
 * arithmetic as {@link contributionOf}, so the sums are identical to the loop's.
 */
export function compileScore(active: readonly ActiveSignal[]): ScoreFunction {
  const lines = active.map(
    (_, i) =>
      `v = F[${i}](ctx); if (v === undefined) values[${i}] = NaN; ` +
      `else { values[${i}] = v; sum += W[${i}] * ramp(v, A[${i}], B[${i}]) * (D[${i}] ? factor : 1); }`,
  );
  const body =
    `'use strict';\nreturn function score(ctx, factor, values) {\n  let sum = 0;\n  let v;\n  ` +
    `${lines.join('\n  ')}\n  return sum >= 1 ? 1 : sum;\n};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from indices only (see above)
  const make = new Function('F', 'W', 'A', 'B', 'D', 'ramp', body) as (
    ...args: unknown[]
  ) => ScoreFunction;
  return make(
    active.map((a) => a.sig.compute),
    active.map((a) => a.weight),
    active.map((a) => a.from),
    active.map((a) => a.to),
    active.map((a) => a.sig.minorDirected),
    ramp,
  );
}
