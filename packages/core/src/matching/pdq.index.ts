import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { HASH256_WORDS, popcount32, type Hash256 } from '../hashing/hash256.codec.js';
import { IdSlotMap } from './id-slot.map.js';
import {
  CHUNK_VALUES,
  MASKS_BY_WEIGHT,
  PDQ_CHUNKS,
  POPCOUNT16,
  ball16,
  indexCost,
  linearCost,
  pigeonholePlan,
  type PigeonholePlan,
} from './pdq-pigeonhole.scheme.js';
import {
  DEFAULT_COMPANION_BITS,
  bucketCount,
  buildPairTables,
  companionMask,
  decodeSlot,
  hiSpanFor,
  type BuiltTable,
} from './pdq-tables.build.js';

/** Largest id a {@link PdqIndex} accepts (ids are stored as unsigned 32-bit integers). */
export const PDQ_INDEX_MAX_ID = 0xfffffffe;
/** Largest tag a {@link PdqIndex} accepts (tags are stored as unsigned 16-bit integers). */
export const PDQ_INDEX_MAX_TAG = 0xffff;
/** Most slots (entries plus tombstones) one index holds: keeps all bit offsets in int32 range. */
export const PDQ_INDEX_MAX_SLOTS = 2 ** 30;
/** Largest search distance: every hash is within 256 of every other. */
export const PDQ_MAX_DISTANCE = 256;

/** Slot id marking a removed slot (tombstone) until the next compaction. */
const DEAD = 0xffffffff;
const W = HASH256_WORDS;
/** Buckets whose bounds are read (and first postings touched) together before scanning. */
const PROBE_BLOCK = 32;
/** Candidates decoded and verified together (see `resolve`). */
const CAND_BATCH = 64;

/** How a search covers the indexed slots; `auto` picks the cheaper exact path. */
export type PdqSearchStrategy = 'auto' | 'index' | 'linear';

/** Tuning knobs of a {@link PdqIndex}; the defaults suit 1k..10M+ hashes. */
export interface PdqIndexOptions {
  /** Below this many slots no tables are built and searches scan linearly (default 4096). */
  readonly minIndexedSize?: number;
  /** Overflow (added since the last build) that always fits before a rebuild (default 65536). */
  readonly minOverflow?: number;
  /** Rebuild when overflow exceeds this fraction of the built part (default 1/8). */
  readonly maxOverflowRatio?: number;
  /** Tombstones that always fit before a compaction (default 65536). */
  readonly minDead?: number;
  /** Compact when tombstones exceed this fraction of live entries (default 1/4). */
  readonly maxDeadRatio?: number;
  /**
   * Companion bits kept per posting, 1..16 (default 12): fewer save memory (2 bytes per hash
   * per bit) and pass more postings to the full distance check. Never affects results.
   */
  readonly companionBits?: number;
}

/** Called once per hash within the searched distance. */
export type PdqVisitor = (id: number, distance: number, tag: number) => void;

/** One search result. */
export interface PdqIndexHit {
  /** The id the hash was added under. */
  readonly id: number;
  /** Hamming distance to the query. */
  readonly distance: number;
  /** The tag the hash was added with. */
  readonly tag: number;
}

/** Sizes and memory of a {@link PdqIndex}. */
export interface PdqIndexStats {
  /** Live (searchable) entries. */
  readonly size: number;
  /** Slots in use, including tombstones. */
  readonly slots: number;
  /** Slots covered by the bulk-built (CSR) tables. */
  readonly built: number;
  /** Slots added since the last build, reachable through the overflow chains. */
  readonly overflow: number;
  /** Slots appended but not yet linked (scanned linearly until {@link PdqIndex.commit}). */
  readonly pending: number;
  /** Tombstoned slots awaiting compaction. */
  readonly dead: number;
  /** Bytes held in typed arrays. */
  readonly bytes: number;
}

/**
 * Exact PDQ radius search over a mutable set of (id, 256-bit hash, tag) entries.
 *
 * Memory layout (no object per hash): hashes in one flat `Uint32Array` (8 words per slot),
 * ids in a `Uint32Array`, tags (the matcher's bank index) in a `Uint16Array`, an id -> slot
 * open-addressing table, and 16 tables, one per 16-bit chunk. A table built in bulk is a
 * 65537-entry bucket directory over one `Uint16Array` holding, bucket after bucket, each
 * posting's head (the top `companionBits` bits of the companion chunk over the slot's low
 * bits; the only part a query scans), then the rest of its slot: bit-packed middle bits and
 * Elias-Fano-coded high bits, decoded only for the postings that pass the companion filter
 * (see `pdq-tables.build.ts`). At the default 12 companion bits a posting is ~30 bits, so
 * ~60 bytes per hash for the tables plus 32 for the hash.
 *
 * Entries added after the last build are linked into per-table chains (a 65536-entry head
 * array and a next array per table); removals leave tombstones. When the chains or the
 * tombstones outgrow their limits the whole index is rebuilt (compacted) in O(n).
 *
 * Exactness: see `pdq-pigeonhole.scheme.ts`; every hash within the distance is reported
 * exactly once, for any distance 0..256.
 */
export class PdqIndex {
  private words: Uint32Array;
  private ids: Uint32Array;
  private tags: Uint16Array;
  private readonly map: IdSlotMap;
  private count = 0;
  private live = 0;
  private dead = 0;
  /**
   * Slots [0, mapped) are in the id map; bulk appends skip it (and its duplicate check) and
   * are mapped in one pass by {@link syncMap} or {@link rebuild}, on a pre-sized table.
   */
  private mapped = 0;
  /** Slots [0, built) are in the CSR tables. */
  private built = 0;
  /** Slots [built, linked) are in the overflow chains; [linked, count) are pending. */
  private linked = 0;
  private dirs: Uint32Array[] | null = null;
  /** The 16 built tables (see `pdq-tables.build.ts`), empty when none are built. */
  private tables: BuiltTable[] = [];
  /** Distinct values of `slot >>> 16` among built slots: bits reserved per bucket. */
  private hiSpan = 0;
  private heads: Int32Array[] | null = null;
  private nexts: Int32Array[] = [];
  private readonly opts: Required<PdqIndexOptions>;
  private readonly q = new Uint32Array(W);
  private readonly probeStarts = new Uint32Array(PROBE_BLOCK);
  private readonly probeCounts = new Uint32Array(PROBE_BLOCK);
  /** Candidates (posting position, bucket in the probe block, slot) awaiting verification. */
  private readonly candPos = new Uint32Array(CAND_BATCH);
  private readonly candBucket = new Uint8Array(CAND_BATCH);
  private readonly candSlot = new Uint32Array(CAND_BATCH);
  /** Receives the touched postings so the touching loads are not optimised away. */
  private sink = 0;

  /** @param options tuning knobs; see {@link PdqIndexOptions} */
  constructor(options: PdqIndexOptions = {}) {
    this.opts = {
      minIndexedSize: options.minIndexedSize ?? 4096,
      minOverflow: options.minOverflow ?? 65536,
      maxOverflowRatio: options.maxOverflowRatio ?? 1 / 8,
      minDead: options.minDead ?? 65536,
      maxDeadRatio: options.maxDeadRatio ?? 1 / 4,
      companionBits: options.companionBits ?? DEFAULT_COMPANION_BITS,
    };
    const c = this.opts.companionBits;
    if (!Number.isInteger(c) || c < 1 || c > 16) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'companionBits must be 1..16', {
        companionBits: c,
      });
    }
    this.words = new Uint32Array(0);
    this.ids = new Uint32Array(0);
    this.tags = new Uint16Array(0);
    this.map = new IdSlotMap(this.ids);
  }

  /** Number of live entries. */
  get size(): number {
    this.syncMap();
    return this.live;
  }

  /** True when an entry with this id is present. */
  has(id: number): boolean {
    this.syncMap();
    return this.map.get(id) >= 0;
  }

  /** A copy of the hash stored under `id`, or undefined. */
  getHash(id: number): Hash256 | undefined {
    this.syncMap();
    const slot = this.map.get(id);
    return slot < 0 ? undefined : this.words.slice(slot * W, slot * W + W);
  }

  /** The tag stored with `id`, or undefined. */
  getTag(id: number): number | undefined {
    this.syncMap();
    const slot = this.map.get(id);
    return slot < 0 ? undefined : this.tags[slot];
  }

  /**
   * Insert or replace the entry `id`: searchable as soon as this returns. Replacing with the
   * same hash and tag is a no-op. Returns false for that no-op, true otherwise.
   *
   * @param id unsigned integer 0..{@link PDQ_INDEX_MAX_ID}
   * @param hash 8 words (or `words[offset .. offset + 8)`)
   * @param tag unsigned integer 0..{@link PDQ_INDEX_MAX_TAG}
   */
  add(id: number, hash: Uint32Array, tag = 0, offset = 0): boolean {
    this.commit();
    this.syncMap();
    if (!this.appendSlot(id, hash, tag, offset, false)) return false;
    this.commit();
    return true;
  }

  /**
   * Append an entry for bulk loading: like {@link add}, but it is only linked into the tables
   * by {@link commit} (until then searches still find it, by a linear scan of the pending
   * part). A later append of the same id replaces the earlier one. Use {@link load} when the
   * entries are at hand.
   */
  append(id: number, hash: Uint32Array, tag = 0, offset = 0): void {
    this.appendSlot(id, hash, tag, offset, true);
  }

  /**
   * Make pending entries part of the index: link them into the overflow chains, or rebuild
   * the tables when that is cheaper or the overflow has outgrown its limit.
   */
  commit(): void {
    if (this.linked === this.count) return;
    const overflow = this.count - this.built;
    const limit = Math.max(this.opts.minOverflow, this.built * this.opts.maxOverflowRatio);
    if (this.dirs === null) {
      if (this.count >= this.opts.minIndexedSize) this.rebuild();
      return;
    }
    if (overflow > limit || this.count - this.linked > this.built) {
      this.rebuild();
      return;
    }
    this.linkPending();
  }

  /** Bulk-load entries (replacing any with the same id), then build the tables once. */
  load(
    entries: Iterable<{ readonly id: number; readonly hash: Uint32Array; readonly tag?: number }>,
  ): void {
    for (const e of entries) this.appendSlot(e.id, e.hash, e.tag ?? 0, 0, true);
    this.commit();
  }

  /**
   * Bulk-load from flat arrays: `hashes` holds `ids.length` hashes of 8 words each. Builds the
   * tables once; the fastest way to start.
   */
  loadArrays(ids: ArrayLike<number>, hashes: Uint32Array, tags?: ArrayLike<number>): void {
    if (hashes.length !== ids.length * W) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'hashes must hold 8 words per id', {
        ids: ids.length,
        words: hashes.length,
      });
    }
    this.ensureCapacity(this.count + ids.length);
    for (let i = 0; i < ids.length; i++) {
      this.appendSlot(ids[i]!, hashes, tags === undefined ? 0 : tags[i]!, i * W, true);
    }
    this.commit();
  }

  /** Remove the entry `id`; returns false when it was absent. */
  remove(id: number): boolean {
    this.syncMap();
    const slot = this.map.delete(id);
    if (slot < 0) return false;
    this.kill(slot);
    this.maybeCompact();
    return true;
  }

  /** Remove every entry with this tag (O(slots)); returns how many were removed. */
  removeByTag(tag: number): number {
    this.syncMap();
    let removed = 0;
    for (let s = 0; s < this.count; s++) {
      if (this.ids[s] !== DEAD && this.tags[s] === tag) {
        this.map.delete(this.ids[s]!);
        this.kill(s);
        removed++;
      }
    }
    this.maybeCompact();
    return removed;
  }

  /** Drop tombstones and rebuild all tables from the live entries, in O(n). */
  compact(): void {
    this.rebuild();
  }

  /**
   * Visit every entry within Hamming distance `maxDistance` (0..256) of `query`, each exactly
   * once, in no particular order. Returns the number of visits. The visitor may read the
   * index (`getHash`, `getTag`) but must not modify or search it.
   *
   * @param strategy `auto` (default) chooses between the tables and a linear scan by
   *   estimated cost; `index`/`linear` force one (tests use them to check both paths)
   */
  forEachWithin(
    query: Hash256,
    maxDistance: number,
    visit: PdqVisitor,
    strategy: PdqSearchStrategy = 'auto',
  ): number {
    if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > PDQ_MAX_DISTANCE) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `PDQ search distance must be an integer 0..${PDQ_MAX_DISTANCE}`,
        { maxDistance },
      );
    }
    if (query.length !== W) {
      throw new LifeguardError(ErrorCodes.INVALID_HASH, 'PDQ query must be 8 words', {
        length: query.length,
      });
    }
    this.syncMap(); // resolves duplicate ids among bulk appends before they are reported
    if (this.live === 0) return 0;
    const q = this.q;
    q.set(query);
    const plan = pigeonholePlan(maxDistance, this.opts.companionBits);
    const useIndex =
      this.dirs !== null &&
      (strategy === 'index' ||
        (strategy === 'auto' && indexCost(plan, this.linked) < linearCost(this.linked)));
    if (!useIndex) return this.scan(0, this.count, maxDistance, visit);
    let n = 0;
    for (let t = 0; t < PDQ_CHUNKS; t++) {
      n += this.probeTable(t, plan, maxDistance, visit);
      n += this.probeChains(t, plan, maxDistance, visit);
    }
    return n + this.scan(this.linked, this.count, maxDistance, visit);
  }

  /** Every entry within `maxDistance` of `query`, sorted by distance then id. */
  search(query: Hash256, maxDistance: number, strategy: PdqSearchStrategy = 'auto'): PdqIndexHit[] {
    const out: PdqIndexHit[] = [];
    this.forEachWithin(
      query,
      maxDistance,
      (id, distance, tag) => out.push({ id, distance, tag }),
      strategy,
    );
    return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }

  /** Sizes and bytes held. */
  stats(): PdqIndexStats {
    let bytes = this.words.byteLength + this.ids.byteLength + this.tags.byteLength;
    bytes += this.map.byteLength;
    for (const d of this.dirs ?? []) bytes += d.byteLength;
    for (const t of this.tables) bytes += t.blob.byteLength;
    for (const h of this.heads ?? []) bytes += h.byteLength;
    for (const x of this.nexts) bytes += x.byteLength;
    return {
      size: this.live,
      slots: this.count,
      built: this.built,
      overflow: this.linked - this.built,
      pending: this.count - this.linked,
      dead: this.dead,
      bytes,
    };
  }

  // ---------------------------------------------------------------------------------------

  private appendSlot(
    id: number,
    hash: Uint32Array,
    tag: number,
    offset: number,
    bulk: boolean,
  ): boolean {
    if (!Number.isInteger(id) || id < 0 || id > PDQ_INDEX_MAX_ID) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `index id must be an integer 0..${PDQ_INDEX_MAX_ID}`,
        { id },
      );
    }
    if (!Number.isInteger(tag) || tag < 0 || tag > PDQ_INDEX_MAX_TAG) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `index tag must be an integer 0..${PDQ_INDEX_MAX_TAG}`,
        { tag },
      );
    }
    if (offset < 0 || hash.length < offset + W) {
      throw new LifeguardError(ErrorCodes.INVALID_HASH, 'PDQ hash must be 8 words', {
        length: hash.length,
      });
    }
    const old = bulk ? -1 : this.map.get(id);
    if (old >= 0) {
      let same = this.tags[old] === tag;
      for (let i = 0; same && i < W; i++) same = this.words[old * W + i] === hash[offset + i];
      if (same) return false;
      this.map.delete(id);
      this.kill(old);
    }
    if (this.count === this.ids.length) this.ensureCapacity(this.count + 1);
    const s = this.count++;
    const words = this.words;
    for (let i = 0, o = s * W; i < W; i++) words[o + i] = hash[offset + i]!; // no view allocation
    this.ids[s] = id;
    this.tags[s] = tag;
    this.live++;
    if (!bulk) {
      this.map.set(id, s);
      this.mapped = this.count;
    }
    return true;
  }

  /** Map slots appended in bulk; a later slot with the same id replaces (kills) the earlier. */
  private syncMap(): void {
    for (let s = this.mapped; s < this.count; s++) {
      const id = this.ids[s]!;
      const old = this.map.get(id);
      this.map.set(id, s); // before kill: set finds the old bucket through ids[old]
      if (old >= 0) this.kill(old);
    }
    this.mapped = this.count;
  }

  private kill(slot: number): void {
    this.ids[slot] = DEAD;
    this.live--;
    this.dead++;
  }

  private maybeCompact(): void {
    if (this.dead > Math.max(this.opts.minDead, this.live * this.opts.maxDeadRatio)) this.rebuild();
  }

  private ensureCapacity(n: number): void {
    if (n <= this.ids.length) return;
    if (n > PDQ_INDEX_MAX_SLOTS) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'PDQ index is full', {
        maxSlots: PDQ_INDEX_MAX_SLOTS,
      });
    }
    const cap = Math.min(Math.max(n, Math.floor(this.ids.length * 1.5), 1024), PDQ_INDEX_MAX_SLOTS);
    const words = new Uint32Array(cap * W);
    words.set(this.words.subarray(0, this.count * W));
    const ids = new Uint32Array(cap);
    ids.set(this.ids.subarray(0, this.count));
    const tags = new Uint16Array(cap);
    tags.set(this.tags.subarray(0, this.count));
    this.words = words;
    this.ids = ids;
    this.tags = tags;
    this.map.rebind(ids);
  }

  /** Link pending slots [linked, count) into the overflow chains of every table. */
  private linkPending(): void {
    if (this.heads === null) {
      this.heads = [];
      for (let t = 0; t < PDQ_CHUNKS; t++) this.heads.push(new Int32Array(CHUNK_VALUES).fill(-1));
    }
    const need = this.count - this.built;
    if (this.nexts.length === 0 || this.nexts[0]!.length < need) {
      const cap = Math.max(need, Math.floor((this.nexts[0]?.length ?? 0) * 1.5), 1024);
      for (let t = 0; t < PDQ_CHUNKS; t++) {
        const next = new Int32Array(cap);
        const old = this.nexts[t];
        if (old !== undefined) next.set(old.subarray(0, this.linked - this.built));
        this.nexts[t] = next;
      }
    }
    for (let s = this.linked; s < this.count; s++) {
      const node = s - this.built;
      for (let t = 0; t < PDQ_CHUNKS; t++) {
        const w = this.words[s * W + (t >>> 1)]!;
        const key = t & 1 ? w >>> 16 : w & 0xffff;
        const head = this.heads[t]!;
        this.nexts[t]![node] = head[key]!;
        head[key] = node;
      }
    }
    this.linked = this.count;
  }

  /** Compact live slots to the front, then build every table from scratch. */
  private rebuild(): void {
    const words = this.words;
    const ids = this.ids;
    const tags = this.tags;
    const map = this.map;
    // Pass 1: map every live slot, later slots replacing earlier ones with the same id.
    map.clear(this.live);
    let liveSlots = 0;
    for (let s = 0; s < this.count; s++) {
      if (ids[s] === DEAD) continue;
      map.set(ids[s]!, s);
      liveSlots++;
    }
    const duplicates = liveSlots > map.size;
    // Pass 2 (skipped for a clean bulk load: no tombstones, no duplicate ids): keep the slot
    // each id maps to, move it down, and repoint its bucket (set finds the bucket through
    // ids[s], which still holds the id: writes so far went to slots <= n).
    let n = liveSlots === this.count && !duplicates ? this.count : 0;
    for (let s = n; s < this.count; s++) {
      const id = ids[s]!;
      if (id === DEAD || (duplicates && map.get(id) !== s)) continue;
      if (s !== n) {
        words.copyWithin(n * W, s * W, s * W + W);
        ids[n] = id;
        tags[n] = tags[s]!;
        map.set(id, n);
      }
      n++;
    }
    this.count = n;
    this.live = n;
    this.dead = 0;
    // Return slack left by geometric growth (up to a third of the arrays) to the allocator.
    if (this.ids.length > n + (n >>> 3) + 1024) {
      this.words = words.slice(0, n * W);
      this.ids = ids.slice(0, n);
      this.tags = tags.slice(0, n);
    }
    this.map.rebind(this.ids);
    this.mapped = n;
    this.heads = null;
    this.nexts = [];
    this.tables = [];
    if (n === 0 || n < this.opts.minIndexedSize) {
      this.dirs = null;
      this.built = 0;
      this.linked = 0;
      return;
    }
    this.dirs ??= Array.from({ length: PDQ_CHUNKS }, () => new Uint32Array(CHUNK_VALUES + 1));
    const scratch = [0, 1, 2, 3].map(() => new Uint32Array(CHUNK_VALUES)) as [
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
    ];
    this.hiSpan = hiSpanFor(n);
    for (let p = 0; p < PDQ_CHUNKS / 2; p++) {
      const [lo, hi] = buildPairTables(
        this.words,
        n,
        p,
        this.dirs[2 * p]!,
        this.dirs[2 * p + 1]!,
        scratch,
        this.hiSpan,
        this.opts.companionBits,
      );
      this.tables[2 * p] = lo;
      this.tables[2 * p + 1] = hi;
    }
    this.built = n;
    this.linked = n;
  }

  /**
   * Full distance check of a candidate found through table t, reporting it only when t is
   * the first table through which the pigeonhole plan reaches it (by its full companion), so that no entry is
   * reported twice (a canonical-owner rule, cheaper than a per-query visited set).
   */
  private verify(s: number, t: number, plan: PigeonholePlan, d: number, visit: PdqVisitor): number {
    const words = this.words;
    const q = this.q;
    const o = s * W;
    // Table t's own condition on the full companion first: the filter saw only its top bits.
    const xt = words[o + (t >>> 1)]! ^ q[t >>> 1]!;
    const et = POPCOUNT16[t & 1 ? xt >>> 16 : xt & 0xffff]!;
    if (POPCOUNT16[t & 1 ? xt & 0xffff : xt >>> 16]! > plan.pairRadius - et) return 0;
    const dist =
      popcount32(words[o]! ^ q[0]!) +
      popcount32(words[o + 1]! ^ q[1]!) +
      popcount32(words[o + 2]! ^ q[2]!) +
      popcount32(words[o + 3]! ^ q[3]!) +
      popcount32(words[o + 4]! ^ q[4]!) +
      popcount32(words[o + 5]! ^ q[5]!) +
      popcount32(words[o + 6]! ^ q[6]!) +
      popcount32(words[o + 7]! ^ q[7]!);
    if (dist > d) return 0;
    // The owner is the first table whose bucket and full 16-bit companion both qualify; the
    // narrowed companion filter also lets through postings of tables that do not qualify.
    for (let u = 0; u <= t; u++) {
      const x = words[o + (u >>> 1)]! ^ q[u >>> 1]!;
      const e = POPCOUNT16[u & 1 ? x >>> 16 : x & 0xffff]!;
      const c = POPCOUNT16[u & 1 ? x & 0xffff : x >>> 16]!;
      if (e <= plan.keyRadius && c <= plan.pairRadius - e) {
        const id = this.ids[s]!; // read last: a cache miss, needed only for hits
        if (u < t || id === DEAD) return 0;
        visit(id, dist, this.tags[s]!);
        return 1;
      }
    }
    return 0;
  }

  private probeTable(t: number, plan: PigeonholePlan, d: number, visit: PdqVisitor): number {
    const table = this.tables[t];
    if (table === undefined) return 0;
    const blob = table.blob;
    const dir = table.dir;
    const span = this.hiSpan;
    const c = this.opts.companionBits;
    const cm = companionMask(c);
    const qw = this.q[t >>> 1]!;
    const qk = t & 1 ? qw >>> 16 : qw & 0xffff;
    const qc = (t & 1 ? qw & 0xffff : qw >>> 16) & cm;
    const starts = this.probeStarts;
    const counts = this.probeCounts;
    const candPos = this.candPos;
    const candBucket = this.candBucket;
    let n = 0;
    for (let e = 0; e <= plan.keyRadius; e++) {
      const lim = plan.pairRadius - e;
      const to = ball16(e);
      for (let m0 = ball16(e - 1); m0 < to; m0 += PROBE_BLOCK) {
        // Read a block of bucket bounds and touch each bucket's first unit before scanning
        // any: the loads are independent, so their cache misses overlap instead of queueing
        // one per bucket behind the previous bucket's scan (JS has no prefetch instruction).
        const cnt = Math.min(PROBE_BLOCK, to - m0);
        let touch = 0;
        for (let i = 0; i < cnt; i++) {
          const k = qk ^ MASKS_BY_WEIGHT[m0 + i]!;
          const u0 = dir[k]!;
          starts[i] = u0;
          counts[i] = bucketCount(dir[k + 1]! - u0, span, c);
          touch ^= blob[u0]!;
        }
        this.sink ^= touch;
        let nc = 0;
        for (let i = 0; i < cnt; i++) {
          const u0 = starts[i]!;
          const end = u0 + counts[i]!;
          for (let pos = u0; pos < end; pos++) {
            if (POPCOUNT16[(blob[pos]! & cm) ^ qc]! > lim) continue;
            candPos[nc] = pos;
            candBucket[nc++] = i;
            if (nc === CAND_BATCH) {
              n += this.resolve(blob, t, nc, plan, d, visit);
              nc = 0;
            }
          }
        }
        if (nc > 0) n += this.resolve(blob, t, nc, plan, d, visit);
      }
    }
    return n;
  }

  /**
   * Decode and verify a batch of candidates that passed the companion filter, in phases whose
   * loads are independent of each other (slot decoding, then the hashes), so that their cache
   * misses overlap instead of each candidate waiting for the previous one.
   */
  private resolve(
    blob: Uint16Array,
    t: number,
    nc: number,
    plan: PigeonholePlan,
    d: number,
    visit: PdqVisitor,
  ): number {
    const candPos = this.candPos;
    const candBucket = this.candBucket;
    const slots = this.candSlot;
    const starts = this.probeStarts;
    const counts = this.probeCounts;
    const c = this.opts.companionBits;
    for (let j = 0; j < nc; j++) {
      const pos = candPos[j]!;
      const i = candBucket[j]!;
      slots[j] = decodeSlot(blob, starts[i]!, counts[i]!, c, pos, blob[pos]!);
    }
    const words = this.words;
    let touch = 0;
    for (let j = 0; j < nc; j++) touch ^= words[slots[j]! * W]!;
    this.sink ^= touch;
    let n = 0;
    for (let j = 0; j < nc; j++) n += this.verify(slots[j]!, t, plan, d, visit);
    return n;
  }

  private probeChains(t: number, plan: PigeonholePlan, d: number, visit: PdqVisitor): number {
    if (this.heads === null || this.linked === this.built) return 0;
    const head = this.heads[t]!;
    const next = this.nexts[t]!;
    const words = this.words;
    const p = t >>> 1;
    const qw = this.q[p]!;
    const qk = t & 1 ? qw >>> 16 : qw & 0xffff;
    const qc = t & 1 ? qw & 0xffff : qw >>> 16;
    const base = this.built;
    let n = 0;
    for (let e = 0; e <= plan.keyRadius; e++) {
      const lim = plan.pairRadius - e;
      const from = ball16(e - 1);
      const to = ball16(e);
      for (let m = from; m < to; m++) {
        for (let node = head[qk ^ MASKS_BY_WEIGHT[m]!]!; node >= 0; node = next[node]!) {
          const s = base + node;
          const w = words[s * W + p]!;
          const c = t & 1 ? w & 0xffff : w >>> 16;
          if (POPCOUNT16[c ^ qc]! > lim) continue;
          n += this.verify(s, t, plan, d, visit);
        }
      }
    }
    return n;
  }

  /** Linear scan of slots [from, to). */
  private scan(from: number, to: number, d: number, visit: PdqVisitor): number {
    const words = this.words;
    const ids = this.ids;
    const q = this.q;
    const q0 = q[0]!,
      q1 = q[1]!,
      q2 = q[2]!,
      q3 = q[3]!;
    const q4 = q[4]!,
      q5 = q[5]!,
      q6 = q[6]!,
      q7 = q[7]!;
    let n = 0;
    for (let s = from, o = from * W; s < to; s++, o += W) {
      // Early exit after half the words: a random hash is ~64 bits away by then.
      let dist =
        popcount32(words[o]! ^ q0) +
        popcount32(words[o + 1]! ^ q1) +
        popcount32(words[o + 2]! ^ q2) +
        popcount32(words[o + 3]! ^ q3);
      if (dist > d) continue;
      dist +=
        popcount32(words[o + 4]! ^ q4) +
        popcount32(words[o + 5]! ^ q5) +
        popcount32(words[o + 6]! ^ q6) +
        popcount32(words[o + 7]! ^ q7);
      if (dist > d || ids[s] === DEAD) continue;
      visit(ids[s]!, dist, this.tags[s]!);
      n++;
    }
    return n;
  }
}
