import type { components, paths } from './openapi.types.js';

type Json<
  P extends keyof paths,
  M extends 'get' | 'post' | 'patch' | 'delete',
  S extends number,
> = paths[P][M] extends { responses: { [K in S]: { content: { 'application/json': infer T } } } }
  ? T
  : never;
type Body<P extends keyof paths, M extends 'post' | 'patch'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

/** A problem document returned by the server. */
export type Problem = components['schemas']['Problem'];
/** Answer of `POST /v1/scan`. */
export type ScanResult = Json<'/v1/scan', 'post', 200>;
/** Answer of `POST /v1/hash`. */
export type HashResult = Json<'/v1/hash', 'post', 200>;
/** Answer of `GET /v1/lookup`. */
export type LookupResult = Json<'/v1/lookup', 'get', 200>;
/** Answer of `POST /v1/compare`. */
export type CompareResult = Json<'/v1/compare', 'post', 200>;
/** A bank. */
export type ApiBank = Json<'/v1/banks/{name}', 'get', 200>;
/** Fields of a new bank. */
export type NewApiBank = Body<'/v1/banks', 'post'>;
/** Bank settings patch. */
export type BankPatch = Body<'/v1/banks/{name}', 'patch'>;
/** Entries to add. */
export type NewEntries = Body<'/v1/banks/{name}/entries', 'post'>['entries'];
/** Answer of an import. */
export type ImportResult = Json<'/v1/banks/{name}/import', 'post', 200>;
/** A created API key (the secret is in `key`). */
export type IssuedKey = Json<'/v1/keys', 'post', 201>;
/** Readiness report. */
export type Readiness = Json<'/readyz', 'get', 200>;
/** Optional scan context. */
export interface ScanContext {
  /** The platform's id for the content (echoed back). */
  readonly contentId?: string;
  /** The uploader. */
  readonly userId?: string;
  /** Free-form JSON. */
  readonly metadata?: Record<string, unknown>;
}

/** An error answer from the server, with its stable `LG_ERR_*` code. */
export class LifeguardApiError extends Error {
  /**
   * @param status HTTP status
   * @param code stable `LG_ERR_*` code (`LG_ERR_HTTP` when the body was not a problem document)
   * @param problem the problem document, when there was one
   */
  constructor(
    readonly status: number,
    readonly code: string,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${code}: ${problem.detail}` : `HTTP ${status}`);
    this.name = 'LifeguardApiError';
  }
}

/** Options of {@link LifeguardClient}. */
export interface LifeguardClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** API key (sent as `Authorization: Bearer`). */
  readonly apiKey: string;
  /** A `fetch` implementation (default: the global one, Node >= 18 and browsers). */
  readonly fetch?: typeof fetch;
}

/**
 * Typed client of the Lifeguard scanning API. Types come from `openapi.types.ts`, generated
 * from the committed OpenAPI document, so a change to the API that is not reflected here
 * fails to compile. Every method rejects with {@link LifeguardApiError} on an error answer.
 */
export class LifeguardClient {
  private readonly base: string;
  private readonly f: typeof fetch;

  /** @param opts server URL, key and optional fetch */
  constructor(private readonly opts: LifeguardClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.f = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    raw?: BodyInit,
    rawType?: string,
  ): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}` };
    let payload: BodyInit | undefined = raw;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    } else if (rawType !== undefined) {
      headers['content-type'] = rawType;
    }
    const res = await this.f(`${this.base}${path}`, { method, headers, body: payload ?? null });
    const type = res.headers.get('content-type') ?? '';
    if (!res.ok) {
      let problem: Problem | undefined;
      if (type.includes('json')) problem = (await res.json()) as Problem;
      throw new LifeguardApiError(res.status, problem?.code ?? 'LG_ERR_HTTP', problem);
    }
    if (res.status === 204) return undefined as T;
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  }

  private static form(file: Blob, name: string, ctx: ScanContext = {}): FormData {
    const fd = new FormData();
    // Text fields first: the server reads fields that precede the file.
    if (ctx.contentId !== undefined) fd.append('contentId', ctx.contentId);
    if (ctx.userId !== undefined) fd.append('userId', ctx.userId);
    if (ctx.metadata !== undefined) fd.append('metadata', JSON.stringify(ctx.metadata));
    fd.append('file', file, name);
    return fd;
  }

  /** Scan an image (uploaded as multipart). */
  scanFile(file: Blob, fileName = 'upload', ctx?: ScanContext): Promise<ScanResult> {
    return this.call('POST', '/v1/scan', undefined, LifeguardClient.form(file, fileName, ctx));
  }

  /** Scan hashes computed by the caller. */
  scanHashes(
    hashes: { pdq?: string; md5?: string; sha256?: string },
    ctx: ScanContext = {},
  ): Promise<ScanResult> {
    return this.call('POST', '/v1/scan', { hashes, ...ctx });
  }

  /** Scan an image the server fetches (SSRF-guarded on the server). */
  scanUrl(url: string, ctx: ScanContext = {}): Promise<ScanResult> {
    return this.call('POST', '/v1/scan', { url, ...ctx });
  }

  /** Hash an image without matching. */
  hash(file: Blob, fileName = 'upload'): Promise<HashResult> {
    return this.call('POST', '/v1/hash', undefined, LifeguardClient.form(file, fileName));
  }

  /** Look one hash up. */
  lookup(signal: 'pdq' | 'md5' | 'sha256', value: string): Promise<LookupResult> {
    const q = new URLSearchParams({ signal, value });
    return this.call('GET', `/v1/lookup?${q.toString()}`);
  }

  /** PDQ distance between two hashes. */
  compare(a: string, b: string, threshold?: number): Promise<CompareResult> {
    return this.call('POST', '/v1/compare', {
      a,
      b,
      ...(threshold !== undefined ? { threshold } : {}),
    });
  }

  /** Every bank. */
  async listBanks(): Promise<ApiBank[]> {
    return (await this.call<{ banks: ApiBank[] }>('GET', '/v1/banks')).banks;
  }

  /** Create a bank. */
  createBank(bank: NewApiBank): Promise<ApiBank> {
    return this.call('POST', '/v1/banks', bank);
  }

  /** One bank. */
  getBank(name: string): Promise<ApiBank> {
    return this.call('GET', `/v1/banks/${encodeURIComponent(name)}`);
  }

  /** Change a bank's settings or action. */
  updateBank(name: string, patch: BankPatch): Promise<ApiBank> {
    return this.call('PATCH', `/v1/banks/${encodeURIComponent(name)}`, patch);
  }

  /** Add entries (idempotent). */
  addEntries(name: string, entries: NewEntries): Promise<{ added: number; duplicates: number }> {
    return this.call('POST', `/v1/banks/${encodeURIComponent(name)}/entries`, { entries });
  }

  /** Import a bank file (text, csv or jsonl). */
  importBank(
    name: string,
    file: BodyInit,
    format: 'text' | 'csv' | 'jsonl' = 'text',
  ): Promise<ImportResult> {
    const type =
      format === 'csv' ? 'text/csv' : format === 'jsonl' ? 'application/x-ndjson' : 'text/plain';
    return this.call(
      'POST',
      `/v1/banks/${encodeURIComponent(name)}/import?format=${format}`,
      undefined,
      file,
      type,
    );
  }

  /** Export a bank's enabled entries. */
  exportBank(name: string, format: 'text' | 'csv' | 'jsonl' = 'text'): Promise<string> {
    return this.call('GET', `/v1/banks/${encodeURIComponent(name)}/export?format=${format}`);
  }

  /** Create an API key (admin). */
  createKey(name: string, scopes: IssuedKey['record']['scopes']): Promise<IssuedKey> {
    return this.call('POST', '/v1/keys', { name, scopes });
  }

  /** Revoke an API key (admin). */
  revokeKey(keyId: string): Promise<IssuedKey['record']> {
    return this.call('DELETE', `/v1/keys/${encodeURIComponent(keyId)}`);
  }

  /** Readiness (unauthenticated; 503 answers reject). */
  ready(): Promise<Readiness> {
    return this.call('GET', '/readyz');
  }
}
