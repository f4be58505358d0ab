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
export * from './banks/index.sync.js';
export * from './banks/bank.model.js';
export * from './ports/bank-store.port.js';
export * from './ports/job-queue.port.js';
export * from './ports/blob-store.port.js';
export * from './ports/evidence-store.port.js';
export * from './evidence/evidence.policy.js';
export * from './ports/audit-log.port.js';
export * from './ports/case-store.port.js';
export * from './risk/risk-event.model.js';
export * from './risk/risk-event.parser.js';
export * from './risk/text-category.model.js';
export * from './risk/text.detector.js';
export * from './risk/text-lexicon-en.data.js';
export * from './risk/risk-rules.model.js';
export * from './risk/risk-rules.defaults.js';
export * from './risk/risk-rules.parser.js';
export {
  AccountRiskState,
  CONTACT_CAP,
  CONVERSATION_CAP,
  FRIEND_CAP,
  INBOUND_CAP,
  type TextEvidence,
} from './risk/account-state.model.js';
export * from './risk/risk-state-store.port.js';
export type { ContactSummary } from './risk/contact-summary.js';
export * from './risk/risk-signal.catalog.js';
export * from './risk/risk-result.model.js';
export * from './risk/conversation.score.js';
export * from './risk/interventions.policy.js';
export * from './risk/dedup.window.js';
export * from './risk/event-reorder.buffer.js';
export {
  RiskEngine,
  levelOf,
  type IngestOutcome,
  type RiskEngineOptions,
  type RiskEngineStats,
  type RiskEngineSnapshotParts,
} from './risk/risk.engine.js';
export * from './risk/risk-snapshot.codec.js';
export * from './risk/risk-replay.session.js';
export * from './matching/pdq.index.js';
export * from './matching/match.model.js';
export * from './matching/rollout.policy.js';
export * from './matching/bank.matcher.js';
export * from './cases/case.model.js';
export * from './cases/report-text.model.js';
export * from './cases/case-state.machine.js';
export * from './cases/case-policy.config.js';
export * from './cases/case-summary.model.js';
export * from './cases/case-priority.policy.js';
export * from './cases/case.folder.js';
export * from './cases/case-pdq.index.js';
export * from './cases/case.aggregate.js';
export * from './cases/case-item.validator.js';
export * from './cases/ip-address.codec.js';
export * from './cases/review-decision.policy.js';
export * from './cases/audit.chain.js';
export * from './reports/xml.model.js';
export * from './reports/xml-schema.model.js';
export * from './reports/report-issue.model.js';
export * from './reports/cybertip-schema.data.js';
export * from './reports/cybertip-report.model.js';
export * from './reports/schema.validator.js';
export * from './reports/schema-xml.emitter.js';
export * from './reports/cybertip.document.js';
export * from './reports/cybertip-report.builder.js';
export * from './reports/report-submission.machine.js';
export * from './ports/report-destination.port.js';
export * from './ports/report-submission-store.port.js';
export * from './sharing/exchange.model.js';
export * from './sharing/exchange.importer.js';
export * from './sharing/feed.format.js';
export * from './ports/signal-exchange.port.js';
