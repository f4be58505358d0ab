/**
 * Test-only: a confirmed, reportable case with one media item whose review copy is in the
 * blob store and whose media a child-safety reviewer viewed (`revealed`) — what a hotline
 * report is built from. Used by the report tests, the kill test and the benchmark.
 */
import { createHash } from 'node:crypto';
import type { Actor, BlobStore, CaseStore, UploadContext } from '@lifeguard/core';

/** The reviewer who claims, views and confirms. */
export const CHILD_SAFETY_ACTOR: Actor = { id: 'user:csr', roles: ['child_safety_reviewer'] };

/** Options of {@link confirmedCase}. */
export interface ConfirmedCaseOptions {
  /** Record a `revealed` view of the media (default true). */
  readonly viewed?: boolean;
  /** Industry classification of the decision (default `A2`). */
  readonly classification?: string | null;
  /** Uploader account (default `u_1`). */
  readonly uploader?: string;
  /** The acting reviewer (default {@link CHILD_SAFETY_ACTOR}). */
  readonly actor?: Actor;
  /** How the upload reached the platform (IP, time, devices), if the platform said. */
  readonly upload?: UploadContext;
}

/**
 * Ingest a `hash_match` signal for `bytes` (labelled `csam`, so the case is `possible_csam`),
 * keep the bytes in `blobs` as `media/<sha256>`, claim it, view it and confirm it as `csam`.
 * Returns the case and item ids.
 */
export async function confirmedCase(
  cases: CaseStore,
  blobs: BlobStore,
  bytes: Uint8Array,
  opts: ConfirmedCaseOptions = {},
): Promise<{ caseId: string; itemId: string; sha256: string; md5: string }> {
  const actor = opts.actor ?? CHILD_SAFETY_ACTOR;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const md5 = createHash('md5').update(bytes).digest('hex');
  const blobKey = `media/${sha256}`;
  await blobs.put(blobKey, bytes, { contentType: 'image/jpeg' });
  const now = Date.now();
  const [out] = await cases.ingest(
    [
      {
        item: {
          id: 'x',
          receivedAt: now,
          source: {
            kind: 'hash_match',
            media: { sha256, md5, contentId: `upload-${sha256.slice(0, 12)}` },
            verdict: 'review',
            rule: 'label:csam=review',
            matches: [
              {
                bankId: 1,
                bankName: 'test-bank',
                kind: 'block',
                entryId: 1,
                signal: 'md5',
                value: md5,
                distance: 0,
                threshold: 0,
                labels: ['csam'],
                classification: null,
                sourceId: null,
              },
            ],
            uploader: opts.uploader ?? 'u_1',
            ...(opts.upload !== undefined ? { upload: opts.upload } : {}),
          },
        },
        blobKey,
      },
    ],
    { near: () => [], added: () => undefined },
    now,
  );
  const caseId = out!.caseId;
  const itemId = out!.itemId;
  await cases.transition(caseId, 'in_review', actor, 'claim', now + 1);
  if (opts.viewed !== false) {
    await cases.recordView(
      { caseId, itemId, actor: actor.id, mode: 'revealed', at: now + 2 },
      { counts: true, cap: 1_000_000, dayStart: now - 86_400_000 },
    );
  }
  await cases.decide(
    caseId,
    { kind: 'confirm', category: 'csam' },
    { classification: opts.classification === undefined ? 'A2' : opts.classification, note: null },
    actor,
    now + 3,
    () => [],
  );
  return { caseId, itemId, sha256, md5 };
}
