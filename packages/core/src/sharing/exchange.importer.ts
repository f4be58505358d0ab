import type { Bank, EntryOpinion, NewBankEntry, Signal } from '../banks/bank.model.js';
import type { BankStore } from '../ports/bank-store.port.js';
import type { ExchangeBatch, ExchangeStats, SignalUpdate } from './exchange.model.js';

/** Entries per store call; each call is one transaction. */
const WRITE_CHUNK = 10_000;

/** What applying one batch did (a partial {@link ExchangeStats}). */
export type BatchOutcome = Pick<
  ExchangeStats,
  'pages' | 'added' | 'removed' | 'duplicates' | 'corruptPages' | 'unsupported'
>;

/**
 * Whether an update puts its signal into `bank` (true) or takes it out (false). A tombstone
 * removes; a `false_positive` opinion removes from a block bank and adds to an allow bank
 * (the bank of known-benign material); anything else adds.
 */
export function updateAdds(update: SignalUpdate, bank: Pick<Bank, 'kind'>): boolean {
  if (update.op === 'remove') return false;
  if (update.opinion === 'false_positive') return bank.kind === 'allow';
  return true;
}

/**
 * Apply one exchange batch to a local bank, idempotently: adds of signals already present
 * count as duplicates, removals of absent signals do nothing. Within a batch the last update
 * of a signal wins (a feed can add and withdraw the same hash on one page); tombstones that
 * name a source entry (`remove_source`) are applied before the signal updates. Removals keep
 * the source's `false_positive` opinion in the local tombstone, so a feed of this bank
 * passes it on. A corrupt batch changes nothing and is counted.
 */
export async function applyExchangeBatch(
  store: BankStore,
  bank: Pick<Bank, 'id' | 'kind'>,
  batch: ExchangeBatch,
): Promise<BatchOutcome> {
  const unsupported = batch.unsupported ?? 0;
  if (batch.corrupt !== undefined) {
    return { pages: 0, added: 0, removed: 0, duplicates: 0, corruptPages: 1, unsupported };
  }
  const last = new Map<string, SignalUpdate>();
  const bySource = new Map<EntryOpinion | 'none', string[]>();
  for (const u of batch.updates) {
    if (u.op === 'remove_source') {
      const k = u.opinion ?? 'none';
      let list = bySource.get(k);
      if (!list) bySource.set(k, (list = []));
      list.push(u.sourceId);
      continue;
    }
    const key = `${u.signalType}:${u.value}`;
    last.delete(key); // keep insertion order = order of the last update
    last.set(key, u);
  }
  const adds: NewBankEntry[] = [];
  const removals = new Map<EntryOpinion | 'none', Signal[]>();
  for (const u of last.values()) {
    if (updateAdds(u, bank)) {
      adds.push({
        signalType: u.signalType,
        value: u.value,
        ...(u.sourceId !== undefined ? { sourceId: u.sourceId } : {}),
        ...(u.classification !== undefined ? { classification: u.classification } : {}),
      });
    } else {
      const k = u.opinion ?? 'none';
      let list = removals.get(k);
      if (!list) removals.set(k, (list = []));
      list.push({ signalType: u.signalType, value: u.value });
    }
  }
  let added = 0;
  let duplicates = 0;
  let removed = 0;
  // Source tombstones first: a source that replaced an entry sends the new one as an add.
  for (const [opinion, ids] of bySource) {
    for (let i = 0; i < ids.length; i += WRITE_CHUNK) {
      removed += await store.removeBySourceIds(
        bank.id,
        ids.slice(i, i + WRITE_CHUNK),
        opinion === 'none' ? {} : { opinion },
      );
    }
  }
  for (const [opinion, signals] of removals) {
    for (let i = 0; i < signals.length; i += WRITE_CHUNK) {
      removed += await store.removeSignals(
        bank.id,
        signals.slice(i, i + WRITE_CHUNK),
        opinion === 'none' ? {} : { opinion },
      );
    }
  }
  // Inserting in key order touches the (bank, type, value) index page by page instead of at
  // random: measured ~15% less CPU per entry at 300k entries on SQLite.
  adds.sort((a, b) =>
    a.signalType === b.signalType
      ? a.value < b.value
        ? -1
        : a.value > b.value
          ? 1
          : 0
      : a.signalType < b.signalType
        ? -1
        : 1,
  );
  for (let i = 0; i < adds.length; i += WRITE_CHUNK) {
    const r = await store.addEntries(bank.id, adds.slice(i, i + WRITE_CHUNK));
    added += r.added;
    duplicates += r.duplicates;
  }
  return { pages: 1, added, removed, duplicates, corruptPages: 0, unsupported };
}
