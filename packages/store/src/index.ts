/**
 * @lifeguard/store — Kysely adapters for the core ports: SQLite (embedded default, WAL) and
 * PostgreSQL, one migration history.
 */
export * from './create-store.factory.js';
export * from './bank-store.kysely.js';
export * from './migrations/migrations.js';
export type { BankPatch } from './bank-store.validation.js';
export { DEFAULT_MAX_MATCHES_PER_LOOKUP } from './bank-store.validation.js';
export * from './api-key-store.kysely.js';
export * from './bank-action-store.kysely.js';
export * from './job-queue.kysely.js';
export * from './webhook-outbox.kysely.js';
export * from './risk-event-log.kysely.js';
export * from './risk-snapshot-store.kysely.js';
export * from './user-store.kysely.js';
export * from './audit-log.kysely.js';
export * from './case-store.kysely.js';
export { addOutboxWithin } from './webhook-outbox.kysely.js';
export * from './blobs/object.backend.js';
export * from './blobs/fs-object.backend.js';
export * from './blobs/vault.keyring.js';
export * from './blobs/vault-blob.store.js';
export { sha256Hex } from './blobs/vault-envelope.codec.js';
export * from './report-submission-store.kysely.js';
export * from './blobs/s3-object.backend.js';
export * from './exchange-store.kysely.js';
export * from './evidence-store.kysely.js';
