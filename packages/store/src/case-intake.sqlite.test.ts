/**
 * The SQLite prepared-statement intake ({@link SqliteCaseIntake}) against the Kysely fold
 * (`ingestOne`): the same seeded stream of signals — exact and near-duplicate media, content
 * ids, MD5, accounts, block verdicts, risk alerts, manual entries, with cases closed between
 * batches — must leave byte-identical tables and outcomes on two fresh stores. And a batch
 * that fails half-way leaves nothing behind, in the database or the fold index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CasePdqIndex,
  DEFAULT_CASE_POLICY,
  ReportText,
  type Actor,
  type CaseIngestOutcome,
  type CaseIntake,
  type CaseSource,
} from '@lifeguard/core';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { KyselyCaseStore } from './case-store.kysely.js';
import { createStore, type LifeguardStore } from './create-store.factory.js';

const T0 = Date.UTC(2026, 0, 1);
const closer: Actor = { id: 'cs1', roles: ['child_safety_reviewer'] };
const dirs: string[] = [];
const stores: LifeguardStore[] = [];

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(prepared: boolean): Promise<{
  store: LifeguardStore;
  cases: KyselyCaseStore;
  index: CasePdqIndex;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeguard-intake-'));
  dirs.push(dir);
  const store = await createStore({ dataDir: dir });
  stores.push(store);
  expect(store.sqlite).toBeDefined();
  const cases = new KyselyCaseStore(
    store.kysely,
    store.dialect,
    DEFAULT_CASE_POLICY,
    prepared ? store.sqlite : undefined,
  );
  return { store, cases, index: new CasePdqIndex() };
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (r: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');

/** Flip `bits` distinct nibbles' lowest bit: a PDQ `bits` bits away. */
const near = (pdq: string, bits: number) =>
  pdq
    .split('')
    .map((c, i) => (i < bits ? (parseInt(c, 16) ^ 1).toString(16) : c))
    .join('');

function stream(seed: number, n: number): CaseIntake[] {
  const r = rng(seed);
  const shas: string[] = [];
  const pdqs: string[] = [];
  const cids: string[] = [];
  /** Bytes of re-encodes of the media with each content id (they fold into its case). */
  const copies = new Map<string, string[]>();
  const cidOf: Array<string | undefined> = [];
  const accounts = ['acct-1', 'acct-2', 'acct-3', 'acct-4'];
  const out: CaseIntake[] = [];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  for (let i = 0; i < n; i++) {
    const at = T0 + i * 1000;
    const x = r();
    let source: CaseSource;
    if (x < 0.15 || shas.length === 0) {
      // New media, sometimes with a content id, md5, uploader.
      const sha = hex(r, 64);
      const pdq = hex(r, 64);
      shas.push(sha);
      pdqs.push(pdq);
      const cid = r() < 0.4 ? `post-${i}` : undefined;
      cidOf.push(cid);
      if (cid !== undefined) {
        cids.push(cid);
        copies.set(cid, []);
      }
      source = {
        kind: 'hash_match',
        media: {
          sha256: r() < 0.5 ? sha.toUpperCase() : sha,
          pdq,
          ...(r() < 0.3 ? { md5: hex(r, 32) } : {}),
          ...(cid !== undefined ? { contentId: cid } : {}),
        },
        verdict: r() < 0.3 ? 'block' : 'review',
        rule: 'default',
        matches: [],
        ...(r() < 0.3 ? { uploader: pick(accounts) } : {}),
      };
    } else if (x < 0.45) {
      source = {
        kind: 'user_report',
        reporter: `u${i}`,
        reportedContent: { sha256: pick(shas) },
        ...(r() < 0.3 ? { reportedAccount: pick(accounts) } : {}),
        reason: r() < 0.2 ? 'csam' : 'harassment',
        ...(r() < 0.5 ? { text: new ReportText('placeholder words') } : {}),
      };
    } else if (x < 0.6) {
      // Near duplicate (a re-encode): new bytes, PDQ a few bits away.
      const k = Math.floor(r() * pdqs.length);
      const sha = hex(r, 64);
      const cid = cidOf[k];
      if (cid !== undefined) copies.get(cid)!.push(sha);
      source = {
        kind: 'user_report',
        reporter: `u${i}`,
        reportedContent: { sha256: sha, pdq: near(pdqs[k]!, 1 + Math.floor(r() * 12)) },
        reason: 'other',
      };
    } else if (x < 0.65 || cids.length === 0) {
      // By PDQ only (no bytes): joins the item with that PDQ.
      source = {
        kind: 'user_report',
        reporter: `u${i}`,
        reportedContent: { pdq: pick(pdqs) },
        reason: 'other',
      };
    } else if (x < 0.7) {
      // A content id and the bytes of a re-encode in the same case (two items of one case:
      // the signal joins the earlier item), or of some other media.
      const cid = pick(cids);
      const same = copies.get(cid) ?? [];
      source = {
        kind: 'user_report',
        reporter: `u${i}`,
        reportedContent: { contentId: cid, sha256: same.length > 0 ? pick(same) : pick(shas) },
        reason: 'other',
      };
    } else if (x < 0.85) {
      source = {
        kind: 'user_report',
        reporter: `u${i}`,
        reportedAccount: pick(accounts),
        reason: 'grooming',
      };
    } else if (x < 0.95) {
      source = {
        kind: 'risk_alert',
        account: pick(accounts),
        score: r(),
        reasons: [],
        minorsInContact: r() < 0.5 ? ['m1'] : [],
        ...(r() < 0.5 ? { lastMinorContactAt: at - 60_000 } : {}),
      };
    } else {
      source = {
        kind: 'manual',
        createdBy: 'lead1',
        severity: 'other',
        media: { pdq: near(pick(pdqs), 40) },
        ongoingHarm: r() < 0.5,
      };
    }
    out.push({
      item: { id: 'x', receivedAt: at, source, ...(r() < 0.3 ? { reach: { views: i } } : {}) },
      ...(r() < 0.1 ? { blobKey: `media/${i}` } : {}),
    });
  }
  return out;
}

async function dump(store: LifeguardStore): Promise<unknown> {
  const out: Record<string, unknown[]> = {};
  for (const t of ['lg_cases', 'lg_case_items', 'lg_case_keys', 'lg_case_signals']) {
    out[t] = (await sql`select * from ${sql.table(t)} order by id`.execute(store.kysely)).rows;
  }
  return out;
}

describe('SQLite prepared-statement case intake', () => {
  it('folds exactly as the Kysely intake: same tables, same outcomes', async () => {
    const a = await open(true);
    const b = await open(false);
    const signals = stream(6, 600);
    const outA: CaseIngestOutcome[] = [];
    const outB: CaseIngestOutcome[] = [];
    const r = rng(99);
    let i = 0;
    while (i < signals.length) {
      const size = 1 + Math.floor(r() * 40);
      const batch = signals.slice(i, i + size);
      const now = batch[batch.length - 1]!.item.receivedAt;
      outA.push(...(await a.cases.ingest(batch, a.index, now)));
      outB.push(...(await b.cases.ingest(batch, b.index, now)));
      i += size;
      // Now and then a reviewer closes an active case: later signals open linked cases.
      if (r() < 0.3) {
        const target = outA[Math.floor(r() * outA.length)]!.caseId;
        for (const s of [a, b]) {
          const c = (await s.cases.get(target))!;
          if (c.state !== 'open') continue;
          await s.cases.transition(target, 'in_review', closer, 'claim', now);
          await s.cases.transition(target, 'dismissed', closer, 'false positive', now);
          s.index.removeCase(target);
        }
      }
    }
    expect(outA).toEqual(outB);
    // The stream exercised every path.
    const vias = new Set(outA.map((o) => o.via));
    for (const v of ['opened', 'sha256', 'pdq', 'pdq_near', 'account']) expect(vias).toContain(v);
    expect(outA.some((o) => o.linkedTo.length > 0)).toBe(true);
    expect(outA.filter((o) => o.opened).length).toBeGreaterThan(50);
    expect(await dump(a.store)).toEqual(await dump(b.store));
    expect(a.index.size).toBe(b.index.size);
  });

  it('rolls a failed batch back entirely, and forgets the PDQs of the cases it opened', async () => {
    const { store, cases, index } = await open(true);
    const pdq = 'a'.repeat(64);
    const good: CaseIntake = {
      item: {
        id: 'x',
        receivedAt: T0,
        source: { kind: 'user_report', reporter: 'u1', reportedContent: { pdq }, reason: 'other' },
      },
    };
    // JSON.stringify throws on a bigint: the second signal fails after the first was written.
    const bad: CaseIntake = {
      item: {
        id: 'x',
        receivedAt: T0,
        source: { kind: 'user_report', reporter: 'u2', reportedAccount: 'z', reason: 'other' },
        reach: { views: 1n as unknown as number },
      },
    };
    await expect(cases.ingest([good, bad], index, T0)).rejects.toThrow(/BigInt/);
    expect(index.size).toBe(0);
    expect(index.near(pdq)).toEqual([]);
    const rows = await sql<{ n: number }>`select count(*) as n from lg_cases`.execute(store.kysely);
    expect(rows.rows[0]!.n).toBe(0);
    // The connection is usable and not left inside a transaction.
    const [o] = await cases.ingest([good], index, T0);
    expect(o!.opened).toBe(true);
    expect(index.near(pdq).map((c) => c.caseId)).toEqual([o!.caseId]);
  });
});
