import { ErrorCodes, LifeguardError, type SignalExchange } from '@lifeguard/core';
import type { ExchangeRecord } from '@lifeguard/store';
import { resolveSecret } from './http.util.js';
import { checkLifeguardFeedConfig, LifeguardFeedExchange } from './lifeguard-feed.connector.js';
import { checkNcmecConfig, NcmecExchange } from './ncmec.connector.js';
import { checkStopNciiConfig, StopNciiExchange } from './stopncii.connector.js';
import {
  checkThreatExchangeConfig,
  ThreatExchangeExchange,
  type ThreatExchangeConfig,
} from './threatexchange.connector.js';

/** Credential fields each connector needs (values may be `env:NAME`). */
export const CREDENTIAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  lifeguard: ['apiKey'],
  ncmec: ['username', 'password'],
  stopncii: ['subscriptionKey', 'fetchFunctionKey'],
  threatexchange: ['accessToken'],
};

function needSecret(exchange: string, creds: Record<string, string>, field: string): string {
  const v = resolveSecret(creds[field]);
  if (v === undefined || v === '') {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `exchange ${exchange}: credential '${field}' is not set`,
      { field },
    );
  }
  return v;
}

/**
 * Check an exchange's kind-specific config and credential field names before it is stored
 * (throws `LG_ERR_INVALID_ARGUMENT`). Credential values are not checked (they may be
 * `env:NAME` references resolved at sync time).
 */
export function checkExchangeConfig(
  kind: string,
  config: Record<string, unknown>,
  credentials: Record<string, string>,
): void {
  const want = CREDENTIAL_FIELDS;
  switch (kind) {
    case 'lifeguard':
      checkLifeguardFeedConfig(config);
      break;
    case 'ncmec':
      checkNcmecConfig(config);
      break;
    case 'stopncii':
      checkStopNciiConfig(config);
      break;
    case 'threatexchange':
      checkThreatExchangeConfig(config);
      break;
    default:
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `unknown exchange kind '${kind}'`);
  }
  for (const f of want[kind] ?? []) {
    if (typeof credentials[f] !== 'string' || credentials[f] === '') {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `credential '${f}' is required`, {
        field: f,
      });
    }
  }
  for (const k of Object.keys(credentials)) {
    if (!(want[kind] ?? []).includes(k)) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `unknown credential '${k}'`, {
        field: k,
      });
    }
  }
}

/** Options of {@link connectorFor}. */
export interface ConnectorOptions {
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
}

/** The connector for a stored exchange (credentials resolved here, never logged). */
export function connectorFor(
  rec: ExchangeRecord,
  creds: Record<string, string>,
  opts: ConnectorOptions,
): SignalExchange {
  switch (rec.kind) {
    case 'lifeguard':
      return new LifeguardFeedExchange(
        rec.name,
        checkLifeguardFeedConfig({ ...rec.config }),
        { apiKey: needSecret(rec.name, creds, 'apiKey') },
        opts.timeoutMs,
      );
    case 'ncmec':
      return new NcmecExchange(
        rec.name,
        rec.config,
        {
          username: needSecret(rec.name, creds, 'username'),
          password: needSecret(rec.name, creds, 'password'),
        },
        opts.timeoutMs,
      );
    case 'stopncii':
      return new StopNciiExchange(
        rec.name,
        rec.config,
        {
          subscriptionKey: needSecret(rec.name, creds, 'subscriptionKey'),
          fetchFunctionKey: needSecret(rec.name, creds, 'fetchFunctionKey'),
        },
        opts.timeoutMs,
      );
    case 'threatexchange':
      return new ThreatExchangeExchange(
        rec.name,
        rec.config as unknown as ThreatExchangeConfig,
        { accessToken: needSecret(rec.name, creds, 'accessToken') },
        opts.timeoutMs,
      );
  }
}
