import {
  checkSignalValue,
  ErrorCodes,
  LifeguardError,
  type ExchangeBatch,
  type ExchangeUpdate,
  type SignalExchange,
} from '@lifeguard/core';
import { XMLParser } from 'fast-xml-parser';
import { exchangeFetch } from './http.util.js';
import { badConfig, baseUrl, onlyKeys, readCheckpoint, sameOriginLink } from './program-util.js';

/**
 * NCMEC Hash Sharing API v2 environments (base URLs), as listed by python-threatexchange
 * (`exchanges/clients/ncmec/hash_api.py`, `NCMECEnvironment`).
 */
export const NCMEC_ENVIRONMENTS = {
  industry: 'https://report.cybertip.org/hashsharing',
  ngo: 'https://hashsharing.ncmec.org/npo',
  exploitative: 'https://hashsharing.ncmec.org/exploitative',
  test_industry: 'https://exttest.cybertip.org/hashsharing',
  test_ngo: 'https://hashsharing-test.ncmec.org/npo',
  test_exploitative: 'https://hashsharing-test.ncmec.org/exploitative',
} as const;

/** Settings of an NCMEC exchange. */
export interface NcmecConfig {
  /** One of {@link NCMEC_ENVIRONMENTS} (default `test_industry`), or… */
  readonly environment?: keyof typeof NCMEC_ENVIRONMENTS;
  /** …an explicit base URL (tests, new environments). */
  readonly url?: string;
  /** Unix seconds to start from on the first sync (default 0: everything). */
  readonly startTime?: number;
}

/** Check an NCMEC config; returns the base URL. */
export function checkNcmecConfig(c: Record<string, unknown>): string {
  onlyKeys('ncmec', c, ['environment', 'url', 'startTime']);
  if (
    c.startTime !== undefined &&
    (typeof c.startTime !== 'number' || !Number.isInteger(c.startTime) || c.startTime < 0)
  ) {
    badConfig('ncmec', 'startTime must be unix seconds');
  }
  if (
    c.environment !== undefined &&
    !(typeof c.environment === 'string' && c.environment in NCMEC_ENVIRONMENTS)
  ) {
    badConfig('ncmec', `environment must be one of ${Object.keys(NCMEC_ENVIRONMENTS).join(', ')}`);
  }
  const env = (c.environment as keyof typeof NCMEC_ENVIRONMENTS | undefined) ?? 'test_industry';
  return baseUrl('ncmec', c.url, NCMEC_ENVIRONMENTS[env]);
}

/** Where a sync resumes: the time range being fetched and the paging link inside it. */
interface NcmecCheckpoint {
  readonly from: number;
  readonly to: number;
  readonly next: string;
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the format the client library sends. */
function isoSeconds(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ENTRY_TAGS = ['image', 'deletedImage', 'video', 'deletedVideo'];

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ENTRY_TAGS.includes(name),
});

type XmlNode = Record<string, unknown>;

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'object' && v !== null && typeof (v as XmlNode)['#text'] === 'string') {
    return ((v as XmlNode)['#text'] as string).trim();
  }
  return undefined;
}

/**
 * NCMEC Hash Sharing v2 (`GET /v2/entries?from=&to=`, HTTP Basic auth, XML in namespace
 * `https://hashsharing.ncmec.org/hashsharing/v2`, paged by `<paging><next>`). A sync fetches
 * the range from the last completed `to` up to now; the checkpoint keeps the range and the
 * paging link, so an interrupted sync resumes inside the range (NCMEC does not return
 * entries in time order, so a range is only done when its last page is). `image`/`video`
 * entries add their `md5` and `pdq` fingerprints with the entry id as source id and the
 * classification; other fingerprint types (PhotoDNA, SHA-1, video fingerprints) are counted
 * as unsupported; `deletedImage`/`deletedVideo` remove every local entry with that id.
 */
export class NcmecExchange implements SignalExchange {
  readonly kind = 'ncmec' as const;
  private readonly base: string;

  /**
   * @param name exchange name (messages)
   * @param config settings
   * @param credentials NCMEC hash-sharing username and password
   * @param timeoutMs per-request timeout
   * @param now clock in unix seconds
   */
  constructor(
    private readonly name: string,
    private readonly config: NcmecConfig,
    private readonly credentials: { readonly username: string; readonly password: string },
    private readonly timeoutMs: number,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.base = checkNcmecConfig({ ...config });
  }

  /** {@inheritDoc SignalExchange.fetchSince} */
  async *fetchSince(checkpoint: string | null, signal?: AbortSignal): AsyncIterable<ExchangeBatch> {
    const cp = readCheckpoint<NcmecCheckpoint>(checkpoint, this.name);
    const from = cp?.from ?? this.config.startTime ?? 0;
    const to = cp?.next ? cp.to : this.now();
    let url = cp?.next
      ? sameOriginLink(this.base, cp.next, this.name)
      : `${this.base}/v2/entries?from=${encodeURIComponent(isoSeconds(from))}&to=${encodeURIComponent(isoSeconds(to))}`;
    const auth = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    for (;;) {
      const res = await exchangeFetch(
        url,
        { headers: { authorization: auth, accept: 'application/xml' } },
        { timeoutMs: this.timeoutMs, signal, exchange: this.name },
      );
      let doc: XmlNode;
      try {
        doc = parser.parse(res.body.toString('utf8')) as XmlNode;
      } catch {
        throw new LifeguardError(
          ErrorCodes.DESTINATION_FAILED,
          `exchange ${this.name}: response is not XML`,
        );
      }
      const result = doc.queryResult as XmlNode | undefined;
      if (typeof result !== 'object' || result === null) {
        throw new LifeguardError(
          ErrorCodes.DESTINATION_FAILED,
          `exchange ${this.name}: no <queryResult>`,
        );
      }
      const updates: ExchangeUpdate[] = [];
      let unsupported = 0;
      for (const group of ['images', 'videos']) {
        const g = result[group] as XmlNode | undefined;
        if (typeof g !== 'object' || g === null) continue;
        for (const tag of ENTRY_TAGS) {
          for (const e of (g[tag] as XmlNode[] | undefined) ?? []) {
            const id = text(e.id);
            if (id === undefined || id === '') {
              unsupported++;
              continue;
            }
            if (tag.startsWith('deleted')) {
              updates.push({ op: 'remove_source', sourceId: id });
              continue;
            }
            const classification = text(e.classification);
            const fps = (e.fingerprints as XmlNode | undefined) ?? {};
            for (const [fpTag, v] of Object.entries(fps)) {
              const type =
                fpTag.toLowerCase() === 'pdq'
                  ? 'pdq'
                  : fpTag.toLowerCase() === 'md5'
                    ? 'md5'
                    : undefined;
              const value = text(v);
              const check = type && value !== undefined ? checkSignalValue(type, value) : undefined;
              if (!check?.ok) {
                unsupported++;
                continue;
              }
              updates.push({
                op: 'add',
                signalType: check.signalType,
                value: check.value,
                sourceId: id,
                ...(classification ? { classification } : {}),
              });
            }
          }
        }
      }
      const paging = result.paging as XmlNode | undefined;
      const next = (paging && text(paging.next)) ?? '';
      const cpOut: NcmecCheckpoint = next ? { from, to, next } : { from: to, to: 0, next: '' };
      yield { updates, checkpoint: JSON.stringify(cpOut), unsupported };
      if (!next) return;
      url = sameOriginLink(this.base, next, this.name);
    }
  }
}
