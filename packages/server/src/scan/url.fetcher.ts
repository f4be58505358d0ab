import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import type { UrlFetchConfig } from '../config/server.config.js';
import { isPrivateAddress } from './address.policy.js';

/** What {@link fetchUrl} needs. */
export interface FetchLimits extends UrlFetchConfig {
  /** Maximum body size in bytes. */
  readonly maxBytes: number;
}

function refused(why: string, details: Record<string, unknown> = {}): LifeguardError {
  return new LifeguardError(ErrorCodes.URL_REFUSED, `URL refused: ${why}`, details);
}

function hostAllowed(host: string, allow: readonly string[]): boolean {
  if (allow.length === 0) return true;
  const h = host.toLowerCase().replace(/\.$/, '');
  return allow.some((a) => {
    const p = a.toLowerCase();
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) : h === p;
  });
}

/** Check scheme, allow-list and (for literal IPs) the address of one URL. */
function checkUrl(raw: string, cfg: FetchLimits): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused('only http and https are allowed', { scheme: url.protocol.slice(0, -1) });
  }
  if (url.username || url.password) throw refused('credentials in URLs are not allowed');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!hostAllowed(host, cfg.allowHosts)) throw refused('host is not on the allow-list', { host });
  if (isIP(host) !== 0 && isPrivateAddress(host) && !cfg.allowPrivateIps.includes(host)) {
    throw refused('address is private, loopback or link-local', { address: host });
  }
  return url;
}

/**
 * A DNS lookup for `http.request` that resolves every address of the name, refuses the
 * request if any is private (an attacker's name may carry a public and a private record,
 * or change its answer between a check and the connect — DNS rebinding), and hands the
 * socket the very address it checked, so no second resolution happens.
 */
function guardedLookup(cfg: FetchLimits): LookupFunction {
  return (hostname, _options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find(
        (a) => isPrivateAddress(a.address) && !cfg.allowPrivateIps.includes(a.address),
      );
      if (bad || addresses.length === 0) {
        return callback(
          refused('name resolves to a private, loopback or link-local address', {
            host: hostname,
          }),
          '',
          0,
        );
      }
      const first = addresses[0]!;
      // Node >= 20 asks for `all` when autoSelectFamily is on; answer in the form asked.
      if ((_options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

interface Hop {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: Buffer | undefined;
}

function requestOnce(url: URL, cfg: FetchLimits, signal: AbortSignal): Promise<Hop> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<Hop>((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'GET',
        lookup: guardedLookup(cfg),
        signal,
        headers: { 'user-agent': 'lifeguard-scanner', accept: 'image/*' },
        // One connection per request: a pooled socket could have been opened for another host.
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          resolve({ status, location: res.headers.location, body: undefined });
          return;
        }
        if (status < 200 || status >= 300) {
          res.resume();
          reject(
            new LifeguardError(ErrorCodes.FETCH_FAILED, `URL answered HTTP ${status}`, { status }),
          );
          return;
        }
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > cfg.maxBytes) {
          res.destroy();
          reject(
            new LifeguardError(
              ErrorCodes.INPUT_TOO_LARGE,
              'fetched content is larger than the limit',
              {
                limit: cfg.maxBytes,
              },
            ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > cfg.maxBytes) {
            res.destroy();
            reject(
              new LifeguardError(
                ErrorCodes.INPUT_TOO_LARGE,
                'fetched content is larger than the limit',
                {
                  limit: cfg.maxBytes,
                },
              ),
            );
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status, location: undefined, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', (e) => reject(e));
    req.end();
  });
}

/**
 * Download `raw` for scanning with SSRF protection: http(s) only; host on the allow-list
 * when one is configured; every resolved address public (checked after DNS resolution, and
 * the connection goes to the checked address); redirects followed manually, each hop
 * checked the same way, at most `maxRedirects`; the body capped at `maxBytes`; the whole
 * exchange bounded by `timeoutMs`. Follows OWASP's SSRF prevention cheat sheet
 * (https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html).
 * Throws `LG_ERR_URL_REFUSED`, `LG_ERR_FETCH_FAILED` or `LG_ERR_INPUT_TOO_LARGE`.
 */
export async function fetchUrl(raw: string, cfg: FetchLimits): Promise<Buffer> {
  if (!cfg.enabled) throw refused('scanning by URL is disabled');
  const signal = AbortSignal.timeout(cfg.timeoutMs);
  let url = checkUrl(raw, cfg);
  for (let hop = 0; ; hop++) {
    let r: Hop;
    try {
      r = await requestOnce(url, cfg, signal);
    } catch (e) {
      if (e instanceof LifeguardError) throw e;
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof LifeguardError) throw cause;
      if (signal.aborted) {
        throw new LifeguardError(ErrorCodes.FETCH_FAILED, 'URL fetch timed out', {
          timeoutMs: cfg.timeoutMs,
        });
      }
      throw new LifeguardError(ErrorCodes.FETCH_FAILED, 'URL fetch failed', {
        reason: (e as { code?: string }).code ?? 'network error',
      });
    }
    if (r.body) return r.body;
    if (r.location === undefined)
      throw new LifeguardError(ErrorCodes.FETCH_FAILED, 'redirect without Location');
    if (hop >= cfg.maxRedirects) throw refused('too many redirects', { max: cfg.maxRedirects });
    url = checkUrl(new URL(r.location, url).toString(), cfg);
  }
}
