import { ErrorCodes, LifeguardError, type MatchHit, type MatchResult } from '@lifeguard/core';
import type { ImageHashes } from '@lifeguard/media';
import type { ServerContext } from '../server.context.js';
import { actionFor, decideVerdict, type Verdict } from './verdict.policy.js';

/** A match as the API returns it. */
export interface ApiMatch {
  /** Bank name. */
  readonly bank: string;
  /** `block` or `allow`. */
  readonly bankKind: string;
  /** Entry id. */
  readonly entryId: number;
  /** Signal that matched. */
  readonly signal: string;
  /** Entry value. */
  readonly value: string;
  /** Distance (0 for exact signals). */
  readonly distance: number;
  /** Threshold that admitted it. */
  readonly threshold: number;
  /** Bank labels. */
  readonly labels: readonly string[];
  /** What this match alone leads to. */
  readonly action: string;
}

/** The hashes a scan matched on. */
export interface ScanHashes {
  /** PDQ hex, when known. */
  readonly pdq?: string | undefined;
  /** MD5 hex, when known. */
  readonly md5?: string | undefined;
  /** SHA-256 hex, when known. */
  readonly sha256?: string | undefined;
}

/** A scan's answer. */
export interface ScanResult extends Verdict {
  /** Hashes used. */
  readonly hashes: ScanHashes;
  /** PDQ quality, when the server computed the hash (null for client hashes). */
  readonly quality: number | null;
  /** Matches kept after flood control and allow-bank suppression. */
  readonly matches: ApiMatch[];
  /** Banks whose matches were capped. */
  readonly truncated: { bank: string; omitted: number }[];
  /** Echo of the client's content id. */
  readonly contentId?: string;
  /** The case a block/review verdict with matches opened or joined. */
  readonly caseId?: string;
}

const rawHits = new WeakMap<ScanResult, readonly MatchHit[]>();

/**
 * The matcher's hits behind a scan result (bank ids, classifications), for case intake; the
 * API result only carries their public form.
 */
export function matchHitsOf(result: ScanResult): readonly MatchHit[] {
  return rawHits.get(result) ?? [];
}

/**
 * A copy of media bytes for the review copy a matched scan leaves in the blob store (the hash
 * pool takes ownership of the bytes it hashes), when review copies are kept.
 */
export function reviewCopy(ctx: ServerContext, bytes: Uint8Array): Uint8Array | undefined {
  return ctx.config.cases.keepMedia ? new Uint8Array(bytes) : undefined;
}

/** Convert a matcher hit for the API. */
export function toApiMatch(ctx: ServerContext, m: MatchHit): ApiMatch {
  return {
    bank: m.bankName,
    bankKind: m.kind,
    entryId: m.entryId,
    signal: m.signal,
    value: m.value,
    distance: m.distance,
    threshold: m.threshold,
    labels: m.labels,
    action: actionFor(m, ctx.bankActions(), ctx.config.actions).verdict,
  };
}

/** Refuse matching until the index has loaded (scans would silently miss everything). */
export function assertIndexLoaded(ctx: ServerContext, loaded: boolean): void {
  if (!loaded) {
    throw new LifeguardError(ErrorCodes.UNAVAILABLE, 'the match index is still loading', {
      retryAfterSeconds: 1,
    });
  }
}

/** Hash image bytes on the worker pool, recording the time taken. */
export async function hashBytes(ctx: ServerContext, bytes: Uint8Array): Promise<ImageHashes> {
  if (bytes.length === 0) throw new LifeguardError(ErrorCodes.EMPTY_INPUT, 'the file is empty');
  const end = ctx.metrics.hashSeconds.startTimer();
  try {
    return await ctx.pool.hashBytes(bytes);
  } finally {
    end();
  }
}

/**
 * Match hashes against every bank, decide the verdict, count metrics. `quality` is the PDQ
 * quality when the server computed the hash; client-supplied hashes skip the quality floor.
 */
export function scanHashes(
  ctx: ServerContext,
  input: 'file' | 'url' | 'hashes',
  hashes: ScanHashes,
  quality: number | null,
  contentId: string | undefined,
): ScanResult {
  if (hashes.pdq === undefined && hashes.md5 === undefined && hashes.sha256 === undefined) {
    throw new LifeguardError(
      ErrorCodes.INVALID_REQUEST,
      'hashes needs at least one of pdq, md5, sha256',
    );
  }
  const r: MatchResult = ctx.matcher.match({
    ...(hashes.pdq !== undefined ? { pdq: hashes.pdq } : {}),
    ...(hashes.md5 !== undefined ? { md5: hashes.md5 } : {}),
    ...(hashes.sha256 !== undefined ? { sha256: hashes.sha256 } : {}),
    ...(quality !== null ? { quality } : {}),
  });
  const v = decideVerdict(r.matches, ctx.bankActions(), ctx.config.actions);
  ctx.metrics.scans.inc({ input, outcome: 'ok' });
  ctx.metrics.verdicts.inc({ verdict: v.verdict });
  for (const m of r.matches) ctx.metrics.matches.inc({ bank: m.bankName, signal: m.signal });
  const result: ScanResult = {
    hashes: {
      pdq: hashes.pdq?.toLowerCase(),
      md5: hashes.md5?.toLowerCase(),
      sha256: hashes.sha256?.toLowerCase(),
    },
    quality,
    matches: r.matches.map((m) => toApiMatch(ctx, m)),
    verdict: v.verdict,
    rule: v.rule,
    truncated: r.truncated.map((t) => ({ bank: t.bankName, omitted: t.omitted })),
    ...(contentId !== undefined ? { contentId } : {}),
  };
  rawHits.set(result, r.matches);
  return result;
}
