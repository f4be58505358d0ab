/**
 * Stable error codes. Each is part of the public contract (CLI output, HTTP problem
 * documents): never rename one, only add.
 */
export const ErrorCodes = {
  /** A hash string is not valid for its signal type (wrong length, non-hex characters). */
  INVALID_HASH: 'LG_ERR_INVALID_HASH',
  /** Pixel buffer and dimensions disagree, or dimensions are not positive integers. */
  INVALID_PIXELS: 'LG_ERR_INVALID_PIXELS',
  /** The input has zero bytes. */
  EMPTY_INPUT: 'LG_ERR_EMPTY_INPUT',
  /** The input is larger than the configured byte limit. */
  INPUT_TOO_LARGE: 'LG_ERR_INPUT_TOO_LARGE',
  /** The image declares more pixels than the configured limit (decompression-bomb guard). */
  IMAGE_TOO_LARGE: 'LG_ERR_IMAGE_TOO_LARGE',
  /** The bytes are not an image format Lifeguard can decode. */
  UNSUPPORTED_FORMAT: 'LG_ERR_UNSUPPORTED_FORMAT',
  /** The bytes claim a supported format but cannot be decoded (truncated, corrupt). */
  CORRUPT_IMAGE: 'LG_ERR_CORRUPT_IMAGE',
  /** Decoding took longer than the configured limit. */
  DECODE_TIMEOUT: 'LG_ERR_DECODE_TIMEOUT',
  /** A file could not be read (missing, permission denied, not a regular file). */
  READ_FAILED: 'LG_ERR_READ_FAILED',
  /** A command-line or configuration value is invalid. */
  INVALID_ARGUMENT: 'LG_ERR_INVALID_ARGUMENT',
  /** The named thing (bank, entry, job, case) does not exist. */
  NOT_FOUND: 'LG_ERR_NOT_FOUND',
  /** The write conflicts with existing state (duplicate name, wrong state transition). */
  CONFLICT: 'LG_ERR_CONFLICT',
  /** A line of an import file could not be parsed (strict mode). */
  INVALID_IMPORT_LINE: 'LG_ERR_INVALID_IMPORT_LINE',
  /** An unexpected internal failure; a bug if it is ever seen. */
  INTERNAL: 'LG_ERR_INTERNAL',
  /** A risk rules file is not valid (details list each issue with its JSON path). */
  INVALID_RISK_RULES: 'LG_ERR_INVALID_RISK_RULES',
  /** A risk event is malformed (missing or invalid field, bad time, unknown type). */
  INVALID_EVENT: 'LG_ERR_INVALID_EVENT',
  /** A request is malformed: schema violation, unknown field, wrong type (HTTP 400). */
  INVALID_REQUEST: 'LG_ERR_INVALID_REQUEST',
  /** No credentials, or credentials that are not valid (HTTP 401). */
  UNAUTHORIZED: 'LG_ERR_UNAUTHORIZED',
  /** Valid credentials without the scope the operation needs (HTTP 403). */
  FORBIDDEN: 'LG_ERR_FORBIDDEN',
  /** Too many requests for this API key; retry after the advertised delay (HTTP 429). */
  RATE_LIMITED: 'LG_ERR_RATE_LIMITED',
  /** The request's content type is not accepted by the endpoint (HTTP 415). */
  UNSUPPORTED_MEDIA_TYPE: 'LG_ERR_UNSUPPORTED_MEDIA_TYPE',
  /** A URL was refused before fetching: scheme, host not allowed, or a private address (SSRF guard). */
  URL_REFUSED: 'LG_ERR_URL_REFUSED',
  /** Fetching an allowed URL failed (network error, HTTP error status, timeout). */
  FETCH_FAILED: 'LG_ERR_FETCH_FAILED',
  /** The service is saturated (work queue full) or not ready; retry later (HTTP 503). */
  UNAVAILABLE: 'LG_ERR_UNAVAILABLE',
  /** Stored bytes do not match the SHA-256 recorded when they were written (tampering, corruption). */
  INTEGRITY: 'LG_ERR_INTEGRITY',
  /** A hotline report document is not valid for its schema (details list each issue with its path). */
  INVALID_REPORT: 'LG_ERR_INVALID_REPORT',
  /** A reviewer reached the configured daily media-exposure cap (HTTP 429). */
  EXPOSURE_LIMIT: 'LG_ERR_EXPOSURE_LIMIT',
  /** A report destination or hash exchange answered with an error or could not be reached. */
  DESTINATION_FAILED: 'LG_ERR_DESTINATION_FAILED',
  /** A hash-sharing feed page is malformed or its signature does not verify. */
  INVALID_FEED: 'LG_ERR_INVALID_FEED',
  /** A login failed: unknown user, wrong password or wrong TOTP code (HTTP 401). */
  LOGIN_FAILED: 'LG_ERR_LOGIN_FAILED',
  /**
   * The vault master key that sealed a blob is not configured, or a configured vault key is
   * malformed (HTTP 500: an operator must restore the key; see docs/evidence.md).
   */
  VAULT_KEY: 'LG_ERR_VAULT_KEY',
} as const;

/** One of the stable `LG_ERR_*` codes. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * The one error type Lifeguard raises on purpose. `code` is stable and machine-readable;
 * `message` is for humans and never contains media bytes or message text.
 */
export class LifeguardError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Optional structured details (sizes, limits, line numbers), safe to log. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /**
   * @param code stable error code
   * @param message human-readable reason
   * @param details structured, log-safe details
   * @param options standard `cause` chaining
   */
  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LifeguardError';
    this.code = code;
    this.details = details;
  }
}

/** True when `e` is a {@link LifeguardError} (optionally with the given code). */
export function isLifeguardError(e: unknown, code?: ErrorCode): e is LifeguardError {
  return e instanceof LifeguardError && (code === undefined || e.code === code);
}
