/**
 * @lifeguard/core — pure domain logic: hashing, matching, risk, cases, reports, ports.
 * No I/O and no vendor types (see docs/ARCHITECTURE.md).
 */
export * from './errors/lifeguard-error.js';
export * from './hashing/hash256.codec.js';
export * from './hashing/pixels.model.js';
export * from './hashing/pdq.hasher.js';
export * from './banks/signal-value.js';
