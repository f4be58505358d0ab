import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** Response bodies larger than this are refused (a feed page of 100k records is ~25 MB). */
export const MAX_EXCHANGE_BODY = 64 * 1024 * 1024;

/** Options of {@link exchangeFetch}. */
export interface ExchangeFetchOptions {
  /** Request timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Aborts the request (shutdown). */
  readonly signal?: AbortSignal | undefined;
  /** Name of the exchange, for error messages. */
  readonly exchange: string;
}

/**
 * GET (or POST) a URL of an exchange and return the status, headers and body bytes. Errors
 * are `LG_ERR_DESTINATION_FAILED` with the HTTP status and the URL's origin and path — never
 * the query string (it may carry a token) nor request headers (they carry credentials).
 */
export async function exchangeFetch(
  url: string,
  init: RequestInit,
  opts: ExchangeFetchOptions,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const u = new URL(url);
  const where = `${u.origin}${u.pathname}`;
  const signals = [AbortSignal.timeout(opts.timeoutMs)];
  if (opts.signal) signals.push(opts.signal);
  let res: Response | undefined;
  // One retry for a connection-level failure: a pooled keep-alive connection that the
  // server closed while the exchange was idle fails the first request (seen between polls
  // minutes apart). Timeouts, aborts and HTTP errors are not retried here.
  for (let attempt = 0; res === undefined; attempt++) {
    try {
      res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.any(signals) });
    } catch (e) {
      const aborted = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      if (!aborted && attempt === 0) continue;
      const why = e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'failed';
      throw new LifeguardError(
        ErrorCodes.DESTINATION_FAILED,
        `exchange ${opts.exchange}: request to ${where} ${why}`,
        { exchange: opts.exchange },
      );
    }
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_EXCHANGE_BODY) {
    await res.body?.cancel();
    throw new LifeguardError(
      ErrorCodes.DESTINATION_FAILED,
      `exchange ${opts.exchange}: response too large`,
      {
        exchange: opts.exchange,
      },
    );
  }
  const chunks: Buffer[] = [];
  let n = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      n += chunk.length;
      if (n > MAX_EXCHANGE_BODY) {
        throw new LifeguardError(
          ErrorCodes.DESTINATION_FAILED,
          `exchange ${opts.exchange}: response too large`,
          {
            exchange: opts.exchange,
          },
        );
      }
      chunks.push(Buffer.from(chunk));
    }
  }
  const body = Buffer.concat(chunks);
  if (res.status < 200 || res.status > 299) {
    throw new LifeguardError(
      ErrorCodes.DESTINATION_FAILED,
      `exchange ${opts.exchange}: ${where} answered HTTP ${res.status}`,
      { exchange: opts.exchange, status: res.status },
    );
  }
  return { status: res.status, headers: res.headers, body };
}

/** Resolve a credential: `env:NAME` reads the environment variable NAME, else the value itself. */
export function resolveSecret(
  v: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (v === undefined) return undefined;
  if (v.startsWith('env:')) return env[v.slice(4)];
  return v;
}
