import type { CommandEntry } from './command.model.js';

/**
 * Every sub-command, in `--help` order. Add a command by writing `NAME.command.ts` beside
 * this file (exporting a `Command`) and listing it here with a lazy import.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'hash',
    summary: 'hash image files (PDQ, MD5, SHA-256)',
    load: async () => (await import('./hash.command.js')).hashCommand,
  },
  {
    name: 'risk',
    summary: 'Grooming-risk engine: replay an event file, print alerts with reasons',
    load: async () => (await import('./risk.command.js')).riskCommand,
  },
  {
    name: 'bank',
    summary: 'create, list, import, export, enable and disable hash banks',
    load: async () => (await import('./bank.command.js')).bankCommand,
  },
  {
    name: 'exchange',
    summary: 'subscribe to hash-sharing feeds and programs (NCMEC, StopNCII, ThreatExchange), sync',
    load: async () => (await import('./exchange.command.js')).exchangeCommand,
  },
  {
    name: 'match',
    summary: 'match images or hashes against the hash banks',
    load: async () => (await import('./match.command.js')).matchCommand,
  },
  {
    name: 'serve',
    summary: 'Run the scanning service (HTTP API)',
    load: async () => (await import('./serve.command.js')).serveCommand,
  },
  {
    name: 'audit',
    summary: 'verify the hash-chained audit log (tampering: edited, deleted, reordered records)',
    load: async () => (await import('./audit.command.js')).auditCommand,
  },
  {
    name: 'user',
    summary: 'Manage console users (add, list, passwd, roles, disable, enable, totp-reset)',
    load: async () => (await import('./user.command.js')).userCommand,
  },
  {
    name: 'vault',
    summary: 'Evidence vault keys: rotate, re-wrap, verify',
    load: async () => (await import('./vault.command.js')).vaultCommand,
  },
  {
    name: 'report',
    summary: 'Hotline report export bundles: keygen, create, verify, open',
    load: async () => (await import('./report.command.js')).reportCommand,
  },
];
