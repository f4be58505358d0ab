import { ErrorCodes, LifeguardError, type SignalExchange } from '@lifeguard/core';
import type { ExchangeRecord } from '@lifeguard/store';
import { resolveSecret } from './http.util.js';
import { checkLifeguardFeedConfig, LifeguardFeedExchange } from './lifeguard-feed.connector.js';

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
  const want: Record<string, readonly string[]> = { lifeguard: ['apiKey'] };
  switch (kind) {
    case 'lifeguard':
      checkLifeguardFeedConfig(config);
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
    case 'stopncii':
    case 'threatexchange':
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `exchange kind '${rec.kind}' has no connector in this version`,
      );
  }
}
