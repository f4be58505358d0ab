import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { HASH256_WORDS, popcount32, type Hash256 } from '../hashing/hash256.codec.js';
import { IdSlotMap } from './id-slot.map.js';
import { SortedIdColumn } from './sorted-id.column.js';
import { TagColumn } from './tag.column.js';
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
/** Most slots (entries plus tombstones) one index holds: keeps table offsets within 32 bits. */
export const PDQ_INDEX_MAX_SLOTS = 2 ** 30;
/** Largest search distance: every hash is within 256 of every other. */
export const PDQ_MAX_DISTANCE = 256;

/** Tail id marking a removed tail slot (tombstone) until the next compaction. */
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
 * Memory layout (no object per hash). The **built part**, made by the last (re)build, holds
 * its slots in ascending id order: hashes in one flat `Uint32Array` (8 words per slot), ids
 * in a {@link SortedIdColumn} (~2 bytes each; searched by binary search, so no id -> slot
 * table), tags (the matcher's bank index) in a run-length {@link TagColumn}, removals in a
 * bit set, and 16 tables, one per 16-bit chunk. A table is a 65537-entry bucket directory
 * over one `Uint16Array` holding, bucket after bucket, each posting's head (the top
 * `companionBits` bits of the companion chunk over the slot's low bits; the only part a query
 * scans), then the rest of its slot: bit-packed middle bits and Elias-Fano-coded high bits,
 * decoded only for the postings that pass the companion filter (see `pdq-tables.build.ts`).
 * At the default 12 companion bits a posting is ~30 bits: ~60 bytes per hash for the tables,
 * 32 for the hash, ~2 for the rest.
 *
 * The **tail** holds entries added since: its own growable arrays (so adding never copies the
 * built part), an id -> slot open-addressing table, and per-table chains (a 65536-entry head
 * array and a next array per table). Removals leave tombstones. When the tail or the
 * tombstones outgrow their limits, both parts are merged in id order into a new built part
 * and the tables are rebuilt, in O(n).
 *
 * Exactness: see `pdq-pigeonhole.scheme.ts`; every hash within the distance is reported
 * exactly once, for any distance 0..256.
 */
export class PdqIndex {
  // Built part: slots [0, nb), ascending ids.
  private words: Uint32Array = new Uint32Array(0);
  private ids = SortedIdColumn.EMPTY;
  private tags = TagColumn.EMPTY;
  private deadBits: Uint32Array = new Uint32Array(0);
  private nb = 0;
  private deadBuilt = 0;
  // Tail: slots nb + i for tail index i in [0, tn), in arrival order.
  private tWords: Uint32Array = new Uint32Array(0);
  private tIds: Uint32Array = new Uint32Array(0);
  private tTags: Uint16Array = new Uint16Array(0);
  private tn = 0;
  private readonly tMap: IdSlotMap;
  /**
   * Tail slots [0, tMapped) are in the id map; bulk appends skip it (and its duplicate check)
   * and are mapped by {@link syncMap}, or resolved by {@link rebuild}.
   */
  private tMapped = 0;
  /** Tail slots [0, tLinked) are in the chains; the rest are pending (scanned linearly). */
  private tLinked = 0;
  private live = 0;
  private dead = 0;
  /**
   * Largest id ever appended: removing a larger id needs no lookup (nor the id-map sync that a
   * lookup forces), which keeps a snapshot load that interleaves MD5 entries cheap.
   */
  private maxId = -1;
  /** Bucket directories of the 16 tables, or null when none are built. */
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
    this.tMap = new IdSlotMap(this.tIds);
  }

  /** Number of live entries. */
  get size(): number {
    this.syncMap();
    return this.live;
  }

  /** True when an entry with this id is present. */
  has(id: number): boolean {
    if (id > this.maxId) return false;
    this.syncMap();
    return this.find(id) >= 0;
  }

  /** A copy of the hash stored under `id`, or undefined. */
  getHash(id: number): Hash256 | undefined {
    this.syncMap();
    const s = this.find(id);
    if (s < 0) return undefined;
    return s < this.nb
      ? this.words.slice(s * W, s * W + W)
      : this.tWords.slice((s - this.nb) * W, (s - this.nb) * W + W);
  }

  /** The tag stored with `id`, or undefined. */
  getTag(id: number): number | undefined {
    this.syncMap();
    const s = this.find(id);
    if (s < 0) return undefined;
    return s < this.nb ? this.tags.at(s) : this.tTags[s - this.nb];
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
   * entries are at hand. Appending in ascending id order makes the build cheapest.
   */
  append(id: number, hash: Uint32Array, tag = 0, offset = 0): void {
    this.appendSlot(id, hash, tag, offset, true);
  }

  /**
   * Make pending entries part of the index: link them into the overflow chains, or rebuild
   * the tables when that is cheaper or the overflow has outgrown its limit.
   */
  commit(): void {
    if (this.tLinked === this.tn) return;
    if (this.dirs === null) {
      if (this.nb + this.tn >= this.opts.minIndexedSize) this.rebuild();
      return;
    }
    const limit = Math.max(this.opts.minOverflow, this.nb * this.opts.maxOverflowRatio);
    if (this.tn > limit || this.tn - this.tLinked > this.nb) {
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
   * tables once; the fastest way to start (with ids ascending, the hashes are copied once).
   */
  loadArrays(ids: ArrayLike<number>, hashes: Uint32Array, tags?: ArrayLike<number>): void {
    if (hashes.length !== ids.length * W) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'hashes must hold 8 words per id', {
        ids: ids.length,
        words: hashes.length,
      });
    }
    this.ensureTail(this.tn + ids.length);
    for (let i = 0; i < ids.length; i++) {
      this.appendSlot(ids[i]!, hashes, tags === undefined ? 0 : tags[i]!, i * W, true);
    }
    this.commit();
  }

  /** Remove the entry `id`; returns false when it was absent. */
  remove(id: number): boolean {
    if (id > this.maxId) return false;
    this.syncMap();
    const i = this.tMap.delete(id);
    if (i >= 0) {
      this.kill(this.nb + i);
    } else {
      const s = this.findBuilt(id);
      if (s < 0) return false;
      this.kill(s);
    }
    this.maybeCompact();
    return true;
  }

  /** Remove every entry with this tag (O(slots)); returns how many were removed. */
  removeByTag(tag: number): number {
    this.syncMap();
    let removed = 0;
    this.tags.forEachRange(tag, (from, to) => {
      for (let s = from; s < to; s++) {
        if (!this.isDeadBuilt(s)) {
          this.kill(s);
          removed++;
        }
      }
    });
    for (let i = 0; i < this.tn; i++) {
      const id = this.tIds[i]!;
      if (id !== DEAD && this.tTags[i] === tag) {
        this.tMap.delete(id);
        this.kill(this.nb + i);
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
    const indexed = this.nb + this.tLinked;
    const useIndex =
      this.dirs !== null &&
      (strategy === 'index' ||
        (strategy === 'auto' && indexCost(plan, indexed) < linearCost(indexed)));
    if (!useIndex) return this.scanBuilt(maxDistance, visit) + this.scanTail(0, maxDistance, visit);
    let n = 0;
    for (let t = 0; t < PDQ_CHUNKS; t++) {
      n += this.probeTable(t, plan, maxDistance, visit);
      n += this.probeChains(t, plan, maxDistance, visit);
    }
    return n + this.scanTail(this.tLinked, maxDistance, visit);
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
    bytes += this.deadBits.byteLength;
    bytes += this.tWords.byteLength + this.tIds.byteLength + this.tTags.byteLength;
    bytes += this.tMap.byteLength;
    for (const d of this.dirs ?? []) bytes += d.byteLength;
    for (const t of this.tables) bytes += t.blob.byteLength;
    for (const h of this.heads ?? []) bytes += h.byteLength;
    for (const x of this.nexts) bytes += x.byteLength;
    const tabled = this.dirs !== null;
    return {
      size: this.live,
      slots: this.nb + this.tn,
      built: tabled ? this.nb : 0,
      overflow: this.tLinked,
      pending: this.tn - this.tLinked,
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
    const old = bulk ? -1 : this.find(id);
    if (old >= 0) {
      const inTail = old >= this.nb;
      const words = inTail ? this.tWords : this.words;
      const o = (inTail ? old - this.nb : old) * W;
      let same = (inTail ? this.tTags[old - this.nb] : this.tags.at(old)) === tag;
      for (let i = 0; same && i < W; i++) same = words[o + i] === hash[offset + i];
      if (same) return false;
      if (inTail) this.tMap.delete(id);
      this.kill(old);
    }
    if (this.tn === this.tIds.length) this.ensureTail(this.tn + 1);
    const i = this.tn++;
    const words = this.tWords;
    for (let k = 0, o = i * W; k < W; k++) words[o + k] = hash[offset + k]!; // no view allocation
    this.tIds[i] = id;
    this.tTags[i] = tag;
    if (id > this.maxId) this.maxId = id;
    this.live++;
    if (!bulk) {
      this.tMap.set(id, i);
      this.tMapped = this.tn;
    }
    return true;
  }

  /** The live slot of `id` (tail slots are nb + tail index), or -1. */
  private find(id: number): number {
    const i = this.tMap.get(id);
    return i >= 0 ? this.nb + i : this.findBuilt(id);
  }

  /** The live built slot of `id`, or -1. */
  private findBuilt(id: number): number {
    const s = this.ids.find(id);
    return s >= 0 && !this.isDeadBuilt(s) ? s : -1;
  }

  private isDeadBuilt(s: number): boolean {
    return this.deadBuilt > 0 && ((this.deadBits[s >>> 5]! >>> (s & 31)) & 1) === 1;
  }

  /**
   * Map tail slots appended in bulk; a later slot with the same id replaces (kills) the
   * earlier one, in the tail or in the built part.
   */
  private syncMap(): void {
    for (let i = this.tMapped; i < this.tn; i++) {
      const id = this.tIds[i]!;
      if (id === DEAD) continue;
      const old = this.tMap.get(id);
      this.tMap.set(id, i); // before kill: set finds the old bucket through tIds[old]
      if (old >= 0) {
        this.kill(this.nb + old);
      } else {
        const s = this.findBuilt(id);
        if (s >= 0) this.kill(s);
      }
    }
    this.tMapped = this.tn;
  }

  /** Tombstone a slot (a tail slot must already be out of the id map). */
  private kill(slot: number): void {
    if (slot < this.nb) {
      this.deadBits[slot >>> 5] = (this.deadBits[slot >>> 5]! | (1 << (slot & 31))) >>> 0;
      this.deadBuilt++;
    } else {
      this.tIds[slot - this.nb] = DEAD;
    }
    this.live--;
    this.dead++;
  }

  private maybeCompact(): void {
    if (this.dead > Math.max(this.opts.minDead, this.live * this.opts.maxDeadRatio)) this.rebuild();
  }

  private ensureTail(n: number): void {
    if (n <= this.tIds.length) return;
    if (this.nb + n > PDQ_INDEX_MAX_SLOTS) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'PDQ index is full', {
        maxSlots: PDQ_INDEX_MAX_SLOTS,
      });
    }
    const cap = Math.min(
      Math.max(n, Math.floor(this.tIds.length * 1.5), 1024),
      PDQ_INDEX_MAX_SLOTS,
    );
    const words = new Uint32Array(cap * W);
    words.set(this.tWords.subarray(0, this.tn * W));
    const ids = new Uint32Array(cap);
    ids.set(this.tIds.subarray(0, this.tn));
    const tags = new Uint16Array(cap);
    tags.set(this.tTags.subarray(0, this.tn));
    this.tWords = words;
    this.tIds = ids;
    this.tTags = tags;
    this.tMap.rebind(ids);
  }

  /** Link pending tail slots [tLinked, tn) into the overflow chains of every table. */
  private linkPending(): void {
    if (this.heads === null) {
      this.heads = [];
      for (let t = 0; t < PDQ_CHUNKS; t++) this.heads.push(new Int32Array(CHUNK_VALUES).fill(-1));
    }
    const need = this.tn;
    if (this.nexts.length === 0 || this.nexts[0]!.length < need) {
      const cap = Math.max(need, Math.floor((this.nexts[0]?.length ?? 0) * 1.5), 1024);
      for (let t = 0; t < PDQ_CHUNKS; t++) {
        const next = new Int32Array(cap);
        const old = this.nexts[t];
        if (old !== undefined) next.set(old.subarray(0, this.tLinked));
        this.nexts[t] = next;
      }
    }
    for (let i = this.tLinked; i < this.tn; i++) {
      for (let t = 0; t < PDQ_CHUNKS; t++) {
        const w = this.tWords[i * W + (t >>> 1)]!;
        const key = t & 1 ? w >>> 16 : w & 0xffff;
        const head = this.heads[t]!;
        this.nexts[t]![i] = head[key]!;
        head[key] = i;
      }
    }
    this.tLinked = this.tn;
  }

  /**
   * Merge the live built slots and the live tail slots (a later tail slot replacing an
   * earlier one or a built slot with the same id) in ascending id order into a new built
   * part, then build every table from scratch.
   */
  private rebuild(): void {
    const nb = this.nb;
    const order = liveTailInIdOrder(this.tIds, this.tn);
    // src[j] = the slot the j-th merged entry comes from (tail slots as nb + tail index)
    const src = new Uint32Array(this.live + order.length);
    let k = 0;
    let s = 0;
    let o = 0;
    const tIds = this.tIds;
    while (s < nb || o < order.length) {
      if (s < nb && this.isDeadBuilt(s)) {
        s++;
        continue;
      }
      if (o < order.length) {
        const ti = order[o]!;
        const tid = tIds[ti]!;
        if (o + 1 < order.length && tIds[order[o + 1]!] === tid) {
          o++; // a later append of the same id wins
          continue;
        }
        const bid = s < nb ? this.ids.at(s) : Infinity;
        if (tid <= bid) {
          src[k++] = nb + ti;
          o++;
          if (tid === bid) s++; // the tail replaces the built slot
          continue;
        }
      }
      src[k++] = s++;
    }
    const ids = new Uint32Array(k);
    const tags = new Uint16Array(k);
    let words: Uint32Array;
    let identityTail = nb === 0 || this.deadBuilt === nb;
    for (let j = 0; j < k && identityTail; j++) identityTail = src[j] === nb + j;
    if (identityTail) {
      // The common bulk load: ascending ids, no duplicates; the tail's hashes are kept as is.
      words = this.tWords.length === k * W ? this.tWords : this.tWords.slice(0, k * W);
    } else {
      words = new Uint32Array(k * W);
    }
    for (let j = 0; j < k; j++) {
      const from = src[j]!;
      const inBuilt = from < nb;
      const i = inBuilt ? from : from - nb;
      ids[j] = inBuilt ? this.ids.at(i) : tIds[i]!;
      tags[j] = inBuilt ? this.tags.at(i) : this.tTags[i]!;
      if (identityTail) continue;
      const fromWords = inBuilt ? this.words : this.tWords;
      for (let w = 0; w < W; w++) words[j * W + w] = fromWords[i * W + w]!; // no view per slot
    }
    this.words = words;
    this.ids = SortedIdColumn.from(ids, k);
    this.tags = TagColumn.from(tags, k);
    this.deadBits = new Uint32Array((k + 31) >>> 5);
    this.nb = k;
    this.deadBuilt = 0;
    this.live = k;
    this.dead = 0;
    this.tWords = new Uint32Array(0);
    this.tIds = new Uint32Array(0);
    this.tTags = new Uint16Array(0);
    this.tn = 0;
    this.tMap.clear(0);
    this.tMap.rebind(this.tIds);
    this.tMapped = 0;
    this.tLinked = 0;
    this.heads = null;
    this.nexts = [];
    this.tables = [];
    if (k === 0 || k < this.opts.minIndexedSize) {
      this.dirs = null;
      return;
    }
    this.dirs ??= Array.from({ length: PDQ_CHUNKS }, () => new Uint32Array(CHUNK_VALUES + 1));
    const scratch = [0, 1, 2, 3].map(() => new Uint32Array(CHUNK_VALUES)) as [
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
    ];
    this.hiSpan = hiSpanFor(k);
    for (let p = 0; p < PDQ_CHUNKS / 2; p++) {
      const [lo, hi] = buildPairTables(
        this.words,
        k,
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
  }

  /**
   * The distance of the hash at `words[o .. o+8)` when it is within d and table t is the
   * first table (in probe order) through which the pigeonhole plan reaches it, judged on
   * full 16-bit companions; else -1. Reporting only from that owner table means no entry is
   * reported twice (cheaper than a per-query visited set), and it also drops postings that
   * only the narrowed companion filter let through.
   */
  private ownerDistance(
    words: Uint32Array,
    o: number,
    t: number,
    plan: PigeonholePlan,
    d: number,
  ): number {
    const q = this.q;
    // Table t's own condition first: the filter saw only the companion's top bits.
    const xt = words[o + (t >>> 1)]! ^ q[t >>> 1]!;
    const et = POPCOUNT16[t & 1 ? xt >>> 16 : xt & 0xffff]!;
    if (POPCOUNT16[t & 1 ? xt & 0xffff : xt >>> 16]! > plan.pairRadius - et) return -1;
    const dist =
      popcount32(words[o]! ^ q[0]!) +
      popcount32(words[o + 1]! ^ q[1]!) +
      popcount32(words[o + 2]! ^ q[2]!) +
      popcount32(words[o + 3]! ^ q[3]!) +
      popcount32(words[o + 4]! ^ q[4]!) +
      popcount32(words[o + 5]! ^ q[5]!) +
      popcount32(words[o + 6]! ^ q[6]!) +
      popcount32(words[o + 7]! ^ q[7]!);
    if (dist > d) return -1;
    for (let u = 0; u < t; u++) {
      const x = words[o + (u >>> 1)]! ^ q[u >>> 1]!;
      const e = POPCOUNT16[u & 1 ? x >>> 16 : x & 0xffff]!;
      const c = POPCOUNT16[u & 1 ? x & 0xffff : x >>> 16]!;
      if (e <= plan.keyRadius && c <= plan.pairRadius - e) return -1;
    }
    return dist;
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
    for (let j = 0; j < nc; j++) {
      const s = slots[j]!;
      const dist = this.ownerDistance(words, s * W, t, plan, d);
      if (dist < 0 || this.isDeadBuilt(s)) continue;
      visit(this.ids.at(s), dist, this.tags.at(s));
      n++;
    }
    return n;
  }

  private probeChains(t: number, plan: PigeonholePlan, d: number, visit: PdqVisitor): number {
    if (this.heads === null || this.tLinked === 0) return 0;
    const head = this.heads[t]!;
    const next = this.nexts[t]!;
    const words = this.tWords;
    const p = t >>> 1;
    const qw = this.q[p]!;
    const qk = t & 1 ? qw >>> 16 : qw & 0xffff;
    const qc = t & 1 ? qw & 0xffff : qw >>> 16;
    let n = 0;
    for (let e = 0; e <= plan.keyRadius; e++) {
      const lim = plan.pairRadius - e;
      const from = ball16(e - 1);
      const to = ball16(e);
      for (let m = from; m < to; m++) {
        for (let i = head[qk ^ MASKS_BY_WEIGHT[m]!]!; i >= 0; i = next[i]!) {
          const w = words[i * W + p]!;
          const c = t & 1 ? w & 0xffff : w >>> 16;
          if (POPCOUNT16[c ^ qc]! > lim) continue;
          const dist = this.ownerDistance(words, i * W, t, plan, d);
          const id = this.tIds[i]!;
          if (dist < 0 || id === DEAD) continue;
          visit(id, dist, this.tTags[i]!);
          n++;
        }
      }
    }
    return n;
  }

  /** Linear scan of the built part. */
  private scanBuilt(d: number, visit: PdqVisitor): number {
    let n = 0;
    scanWords(this.words, this.q, 0, this.nb, d, (s, dist) => {
      if (this.isDeadBuilt(s)) return;
      visit(this.ids.at(s), dist, this.tags.at(s));
      n++;
    });
    return n;
  }

  /** Linear scan of tail slots [from, tn). */
  private scanTail(from: number, d: number, visit: PdqVisitor): number {
    let n = 0;
    scanWords(this.tWords, this.q, from, this.tn, d, (i, dist) => {
      const id = this.tIds[i]!;
      if (id === DEAD) return;
      visit(id, dist, this.tTags[i]!);
      n++;
    });
    return n;
  }
}

/** Call `hit(slot, distance)` for every slot in [from, to) of `words` within d of q. */
function scanWords(
  words: Uint32Array,
  q: Uint32Array,
  from: number,
  to: number,
  d: number,
  hit: (slot: number, distance: number) => void,
): void {
  const q0 = q[0]!,
    q1 = q[1]!,
    q2 = q[2]!,
    q3 = q[3]!;
  const q4 = q[4]!,
    q5 = q[5]!,
    q6 = q[6]!,
    q7 = q[7]!;
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
    if (dist <= d) hit(s, dist);
  }
}

/**
 * Indexes of the live tail slots (`ids[i] !== DEAD`, i < n) ordered by id, ties in index
 * order (so the last of equal ids is the latest). Already ascending in the usual bulk load;
 * otherwise a stable LSD radix sort on the two 16-bit halves of the id.
 */
function liveTailInIdOrder(ids: Uint32Array, n: number): Uint32Array {
  let live = 0;
  let sorted = true;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (id === DEAD) continue;
    if (id < prev) sorted = false;
    prev = id;
    live++;
  }
  let order = new Uint32Array(live);
  for (let i = 0, j = 0; i < n; i++) if (ids[i] !== DEAD) order[j++] = i;
  if (sorted) return order;
  let tmp = new Uint32Array(live);
  const counts = new Uint32Array(CHUNK_VALUES + 1);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let j = 0; j < live; j++) {
      const b = ((ids[order[j]!]! >>> shift) & 0xffff) + 1;
      counts[b] = counts[b]! + 1;
    }
    for (let b = 0; b < CHUNK_VALUES; b++) counts[b + 1] = counts[b + 1]! + counts[b]!;
    for (let j = 0; j < live; j++) {
      const b = (ids[order[j]!]! >>> shift) & 0xffff;
      tmp[counts[b]!] = order[j]!;
      counts[b] = counts[b]! + 1;
    }
    [order, tmp] = [tmp, order];
  }
  return order;
}
