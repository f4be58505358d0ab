import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import {
  DEFAULT_EVIDENCE_CONFIG,
  mergeEvidenceConfig,
  type EvidenceConfig,
} from './evidence.config.js';
import {
  DEFAULT_VAULT_CONFIG,
  mergeVaultConfig,
  VAULT_ENV,
  type VaultConfig,
} from './vault.config.js';
import {
  DEFAULT_REPORTS_CONFIG,
  mergeReportsConfig,
  REPORTS_ENV,
  type ReportsConfig,
} from './reports.config.js';
import { DEFAULT_CASES_CONFIG, parseCasesConfig, type CasesConfig } from './cases.config.js';

/** Process roles (`lifeguard serve --role`). `worker` has no HTTP API. */
export const SERVER_ROLES = ['all', 'api', 'worker'] as const;
/** One of {@link SERVER_ROLES}. */
export type ServerRole = (typeof SERVER_ROLES)[number];

/** What a match leads to. Ordered by severity: block > review > allow. */
export const ACTIONS = ['block', 'review', 'allow'] as const;
/** One of {@link ACTIONS}. */
export type Action = (typeof ACTIONS)[number];

/** Limits applied to every request. */
export interface ServerLimits {
  /** Maximum JSON body in bytes (default 1 MiB). */
  readonly maxJsonBytes: number;
  /** Maximum uploaded or fetched media file in bytes (default 32 MiB). */
  readonly maxFileBytes: number;
  /** Maximum bank import upload in bytes (default 2 GiB; streamed, never buffered). */
  readonly maxImportBytes: number;
  /** Maximum pixels an image may declare (decompression-bomb guard; default 50 megapixels). */
  readonly maxImagePixels: number;
  /** Maximum milliseconds for one decode (default 10 s). */
  readonly decodeTimeoutMs: number;
  /** Requests per second each API key may sustain (token refill rate; default 200). */
  readonly rateLimitPerSecond: number;
  /** Token-bucket size: the burst a key may send at once (default 400). */
  readonly rateLimitBurst: number;
  /** Hashing worker threads (default: available cores). */
  readonly hashWorkers: number;
  /** Uploads waiting for a hashing worker before new ones get 503 (default 256). */
  readonly maxQueuedHashes: number;
}

/** URL fetching for `POST /v1/scan {url}` (SSRF-guarded; see url.fetcher.ts). */
export interface UrlFetchConfig {
  /** Allow scanning by URL at all (default true). */
  readonly enabled: boolean;
  /**
   * Hosts that may be fetched (exact names or `*.example.com`). Empty: any public host.
   * The allow-list never admits private addresses: both checks apply.
   */
  readonly allowHosts: readonly string[];
  /** Total time for connect + download in milliseconds (default 10 s). */
  readonly timeoutMs: number;
  /** Redirects followed, each re-checked (default 3). */
  readonly maxRedirects: number;
  /**
   * Testing escape hatch: also allow these literal IPs (never set in production). The test
   * suite uses it to allow its own 127.0.0.1 origin so that the redirect is what is refused.
   */
  readonly allowPrivateIps: readonly string[];
}

/** Verdict rules: what a match on a bank or a label leads to. */
export interface ActionRules {
  /** Action per bank name (overridden by the per-bank setting stored through the API). */
  readonly banks: Readonly<Record<string, Action>>;
  /** Action per label; the most severe applicable label wins. */
  readonly labels: Readonly<Record<string, Action>>;
}

/** One webhook receiver. */
export interface WebhookEndpoint {
  /** Name (shown in deliveries). */
  readonly name: string;
  /** http(s) URL the events are POSTed to (configured by the operator, so trusted). */
  readonly url: string;
  /** HMAC-SHA256 key for the `Lifeguard-Signature` header (at least 16 characters). */
  readonly secret: string;
  /** Verdicts that trigger an event (default block and review). */
  readonly verdicts: readonly Action[];
  /** Also receive case events: `case.action`, `case.sla_breached` (default true). */
  readonly cases: boolean;
}

/** Webhooks on verdicts. */
export interface WebhookConfig {
  /** Receivers. */
  readonly endpoints: readonly WebhookEndpoint[];
  /** Attempts before a delivery is dead-lettered (default 8). */
  readonly maxAttempts: number;
  /** First retry delay; doubles per attempt, capped at one hour (default 1000 ms). */
  readonly backoffBaseMs: number;
  /** Timeout of one delivery attempt (default 5000 ms). */
  readonly timeoutMs: number;
}

/** Console logins and sessions (docs/console.md). */
export interface AuthConfig {
  /** Mark the session cookie `Secure` (set it whenever the console is served over HTTPS; default false). */
  readonly cookieSecure: boolean;
  /** A session ends after this many minutes without a request (default 30). */
  readonly sessionIdleMinutes: number;
  /** A session ends this many hours after login whatever happens (default 12). */
  readonly sessionAbsoluteHours: number;
  /** Failed logins per username before a lockout (default 5). */
  readonly loginMaxFailures: number;
  /** Failed logins per client address before a lockout (default 50). */
  readonly loginMaxFailuresPerIp: number;
  /** Window for counting failures and length of the first lockout, doubling after (default 900). */
  readonly loginLockoutSeconds: number;
}

/** Hash sharing: the signed feeds this instance publishes and the exchanges it polls. */
export interface SharingConfig {
  /**
   * The Ed25519 feed signing key (PKCS#8 PEM), generated with mode 0600 on first start.
   * Default `<dataDir>/feed-signing-key.pem`. Processes serving the same feeds (several
   * `api` processes on PostgreSQL) must point at the same key.
   */
  readonly feedKeyFile: string | undefined;
  /** Largest `limit` a feed page may be requested with (default 10,000 records). */
  readonly maxFeedPage: number;
  /** Run the exchange poller in this process (roles `all` and `worker`; default true). */
  readonly pollExchanges: boolean;
  /** Milliseconds between the poller's checks for exchanges that are due (default 1000). */
  readonly pollTickMs: number;
  /** Timeout of one request to an exchange (default 30 s). */
  readonly requestTimeoutMs: number;
}

/** The one typed configuration object of the scanning service. */
export interface ServerConfig {
  /** Process role. */
  readonly role: ServerRole;
  /** Listen port (0 picks a free one). */
  readonly port: number;
  /** Listen address (default loopback: exposing it is a deliberate act). */
  readonly host: string;
  /** SQLite data directory (ignored when `databaseUrl` is set). */
  readonly dataDir: string;
  /** PostgreSQL connection string; SQLite when undefined. */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema (tests, multi-tenant installs). */
  readonly pgSchema: string | undefined;
  /** Admin key to install at start (automated deployments); else one is generated once. */
  readonly adminKey: string | undefined;
  /** Milliseconds between index-sync polls (default 1000). */
  readonly indexPollMs: number;
  /** Milliseconds to wait for in-flight requests on shutdown (default 10 s). */
  readonly shutdownGraceMs: number;
  /**
   * Lease of a claimed background job (scan, hotline submission) in ms: when the worker that
   * holds it dies, another process resumes the job after this long (default 60 s).
   */
  readonly jobLeaseMs: number;
  /** Request limits. */
  readonly limits: ServerLimits;
  /** URL fetching. */
  readonly urlFetch: UrlFetchConfig;
  /** Verdict rules. */
  readonly actions: ActionRules;
  /** Webhooks on verdicts. */
  readonly webhooks: WebhookConfig;
  /** Hash sharing (feeds and exchanges). */
  readonly sharing: SharingConfig;
  /** Log level (`info`, `warn`, `error`, `silent`; default `info`). */
  readonly logLevel: string;
  /** Console logins and sessions. */
  readonly auth: AuthConfig;
  /** The evidence vault (encrypted blob storage; docs/evidence.md). */
  readonly vault: VaultConfig;
  /** Directory of the built console (default: the `@lifeguard/web` package's `dist`). */
  readonly consoleDir: string | undefined;
  /** Hotline reporting: the CyberTipline and the reporter (docs/reporting.md). */
  readonly reports: ReportsConfig;
  /** Evidence preservation: triggers, retention per jurisdiction, access, purge. */
  readonly evidence: EvidenceConfig;
  /** Cases: priority policy, folding, exposure cap, feedback banks (docs/cases.md). */
  readonly cases: CasesConfig;
  /**
   * Grooming-risk rules file (JSON, docs/risk.md "Rules file"); the default rules when unset.
   * Read and validated at start (LG_ERR_INVALID_RISK_RULES stops the start); the event log is
   * replayed with these rules, so changing them re-scores history at the next start.
   */
  readonly riskRules: string | undefined;
  /**
   * Write a snapshot of the risk engine after this many applied events (0: never), so a restart
   * restores it and replays only the later events (docs/risk.md, "Snapshots and retention").
   * Role `all` only: with several `api` processes each has its own engine.
   */
  readonly riskSnapshotEvery: number;
  /**
   * Keep risk events for this many days of event time (0: forever). Older events are deleted
   * after a snapshot, and only those the snapshot covers; the evidence vault and audits read
   * conversations from this log, so keep it at least as long as cases take to be decided.
   */
  readonly riskRetentionDays: number;
}

/** Defaults of {@link ServerConfig}. */
export const DEFAULT_SERVER_CONFIG: ServerConfig = Object.freeze({
  role: 'all',
  port: 8080,
  host: '127.0.0.1',
  dataDir: './.lifeguard',
  databaseUrl: undefined,
  pgSchema: undefined,
  adminKey: undefined,
  indexPollMs: 1000,
  shutdownGraceMs: 10_000,
  jobLeaseMs: 60_000,
  limits: Object.freeze({
    maxJsonBytes: 1024 * 1024,
    maxFileBytes: 32 * 1024 * 1024,
    maxImportBytes: 2 * 1024 * 1024 * 1024,
    maxImagePixels: 50_000_000,
    decodeTimeoutMs: 10_000,
    rateLimitPerSecond: 200,
    rateLimitBurst: 400,
    hashWorkers: 0,
    maxQueuedHashes: 256,
  }),
  urlFetch: Object.freeze({
    enabled: true,
    allowHosts: [],
    timeoutMs: 10_000,
    maxRedirects: 3,
    allowPrivateIps: [],
  }),
  actions: Object.freeze({ banks: {}, labels: {} }),
  webhooks: Object.freeze({ endpoints: [], maxAttempts: 8, backoffBaseMs: 1000, timeoutMs: 5000 }),
  sharing: Object.freeze({
    feedKeyFile: undefined,
    maxFeedPage: 10_000,
    pollExchanges: true,
    pollTickMs: 1000,
    requestTimeoutMs: 30_000,
  }),
  logLevel: 'info',
  auth: Object.freeze({
    cookieSecure: false,
    sessionIdleMinutes: 30,
    sessionAbsoluteHours: 12,
    loginMaxFailures: 5,
    loginMaxFailuresPerIp: 50,
    loginLockoutSeconds: 900,
  }),
  vault: DEFAULT_VAULT_CONFIG,
  consoleDir: undefined,
  reports: DEFAULT_REPORTS_CONFIG,
  evidence: DEFAULT_EVIDENCE_CONFIG,
  cases: DEFAULT_CASES_CONFIG,
  riskRules: undefined,
  riskSnapshotEvery: 100_000,
  riskRetentionDays: 30,
});

type Json = Record<string, unknown>;

function bad(path: string, why: string): never {
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `config ${path}: ${why}`, { path });
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Json, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) bad(path ? `${path}.${k}` : k, 'unknown field');
  }
}

function int(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    bad(path, `must be an integer in ${min}..${max}`);
  }
  return n;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) bad(path, 'must be a non-empty string');
  return v;
}

function strList(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    bad(path, 'must be an array of strings');
  }
  return v;
}

function action(v: unknown, path: string): Action {
  if (!ACTIONS.includes(v as Action)) bad(path, `must be one of ${ACTIONS.join(', ')}`);
  return v as Action;
}

function actionMap(v: unknown, path: string): Record<string, Action> {
  if (!isObj(v)) bad(path, 'must be an object');
  const out: Record<string, Action> = {};
  for (const [k, a] of Object.entries(v)) out[k] = action(a, `${path}.${k}`);
  return out;
}

const LIMIT_RANGES: Readonly<Record<keyof ServerLimits, readonly [number, number]>> = {
  maxJsonBytes: [1024, 64 * 1024 * 1024],
  maxFileBytes: [1024, 1024 * 1024 * 1024],
  maxImportBytes: [1024, 64 * 1024 * 1024 * 1024],
  maxImagePixels: [1, 1_000_000_000],
  decodeTimeoutMs: [100, 600_000],
  rateLimitPerSecond: [1, 1_000_000],
  rateLimitBurst: [1, 10_000_000],
  hashWorkers: [0, 256],
  maxQueuedHashes: [1, 1_000_000],
};

/**
 * Validate a partial configuration (a parsed JSON file, or overrides) and merge it over
 * `base`. Unknown fields are errors, so a typo never silently falls back to a default.
 * Throws `LG_ERR_INVALID_ARGUMENT` naming the offending path.
 */
export function mergeConfig(base: ServerConfig, input: unknown, origin = 'config'): ServerConfig {
  if (!isObj(input)) bad(origin, 'must be a JSON object');
  checkKeys(input, Object.keys(DEFAULT_SERVER_CONFIG), '');
  const c: { -readonly [K in keyof ServerConfig]: ServerConfig[K] } = { ...base };
  if (input.role !== undefined) {
    if (!SERVER_ROLES.includes(input.role as ServerRole)) {
      bad('role', `must be one of ${SERVER_ROLES.join(', ')}`);
    }
    c.role = input.role as ServerRole;
  }
  if (input.port !== undefined) c.port = int(input.port, 'port', 0, 65535);
  if (input.host !== undefined) c.host = str(input.host, 'host');
  if (input.dataDir !== undefined) c.dataDir = str(input.dataDir, 'dataDir');
  if (input.databaseUrl !== undefined) {
    const u = str(input.databaseUrl, 'databaseUrl');
    if (!/^postgres(ql)?:\/\//.test(u)) bad('databaseUrl', 'must be a postgres:// URL');
    c.databaseUrl = u;
  }
  if (input.pgSchema !== undefined) c.pgSchema = str(input.pgSchema, 'pgSchema');
  if (input.adminKey !== undefined) {
    const k = str(input.adminKey, 'adminKey');
    // Short keys can be guessed; we store them with a fast hash (see api-key.service.ts).
    if (k.length < 32) bad('adminKey', 'must be at least 32 characters');
    c.adminKey = k;
  }
  if (input.indexPollMs !== undefined)
    c.indexPollMs = int(input.indexPollMs, 'indexPollMs', 10, 600_000);
  if (input.jobLeaseMs !== undefined) {
    c.jobLeaseMs = int(input.jobLeaseMs, 'jobLeaseMs', 100, 3_600_000);
  }
  if (input.shutdownGraceMs !== undefined) {
    c.shutdownGraceMs = int(input.shutdownGraceMs, 'shutdownGraceMs', 0, 600_000);
  }
  if (input.logLevel !== undefined) {
    const l = str(input.logLevel, 'logLevel');
    if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(l)) {
      bad('logLevel', 'must be trace, debug, info, warn, error, fatal or silent');
    }
    c.logLevel = l;
  }
  if (input.limits !== undefined) {
    if (!isObj(input.limits)) bad('limits', 'must be an object');
    checkKeys(input.limits, Object.keys(LIMIT_RANGES), 'limits');
    const l: { -readonly [K in keyof ServerLimits]: number } = { ...c.limits };
    for (const [k, [min, max]] of Object.entries(LIMIT_RANGES) as [
      keyof ServerLimits,
      readonly [number, number],
    ][]) {
      if (input.limits[k] !== undefined) l[k] = int(input.limits[k], `limits.${k}`, min, max);
    }
    c.limits = l;
  }
  if (input.urlFetch !== undefined) {
    const u = input.urlFetch;
    if (!isObj(u)) bad('urlFetch', 'must be an object');
    checkKeys(u, Object.keys(DEFAULT_SERVER_CONFIG.urlFetch), 'urlFetch');
    const f = { ...c.urlFetch } as { -readonly [K in keyof UrlFetchConfig]: UrlFetchConfig[K] };
    if (u.enabled !== undefined) {
      if (typeof u.enabled !== 'boolean') bad('urlFetch.enabled', 'must be a boolean');
      f.enabled = u.enabled;
    }
    if (u.allowHosts !== undefined) f.allowHosts = strList(u.allowHosts, 'urlFetch.allowHosts');
    if (u.timeoutMs !== undefined)
      f.timeoutMs = int(u.timeoutMs, 'urlFetch.timeoutMs', 100, 600_000);
    if (u.maxRedirects !== undefined) {
      f.maxRedirects = int(u.maxRedirects, 'urlFetch.maxRedirects', 0, 10);
    }
    if (u.allowPrivateIps !== undefined) {
      const ips = strList(u.allowPrivateIps, 'urlFetch.allowPrivateIps');
      for (const ip of ips)
        if (isIP(ip) === 0) bad('urlFetch.allowPrivateIps', `'${ip}' is not an IP`);
      f.allowPrivateIps = ips;
    }
    c.urlFetch = f;
  }
  if (input.actions !== undefined) {
    const a = input.actions;
    if (!isObj(a)) bad('actions', 'must be an object');
    checkKeys(a, ['banks', 'labels'], 'actions');
    c.actions = {
      banks: a.banks === undefined ? c.actions.banks : actionMap(a.banks, 'actions.banks'),
      labels: a.labels === undefined ? c.actions.labels : actionMap(a.labels, 'actions.labels'),
    };
  }
  if (input.webhooks !== undefined) c.webhooks = webhookConfig(input.webhooks, c.webhooks);
  if (input.auth !== undefined) c.auth = authConfig(input.auth, c.auth);
  if (input.vault !== undefined) {
    c.vault = mergeVaultConfig(c.vault, input.vault, origin === 'environment');
  }
  if (input.consoleDir !== undefined) c.consoleDir = str(input.consoleDir, 'consoleDir');
  if (input.sharing !== undefined) c.sharing = sharingConfig(input.sharing, c.sharing);
  if (input.reports !== undefined) {
    c.reports = mergeReportsConfig(c.reports, input.reports, origin === 'environment');
  }
  if (input.evidence !== undefined) c.evidence = mergeEvidenceConfig(c.evidence, input.evidence);
  if (input.cases !== undefined) c.cases = parseCasesConfig(input.cases, c.cases);
  if (input.riskRules !== undefined) c.riskRules = str(input.riskRules, 'riskRules');
  if (input.riskSnapshotEvery !== undefined) {
    c.riskSnapshotEvery = int(input.riskSnapshotEvery, 'riskSnapshotEvery', 0, 1_000_000_000);
  }
  if (input.riskRetentionDays !== undefined) {
    c.riskRetentionDays = int(input.riskRetentionDays, 'riskRetentionDays', 0, 36_500);
  }
  return c;
}

const AUTH_RANGES: Readonly<Record<Exclude<keyof AuthConfig, 'cookieSecure'>, [number, number]>> = {
  sessionIdleMinutes: [1, 24 * 60],
  sessionAbsoluteHours: [1, 24 * 30],
  loginMaxFailures: [1, 1000],
  loginMaxFailuresPerIp: [1, 100_000],
  loginLockoutSeconds: [1, 86_400],
};

function authConfig(v: unknown, base: AuthConfig): AuthConfig {
  if (!isObj(v)) bad('auth', 'must be an object');
  checkKeys(v, Object.keys(DEFAULT_SERVER_CONFIG.auth), 'auth');
  const a = { ...base } as { -readonly [K in keyof AuthConfig]: AuthConfig[K] };
  if (v.cookieSecure !== undefined) {
    const b = v.cookieSecure;
    if (b === true || b === 'true' || b === '1') a.cookieSecure = true;
    else if (b === false || b === 'false' || b === '0') a.cookieSecure = false;
    else bad('auth.cookieSecure', 'must be a boolean');
  }
  for (const [k, [min, max]] of Object.entries(AUTH_RANGES) as [
    keyof typeof AUTH_RANGES,
    [number, number],
  ][]) {
    if (v[k] !== undefined) a[k] = int(v[k], `auth.${k}`, min, max);
  }
  return a;
}

function sharingConfig(v: unknown, base: SharingConfig): SharingConfig {
  if (!isObj(v)) bad('sharing', 'must be an object');
  checkKeys(v, Object.keys(DEFAULT_SERVER_CONFIG.sharing), 'sharing');
  const s = { ...base } as { -readonly [K in keyof SharingConfig]: SharingConfig[K] };
  if (v.feedKeyFile !== undefined) s.feedKeyFile = str(v.feedKeyFile, 'sharing.feedKeyFile');
  if (v.maxFeedPage !== undefined) {
    s.maxFeedPage = int(v.maxFeedPage, 'sharing.maxFeedPage', 1, 100_000);
  }
  if (v.pollExchanges !== undefined) {
    if (typeof v.pollExchanges !== 'boolean') bad('sharing.pollExchanges', 'must be a boolean');
    s.pollExchanges = v.pollExchanges;
  }
  if (v.pollTickMs !== undefined)
    s.pollTickMs = int(v.pollTickMs, 'sharing.pollTickMs', 10, 600_000);
  if (v.requestTimeoutMs !== undefined) {
    s.requestTimeoutMs = int(v.requestTimeoutMs, 'sharing.requestTimeoutMs', 100, 600_000);
  }
  return s;
}

function webhookConfig(v: unknown, base: WebhookConfig): WebhookConfig {
  if (!isObj(v)) bad('webhooks', 'must be an object');
  checkKeys(v, ['endpoints', 'maxAttempts', 'backoffBaseMs', 'timeoutMs'], 'webhooks');
  const w = { ...base } as { -readonly [K in keyof WebhookConfig]: WebhookConfig[K] };
  if (v.maxAttempts !== undefined)
    w.maxAttempts = int(v.maxAttempts, 'webhooks.maxAttempts', 1, 100);
  if (v.backoffBaseMs !== undefined) {
    w.backoffBaseMs = int(v.backoffBaseMs, 'webhooks.backoffBaseMs', 10, 3_600_000);
  }
  if (v.timeoutMs !== undefined) w.timeoutMs = int(v.timeoutMs, 'webhooks.timeoutMs', 100, 120_000);
  if (v.endpoints !== undefined) {
    if (!Array.isArray(v.endpoints)) bad('webhooks.endpoints', 'must be an array');
    const names = new Set<string>();
    w.endpoints = v.endpoints.map((e: unknown, i: number) => {
      const path = `webhooks.endpoints[${i}]`;
      if (!isObj(e)) bad(path, 'must be an object');
      checkKeys(e, ['name', 'url', 'secret', 'verdicts', 'cases'], path);
      const name = str(e.name, `${path}.name`);
      if (names.has(name)) bad(`${path}.name`, 'duplicate endpoint name');
      names.add(name);
      const url = str(e.url, `${path}.url`);
      if (!/^https?:\/\//.test(url)) bad(`${path}.url`, 'must be an http(s) URL');
      const secret = str(e.secret, `${path}.secret`);
      if (secret.length < 16) bad(`${path}.secret`, 'must be at least 16 characters');
      const verdicts =
        e.verdicts === undefined
          ? (['block', 'review'] as Action[])
          : strList(e.verdicts, `${path}.verdicts`).map((a, j) =>
              action(a, `${path}.verdicts[${j}]`),
            );
      if (e.cases !== undefined && typeof e.cases !== 'boolean')
        bad(`${path}.cases`, 'must be a boolean');
      return { name, url, secret, verdicts, cases: e.cases !== false };
    });
  }
  return w;
}

/** Environment variables read by {@link loadServerConfig}, and the field each sets. */
export const CONFIG_ENV: Readonly<Record<string, string>> = {
  LIFEGUARD_PORT: 'port',
  LIFEGUARD_HOST: 'host',
  LIFEGUARD_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  LIFEGUARD_PG_SCHEMA: 'pgSchema',
  LIFEGUARD_ADMIN_KEY: 'adminKey',
  LIFEGUARD_ROLE: 'role',
  LIFEGUARD_LOG_LEVEL: 'logLevel',
  LIFEGUARD_CONSOLE_DIR: 'consoleDir',
  LIFEGUARD_RISK_RULES: 'riskRules',
  LIFEGUARD_RISK_SNAPSHOT_EVERY: 'riskSnapshotEvery',
  LIFEGUARD_RISK_RETENTION_DAYS: 'riskRetentionDays',
};

/** Where {@link loadServerConfig} reads from; every source is optional. */
export interface ConfigSources {
  /** Environment (usually `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file. */
  readonly file?: string | undefined;
  /** Overrides from the command line (highest precedence). */
  readonly overrides?: Json;
}

/**
 * Build the configuration: defaults, then the JSON file, then the environment, then
 * command-line overrides — later sources win, field by field. Everything is validated.
 */
export function loadServerConfig(sources: ConfigSources = {}): ServerConfig {
  let c = DEFAULT_SERVER_CONFIG;
  if (sources.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(sources.file, 'utf8');
    } catch (e) {
      throw new LifeguardError(
        ErrorCodes.READ_FAILED,
        `cannot read config file ${sources.file}`,
        {},
        {
          cause: e,
        },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      bad(sources.file, 'is not valid JSON');
    }
    c = mergeConfig(c, parsed, sources.file);
  }
  const fromEnv: Json = {};
  for (const [name, field] of Object.entries(CONFIG_ENV)) {
    const v = sources.env?.[name];
    if (v !== undefined && v !== '') fromEnv[field] = v;
  }
  const secure = sources.env?.LIFEGUARD_COOKIE_SECURE;
  if (secure !== undefined && secure !== '') fromEnv.auth = { cookieSecure: secure };
  const vaultEnv: Json = {};
  for (const [name, field] of Object.entries(VAULT_ENV)) {
    const v = sources.env?.[name];
    if (v !== undefined && v !== '') vaultEnv[field] = v;
  }
  if (Object.keys(vaultEnv).length > 0) fromEnv.vault = vaultEnv;
  const ctEnv: Json = {};
  for (const [name, field] of Object.entries(REPORTS_ENV)) {
    const v = sources.env?.[name];
    if (v !== undefined && v !== '') ctEnv[field] = v;
  }
  if (Object.keys(ctEnv).length > 0) fromEnv.reports = { cybertipline: ctEnv };
  c = mergeConfig(c, fromEnv, 'environment');
  if (sources.overrides) c = mergeConfig(c, sources.overrides, 'command line');
  return c;
}
