import { randomBytes } from 'node:crypto';
import {
  BankMatcher,
  isLifeguardError,
  type BankChange,
  type BankEntry,
  type NewBankEntry,
} from '@lifeguard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyBankStore } from './bank-store.kysely.js';

/** How the contract suite gets stores: each call of `open` is a new instance on one database. */
export interface StoreHarness {
  /** Open another store instance (own connections) on this harness's database. */
  open(): Promise<KyselyBankStore>;
  /** Remove the database (after every instance is closed). */
  cleanup(): Promise<void>;
}

/** A random hex string of `chars` characters. */
export function randomHex(chars: number): string {
  return randomBytes(Math.ceil(chars / 2))
    .toString('hex')
    .slice(0, chars);
}

/** `n` random PDQ entries. */
export function randomPdqEntries(n: number): NewBankEntry[] {
  return Array.from({ length: n }, () => ({ signalType: 'pdq' as const, value: randomHex(64) }));
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isLifeguardError(e) ? e.code : e).toBe(code);
}

/** Apply changes to a map of entry id -> enabled entry, the way an index would. */
function replay(state: Map<number, BankEntry>, changes: readonly BankChange[]): void {
  for (const c of changes) {
    if (c.kind === 'entry_upsert') {
      if (c.entry.enabled) state.set(c.entry.id, c.entry);
      else state.delete(c.entry.id);
    } else if (c.kind === 'entry_remove') state.delete(c.entryId);
  }
}

async function allChanges(store: KyselyBankStore, after = 0, limit = 1000): Promise<BankChange[]> {
  const out: BankChange[] = [];
  for (;;) {
    const page = await store.changesSince(after, limit);
    out.push(...page);
    if (page.length < limit) return out;
    after = page[page.length - 1]!.seq;
  }
}

async function allSnapshot(store: KyselyBankStore, pageSize?: number): Promise<BankEntry[]> {
  const out: BankEntry[] = [];
  for await (const page of store.snapshot(pageSize).pages) out.push(...page);
  return out;
}

/**
 * The BankStore contract: every adapter (SQLite, PostgreSQL) must pass exactly these tests.
 * @param label suite name (the dialect)
 * @param makeHarness creates a fresh, empty database per test
 */
export function bankStoreContract(label: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`BankStore contract: ${label}`, () => {
    let harness: StoreHarness;
    let store: KyselyBankStore;
    const opened: KyselyBankStore[] = [];
    const open = async (): Promise<KyselyBankStore> => {
      const s = await harness.open();
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      harness = await makeHarness();
      store = await open();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await harness.cleanup();
    });

    it('creates banks with defaults and finds them by id and name', async () => {
      expect(await store.currentSeq()).toBe(0);
      const b = await store.createBank({ name: 'known-bad' });
      expect(b).toMatchObject({
        name: 'known-bad',
        description: '',
        source: 'local',
        labels: [],
        kind: 'block',
        pdqThreshold: 31,
        qualityFloor: 50,
        enabled: true,
        enabledRatio: 1,
      });
      expect(b.maxMatchesPerLookup).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(b.createdAt))).toBe(false);
      const a = await store.createBank({
        name: 'memes',
        kind: 'allow',
        pdqThreshold: 10,
        qualityFloor: 0,
        labels: ['benign', 'meme'],
        description: 'recurring false positives',
        enabledRatio: 0.25,
        maxMatchesPerLookup: 3,
      });
      expect(await store.getBank(a.id)).toEqual(a);
      expect(await store.getBankByName('memes')).toEqual(a);
      expect(await store.getBankByName('nope')).toBeUndefined();
      expect(await store.getBank(9999)).toBeUndefined();
      expect((await store.listBanks()).map((x) => x.name)).toEqual(['known-bad', 'memes']);
      expect(await store.currentSeq()).toBeGreaterThan(0);
    });

    it('rejects duplicate names and invalid settings', async () => {
      await store.createBank({ name: 'x' });
      await expectCode(store.createBank({ name: 'x' }), 'LG_ERR_CONFLICT');
      await expectCode(store.createBank({ name: 'has space' }), 'LG_ERR_INVALID_ARGUMENT');
      await expectCode(
        store.createBank({ name: 'y', pdqThreshold: 257 }),
        'LG_ERR_INVALID_ARGUMENT',
      );
      await expectCode(
        store.createBank({ name: 'y', qualityFloor: -1 }),
        'LG_ERR_INVALID_ARGUMENT',
      );
      await expectCode(store.createBank({ name: 'y', enabledRatio: 2 }), 'LG_ERR_INVALID_ARGUMENT');
      expect((await store.listBanks()).length).toBe(1);
    });

    it('updates settings, records a change, and reports unknown banks', async () => {
      const b = await store.createBank({ name: 'b' });
      const seq = await store.currentSeq();
      const u = await store.updateBank(b.id, { enabled: false, pdqThreshold: 20, labels: ['l'] });
      expect(u).toMatchObject({
        id: b.id,
        name: 'b',
        enabled: false,
        pdqThreshold: 20,
        labels: ['l'],
      });
      const changes = await store.changesSince(seq);
      expect(changes).toEqual([
        { seq: expect.any(Number) as number, kind: 'bank_upsert', bank: u },
      ]);
      await expectCode(store.updateBank(4242, { enabled: true }), 'LG_ERR_NOT_FOUND');
      await expectCode(store.updateBank(b.id, { pdqThreshold: -3 }), 'LG_ERR_INVALID_ARGUMENT');
    });

    it('adds entries idempotently, canonicalises values and counts duplicates', async () => {
      const b = await store.createBank({ name: 'b' });
      const other = await store.createBank({ name: 'other' });
      const pdq = randomHex(64);
      const first = await store.addEntries(b.id, [
        {
          signalType: 'pdq',
          value: pdq.toUpperCase(),
          sourceId: 'src-1',
          classification: 'A1',
          metadata: { program: 'test', n: 1 },
          note: 'hello',
        },
        { signalType: 'md5', value: randomHex(32) },
        { signalType: 'sha256', value: randomHex(64) },
        { signalType: 'pdq', value: pdq }, // duplicate within one call
      ]);
      expect(first).toEqual({ added: 3, duplicates: 1 });
      expect(await store.addEntries(b.id, [{ signalType: 'pdq', value: pdq }])).toEqual({
        added: 0,
        duplicates: 1,
      });
      // The same value in another bank is a different entry.
      expect(await store.addEntries(other.id, [{ signalType: 'pdq', value: pdq }])).toEqual({
        added: 1,
        duplicates: 0,
      });
      expect(await store.countEntries(b.id)).toEqual({ total: 3, enabled: 3 });
      const entries: BankEntry[] = [];
      for await (const page of store.streamEntries(b.id)) entries.push(...page);
      expect(entries[0]).toMatchObject({
        bankId: b.id,
        signalType: 'pdq',
        value: pdq,
        sourceId: 'src-1',
        classification: 'A1',
        metadata: { program: 'test', n: 1 },
        note: 'hello',
        enabled: true,
      });
      expect(entries[1]).toMatchObject({
        sourceId: null,
        classification: null,
        note: null,
        metadata: {},
      });
      expect(await store.getEntry(entries[0]!.id)).toEqual(entries[0]);
      expect(await store.addEntries(b.id, [])).toEqual({ added: 0, duplicates: 0 });
    });

    it('writes nothing when any entry of a call is invalid', async () => {
      const b = await store.createBank({ name: 'b' });
      const seq = await store.currentSeq();
      await expectCode(
        store.addEntries(b.id, [...randomPdqEntries(5), { signalType: 'pdq', value: 'zz' }]),
        'LG_ERR_INVALID_HASH',
      );
      await expectCode(
        store.addEntries(b.id, [{ signalType: 'md5', value: randomHex(64) }]),
        'LG_ERR_INVALID_HASH',
      );
      await expectCode(store.addEntries(999, randomPdqEntries(1)), 'LG_ERR_NOT_FOUND');
      expect(await store.countEntries(b.id)).toEqual({ total: 0, enabled: 0 });
      expect(await store.currentSeq()).toBe(seq);
    });

    it('disables, enables and removes entries, and never reuses ids', async () => {
      const b = await store.createBank({ name: 'b' });
      await store.addEntries(b.id, randomPdqEntries(3));
      const [e1, e2, e3] = (await allSnapshot(store)).map((e) => e.id);
      await store.setEntryEnabled(e1!, false);
      expect(await store.countEntries(b.id)).toEqual({ total: 3, enabled: 2 });
      expect((await allSnapshot(store)).map((e) => e.id)).toEqual([e2, e3]);
      await store.setEntryEnabled(e1!, true);
      expect((await allSnapshot(store)).map((e) => e.id)).toEqual([e1, e2, e3]);
      expect(await store.removeEntry(e3!)).toBe(true);
      expect(await store.removeEntry(e3!)).toBe(false);
      expect(await store.getEntry(e3!)).toBeUndefined();
      await expectCode(store.setEntryEnabled(e3!, false), 'LG_ERR_NOT_FOUND');
      await store.addEntries(b.id, randomPdqEntries(1));
      const ids = (await allSnapshot(store)).map((e) => e.id);
      expect(ids[2]).toBeGreaterThan(e3!);
    });

    it('deletes a bank with its entries, records bank_remove, and a matcher drops it', async () => {
      const keep = await store.createBank({ name: 'keep' });
      const gone = await store.createBank({ name: 'gone' });
      await store.addEntries(keep.id, randomPdqEntries(3));
      const doomed = randomPdqEntries(5);
      await store.addEntries(gone.id, doomed);
      const matcher = new BankMatcher();
      for (const c of await allChanges(store, 0, 100)) matcher.applyChange(c);
      expect(matcher.match({ pdq: doomed[0]!.value, quality: 100 }).matches).toHaveLength(1);
      const seq = await store.currentSeq();
      expect(await store.deleteBank(gone.id)).toBe(true);
      expect(await store.deleteBank(gone.id)).toBe(false);
      expect(await store.getBank(gone.id)).toBeUndefined();
      expect(await store.getBankByName('gone')).toBeUndefined();
      expect((await allSnapshot(store)).every((e) => e.bankId === keep.id)).toBe(true);
      expect(await store.countEntries(keep.id)).toEqual({ total: 3, enabled: 3 });
      const after = await store.changesSince(seq);
      expect(after).toEqual([
        { seq: expect.any(Number) as number, kind: 'bank_remove', bankId: gone.id },
      ]);
      for (const c of after) matcher.applyChange(c);
      expect(matcher.match({ pdq: doomed[0]!.value, quality: 100 }).matches).toHaveLength(0);
      // A matcher replaying the whole log from the start converges on the same state.
      const fresh = new BankMatcher();
      for (const c of await allChanges(store, 0, 4)) fresh.applyChange(c);
      expect(fresh.match({ pdq: doomed[0]!.value, quality: 100 }).matches).toHaveLength(0);
      // The name is free again.
      await store.createBank({ name: 'gone' });
    });

    it('logs every write as an ordered change that replays to the current state', async () => {
      const b = await store.createBank({ name: 'b' });
      await store.addEntries(b.id, randomPdqEntries(40));
      const ids = (await allSnapshot(store)).map((e) => e.id);
      await store.setEntryEnabled(ids[0]!, false);
      await store.removeEntry(ids[1]!);
      await store.setEntryEnabled(ids[2]!, false);
      await store.setEntryEnabled(ids[2]!, true);
      await store.updateBank(b.id, { pdqThreshold: 12 });
      const changes = await allChanges(store, 0, 7); // small pages: paging must not lose any
      for (let i = 1; i < changes.length; i++) {
        expect(changes[i]!.seq).toBeGreaterThan(changes[i - 1]!.seq);
      }
      // 1 bank create + 40 adds + 3 entry updates + 1 removal + 1 bank update
      expect(changes.length).toBe(46);
      expect(changes.at(-1)).toMatchObject({ kind: 'bank_upsert', bank: { pdqThreshold: 12 } });
      // The removed entry's original upsert now resolves to a removal too (the log refers to
      // rows; it does not copy them), followed by the removal itself.
      const removal = { kind: 'entry_remove', entryId: ids[1], bankId: b.id };
      expect(changes.filter((c) => c.kind === 'entry_remove')).toEqual([
        { seq: changes[2]!.seq, ...removal },
        // The removal itself is a tombstone carrying the removed signal (migration 0010).
        {
          seq: expect.any(Number) as number,
          ...removal,
          signal: { signalType: 'pdq', value: expect.stringMatching(/^[0-9a-f]{64}$/) as string },
        },
      ]);
      const state = new Map<number, BankEntry>();
      replay(state, changes);
      expect([...state.keys()].sort((x, y) => x - y)).toEqual(
        (await allSnapshot(store)).map((e) => e.id),
      );
      expect(changes.at(-1)!.seq).toBe(await store.currentSeq());
      expect(await store.changesSince(await store.currentSeq())).toEqual([]);
    });

    it('snapshots enabled entries in id-ordered pages with a consistent sequence', async () => {
      const b1 = await store.createBank({ name: 'b1' });
      const b2 = await store.createBank({ name: 'b2', enabled: false });
      await store.addEntries(b1.id, randomPdqEntries(1200));
      await store.addEntries(b2.id, randomPdqEntries(300));
      const seqBefore = await store.currentSeq();
      const snap = store.snapshot(500);
      const pages: number[] = [];
      const ids: number[] = [];
      for await (const page of snap.pages) {
        pages.push(page.length);
        ids.push(...page.map((e) => e.id));
      }
      expect(await snap.seq).toBe(seqBefore);
      expect(pages).toEqual([500, 500, 500]);
      expect(new Set(ids).size).toBe(1500);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      const lean: number[] = [];
      const leanSnap = store.snapshotIndex(700);
      for await (const page of leanSnap.pages) {
        for (const e of page) {
          expect(Object.keys(e).sort()).toEqual([
            'bankId',
            'classification',
            'enabled',
            'id',
            'signalType',
            'sourceId',
            'value',
          ]);
          lean.push(e.id);
        }
      }
      expect(lean).toEqual(ids);
      expect(await leanSnap.seq).toBe(seqBefore);
    });

    it('makes writes of one instance visible to another', async () => {
      const other = await open();
      const b = await store.createBank({ name: 'shared' });
      const seq = await other.currentSeq();
      expect((await other.getBankByName('shared'))?.id).toBe(b.id);
      await store.addEntries(b.id, randomPdqEntries(2));
      const changes = await other.changesSince(seq);
      expect(changes.map((c) => c.kind)).toEqual(['entry_upsert', 'entry_upsert']);
      // Migrating an already-migrated database is a no-op.
      expect(await other.countEntries(b.id)).toEqual({ total: 2, enabled: 2 });
    });

    it('never lets a poller skip a change while several instances write concurrently', async () => {
      const writers = [store, await open(), await open()];
      const reader = await open();
      const bank = await store.createBank({ name: 'race' });
      const start = await reader.currentSeq();
      let last = start;
      const seen: number[] = [];
      let done = false;
      const poll = async (): Promise<void> => {
        while (!done) {
          const page = await reader.changesSince(last, 1000);
          for (const c of page) seen.push(c.seq);
          if (page.length > 0) last = page[page.length - 1]!.seq;
          await new Promise((r) => setTimeout(r, 1));
        }
      };
      const polling = poll();
      await Promise.all(
        writers.map(async (w) => {
          for (let i = 0; i < 25; i++) await w.addEntries(bank.id, randomPdqEntries(1 + (i % 3)));
        }),
      );
      done = true;
      await polling;
      for (const c of await reader.changesSince(last, 100_000)) seen.push(c.seq);
      const truth = (await allChanges(reader, start)).map((c) => c.seq);
      expect(seen).toEqual(truth);
      // 3 writers x (9 calls of 1 + 8 of 2 + 8 of 3 entries)
      expect(seen.length).toBe(3 * 49);
    });

    it('records tombstones with the removed signal and opinion, per bank', async () => {
      const a = await store.createBank({ name: 'a' });
      const b = await store.createBank({ name: 'b' });
      const [x, y, z] = randomPdqEntries(3) as [NewBankEntry, NewBankEntry, NewBankEntry];
      await store.addEntries(a.id, [x, y]);
      await store.addEntries(b.id, [z]);
      const start = await store.currentSeq();
      const [ex] = (await store.changesSince(0, 100, a.id)).flatMap((c) =>
        c.kind === 'entry_upsert' && c.entry.value === x.value ? [c.entry] : [],
      );
      expect(await store.removeEntry(ex!.id, { opinion: 'false_positive' })).toBe(true);
      // By value: y is removed, z is in another bank and the unknown value is ignored.
      const removed = await store.removeSignals(a.id, [
        { signalType: 'pdq', value: y.value.toUpperCase() },
        { signalType: 'pdq', value: z.value },
        { signalType: 'md5', value: randomHex(32) },
      ]);
      expect(removed).toBe(1);
      expect(await store.removeSignals(a.id, [{ signalType: 'pdq', value: y.value }])).toBe(0);
      const tail = await store.changesSince(start, 100, a.id);
      expect(tail).toEqual([
        {
          seq: expect.any(Number) as number,
          kind: 'entry_remove',
          entryId: ex!.id,
          bankId: a.id,
          signal: { signalType: 'pdq', value: x.value },
          opinion: 'false_positive',
        },
        {
          seq: expect.any(Number) as number,
          kind: 'entry_remove',
          entryId: expect.any(Number) as number,
          bankId: a.id,
          signal: { signalType: 'pdq', value: y.value },
        },
      ]);
      // The per-bank read leaves other banks out; the global one has everything.
      const bOnly = await store.changesSince(0, 100, b.id);
      expect(
        bOnly.every(
          (c) =>
            ('bankId' in c ? c.bankId : c.kind === 'entry_upsert' ? c.entry.bankId : c.bank.id) ===
            b.id,
        ),
      ).toBe(true);
      expect(bOnly.some((c) => c.kind === 'entry_upsert' && c.entry.value === z.value)).toBe(true);
      expect((await store.countEntries(b.id)).total).toBe(1);
      expect((await store.countEntries(a.id)).total).toBe(0);
      await expectCode(
        store.removeSignals(9999, [{ signalType: 'pdq', value: x.value }]),
        'LG_ERR_NOT_FOUND',
      );
      await expectCode(
        store.removeSignals(a.id, [{ signalType: 'pdq', value: 'zz' }]),
        'LG_ERR_INVALID_HASH',
      );
    });

    it('removes entries by source id with tombstones', async () => {
      const b = await store.createBank({ name: 'prog' });
      await store.addEntries(b.id, [
        { signalType: 'pdq', value: randomHex(64), sourceId: 'x-1' },
        { signalType: 'md5', value: randomHex(32), sourceId: 'x-1' },
        { signalType: 'pdq', value: randomHex(64), sourceId: 'x-2' },
      ]);
      const seq = await store.currentSeq();
      expect(await store.removeBySourceIds(b.id, ['x-1', 'nope'])).toBe(2);
      expect(await store.removeBySourceIds(b.id, ['x-1'])).toBe(0);
      const tail = await store.changesSince(seq, 100, b.id);
      expect(tail.map((c) => c.kind)).toEqual(['entry_remove', 'entry_remove']);
      expect(tail.every((c) => c.kind === 'entry_remove' && c.signal !== undefined)).toBe(true);
      expect((await store.countEntries(b.id)).total).toBe(1);
    });
  });
}
