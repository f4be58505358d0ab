import {
  checkSignalValue,
  ErrorCodes,
  LifeguardError,
  type ExchangeBatch,
  type ExchangeUpdate,
  type SignalExchange,
} from '@lifeguard/core';
import { exchangeFetch } from './http.util.js';
import { baseUrl, onlyKeys, optInt, readCheckpoint } from './program-util.js';

/** StopNCII's production API (python-threatexchange `StopNCIIAPI.BASE_URL`). */
export const STOPNCII_URL = 'https://api.stopncii.org/v1';

/** Settings of a StopNCII exchange. */
export interface StopNciiConfig {
  /** Base URL (default {@link STOPNCII_URL}). */
  readonly url?: string;
  /** Records per page (default 800, as the client library). */
  readonly pageSize?: number;
  /** Unix seconds to start from on the first sync (default 10, as the client library). */
  readonly startTimestamp?: number;
}

/** Check a StopNCII config; returns the base URL. */
export function checkStopNciiConfig(c: Record<string, unknown>): string {
  onlyKeys('stopncii', c, ['url', 'pageSize', 'startTimestamp']);
  optInt('stopncii', 'pageSize', c.pageSize, 1, 10_000);
  optInt('stopncii', 'startTimestamp', c.startTimestamp, 0, 2 ** 40);
  return baseUrl('stopncii', c.url, STOPNCII_URL);
}

interface StopNciiCheckpoint {
  readonly start: number;
  readonly token: string;
}

/** StopNCII signal types Lifeguard holds (`StopNCIISignalType`). */
const TYPES: Readonly<Record<string, 'pdq' | 'md5'>> = { ImagePDQ: 'pdq', VideoMD5: 'md5' };

/**
 * StopNCII.org (`GET {base}/FetchHashes?startTimestamp=&pageSize=&nextPageToken=`, headers
 * `Ocp-Apim-Subscription-Key` and the endpoint's `x-functions-key`; JSON
 * `{count, nextPageToken, nextSetTimestamp, hasMoreRecords, hashRecords[]}`, as in
 * python-threatexchange `exchanges/clients/stopncii/api.py`). Records are each hash's
 * current state: `hashStatus` `Withdrawn` or `Deleted` removes it, anything else adds it.
 * `ImagePDQ` and `VideoMD5` are held; `VideoTMK`, `Text`, `URL` are counted as unsupported.
 * The checkpoint keeps the page token inside a pass (documented as short-lived) and the
 * `nextSetTimestamp` once a pass completes.
 */
export class StopNciiExchange implements SignalExchange {
  readonly kind = 'stopncii' as const;
  private readonly base: string;

  /**
   * @param name exchange name (messages)
   * @param config settings
   * @param credentials subscription key and the FetchHashes function key
   * @param timeoutMs per-request timeout
   */
  constructor(
    private readonly name: string,
    private readonly config: StopNciiConfig,
    private readonly credentials: {
      readonly subscriptionKey: string;
      readonly fetchFunctionKey: string;
    },
    private readonly timeoutMs: number,
  ) {
    this.base = checkStopNciiConfig({ ...config });
  }

  /** {@inheritDoc SignalExchange.fetchSince} */
  async *fetchSince(checkpoint: string | null, signal?: AbortSignal): AsyncIterable<ExchangeBatch> {
    const cp = readCheckpoint<StopNciiCheckpoint>(checkpoint, this.name);
    const start = cp?.start ?? this.config.startTimestamp ?? 10;
    let token = cp?.token ?? '';
    for (;;) {
      const q = new URLSearchParams({
        startTimestamp: String(start),
        pageSize: String(this.config.pageSize ?? 800),
        ...(token ? { nextPageToken: token } : {}),
      });
      const res = await exchangeFetch(
        `${this.base}/FetchHashes?${q.toString()}`,
        {
          headers: {
            'x-functions-key': this.credentials.fetchFunctionKey,
            'Ocp-Apim-Subscription-Key': this.credentials.subscriptionKey,
            accept: 'application/json',
          },
        },
        { timeoutMs: this.timeoutMs, signal, exchange: this.name },
      );
      let page: {
        nextPageToken?: unknown;
        nextSetTimestamp?: unknown;
        hasMoreRecords?: unknown;
        hashRecords?: unknown;
      };
      try {
        page = JSON.parse(res.body.toString('utf8')) as typeof page;
      } catch {
        throw new LifeguardError(
          ErrorCodes.DESTINATION_FAILED,
          `exchange ${this.name}: response is not JSON`,
        );
      }
      if (!Array.isArray(page.hashRecords) || typeof page.hasMoreRecords !== 'boolean') {
        throw new LifeguardError(
          ErrorCodes.DESTINATION_FAILED,
          `exchange ${this.name}: unexpected FetchHashes answer`,
        );
      }
      const updates: ExchangeUpdate[] = [];
      let unsupported = 0;
      for (const r of page.hashRecords as Record<string, unknown>[]) {
        const type = typeof r.signalType === 'string' ? TYPES[r.signalType] : undefined;
        const check =
          type && typeof r.hashValue === 'string' ? checkSignalValue(type, r.hashValue) : undefined;
        if (!check?.ok) {
          unsupported++;
          continue;
        }
        const gone = r.hashStatus === 'Withdrawn' || r.hashStatus === 'Deleted';
        updates.push({
          op: gone ? 'remove' : 'add',
          signalType: check.signalType,
          value: check.value,
        });
      }
      const more =
        page.hasMoreRecords && typeof page.nextPageToken === 'string' && page.nextPageToken !== '';
      const nextSet = typeof page.nextSetTimestamp === 'number' ? page.nextSetTimestamp : start;
      const cpOut: StopNciiCheckpoint = more
        ? { start, token: page.nextPageToken as string }
        : { start: nextSet, token: '' };
      yield { updates, checkpoint: JSON.stringify(cpOut), unsupported };
      if (!more) return;
      token = page.nextPageToken as string;
    }
  }
}
