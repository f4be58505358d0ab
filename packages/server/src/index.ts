/**
 * @lifeguard/server — the scanning service: Fastify HTTP API, auth, workers, wiring and
 * config. The only place things are assembled (see docs/ARCHITECTURE.md).
 */
export * from './config/server.config.js';
export * from './server.runner.js';
export * from './server.context.js';
export * from './app.factory.js';
export { SCOPES, type Scope, type Principal, hashSecret } from './auth/api-key.service.js';
export { isPrivateAddress } from './scan/address.policy.js';
export { fetchUrl, type FetchLimits } from './scan/url.fetcher.js';
export { decideVerdict, type Verdict } from './scan/verdict.policy.js';
export { generateOpenApi } from './openapi.generator.js';
export { signWebhook, verifyWebhook } from './webhooks/webhook.signer.js';
