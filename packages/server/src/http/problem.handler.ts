import { ErrorCodes, isLifeguardError, type ErrorCode } from '@lifeguard/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

/** HTTP status for each stable error code (codes not listed map to 400). */
export const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  [ErrorCodes.INVALID_HASH]: 400,
  [ErrorCodes.INVALID_ARGUMENT]: 400,
  [ErrorCodes.INVALID_REQUEST]: 400,
  [ErrorCodes.INVALID_IMPORT_LINE]: 400,
  [ErrorCodes.EMPTY_INPUT]: 400,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.CONFLICT]: 409,
  [ErrorCodes.INPUT_TOO_LARGE]: 413,
  [ErrorCodes.UNSUPPORTED_MEDIA_TYPE]: 415,
  // A well-formed request whose content cannot be processed: RFC 9110 section 15.5.21.
  [ErrorCodes.IMAGE_TOO_LARGE]: 422,
  [ErrorCodes.UNSUPPORTED_FORMAT]: 422,
  [ErrorCodes.CORRUPT_IMAGE]: 422,
  [ErrorCodes.DECODE_TIMEOUT]: 422,
  [ErrorCodes.URL_REFUSED]: 422,
  [ErrorCodes.FETCH_FAILED]: 502,
  [ErrorCodes.RATE_LIMITED]: 429,
  [ErrorCodes.UNAVAILABLE]: 503,
  [ErrorCodes.INTERNAL]: 500,
  [ErrorCodes.INTEGRITY]: 500,
  [ErrorCodes.INVALID_REPORT]: 422,
  [ErrorCodes.EXPOSURE_LIMIT]: 429,
  [ErrorCodes.DESTINATION_FAILED]: 502,
  [ErrorCodes.INVALID_FEED]: 422,
  [ErrorCodes.LOGIN_FAILED]: 401,
  [ErrorCodes.VAULT_KEY]: 500,
};

/** An RFC 9457 problem document with Lifeguard's stable `code`. */
export interface Problem {
  /** A URI naming the problem type (`urn:lifeguard:error:<code>`). */
  readonly type: string;
  /** Short summary (the HTTP reason phrase). */
  readonly title: string;
  /** HTTP status. */
  readonly status: number;
  /** Stable `LG_ERR_*` code. */
  readonly code: string;
  /** Human-readable detail (never media bytes or message text). */
  readonly detail: string;
  /** Structured, log-safe details. */
  readonly details?: Readonly<Record<string, unknown>>;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** JSON schema of a problem document (referenced from every route's error responses). */
export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem document with a stable Lifeguard error code.',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable LG_ERR_* code' },
    detail: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/** Build a problem document. */
export function problem(
  status: number,
  code: string,
  detail: string,
  details?: Readonly<Record<string, unknown>>,
): Problem {
  return {
    type: `urn:lifeguard:error:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(details && Object.keys(details).length > 0 ? { details } : {}),
  };
}

/** Send a problem document with `application/problem+json` (RFC 9457 section 3). */
export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

/** Map Fastify's own error codes (body limit, content type, validation) onto ours. */
function fromFastify(e: FastifyError): Problem | undefined {
  if (e.validation) {
    const first = e.validation[0];
    const where = first?.instancePath || e.validationContext || 'body';
    const params = first?.params;
    const extra =
      params && typeof params.additionalProperty === 'string'
        ? ` (unknown field '${params.additionalProperty}')`
        : '';
    return problem(
      400,
      ErrorCodes.INVALID_REQUEST,
      `${where} ${first?.message ?? 'is invalid'}${extra}`,
      {
        context: e.validationContext,
        ...(params?.additionalProperty ? { field: params.additionalProperty } : {}),
      },
    );
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return problem(413, ErrorCodes.INPUT_TOO_LARGE, 'request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return problem(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'unsupported content type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, ErrorCodes.INVALID_REQUEST, 'empty JSON body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, ErrorCodes.INVALID_REQUEST, 'body is not valid JSON');
    default:
      break;
  }
  if (e.statusCode === 413)
    return problem(413, ErrorCodes.INPUT_TOO_LARGE, 'request body is larger than the limit');
  if (e.statusCode === 415)
    return problem(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'unsupported content type');
  if (e instanceof SyntaxError || (e.statusCode === 400 && typeof e.code === 'string')) {
    return problem(400, ErrorCodes.INVALID_REQUEST, 'malformed request');
  }
  return undefined;
}

/** Convert any thrown value into a problem document. */
export function toProblem(e: unknown): Problem {
  if (isLifeguardError(e)) {
    const status = STATUS_BY_CODE[e.code] ?? 400;
    return problem(status, e.code, e.message, e.details);
  }
  const fe = fromFastify(e as FastifyError);
  if (fe) return fe;
  return problem(500, ErrorCodes.INTERNAL, 'internal error');
}

/**
 * Install problem+json handling for thrown errors and unknown routes. Internal errors are
 * logged with their stack (never the request body); the client sees only the code.
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const p = toProblem(error);
    if (p.status >= 500 && p.code === ErrorCodes.INTERNAL) {
      request.log.error({ err: error }, 'internal error');
    }
    if (p.status === 429 && isLifeguardError(error)) {
      const retry = error.details?.retryAfterSeconds;
      if (typeof retry === 'number') void reply.header('retry-after', String(retry));
    }
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(404, ErrorCodes.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
