import {
  addToSummary,
  foldKeys,
  severityOfSource,
  subjectOf,
  summaryOf,
  type CaseIngestOutcome,
  type CaseIntake,
  type CasePolicyConfig,
  type CaseSummary,
  type FoldIndex,
  type FoldVia,
} from '@lifeguard/core';
import type BetterSqlite3 from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { lower, moreSevere, queueColumns, VIA_ORDER } from './case-intake.kysely.js';
import { caseOf, sourceJson, type CaseItemsTable, type CasesTable } from './case-store.tables.js';

type CaseRow = Selectable<CasesTable>;
type ItemRow = Selectable<CaseItemsTable>;

/**
 * The SQLite fast path of case intake: the fold of `ingestOne` (same reads, same writes, same
 * outcome) on statements prepared once per connection and run synchronously through
 * better-sqlite3, without Kysely building and compiling each query and without a promise per
 * statement. A whole batch is one `BEGIN IMMEDIATE … COMMIT` (group commit), so the batch's
 * signals share one fsync; the caller holds Kysely's connection while it runs, so no other
 * query on the connection can interleave. PostgreSQL keeps the Kysely path (`ingestOne`).
 *
 * Profile (docs/bench/cases.md, session 3): with Kysely, building and compiling the fold's
 * 8 statements cost more CPU than SQLite running them.
 */
export class SqliteCaseIntake {
  private readonly keyCases: BetterSqlite3.Statement<
    [string],
    { case_id: number; item_id: number; active: number }
  >;
  private readonly caseActive: BetterSqlite3.Statement<[number], { active: number }>;
  private readonly caseGet: BetterSqlite3.Statement<[number], CaseRow>;
  private readonly caseInsert: BetterSqlite3.Statement<unknown[], CaseRow>;
  private readonly caseUpdate: BetterSqlite3.Statement<unknown[], CaseRow>;
  private readonly itemGet: BetterSqlite3.Statement<[number], ItemRow>;
  private readonly itemUpdate: BetterSqlite3.Statement<unknown[]>;
  private readonly itemInsert: BetterSqlite3.Statement<unknown[]>;
  private readonly keyInsert: BetterSqlite3.Statement<[string, number, number]>;
  private readonly signalInsert: BetterSqlite3.Statement<unknown[]>;
  private readonly batch: (
    intakes: readonly CaseIntake[],
    index: FoldIndex,
    now: number,
    opened: string[],
  ) => CaseIngestOutcome[];

  /**
   * @param db the better-sqlite3 connection under the store's Kysely instance (migrated)
   * @param policy severity, priority and SLA policy
   */
  constructor(
    db: BetterSqlite3.Database,
    private readonly policy: CasePolicyConfig,
  ) {
    this.keyCases = db.prepare(
      'select k.case_id as case_id, k.item_id as item_id, c.active as active from lg_case_keys k ' +
        'join lg_cases c on c.id = k.case_id where k.key = ?',
    );
    this.caseActive = db.prepare('select active from lg_cases where id = ?');
    this.caseGet = db.prepare('select * from lg_cases where id = ?');
    this.caseInsert = db.prepare(
      'insert into lg_cases (state, active, severity, priority, scored_at, rescore_at, ' +
        'sla_due_at, summary, linked_to, also_matches, account, assignee, opened_at, ' +
        'updated_at, closed_at, sla_breached_at, decided_at, actioned_at, version) ' +
        "values ('open', 1, ?, ?, ?, ?, ?, ?, ?, '[]', ?, null, ?, ?, null, null, null, ?, 1) " +
        'returning *',
    );
    this.caseUpdate = db.prepare(
      'update lg_cases set severity = ?, priority = ?, scored_at = ?, rescore_at = ?, ' +
        'sla_due_at = ?, summary = ?, also_matches = ?, account = ?, updated_at = ?, ' +
        'actioned_at = ?, version = ? where id = ? returning *',
    );
    this.itemGet = db.prepare('select * from lg_case_items where id = ?');
    this.itemUpdate = db.prepare(
      'update lg_case_items set count = ?, last_at = ?, first_at = ?, severity = ?, ' +
        'content_id = ?, sha256 = ?, md5 = ?, pdq = ?, account = ?, blob_key = ? where id = ?',
    );
    this.itemInsert = db.prepare(
      'insert into lg_case_items (case_id, kind, content_id, sha256, md5, pdq, account, ' +
        'severity, count, first_at, last_at, blob_key) values (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)',
    );
    this.keyInsert = db.prepare(
      'insert into lg_case_keys (key, case_id, item_id) values (?, ?, ?)',
    );
    this.signalInsert = db.prepare(
      'insert into lg_case_signals (case_id, item_id, kind, severity, via, received_at, ' +
        'source, reach, report_text) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const tx = db.transaction(
      (intakes: readonly CaseIntake[], index: FoldIndex, now: number, opened: string[]) =>
        intakes.map((i) => this.foldOne(i, index, now, opened)),
    );
    this.batch = (intakes, index, now, opened) => tx.immediate(intakes, index, now, opened);
  }

  /**
   * Fold `intakes` in one `BEGIN IMMEDIATE` transaction, in order (a later signal sees the
   * cases and keys of earlier ones). All or nothing: on an error the transaction rolls back,
   * the PDQs it had put in `index` for the cases it opened are removed again (when `index`
   * can), and the error is thrown. The caller must hold the connection (no other transaction
   * open on it).
   */
  ingest(intakes: readonly CaseIntake[], index: FoldIndex, now: number): CaseIngestOutcome[] {
    const opened: string[] = [];
    try {
      return this.batch(intakes, index, now, opened);
    } catch (e) {
      // Rolled back: those case ids do not exist (and SQLite may hand them out again).
      const forget = (index as { removeCase?: (caseId: string) => unknown }).removeCase;
      if (typeof forget === 'function') for (const id of opened) forget.call(index, id);
      throw e;
    }
  }

  private foldOne(
    intake: CaseIntake,
    index: FoldIndex,
    now: number,
    opened: string[],
  ): CaseIngestOutcome {
    const policy = this.policy;
    const { item } = intake;
    const subject = subjectOf(item.source);
    const media = lower(subject.media);
    const keys = foldKeys({ ...(media ? { media } : {}), account: subject.account });
    const severity = severityOfSource(item.source, policy);
    const found = new Map<number, { via: FoldVia; active: boolean }>();
    // Every case row of every exact key (the target's among them): which keys the target
    // already has, and on which item, without reading them again.
    const keyRows: Array<{ key: string; via: FoldVia; caseId: number; itemId: number }> = [];
    const consider = (caseId: number, via: FoldVia, active: boolean) => {
      const old = found.get(caseId);
      if (old === undefined || VIA_ORDER.indexOf(via) < VIA_ORDER.indexOf(old.via)) {
        found.set(caseId, { via, active });
      }
    };
    for (const k of keys) {
      for (const r of this.keyCases.all(k.key)) {
        consider(r.case_id, k.via, r.active === 1);
        keyRows.push({ key: k.key, via: k.via, caseId: r.case_id, itemId: r.item_id });
      }
    }
    if (media?.pdq !== undefined) {
      for (const c of index.near(media.pdq)) {
        const id = Number(c.caseId);
        if (found.has(id)) continue;
        const r = this.caseActive.get(id);
        if (r !== undefined) consider(id, c.distance === 0 ? 'pdq' : 'pdq_near', r.active === 1);
      }
    }
    // Case ids increase with creation: the earliest-opened active case wins (deterministic).
    const ordered = [...found.entries()].sort((a, b) => a[0] - b[0]);
    const active = ordered.filter(([, m]) => m.active);
    const closed = ordered.filter(([, m]) => !m.active).map(([id]) => String(id));
    const target = active[0];
    const alsoMatches = active.slice(1).map(([id]) => String(id));
    const autoAction = item.source.kind === 'hash_match' && item.source.verdict === 'block';

    let row: CaseRow;
    if (target === undefined) {
      const summary = summaryOf(item, policy);
      const q = queueColumns(summary, policy, now, null);
      row = this.caseInsert.get(
        summary.severity,
        q.priority,
        q.scored_at,
        q.rescore_at,
        q.sla_due_at,
        JSON.stringify(summary),
        JSON.stringify(closed),
        subject.account ?? null,
        summary.openedAt,
        now,
        autoAction ? item.receivedAt : null,
      )!;
      opened.push(String(row.id));
    } else {
      const current = this.caseGet.get(target[0])!;
      const summary = addToSummary(JSON.parse(current.summary) as CaseSummary, item, policy);
      const also = new Set(JSON.parse(current.also_matches) as string[]);
      for (const id of alsoMatches) also.add(id);
      const q = queueColumns(summary, policy, now, null);
      row = this.caseUpdate.get(
        summary.severity,
        q.priority,
        q.scored_at,
        q.rescore_at,
        q.sla_due_at,
        JSON.stringify(summary),
        JSON.stringify([...also]),
        current.account ?? subject.account ?? null,
        now,
        current.actioned_at ?? (autoAction ? item.receivedAt : null),
        current.version + 1,
        current.id,
      )!;
    }
    const caseId = Number(row.id);

    // The item inside the case: the same bytes (SHA-256, MD5) or content id; a signal that
    // names no bytes (a report by PDQ or content id) joins the item with that key. Distinct
    // files stay distinct items even when their PDQs are equal: each needs its own look.
    const byBytes = media?.sha256 !== undefined || media?.md5 !== undefined;
    const have = new Set<string>();
    let itemId: number | undefined;
    for (const r of keyRows) {
      if (r.caseId !== caseId) continue;
      have.add(r.key);
      // The item with the lowest id among this signal's item keys (as `order by item_id`).
      if ((!byBytes || r.via !== 'pdq') && (itemId === undefined || r.itemId < itemId)) {
        itemId = r.itemId;
      }
    }
    if (itemId !== undefined) {
      const it = this.itemGet.get(itemId)!;
      this.itemUpdate.run(
        it.count + 1,
        Math.max(Number(it.last_at), item.receivedAt),
        Math.min(Number(it.first_at), item.receivedAt),
        moreSevere(it.severity, severity),
        it.content_id ?? media?.contentId ?? null,
        it.sha256 ?? media?.sha256 ?? null,
        it.md5 ?? media?.md5 ?? null,
        it.pdq ?? media?.pdq ?? null,
        it.account ?? subject.account ?? null,
        it.blob_key ?? intake.blobKey ?? null,
        itemId,
      );
    } else {
      itemId = Number(
        this.itemInsert.run(
          caseId,
          media !== undefined ? 'media' : 'account',
          media?.contentId ?? null,
          media?.sha256 ?? null,
          media?.md5 ?? null,
          media?.pdq ?? null,
          subject.account ?? null,
          severity,
          item.receivedAt,
          item.receivedAt,
          intake.blobKey ?? null,
        ).lastInsertRowid,
      );
    }
    let newPdq = false;
    for (const k of keys) {
      if (have.has(k.key)) continue;
      this.keyInsert.run(k.key, caseId, itemId);
      if (k.via === 'pdq') newPdq = true;
    }
    const via: FoldVia | 'opened' = target === undefined ? 'opened' : target[1].via;
    const signalId = this.signalInsert.run(
      caseId,
      itemId,
      item.source.kind,
      severity,
      via,
      item.receivedAt,
      sourceJson(item.source),
      item.reach === undefined ? null : JSON.stringify(item.reach),
      item.source.kind === 'user_report' && item.source.text !== undefined
        ? item.source.text.reveal()
        : null,
    ).lastInsertRowid;
    if (media?.pdq !== undefined && newPdq) index.added(String(caseId), media.pdq);
    return {
      caseId: String(caseId),
      itemId: String(itemId),
      signalId: String(signalId),
      opened: target === undefined,
      via,
      linkedTo: target === undefined ? closed : [],
      alsoMatches,
      case: caseOf(row),
    };
  }
}
