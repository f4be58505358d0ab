/**
 * @lifeguard/sdk — a typed client of the Lifeguard scanning API, generated from
 * docs/openapi.json (`npm run openapi`) plus a small fetch wrapper.
 */
export * from './lifeguard.client.js';
export type { components, paths } from './openapi.types.js';
