import {
  checkSignalValue,
  ErrorCodes,
  LifeguardError,
  type ExchangeBatch,
  type ExchangeUpdate,
  type SignalExchange,
} from '@lifeguard/core';
import { exchangeFetch } from './http.util.js';
import {
  badConfig,
  baseUrl,
  onlyKeys,
  optInt,
  readCheckpoint,
  sameOriginLink,
} from './program-util.js';

/** Graph API base used by python-threatexchange (`fb_threatexchange/api.py`). */
export const THREATEXCHANGE_URL = 'https://graph.facebook.com/v21.0';

/** Settings of a ThreatExchange exchange. */
export interface ThreatExchangeConfig {
  /** Graph API base (default {@link THREATEXCHANGE_URL}). */
  readonly url?: string;
  /** The privacy group (collaboration) id to follow. */
  readonly privacyGroup: string;
  /** Records per page (default 500, as the client library). */
  readonly pageSize?: number;
}

/** Check a ThreatExchange config; returns the base URL. */
export function checkThreatExchangeConfig(c: Record<string, unknown>): string {
  onlyKeys('threatexchange', c, ['url', 'privacyGroup', 'pageSize']);
  if (typeof c.privacyGroup !== 'string' || !/^[0-9]{1,30}$/.test(c.privacyGroup)) {
    badConfig('threatexchange', 'privacyGroup must be a numeric id (as a string)');
  }
  optInt('threatexchange', 'pageSize', c.pageSize, 1, 5000);
  return baseUrl('threatexchange', c.url, THREATEXCHANGE_URL);
}

/** ThreatExchange indicator types Lifeguard holds. */
const TYPES: Readonly<Record<string, 'pdq' | 'md5' | 'sha256'>> = {
  HASH_PDQ: 'pdq',
  HASH_MD5: 'md5',
  HASH_VIDEO_MD5: 'md5',
  HASH_SHA256: 'sha256',
};

/** Fields requested from `threat_updates` (the research notes' list, §3.2). */
const FIELDS =
  'id,indicator,type,last_updated,should_delete,descriptors{reactions,my_reactions,owner{id},tags,status,added_on}';

interface TeCheckpoint {
  readonly start: number;
}

type Json = Record<string, unknown>;

/**
 * Meta ThreatExchange (`GET {base}/{privacy_group}/threat_updates/` with `access_token`,
 * `start_time`, `stop_time`, `limit`, `fields`; Graph API pages `{data, paging.next}`).
 * A record with `should_delete` (or without descriptors, as the client library also treats
 * it) is a tombstone; one where our own app reacted `DISAGREE_WITH_TAGS` is a
 * false-positive opinion; other records add their indicator. The access token travels in
 * the query string as the Graph API requires: it is never logged (errors name only origin
 * and path) and paging links are never stored — the checkpoint is the range start, moved
 * to the range's `stop_time` when its last page is applied, so an interrupted sync
 * re-fetches its range (imports are idempotent).
 */
export class ThreatExchangeExchange implements SignalExchange {
  readonly kind = 'threatexchange' as const;
  private readonly base: string;

  /**
   * @param name exchange name (messages)
   * @param config settings
   * @param credentials the app access token (`<app id>|<secret>`)
   * @param timeoutMs per-request timeout
   * @param now clock in unix seconds
   */
  constructor(
    private readonly name: string,
    private readonly config: ThreatExchangeConfig,
    private readonly credentials: { readonly accessToken: string },
    private readonly timeoutMs: number,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.base = checkThreatExchangeConfig({ ...config });
  }

  /** {@inheritDoc SignalExchange.fetchSince} */
  async *fetchSince(checkpoint: string | null, signal?: AbortSignal): AsyncIterable<ExchangeBatch> {
    const start = readCheckpoint<TeCheckpoint>(checkpoint, this.name)?.start ?? 0;
    const stop = this.now();
    const q = new URLSearchParams({
      access_token: this.credentials.accessToken,
      start_time: String(start),
      stop_time: String(stop),
      limit: String(this.config.pageSize ?? 500),
      fields: FIELDS,
    });
    let url = `${this.base}/${this.config.privacyGroup}/threat_updates/?${q.toString()}`;
    for (;;) {
      const res = await exchangeFetch(
        url,
        { headers: { accept: 'application/json' } },
        {
          timeoutMs: this.timeoutMs,
          signal,
          exchange: this.name,
        },
      );
      let page: Json;
      try {
        page = JSON.parse(res.body.toString('utf8')) as Json;
      } catch {
        throw new LifeguardError(
          ErrorCodes.DESTINATION_FAILED,
          `exchange ${this.name}: response is not JSON`,
        );
      }
      if (!Array.isArray(page.data)) {
        throw new LifeguardError(
          ErrorCodes.DESTINATION_FAILED,
          `exchange ${this.name}: unexpected threat_updates answer`,
        );
      }
      const updates: ExchangeUpdate[] = [];
      let unsupported = 0;
      for (const r of page.data as Json[]) {
        const type = typeof r.type === 'string' ? TYPES[r.type] : undefined;
        const check =
          type && typeof r.indicator === 'string' ? checkSignalValue(type, r.indicator) : undefined;
        if (!check?.ok) {
          unsupported++;
          continue;
        }
        const descriptors = (r.descriptors as { data?: Json[] } | undefined)?.data;
        const tombstone = r.should_delete === true || descriptors === undefined;
        const disagree = (descriptors ?? []).some((d) => {
          const mine = d.my_reactions;
          return Array.isArray(mine)
            ? mine.includes('DISAGREE_WITH_TAGS')
            : mine === 'DISAGREE_WITH_TAGS';
        });
        updates.push({
          op: tombstone ? 'remove' : 'add',
          signalType: check.signalType,
          value: check.value,
          sourceId: String(r.id),
          ...(disagree && !tombstone ? { opinion: 'false_positive' as const } : {}),
        });
      }
      const next = (page.paging as { next?: unknown } | undefined)?.next;
      const more = typeof next === 'string' && next !== '' && page.data.length > 0;
      yield {
        updates,
        checkpoint: JSON.stringify({ start: more ? start : stop } satisfies TeCheckpoint),
        unsupported,
      };
      if (!more) return;
      url = sameOriginLink(this.base, next, this.name);
    }
  }
}
