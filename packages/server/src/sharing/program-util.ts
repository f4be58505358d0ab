import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** Throw `LG_ERR_INVALID_ARGUMENT` for a bad exchange config field. */
export function badConfig(kind: string, why: string): never {
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `${kind} exchange config: ${why}`);
}

/** Check that `config` has only `allowed` keys. */
export function onlyKeys(
  kind: string,
  config: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const k of Object.keys(config))
    if (!allowed.includes(k)) badConfig(kind, `unknown field ${k}`);
}

/** An optional http(s) base URL without credentials, trailing slashes removed. */
export function baseUrl(kind: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== 'string') return badConfig(kind, 'url must be a string');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return badConfig(kind, 'url is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') badConfig(kind, 'url must be http(s)');
  if (u.username !== '' || u.password !== '') badConfig(kind, 'url must not carry credentials');
  return v.replace(/\/+$/, '');
}

/** An optional integer in a range. */
export function optInt(
  kind: string,
  name: string,
  v: unknown,
  min: number,
  max: number,
): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    badConfig(kind, `${name} must be an integer in ${min}..${max}`);
  }
  return v;
}

/**
 * Resolve a paging link from a program against its base URL, refusing one that points at
 * another origin (a compromised or misconfigured endpoint must not redirect the
 * credentials elsewhere).
 */
export function sameOriginLink(base: string, link: string, exchange: string): string {
  // NCMEC's links are paths below the environment's base ("/v2/entries?..."), appended to
  // it as its client library does; absolute links (Graph API paging) are used as they are.
  const u = new URL(link.startsWith('/') ? `${base}${link}` : link);
  if (u.origin !== new URL(base).origin) {
    throw new LifeguardError(
      ErrorCodes.DESTINATION_FAILED,
      `exchange ${exchange}: paging link points at another origin`,
      { exchange },
    );
  }
  return u.href;
}

/** Parse a JSON checkpoint written by a connector (null: from the start). */
export function readCheckpoint<T>(cp: string | null, exchange: string): T | undefined {
  if (cp === null) return undefined;
  try {
    return JSON.parse(cp) as T;
  } catch {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `exchange ${exchange}: unreadable checkpoint; reset it`,
    );
  }
}
