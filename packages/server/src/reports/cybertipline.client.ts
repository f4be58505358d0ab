import {
  ErrorCodes,
  LifeguardError,
  type DestinationReceipt,
  type ReportDestination,
} from '@lifeguard/core';
import { XMLParser } from 'fast-xml-parser';

/**
 * NCMEC's documented base URLs (https://report.cybertip.org/ispws/documentation). Test and
 * production credentials differ; both are issued by NCMEC after ESP registration.
 */
export const CYBERTIPLINE_URLS = {
  /** The test environment: reports are visible only to their submitter. */
  test: 'https://exttest.cybertip.org/ispws',
  /** Production: a finished report is filed with NCMEC. */
  production: 'https://report.cybertip.org/ispws',
} as const;

/** How to reach the CyberTipline. */
export interface CyberTiplineClientOptions {
  /** `test`, `production`, or `custom` (then `baseUrl` is used: a local fake, a proxy). */
  readonly environment: 'test' | 'production' | 'custom';
  /** Base URL for `custom`. */
  readonly baseUrl?: string;
  /** HTTP Basic user name. */
  readonly username: string;
  /** HTTP Basic password. Never logged, never in an error. */
  readonly password: string;
  /** Timeout of one request in ms (default 60 s; uploads can be large). */
  readonly timeoutMs?: number;
}

/**
 * `responseCode`s after which the same request cannot succeed (NCMEC's documented list, via
 * the open-source clients): authentication, authorisation, invalid or malformed documents and
 * files, unknown report or file. The 1000 series (server, save, upload, update failures) is
 * worth retrying.
 */
const PERMANENT_CODES = new Set([
  1210, 2000, 3000, 3100, 3300, 4000, 4100, 4110, 4200, 5001, 5002, 5101, 5102,
]);
/** The report was already finished: finishing again is done. */
export const ALREADY_FINISHED = 5102;
/** The report was already retracted: retracting again is done. */
export const ALREADY_RETRACTED = 5101;

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: true });

type Answer = Record<string, unknown>;

/** Errors of `fetch` that mean the request never left this machine. */
function neverSent(e: unknown): boolean {
  const code = (e as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/**
 * The CyberTipline ESP reporting API ("ispws") as a {@link ReportDestination}: HTTP Basic over
 * HTTPS, XML documents as `text/xml; charset=utf-8`, files and ids as `multipart/form-data`.
 * Every answer's `Request-ID` header is kept with the step record. An error carries the step,
 * HTTP status, NCMEC `responseCode`, whether it is permanent and whether the request may have
 * reached NCMEC (`sent`) — never the credentials or the document.
 */
export class CyberTiplineClient implements ReportDestination {
  /** {@inheritDoc ReportDestination.name} */
  readonly name = 'cybertipline';
  /** {@inheritDoc ReportDestination.environment} */
  readonly environment: string;
  private readonly base: string;
  private readonly auth: string;
  private readonly timeoutMs: number;

  /** @param opts environment, credentials, timeout */
  constructor(opts: CyberTiplineClientOptions) {
    const base = opts.environment === 'custom' ? opts.baseUrl : CYBERTIPLINE_URLS[opts.environment];
    if (!base) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        'the CyberTipline environment `custom` needs a baseUrl',
      );
    }
    this.base = base.replace(/\/+$/, '');
    this.environment = opts.environment === 'custom' ? new URL(this.base).host : opts.environment;
    this.auth = `Basic ${Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** `GET /status`: checks connectivity and credentials. */
  async status(): Promise<DestinationReceipt> {
    const { requestId } = await this.call('status', 'GET', undefined);
    return requestId === undefined ? {} : { requestId };
  }

  /** {@inheritDoc ReportDestination.open} */
  async open(document: string): Promise<DestinationReceipt & { readonly reportId: string }> {
    const { answer, requestId } = await this.call('submit', 'POST', document);
    const reportId = field(answer, 'reportId');
    if (!reportId || !/^\d+$/.test(reportId)) {
      throw this.error('submit', 'the answer has no numeric reportId', {
        permanent: false,
        sent: true,
        ...(requestId ? { requestId } : {}),
      });
    }
    return { reportId, ...(requestId ? { requestId } : {}) };
  }

  /** {@inheritDoc ReportDestination.upload} */
  async upload(
    reportId: string,
    file: { readonly name: string; readonly bytes: Uint8Array; readonly contentType?: string },
  ): Promise<DestinationReceipt & { readonly fileId: string; readonly md5?: string }> {
    const form = new FormData();
    form.set('id', reportId);
    form.set(
      'file',
      new Blob([file.bytes], { type: file.contentType ?? 'application/octet-stream' }),
      file.name,
    );
    const { answer, requestId } = await this.call('upload', 'POST', form);
    const fileId = field(answer, 'fileId');
    if (!fileId) {
      throw this.error('upload', 'the answer has no fileId', {
        permanent: false,
        sent: true,
        ...(requestId ? { requestId } : {}),
      });
    }
    const md5 = field(answer, 'hash');
    return {
      fileId,
      ...(md5 ? { md5: md5.toLowerCase() } : {}),
      ...(requestId ? { requestId } : {}),
    };
  }

  /** {@inheritDoc ReportDestination.describe} */
  async describe(_reportId: string, document: string): Promise<DestinationReceipt> {
    const { requestId } = await this.call('fileinfo', 'POST', document);
    return requestId ? { requestId } : {};
  }

  /** {@inheritDoc ReportDestination.finish} */
  async finish(
    reportId: string,
  ): Promise<DestinationReceipt & { readonly fileIds: readonly string[] }> {
    const form = new FormData();
    form.set('id', reportId);
    const { answer, requestId } = await this.call('finish', 'POST', form, ALREADY_FINISHED);
    const files = (answer.files as Answer | undefined)?.fileId;
    const list: unknown[] = Array.isArray(files) ? files : files === undefined ? [] : [files];
    const fileIds = list.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
    return { fileIds, ...(requestId ? { requestId } : {}) };
  }

  /** {@inheritDoc ReportDestination.retract} */
  async retract(reportId: string): Promise<DestinationReceipt> {
    const form = new FormData();
    form.set('id', reportId);
    const { requestId } = await this.call('retract', 'POST', form, ALREADY_RETRACTED);
    return requestId ? { requestId } : {};
  }

  private error(
    step: string,
    why: string,
    details: { permanent: boolean; sent: boolean; [k: string]: unknown },
    cause?: unknown,
  ): LifeguardError {
    return new LifeguardError(
      ErrorCodes.DESTINATION_FAILED,
      `CyberTipline ${step} failed: ${why}`,
      { destination: this.name, environment: this.environment, step, ...details },
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * One request. Resolves with the parsed answer when `responseCode` is 0 (or `okCode`);
   * throws `LG_ERR_DESTINATION_FAILED` otherwise.
   */
  private async call(
    step: string,
    method: 'GET' | 'POST',
    body: string | FormData | undefined,
    okCode?: number,
  ): Promise<{ answer: Answer; requestId?: string }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/${step}`, {
        method,
        headers: {
          authorization: this.auth,
          ...(typeof body === 'string' ? { 'content-type': 'text/xml; charset=utf-8' } : {}),
        },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      // The message names the failure class only; a fetch error never carries our headers.
      const why = e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'network error';
      throw this.error(step, why, { permanent: false, sent: !neverSent(e) }, e);
    }
    const requestId = res.headers.get('request-id') ?? undefined;
    const rid = requestId ? { requestId } : {};
    const text = await res.text().catch(() => '');
    if (res.status === 401) {
      throw this.error(step, 'authentication failed (HTTP 401): check the credentials', {
        permanent: true,
        sent: true,
        httpStatus: 401,
        ...rid,
      });
    }
    let answer: Answer = {};
    try {
      const parsed = parser.parse(text) as Answer;
      answer = (parsed.reportResponse ?? parsed.reportDoneResponse ?? {}) as Answer;
    } catch {
      answer = {};
    }
    const codeText = field(answer, 'responseCode');
    const code = codeText !== undefined && /^\d+$/.test(codeText) ? Number(codeText) : undefined;
    if (res.ok && (code === 0 || (okCode !== undefined && code === okCode))) {
      return { answer, ...rid };
    }
    const description = field(answer, 'responseDescription');
    throw this.error(
      step,
      code !== undefined
        ? `responseCode ${code}${description ? ` (${description.slice(0, 200)})` : ''}`
        : `HTTP ${res.status}`,
      {
        permanent:
          code !== undefined ? PERMANENT_CODES.has(code) : res.status >= 400 && res.status < 500,
        sent: true,
        httpStatus: res.status,
        ...(code !== undefined ? { responseCode: code } : {}),
        ...rid,
      },
    );
  }
}

function field(a: Answer, name: string): string | undefined {
  const v = a[name];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : undefined;
}
