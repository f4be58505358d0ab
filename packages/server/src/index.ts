/**
 * @lifeguard/server — the scanning service: Fastify HTTP API, auth, workers, wiring and
 * config. The only place things are assembled (see docs/ARCHITECTURE.md).
 */
export * from './config/server.config.js';
export * from './config/cases.config.js';
export * from './server.runner.js';
export * from './server.context.js';
export * from './app.factory.js';
export { SCOPES, type Scope, hashSecret } from './auth/api-key.service.js';
export * from './auth/principal.model.js';
export {
  UserService,
  normaliseUsername,
  checkRoles,
  type LoginResult,
  type AuthEvents,
} from './auth/user.service.js';
export {
  requireAccess,
  requireScope,
  type AccessRule,
  SESSION_COOKIE,
  CSRF_HEADER,
} from './auth/auth.hook.js';
export { hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from './auth/password.hasher.js';
export { isPrivateAddress } from './scan/address.policy.js';
export { fetchUrl, type FetchLimits } from './scan/url.fetcher.js';
export { decideVerdict, type Verdict } from './scan/verdict.policy.js';
export { generateOpenApi } from './openapi.generator.js';
export { signWebhook, verifyWebhook } from './webhooks/webhook.signer.js';
export * from './evidence/vault.factory.js';
export * from './config/vault.config.js';
export {
  ExchangeService,
  standaloneExchangeService,
  type SyncReport,
} from './sharing/exchange.service.js';
export { checkExchangeConfig, CREDENTIAL_FIELDS } from './sharing/connectors.js';
export {
  loadOrCreateFeedKey,
  parsePublicFeedKey,
  verifyFeedPage,
  FEED_SIGNATURE_HEADER,
} from './sharing/feed-key.js';
export * from './reports/report-bundle.js';
export { readTar, writeTar, isSafeMemberName, type TarMember } from './reports/tar.format.js';
export { ReportService, REPORT_JOB, type ReportPreview } from './reports/report.service.js';
export { CyberTiplineClient, CYBERTIPLINE_URLS } from './reports/cybertipline.client.js';
export * from './config/reports.config.js';
