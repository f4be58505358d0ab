/**
 * @lifeguard/core — pure domain logic: hashing, matching, risk, cases, reports, ports.
 * No I/O and no vendor types (see docs/ARCHITECTURE.md).
 */
export * from './errors/lifeguard-error.js';
export * from './hashing/hash256.codec.js';
export * from './hashing/pixels.model.js';
export * from './hashing/pdq.hasher.js';
export * from './banks/signal-value.js';
export * from './banks/line.reader.js';
export * from './banks/bank-file.format.js';
export * from './banks/bank-import.parser.js';
export * from './banks/bank.importer.js';
export * from './banks/bank-export.formatter.js';
export * from './banks/bank.model.js';
export * from './ports/bank-store.port.js';
