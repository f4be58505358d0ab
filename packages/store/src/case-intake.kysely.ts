import {
  addToSummary,
  foldKeys,
  scorePriority,
  severityOfSource,
  severityRank,
  slaClock,
  subjectOf,
  summaryOf,
  type CaseIntake,
  type CasePolicyConfig,
  type CaseSeverity,
  type CaseSummary,
  type FoldIndex,
  type FoldVia,
  type CaseIngestOutcome,
  type MediaRef,
} from '@lifeguard/core';
import type { Kysely, Selectable } from 'kysely';
import { caseOf, sourceJson, type CaseDb, type CasesTable } from './case-store.tables.js';

const HOUR = 3_600_000;

/** Precedence of fold keys when one case matches on several (as core's CaseFolder). */
export const VIA_ORDER: readonly FoldVia[] = [
  'content_id',
  'sha256',
  'md5',
  'pdq',
  'account',
  'pdq_near',
];

/** The queue columns derived from a summary at `now`: priority, SLA deadline, next rescore. */
export function queueColumns(
  summary: CaseSummary,
  policy: CasePolicyConfig,
  now: number,
  closedAt: number | null,
): { priority: number; scored_at: number; rescore_at: number | null; sla_due_at: number } {
  const priority = scorePriority(summary, policy, now).score;
  const sla = slaClock(summary, policy, now, closedAt);
  let rescore: number | null = null;
  if (closedAt === null) {
    // Age adds age.perHour points an hour until age.max: rescore at every whole point.
    const perHour = policy.age.perHour;
    if (perHour > 0) {
      const capAt = summary.openedAt + (policy.age.max / perHour) * HOUR;
      if (now < capAt) rescore = Math.min(capAt, now + Math.ceil(HOUR / perHour));
    }
    // Ongoing harm stops counting when the last minor contact leaves the window.
    const last = summary.lastMinorContactAt;
    if (!summary.ongoingFlagged && last !== null) {
      const ends = last + policy.ongoingContactWindowMs + 1;
      if (ends > now) rescore = rescore === null ? ends : Math.min(rescore, ends);
    }
  }
  return {
    priority,
    scored_at: now,
    rescore_at: rescore === null ? null : Math.ceil(rescore),
    sla_due_at: Math.round(sla.dueAt),
  };
}

/** The more severe of a stored severity and a new one. */
export function moreSevere(a: string, b: CaseSeverity): CaseSeverity {
  return severityRank(a as CaseSeverity) >= severityRank(b) ? (a as CaseSeverity) : b;
}

/** Media hashes in lower case (fold keys and stored columns). */
export function lower(m: MediaRef | undefined): MediaRef | undefined {
  if (m === undefined) return undefined;
  return {
    ...(m.contentId !== undefined ? { contentId: m.contentId } : {}),
    ...(m.sha256 !== undefined ? { sha256: m.sha256.toLowerCase() } : {}),
    ...(m.md5 !== undefined ? { md5: m.md5.toLowerCase() } : {}),
    ...(m.pdq !== undefined ? { pdq: m.pdq.toLowerCase() } : {}),
  };
}

/**
 * Fold one signal inside an open write transaction (see `KyselyCaseStore.ingest`). Exact
 * keys are looked up in `lg_case_keys` (so cases opened by another process are found), PDQ
 * near-duplicates come from `index`; every candidate's state is read here, in the
 * transaction, so only active cases absorb.
 */
export async function ingestOne(
  trx: Kysely<CaseDb>,
  policy: CasePolicyConfig,
  intake: CaseIntake,
  index: FoldIndex,
  now: number,
): Promise<CaseIngestOutcome> {
  const { item } = intake;
  const subject = subjectOf(item.source);
  const media = lower(subject.media);
  const keys = foldKeys({ ...(media ? { media } : {}), account: subject.account });
  const severity = severityOfSource(item.source, policy);
  const found = new Map<string, { via: FoldVia; active: boolean }>();
  const consider = (caseId: string, via: FoldVia, active: boolean) => {
    const old = found.get(caseId);
    if (old === undefined || VIA_ORDER.indexOf(via) < VIA_ORDER.indexOf(old.via)) {
      found.set(caseId, { via, active });
    }
  };
  if (keys.length > 0) {
    const rows = await trx
      .selectFrom('lg_case_keys as k')
      .innerJoin('lg_cases as c', 'c.id', 'k.case_id')
      .select(['k.key', 'k.case_id', 'c.active'])
      .where(
        'k.key',
        'in',
        keys.map((k) => k.key),
      )
      .execute();
    const viaOf = new Map(keys.map((k) => [k.key, k.via]));
    for (const r of rows) consider(String(r.case_id), viaOf.get(r.key)!, r.active === 1);
  }
  if (media?.pdq !== undefined) {
    const near = index.near(media.pdq).filter((c) => !found.has(c.caseId));
    if (near.length > 0) {
      const rows = await trx
        .selectFrom('lg_cases')
        .select(['id', 'active'])
        .where(
          'id',
          'in',
          near.map((c) => Number(c.caseId)),
        )
        .execute();
      const dist = new Map(near.map((c) => [c.caseId, c.distance]));
      for (const r of rows) {
        const id = String(r.id);
        consider(id, dist.get(id) === 0 ? 'pdq' : 'pdq_near', r.active === 1);
      }
    }
  }
  // Case ids increase with creation: the earliest-opened active case wins (deterministic).
  const ordered = [...found.entries()].sort((a, b) => Number(a[0]) - Number(b[0]));
  const active = ordered.filter(([, m]) => m.active);
  const closed = ordered.filter(([, m]) => !m.active).map(([id]) => id);
  const target = active[0];
  const alsoMatches = active.slice(1).map(([id]) => id);
  const autoAction = item.source.kind === 'hash_match' && item.source.verdict === 'block';

  let row: Selectable<CasesTable>;
  if (target === undefined) {
    const summary = summaryOf(item, policy);
    const q = queueColumns(summary, policy, now, null);
    row = await trx
      .insertInto('lg_cases')
      .values({
        state: 'open',
        active: 1,
        severity: summary.severity,
        ...q,
        summary: JSON.stringify(summary),
        linked_to: JSON.stringify(closed),
        also_matches: '[]',
        account: subject.account ?? null,
        assignee: null,
        opened_at: summary.openedAt,
        updated_at: now,
        closed_at: null,
        sla_breached_at: null,
        decided_at: null,
        actioned_at: autoAction ? item.receivedAt : null,
        version: 1,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } else {
    const current = await trx
      .selectFrom('lg_cases')
      .selectAll()
      .where('id', '=', Number(target[0]))
      .executeTakeFirstOrThrow();
    const summary = addToSummary(JSON.parse(current.summary) as CaseSummary, item, policy);
    const also = new Set(JSON.parse(current.also_matches) as string[]);
    for (const id of alsoMatches) also.add(id);
    row = await trx
      .updateTable('lg_cases')
      .set({
        severity: summary.severity,
        ...queueColumns(summary, policy, now, null),
        summary: JSON.stringify(summary),
        also_matches: JSON.stringify([...also]),
        account: current.account ?? subject.account ?? null,
        updated_at: now,
        actioned_at: current.actioned_at ?? (autoAction ? item.receivedAt : null),
        version: current.version + 1,
      })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const caseId = Number(row.id);

  // The item inside the case: the same bytes (SHA-256, MD5) or content id; a signal that
  // names no bytes (a report by PDQ or content id) joins the item with that key. Distinct
  // files stay distinct items even when their PDQs are equal: each needs its own look.
  const byBytes = media?.sha256 !== undefined || media?.md5 !== undefined;
  const itemKeys = keys.filter((k) => !byBytes || k.via !== 'pdq');
  // One read of the case's rows for this signal's keys serves both questions: which keys the
  // case has already, and which item (if any) has the same bytes or content id.
  const caseKeys =
    keys.length === 0
      ? []
      : await trx
          .selectFrom('lg_case_keys')
          .select(['key', 'item_id'])
          .where('case_id', '=', caseId)
          .where(
            'key',
            'in',
            keys.map((k) => k.key),
          )
          .orderBy('item_id')
          .execute();
  const itemKeySet = new Set(itemKeys.map((k) => k.key));
  const existingKeys = caseKeys.filter((k) => itemKeySet.has(k.key));
  const have = new Set(caseKeys.map((k) => k.key));
  let itemId: number;
  const firstItem = existingKeys[0];
  if (firstItem !== undefined) {
    itemId = Number(firstItem.item_id);
    const it = await trx
      .selectFrom('lg_case_items')
      .selectAll()
      .where('id', '=', itemId)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('lg_case_items')
      .set({
        count: it.count + 1,
        last_at: Math.max(Number(it.last_at), item.receivedAt),
        first_at: Math.min(Number(it.first_at), item.receivedAt),
        severity: moreSevere(it.severity, severity),
        content_id: it.content_id ?? media?.contentId ?? null,
        sha256: it.sha256 ?? media?.sha256 ?? null,
        md5: it.md5 ?? media?.md5 ?? null,
        pdq: it.pdq ?? media?.pdq ?? null,
        account: it.account ?? subject.account ?? null,
        blob_key: it.blob_key ?? intake.blobKey ?? null,
      })
      .where('id', '=', itemId)
      .execute();
  } else {
    const inserted = await trx
      .insertInto('lg_case_items')
      .values({
        case_id: caseId,
        kind: media !== undefined ? 'media' : 'account',
        content_id: media?.contentId ?? null,
        sha256: media?.sha256 ?? null,
        md5: media?.md5 ?? null,
        pdq: media?.pdq ?? null,
        account: subject.account ?? null,
        severity,
        count: 1,
        first_at: item.receivedAt,
        last_at: item.receivedAt,
        blob_key: intake.blobKey ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    itemId = Number(inserted.id);
  }
  const newKeys = keys.filter((k) => !have.has(k.key));
  if (newKeys.length > 0) {
    await trx
      .insertInto('lg_case_keys')
      .values(newKeys.map((k) => ({ key: k.key, case_id: caseId, item_id: itemId })))
      .execute();
  }
  // Media items also remember their account (uploader, reported account) for account
  // history, without folding on it.
  const via: FoldVia | 'opened' = target === undefined ? 'opened' : target[1].via;
  const signal = await trx
    .insertInto('lg_case_signals')
    .values({
      case_id: caseId,
      item_id: itemId,
      kind: item.source.kind,
      severity,
      via,
      received_at: item.receivedAt,
      source: sourceJson(item.source),
      reach: item.reach === undefined ? null : JSON.stringify(item.reach),
      report_text:
        item.source.kind === 'user_report' && item.source.text !== undefined
          ? item.source.text.reveal()
          : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (media?.pdq !== undefined && newKeys.some((k) => k.via === 'pdq')) {
    index.added(String(caseId), media.pdq);
  }
  return {
    caseId: String(caseId),
    itemId: String(itemId),
    signalId: String(signal.id),
    opened: target === undefined,
    via,
    linkedTo: target === undefined ? closed : [],
    alsoMatches,
    case: caseOf(row),
  };
}
