import type { Kysely } from 'kysely';
import type { Database } from './database.model.js';

/** Row of `lg_bank_actions` (migration `0002_server`). */
export interface BankActionsTable {
  /** Bank id. */
  bank_id: number;
  /** `block`, `review` or `allow`. */
  action: string;
  /** ISO-8601 time of the last change. */
  updated_at: string;
}

type Db = Kysely<Database & { lg_bank_actions: BankActionsTable }>;

/**
 * The action configured per bank (what a match on it means for the verdict). Kept apart
 * from `lg_banks` because it is a policy of the scanning service, not a property of the
 * hash list: the same bank can be `review` on one deployment and `block` on another.
 */
export class KyselyBankActionStore {
  private readonly db: Db;

  /** @param db the store's Kysely instance (see `KyselyBankStore.kysely`) */
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ lg_bank_actions: BankActionsTable }>();
  }

  /** Every configured action by bank id. */
  async all(): Promise<Map<number, string>> {
    const rows = await this.db.selectFrom('lg_bank_actions').selectAll().execute();
    return new Map(rows.map((r) => [Number(r.bank_id), r.action]));
  }

  /** Set (or with `null` clear) a bank's action. */
  async set(bankId: number, action: string | null): Promise<void> {
    if (action === null) {
      await this.db.deleteFrom('lg_bank_actions').where('bank_id', '=', bankId).execute();
      return;
    }
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto('lg_bank_actions')
      .values({ bank_id: bankId, action, updated_at })
      .onConflict((oc) => oc.column('bank_id').doUpdateSet({ action, updated_at }))
      .execute();
  }
}
