import type { Bank, EntryOpinion, NewBankEntry, Signal } from '../banks/bank.model.js';
import type { BankStore } from '../ports/bank-store.port.js';
import type { ExchangeBatch, ExchangeStats, SignalUpdate } from './exchange.model.js';

/** Removals per store call; each call is one transaction. */
const WRITE_CHUNK = 10_000;

/**
 * Most entries added per store call (one transaction), and the size to which
 * {@link coalesceExchangeBatches} merges consecutive pages. Why this large: a new entry goes
 * to a random place in the bank's unique (bank, type, value) index, and each transaction
 * writes every index page it touched once (to the WAL, then back at the checkpoint). The
 * more entries per transaction, the more of them share a page: measured at 1M entries on
 * SQLite, 10k per transaction cost 28 s of CPU, 50k 17 s, 100k 15 s. The price is a longer
 * write lock (~1-2 s for 100k entries); other writers wait for it (busy_timeout 10 s).
 */
export const IMPORT_TRANSACTION_ENTRIES = 100_000;

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

/** Batches up to this many updates take the numeric sort (an index takes 20 bits of a key). */
const NUMERIC_SORT_MAX = 1 << 20;

/**
 * The last update of each signal in `updates`, in the order of the bank's unique index
 * (signal type, then value; byte order, which is JavaScript string order for these ASCII
 * values). Inserting in key order touches the (bank, type, value) index page by page instead
 * of at random (measured ~15% less CPU per entry at 300k entries on SQLite).
 *
 * How: each update gets one float key — the rank of its signal type, the first 7 hex digits
 * of its value (28 bits) and its position (20 bits) — and the keys are sorted natively
 * (`Float64Array.prototype.sort`). Updates with equal type and prefix end up next to each
 * other: a run of them (a repeated signal, or values sharing 7 digits) is ordered by full
 * value and position, and the last update of each value wins. Equal signals always share a
 * key prefix, so this is exact for any input; the prefix only decides the order, and for
 * canonical values (lowercase hex of the type's length) that order is the index's. This
 * replaced a string-keyed Map and a comparator sort, which were ~18% of an import's CPU.
 */
export function lastUpdatesInKeyOrder(updates: readonly SignalUpdate[]): SignalUpdate[] {
  const n = updates.length;
  const types = [...new Set(updates.map((u) => u.signalType))].sort();
  if (n >= NUMERIC_SORT_MAX || types.length > 31) {
    const last = new Map<string, SignalUpdate>();
    for (const u of updates) last.set(`${u.signalType}\u0000${u.value}`, u);
    const keys = [...last.keys()].sort();
    return keys.map((k) => last.get(k)!);
  }
  const rank = new Map(types.map((t, i) => [t, i]));
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = updates[i]!;
    const prefix = parseInt(u.value.slice(0, 7), 16);
    keys[i] =
      (rank.get(u.signalType)! * 2 ** 28 + (prefix >= 0 ? prefix : 0)) * NUMERIC_SORT_MAX + i;
  }
  keys.sort();
  const out: SignalUpdate[] = [];
  for (let i = 0; i < n;) {
    const high = Math.floor(keys[i]! / NUMERIC_SORT_MAX);
    let j = i + 1;
    while (j < n && Math.floor(keys[j]! / NUMERIC_SORT_MAX) === high) j++;
    if (j === i + 1) {
      out.push(updates[keys[i]! % NUMERIC_SORT_MAX]!);
    } else {
      const run: number[] = [];
      for (let k = i; k < j; k++) run.push(keys[k]! % NUMERIC_SORT_MAX);
      run.sort((a, b) => {
        const va = updates[a]!.value;
        const vb = updates[b]!.value;
        return va < vb ? -1 : va > vb ? 1 : a - b;
      });
      for (let k = 0; k < run.length; k++) {
        const u = updates[run[k]!]!;
        const next = run[k + 1];
        if (next === undefined || updates[next]!.value !== u.value) out.push(u);
      }
    }
    i = j;
  }
  return out;
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
  const signals: SignalUpdate[] = [];
  const bySource = new Map<EntryOpinion | 'none', string[]>();
  for (const u of batch.updates) {
    if (u.op === 'remove_source') {
      const k = u.opinion ?? 'none';
      let list = bySource.get(k);
      if (!list) bySource.set(k, (list = []));
      list.push(u.sourceId);
    } else {
      signals.push(u);
    }
  }
  const adds: NewBankEntry[] = [];
  const removals = new Map<EntryOpinion | 'none', Signal[]>();
  for (const u of lastUpdatesInKeyOrder(signals)) {
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
  for (let i = 0; i < adds.length; i += IMPORT_TRANSACTION_ENTRIES) {
    const r = await store.addEntries(bank.id, adds.slice(i, i + IMPORT_TRANSACTION_ENTRIES));
    added += r.added;
    duplicates += r.duplicates;
  }
  return { pages: batch.pages ?? 1, added, removed, duplicates, corruptPages: 0, unsupported };
}

/** A page that must be applied on its own: corrupt, or naming source entries to remove. */
function standsAlone(batch: ExchangeBatch): boolean {
  return batch.corrupt !== undefined || batch.updates.some((u) => u.op === 'remove_source');
}

/**
 * Merge consecutive pages of an exchange into batches of up to `maxUpdates` updates (more
 * when a single page is larger), so that a large import writes few big transactions instead
 * of one per page (see {@link IMPORT_TRANSACTION_ENTRIES}). A merged batch carries the
 * checkpoint of its last page and the number of pages it stands for; applying it is
 * equivalent to applying its pages in order, because {@link applyExchangeBatch} lets the
 * last update of a signal win. Pages that are corrupt or carry source tombstones (which
 * `applyExchangeBatch` applies before the batch's adds) are never merged: the pages before
 * them are yielded first. Pages are held only while the source goes on giving pages (a
 * large initial sync), and never longer than `maxHoldMs` (default 10 s) after the first of
 * them arrived, so a slow source still applies and checkpoints its pages (and the sync
 * renews its lease) at least that often; the last pages are yielded when the source ends,
 * and when the source throws, the pages fetched before the error are yielded before the
 * error is rethrown, so their checkpoint still advances.
 */
export async function* coalesceExchangeBatches(
  source: AsyncIterable<ExchangeBatch>,
  maxUpdates: number = IMPORT_TRANSACTION_ENTRIES,
  opts: { readonly maxHoldMs?: number; readonly now?: () => number } = {},
): AsyncGenerator<ExchangeBatch> {
  const maxHoldMs = opts.maxHoldMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let pending: ExchangeBatch[] = [];
  let size = 0;
  let since = 0;
  const merged = (): ExchangeBatch => {
    const out: ExchangeBatch =
      pending.length === 1
        ? pending[0]!
        : {
            updates: pending.flatMap((b) => b.updates),
            checkpoint: pending[pending.length - 1]!.checkpoint,
            unsupported: pending.reduce((n, b) => n + (b.unsupported ?? 0), 0),
            pages: pending.reduce((n, b) => n + (b.pages ?? 1), 0),
          };
    pending = [];
    size = 0;
    return out;
  };
  try {
    for await (const batch of source) {
      if (standsAlone(batch)) {
        if (pending.length > 0) yield merged();
        yield batch;
        continue;
      }
      if (pending.length > 0 && size + batch.updates.length > maxUpdates) yield merged();
      if (pending.length === 0) since = now();
      pending.push(batch);
      size += batch.updates.length;
      if (now() - since >= maxHoldMs) yield merged();
    }
  } catch (e) {
    if (pending.length > 0) yield merged();
    throw e;
  }
  if (pending.length > 0) yield merged();
}
