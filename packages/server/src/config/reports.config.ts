import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** Where CyberTipline reports go: NCMEC's test or production service, or a custom URL. */
export const CYBERTIPLINE_ENVIRONMENTS = ['test', 'production', 'custom'] as const;

/** NCMEC CyberTipline API settings (docs/reporting.md). */
export interface CyberTiplineConfig {
  /**
   * `test` (default: `https://exttest.cybertip.org/ispws`), `production`
   * (`https://report.cybertip.org/ispws`) or `custom` (`baseUrl`; a local fake or a proxy).
   * Production must be chosen explicitly.
   */
  readonly environment: (typeof CYBERTIPLINE_ENVIRONMENTS)[number];
  /** Base URL for `custom`. */
  readonly baseUrl: string | undefined;
  /** HTTP Basic user name issued by NCMEC. */
  readonly username: string | undefined;
  /**
   * HTTP Basic password: only from `LIFEGUARD_CYBERTIPLINE_PASSWORD` (never from the JSON
   * file) or read from `passwordFile`. Never logged.
   */
  readonly password: string | undefined;
  /** File holding the password (trailing newline ignored). */
  readonly passwordFile: string | undefined;
  /** Timeout of one request in ms (default 60 s). */
  readonly timeoutMs: number;
}

/** The reporting company and person, sent in `<reporter>` of every report. */
export interface ReporterConfig {
  /** The platform's service name (`espService`, `platform`). */
  readonly espService: string;
  /** Email of the reporting person (NCMEC sends its receipt there). */
  readonly email: string;
  /** First name of the reporting person. */
  readonly firstName: string | undefined;
  /** Last name. */
  readonly lastName: string | undefined;
  /** Phone of the reporting person. */
  readonly phone: string | undefined;
  /** Company boilerplate (legal-process address, retention, 24 h contact). */
  readonly companyTemplate: string | undefined;
  /** Terms of service (text or URL). */
  readonly termsOfService: string | undefined;
  /** URL of the legal page. */
  readonly legalURL: string | undefined;
}

/** Hotline reporting (`reports` section). */
export interface ReportsConfig {
  /** The CyberTipline; reporting is off until `username` and a password are set. */
  readonly cybertipline: CyberTiplineConfig;
  /** The reporter block; required before anything can be sent. */
  readonly reporter: ReporterConfig | undefined;
  /**
   * View modes that count as a person at the platform viewing the whole file
   * (`fileViewedByEsp`). Default `['revealed']`; a blurred look never counts.
   */
  readonly fullViewModes: readonly string[];
  /** Attempts of a submission job before it gives up and retracts (default 6). */
  readonly maxAttempts: number;
  /** First retry delay in ms; doubles per attempt (default 2000). */
  readonly retryBaseMs: number;
}

/** Defaults of {@link ReportsConfig}. */
export const DEFAULT_REPORTS_CONFIG: ReportsConfig = Object.freeze({
  cybertipline: Object.freeze({
    environment: 'test',
    baseUrl: undefined,
    username: undefined,
    password: undefined,
    passwordFile: undefined,
    timeoutMs: 60_000,
  }),
  reporter: undefined,
  fullViewModes: Object.freeze(['revealed']),
  maxAttempts: 6,
  retryBaseMs: 2000,
});

type Json = Record<string, unknown>;

function bad(path: string, why: string): never {
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `config ${path}: ${why}`, { path });
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Json, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) bad(`${path}.${k}`, 'unknown field');
}

function str(v: unknown, path: string, max = 3000): string {
  if (typeof v !== 'string' || v.trim().length === 0) bad(path, 'must be a non-empty string');
  if (v.length > max) bad(path, `must be at most ${max} characters`);
  return v;
}

function int(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    bad(path, `must be an integer in ${min}..${max}`);
  }
  return n;
}

function optStr(v: unknown, path: string, max?: number): string | undefined {
  return v === undefined ? undefined : str(v, path, max);
}

/**
 * Validate the `reports` section and merge it over `base`. `fromEnv`: only the environment
 * may set `cybertipline.password` (credentials do not belong in a config file).
 */
export function mergeReportsConfig(
  base: ReportsConfig,
  v: unknown,
  fromEnv: boolean,
): ReportsConfig {
  if (!isObj(v)) bad('reports', 'must be an object');
  checkKeys(
    v,
    ['cybertipline', 'reporter', 'fullViewModes', 'maxAttempts', 'retryBaseMs'],
    'reports',
  );
  const c = { ...base } as { -readonly [K in keyof ReportsConfig]: ReportsConfig[K] };
  if (v.cybertipline !== undefined) {
    const t = v.cybertipline;
    if (!isObj(t)) bad('reports.cybertipline', 'must be an object');
    checkKeys(
      t,
      [
        'environment',
        'baseUrl',
        'username',
        'passwordFile',
        'timeoutMs',
        ...(fromEnv ? ['password'] : []),
      ],
      'reports.cybertipline',
    );
    const n = { ...base.cybertipline } as {
      -readonly [K in keyof CyberTiplineConfig]: CyberTiplineConfig[K];
    };
    if (t.environment !== undefined) {
      if (!CYBERTIPLINE_ENVIRONMENTS.includes(t.environment as CyberTiplineConfig['environment'])) {
        bad(
          'reports.cybertipline.environment',
          `must be one of ${CYBERTIPLINE_ENVIRONMENTS.join(', ')}`,
        );
      }
      n.environment = t.environment as CyberTiplineConfig['environment'];
    }
    if (t.baseUrl !== undefined) {
      const u = str(t.baseUrl, 'reports.cybertipline.baseUrl');
      if (!/^https?:\/\//.test(u)) bad('reports.cybertipline.baseUrl', 'must be an http(s) URL');
      n.baseUrl = u;
    }
    if (t.username !== undefined)
      n.username = str(t.username, 'reports.cybertipline.username', 255);
    if (t.password !== undefined)
      n.password = str(t.password, 'reports.cybertipline.password', 1024);
    if (t.passwordFile !== undefined) {
      n.passwordFile = str(t.passwordFile, 'reports.cybertipline.passwordFile');
    }
    if (t.timeoutMs !== undefined) {
      n.timeoutMs = int(t.timeoutMs, 'reports.cybertipline.timeoutMs', 100, 600_000);
    }
    if (n.environment === 'custom' && n.baseUrl === undefined) {
      bad('reports.cybertipline.baseUrl', "is required when environment is 'custom'");
    }
    c.cybertipline = n;
  }
  if (v.reporter !== undefined) {
    const r = v.reporter;
    if (!isObj(r)) bad('reports.reporter', 'must be an object');
    checkKeys(
      r,
      [
        'espService',
        'email',
        'firstName',
        'lastName',
        'phone',
        'companyTemplate',
        'termsOfService',
        'legalURL',
      ],
      'reports.reporter',
    );
    c.reporter = {
      espService: str(r.espService, 'reports.reporter.espService', 100),
      email: str(r.email, 'reports.reporter.email', 255),
      firstName: optStr(r.firstName, 'reports.reporter.firstName', 100),
      lastName: optStr(r.lastName, 'reports.reporter.lastName', 100),
      phone: optStr(r.phone, 'reports.reporter.phone', 50),
      companyTemplate: optStr(r.companyTemplate, 'reports.reporter.companyTemplate'),
      termsOfService: optStr(r.termsOfService, 'reports.reporter.termsOfService'),
      legalURL: optStr(r.legalURL, 'reports.reporter.legalURL', 2083),
    };
  }
  if (v.fullViewModes !== undefined) {
    const m = v.fullViewModes;
    if (!Array.isArray(m) || m.length === 0 || !m.every((x) => typeof x === 'string' && x !== '')) {
      bad('reports.fullViewModes', 'must be a non-empty array of view modes');
    }
    if (m.includes('blurred')) {
      bad(
        'reports.fullViewModes',
        "'blurred' cannot count as viewing the file (docs/reporting.md)",
      );
    }
    c.fullViewModes = m as string[];
  }
  if (v.maxAttempts !== undefined)
    c.maxAttempts = int(v.maxAttempts, 'reports.maxAttempts', 1, 100);
  if (v.retryBaseMs !== undefined) {
    c.retryBaseMs = int(v.retryBaseMs, 'reports.retryBaseMs', 10, 3_600_000);
  }
  return c;
}

/** Environment variables of the reports section and the field each sets (dotted path). */
export const REPORTS_ENV: Readonly<Record<string, string>> = {
  LIFEGUARD_CYBERTIPLINE_ENV: 'environment',
  LIFEGUARD_CYBERTIPLINE_URL: 'baseUrl',
  LIFEGUARD_CYBERTIPLINE_USERNAME: 'username',
  LIFEGUARD_CYBERTIPLINE_PASSWORD: 'password',
  LIFEGUARD_CYBERTIPLINE_PASSWORD_FILE: 'passwordFile',
};
