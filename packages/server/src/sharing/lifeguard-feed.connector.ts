import {
  ErrorCodes,
  LifeguardError,
  parseFeedCursor,
  parseFeedHeader,
  parseFeedPage,
  type ExchangeBatch,
  type SignalExchange,
} from '@lifeguard/core';
import { FEED_SIGNATURE_HEADER, parsePublicFeedKey, verifyFeedPage } from './feed-key.js';
import { exchangeFetch } from './http.util.js';

/** Settings of a Lifeguard feed subscription (the exchange's `config`). */
export interface LifeguardFeedConfig {
  /** Base URL of the publishing instance, e.g. `https://lifeguard.example.org`. */
  readonly url: string;
  /** Name of the published bank (the `{bank}` of `/v1/feeds/{bank}`). */
  readonly feed: string;
  /** The publisher's Ed25519 public key, 32 bytes base64 (from its well-known key route). */
  readonly publisherKey: string;
  /** Records per page (default 5000). */
  readonly pageSize?: number;
}

/** Credentials: an API key of the publisher with the `feeds:read` scope. */
export interface LifeguardFeedCredentials {
  /** The API key (or `env:NAME`). */
  readonly apiKey: string;
}

/** Check a config object for this connector; throws `LG_ERR_INVALID_ARGUMENT`. */
export function checkLifeguardFeedConfig(c: Record<string, unknown>): LifeguardFeedConfig {
  const bad = (why: string): never => {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `lifeguard exchange config: ${why}`);
  };
  if (typeof c.url !== 'string') return bad('url is required');
  let u: URL;
  try {
    u = new URL(c.url);
  } catch {
    return bad('url is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') bad('url must be http(s)');
  if (u.username !== '' || u.password !== '') bad('url must not carry credentials');
  if (typeof c.feed !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(c.feed)) {
    bad('feed must be a bank name');
  }
  if (typeof c.publisherKey !== 'string') bad('publisherKey is required');
  parsePublicFeedKey(c.publisherKey as string);
  if (
    c.pageSize !== undefined &&
    (typeof c.pageSize !== 'number' ||
      !Number.isInteger(c.pageSize) ||
      c.pageSize < 1 ||
      c.pageSize > 100_000)
  ) {
    bad('pageSize must be an integer in 1..100000');
  }
  for (const k of Object.keys(c)) {
    if (!['url', 'feed', 'publisherKey', 'pageSize'].includes(k)) bad(`unknown field ${k}`);
  }
  return c as unknown as LifeguardFeedConfig;
}

/**
 * Subscribes to another Lifeguard instance's signed bank feed (docs/sharing.md). Every page
 * is verified against the configured publisher key before anything in it is believed —
 * including its cursors — and must answer the request it was fetched for (same bank and
 * cursor; a replayed older page is refused). A verified page that cannot be parsed is
 * yielded as corrupt with the checkpoint after it, so the subscriber skips it and goes on.
 */
export class LifeguardFeedExchange implements SignalExchange {
  readonly kind = 'lifeguard' as const;
  private readonly key: ReturnType<typeof parsePublicFeedKey>;

  /**
   * @param name the exchange's name (error messages)
   * @param config checked settings
   * @param credentials the API key
   * @param timeoutMs per-request timeout
   */
  constructor(
    private readonly name: string,
    private readonly config: LifeguardFeedConfig,
    private readonly credentials: LifeguardFeedCredentials,
    private readonly timeoutMs: number,
  ) {
    this.key = parsePublicFeedKey(config.publisherKey);
  }

  /** {@inheritDoc SignalExchange.fetchSince} */
  async *fetchSince(checkpoint: string | null, signal?: AbortSignal): AsyncIterable<ExchangeBatch> {
    let cursor = checkpoint ?? '0';
    parseFeedCursor(cursor);
    const base = this.config.url.replace(/\/+$/, '');
    const limit = this.config.pageSize ?? 5000;
    for (;;) {
      const url = `${base}/v1/feeds/${encodeURIComponent(this.config.feed)}?cursor=${cursor}&limit=${limit}`;
      const res = await exchangeFetch(
        url,
        {
          headers: {
            authorization: `Bearer ${this.credentials.apiKey}`,
            accept: 'application/x-ndjson',
          },
        },
        { timeoutMs: this.timeoutMs, signal, exchange: this.name },
      );
      verifyFeedPage(this.key, res.body, res.headers.get(FEED_SIGNATURE_HEADER) ?? undefined);
      const text = res.body.toString('utf8');
      let batch: ExchangeBatch;
      let next: string;
      let more: boolean;
      try {
        const page = parseFeedPage(text);
        this.checkAnswers(page.header.bank, page.header.cursor, page.header.next_cursor, cursor);
        batch = {
          updates: page.updates,
          checkpoint: page.header.next_cursor,
          unsupported: page.unsupported,
        };
        next = page.header.next_cursor;
        more = page.header.has_more;
      } catch (e) {
        if (!(e instanceof LifeguardError) || e.code !== ErrorCodes.INVALID_FEED) throw e;
        if ((e.details as { reason?: string } | undefined)?.reason === 'replayed') throw e;
        // Signed by the publisher but unparseable: skip it if its header says where the next
        // page starts; if even that is unreadable there is no safe way forward.
        const nl = text.indexOf('\n');
        const header = parseFeedHeader(nl < 0 ? text : text.slice(0, nl));
        this.checkAnswers(header.bank, header.cursor, header.next_cursor, cursor);
        batch = { updates: [], checkpoint: header.next_cursor, corrupt: e.message };
        next = header.next_cursor;
        more = header.has_more;
      }
      yield batch;
      if (!more || next === cursor) return;
      cursor = next;
    }
  }

  private checkAnswers(bank: string, pageCursor: string, next: string, asked: string): void {
    if (
      bank !== this.config.feed ||
      pageCursor !== asked ||
      parseFeedCursor(next) < parseFeedCursor(asked)
    ) {
      throw new LifeguardError(
        ErrorCodes.INVALID_FEED,
        `exchange ${this.name}: page does not answer the request (bank or cursor differs)`,
        { reason: 'replayed' },
      );
    }
  }
}
