/**
 * A local fake of NCMEC's CyberTipline ESP reporting API ("ispws") for tests, benchmarks and
 * the console's browser tests. It speaks the documented protocol (HTTP Basic; XML bodies;
 * multipart uploads; `reportResponse` / `reportDoneResponse` answers with NCMEC's response
 * codes; a `Request-ID` header) and validates every XML document it receives against the
 * documented structure with the same ordered schema the builder uses, parsed by an independent
 * XML parser: element order, required elements, enumerations, lengths, types. Test-only: never
 * exported from the package index.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  validateFileDetailsElement,
  validateReportElement,
  type ReportIssue,
  type XmlElement,
} from '@lifeguard/core';
import { tryParseXml } from '@lifeguard/core/testing/xml-parse';

/** One report as the fake holds it. */
export interface FakeReport {
  /** Report id. */
  readonly reportId: number;
  /** `open`, `finished` or `retracted`. */
  state: 'open' | 'finished' | 'retracted';
  /** The `<report>` document as received. */
  readonly document: string;
  /** Uploaded files by file id. */
  readonly files: Map<
    string,
    { name: string; size: number; md5: string; details: string | undefined }
  >;
}

/** A request the fake saw. */
export interface FakeRequestRecord {
  /** Endpoint (`submit`, `upload`, ...). */
  readonly step: string;
  /** Report id concerned, if any. */
  readonly reportId?: number;
  /** NCMEC response code answered. */
  readonly responseCode: number | undefined;
  /** HTTP status answered. */
  readonly status: number;
}

/** Options of {@link startFakeCyberTipline}. */
export interface FakeCyberTiplineOptions {
  /** Accepted user name (default `esp-user`). */
  readonly username?: string;
  /** Accepted password (default `esp-password`). */
  readonly password?: string;
  /**
   * Called when a request arrives, before it is handled: return a promise to hold the request
   * (a test kills the client process meanwhile) or a response code to answer instead.
   */
  readonly onRequest?: (
    step: string,
    reportId: number | undefined,
  ) =>
    | Promise<void | { responseCode: number; status?: number }>
    | { responseCode: number; status?: number }
    | void
    | undefined;
  /**
   * Called after a request was handled (the report changed) and before its answer is sent:
   * return a promise to hold the answer, so a test can kill the client while the answer is
   * lost in flight.
   */
  readonly onAnswer?: (step: string, reportId: number | undefined) => Promise<void> | void;
  /** Hold every answer this long (ms): latency of the real service. Default 0. */
  readonly latencyMs?: number;
}

/** A running fake. */
export interface FakeCyberTipline {
  /** Base URL (`http://127.0.0.1:<port>/ispws`). */
  readonly baseUrl: string;
  /** Reports by id. */
  readonly reports: Map<number, FakeReport>;
  /** Every request, in arrival order. */
  readonly requests: FakeRequestRecord[];
  /** Validation issues of rejected documents, in order. */
  readonly rejected: { step: string; issues: readonly ReportIssue[] }[];
  /** Reports in state `finished`. */
  finished(): FakeReport[];
  /** Stop listening. */
  close(): Promise<void>;
}

const parse = tryParseXml;

function child(el: XmlElement, name: string): string | undefined {
  return el.children.find((c) => c.name === name)?.text;
}

function xmlAnswer(tag: string, fields: Record<string, string | number | string[]>): string {
  let body = '';
  for (const [k, v] of Object.entries(fields)) {
    if (Array.isArray(v)) body += `<${k}>${v.map((x) => `<fileId>${x}</fileId>`).join('')}</${k}>`;
    else body += `<${k}>${v}</${k}>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><${tag}>${body}</${tag}>`;
}

const DESCRIPTIONS: Record<number, string> = {
  0: 'Success',
  1000: 'Server error',
  2000: 'Authentication required',
  4000: 'Invalid request',
  4100: 'Validation failed',
  4110: 'Malformed XML',
  5001: 'Report does not exist',
  5002: 'File does not exist',
  5101: 'Report already retracted',
  5102: 'Report already finished',
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Start the fake on 127.0.0.1 (a free port). */
export async function startFakeCyberTipline(
  opts: FakeCyberTiplineOptions = {},
): Promise<FakeCyberTipline> {
  const user = opts.username ?? 'esp-user';
  const pass = opts.password ?? 'esp-password';
  const expectedAuth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const reports = new Map<number, FakeReport>();
  const requests: FakeRequestRecord[] = [];
  const rejected: { step: string; issues: readonly ReportIssue[] }[] = [];
  let nextId = 100_000 + Math.floor(Math.random() * 800_000);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/ispws\/(status|submit|upload|fileinfo|finish|retract)$/.exec(url.pathname);
    res.setHeader('request-id', randomBytes(8).toString('hex'));
    const body = await readBody(req);
    const answer = async (
      status: number,
      code: number | undefined,
      extra: Record<string, string | number | string[]> = {},
      reportId?: number,
      tag = 'reportResponse',
    ): Promise<void> => {
      const step = m?.[1] ?? url.pathname;
      if (m) await opts.onAnswer?.(step, reportId);
      requests.push({
        step,
        ...(reportId !== undefined ? { reportId } : {}),
        responseCode: code,
        status,
      });
      res.statusCode = status;
      if (code === undefined) {
        res.end();
        return;
      }
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      res.end(
        xmlAnswer(tag, {
          responseCode: code,
          responseDescription: DESCRIPTIONS[code] ?? 'Error',
          ...extra,
        }),
      );
    };
    if (!m) return answer(404, undefined);
    const step = m[1]!;
    if (req.headers.authorization !== expectedAuth) return answer(401, undefined);
    if (step === 'status') {
      if (req.method !== 'GET') return answer(405, undefined);
      return answer(200, 0);
    }
    if (req.method !== 'POST') return answer(405, undefined);
    const type = req.headers['content-type'] ?? '';
    // Form bodies (upload, finish, retract): parse with the platform's multipart parser.
    let form: FormData | undefined;
    if (/^multipart\/form-data|^application\/x-www-form-urlencoded/.test(type)) {
      try {
        form = await new Request('http://fake/', {
          method: 'POST',
          headers: { 'content-type': type },
          body,
        }).formData();
      } catch {
        return answer(400, 4000);
      }
    }
    const idOf = (): number | undefined => {
      const v = form?.get('id');
      return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
    };
    const pre = await opts.onRequest?.(
      step,
      step === 'submit' || step === 'fileinfo' ? undefined : idOf(),
    );
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    if (pre) return answer(pre.status ?? 200, pre.responseCode);

    if (step === 'submit' || step === 'fileinfo') {
      if (!/^text\/xml/.test(type)) return answer(400, 4000);
      const xml = body.toString('utf8');
      const el = parse(xml);
      if (!el) return answer(400, 4110);
      const issues =
        step === 'submit' ? validateReportElement(el, Date.now()) : validateFileDetailsElement(el);
      if (issues.length > 0) {
        rejected.push({ step, issues });
        return answer(400, 4100);
      }
      if (step === 'submit') {
        const reportId = nextId++;
        reports.set(reportId, { reportId, state: 'open', document: xml, files: new Map() });
        return answer(200, 0, { reportId }, reportId);
      }
      const reportId = Number(child(el, 'reportId'));
      const r = reports.get(reportId);
      if (!r) return answer(200, 5001, {}, reportId);
      if (r.state === 'finished') return answer(200, 5102, { reportId }, reportId);
      if (r.state === 'retracted') return answer(200, 5101, { reportId }, reportId);
      const f = r.files.get(child(el, 'fileId') ?? '');
      if (!f) return answer(200, 5002, { reportId }, reportId);
      f.details = xml;
      return answer(200, 0, { reportId }, reportId);
    }

    const reportId = idOf();
    if (reportId === undefined) return answer(400, 4000);
    const r = reports.get(reportId);
    if (!r) return answer(200, 5001, {}, reportId);
    if (r.state === 'finished') return answer(200, 5102, { reportId }, reportId);
    if (r.state === 'retracted') return answer(200, 5101, { reportId }, reportId);
    if (step === 'upload') {
      const file = form?.get('file');
      if (!file || typeof file === 'string') return answer(400, 4000, {}, reportId);
      const bytes = Buffer.from(await file.arrayBuffer());
      if (bytes.length === 0) return answer(400, 4200, {}, reportId);
      const fileId = randomBytes(16).toString('hex');
      const md5 = createHash('md5').update(bytes).digest('hex');
      r.files.set(fileId, { name: file.name, size: bytes.length, md5, details: undefined });
      return answer(200, 0, { reportId, fileId, hash: md5 }, reportId);
    }
    if (step === 'finish') {
      r.state = 'finished';
      return answer(
        200,
        0,
        { reportId, files: [...r.files.keys()] },
        reportId,
        'reportDoneResponse',
      );
    }
    r.state = 'retracted';
    return answer(200, 0, { reportId }, reportId);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/ispws`,
    reports,
    requests,
    rejected,
    finished: () => [...reports.values()].filter((r) => r.state === 'finished'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
