/**
 * The console's one way to talk to the server: same-origin `fetch` with the session cookie,
 * the CSRF header on every mutating request, and problem+json errors turned into
 * {@link ApiError}s with the stable `LG_ERR_*` code.
 */

/** An error answer, with its stable code and details. */
export class ApiError extends Error {
  /**
   * @param status HTTP status
   * @param code stable `LG_ERR_*` code, or `LG_ERR_HTTP` when the body was not a problem
   * @param details structured details of the problem
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken = '';
let onUnauthorized: () => void = () => undefined;

/** Remember the session's CSRF token (from login or `/v1/auth/me`). */
export function setCsrf(token: string): void {
  csrfToken = token;
}

/** Called when the server says the session ended (401 outside the login form). */
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

async function toError(res: Response): Promise<ApiError> {
  let body: { code?: string; detail?: string; details?: Record<string, unknown> } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not a problem document
  }
  return new ApiError(
    res.status,
    body.code ?? 'LG_ERR_HTTP',
    body.detail ?? `HTTP ${res.status}`,
    body.details ?? {},
  );
}

/** Send a request; resolves to the JSON answer (undefined for 204). */
export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  opts: { quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-lifeguard-csrf'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) {
    const e = await toError(res);
    if (res.status === 401 && !opts.quiet401) onUnauthorized();
    throw e;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * Fetch media bytes into a `blob:` URL (revoke it with `URL.revokeObjectURL` when hidden).
 * The request names the mode the reviewer will see it in, so the server records the view.
 */
export async function fetchMedia(path: string): Promise<{ url: string; type: string }> {
  const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    const e = await toError(res);
    if (res.status === 401) onUnauthorized();
    throw e;
  }
  const blob = await res.blob();
  return { url: URL.createObjectURL(blob), type: blob.type };
}
