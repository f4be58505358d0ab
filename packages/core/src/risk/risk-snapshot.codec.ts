import {
  AccountRiskState,
  allocStateWords,
  C_STRIDE,
  CV_STRIDE,
  IN_STRIDE,
  S_CFLAGS,
  S_CONTACTS,
  S_CONVS,
  S_FRIENDS,
  S_INBOUND,
  S_TEXT,
  STATE_WORDS,
  TEXT_EV_STRIDE,
} from './account-state.model.js';
import type { RiskEngine, RiskEngineSnapshotParts } from './risk.engine.js';
import { RISK_SIGNALS } from './risk-signal.catalog.js';

/**
 * Snapshots of the risk engine (issue 5, "Live"): the whole engine state — every account's
 * bounded state plus the engine's counters, phrase table, side table and dedup window — as
 * one byte string, so a restart restores it and replays only the events logged after it.
 *
 * Binary layout: `LGRS`, u32 format, u32 header length, the header as UTF-8 JSON, zero padding
 * to a multiple of 4, then every account's state array (platform byte order, recorded in the
 * header) one after the other.
 *
 * The account part derives from the state class itself: a state is its own properties (plain
 * scalar fields plus the one state array), and the field list of a fresh state is written in the header, so a field added to the class is
 * serialised without touching this file. A snapshot is only restored by a build with the same
 * {@link riskSnapshotLayout} (field list, array layout, signal catalog) and the same rules;
 * anything else is refused with a reason and the caller replays the full log.
 */

/** Version of the byte layout above (bump on any change of this file's format). */
export const RISK_SNAPSHOT_FORMAT = 1;

const MAGIC = [0x4c, 0x47, 0x52, 0x53]; // "LGRS"

/** Version of what the per-account fields mean (bump when a field's meaning changes). */
const STATE_SEMANTICS = 2;

/**
 * Engine fields and how a snapshot covers them: exported by `exportSnapshotParts`, or rebuilt
 * from the engine's options. A field missing here makes {@link encodeRiskSnapshot} throw, so
 * new engine state cannot be silently left out of snapshots.
 */
const ENGINE_FIELDS: Readonly<Record<string, 'exported' | 'options' | 'accounts'>> = {
  rules: 'options',
  store: 'accounts',
  stats: 'exported',
  dedup: 'exported',
  detector: 'options',
  onPeak: 'options',
  watermarkMs: 'exported',
  phrases: 'exported',
  phraseRef: 'exported',
  side: 'exported',
  activeSignals: 'options',
};

/**
 * Engine fields that hold only working memory of one evaluation (scratch arrays, the account
 * just scored) or values derived from the rules: nothing a snapshot must carry, and not part of
 * the layout fingerprint (adding one does not invalidate stored snapshots).
 */
const ENGINE_SCRATCH = new Set([
  'values',
  'scored',
  'scoredSec',
  'scoredAfter',
  'summary',
  'probableIndex',
]);

/** Own fields of a fresh state besides ref, user and data (the serialised scalars). */
function stateFields(): string[] {
  const probe = new AccountRiskState(0, 'probe');
  return Object.keys(probe).filter((k) => k !== 'ref' && k !== 'user' && k !== 'data');
}

/**
 * Fingerprint of everything a snapshot's meaning depends on besides the rules: the state
 * fields, the array layout, the signal catalog and the engine's fields. Differs => refused.
 */
export function riskSnapshotLayout(): string {
  return JSON.stringify({
    fields: stateFields(),
    words: [S_FRIENDS, S_INBOUND, S_CONTACTS, S_CFLAGS, S_TEXT, S_CONVS, STATE_WORDS],
    strides: [IN_STRIDE, C_STRIDE, TEXT_EV_STRIDE, CV_STRIDE],
    signals: RISK_SIGNALS.map((s) => s.name),
    engine: Object.keys(ENGINE_FIELDS),
    // Meaning of state fields that the field list cannot show: `friendBands` counts only
    // accepted contacts that sent the request (session 4); older snapshots counted both sides.
    semantics: STATE_SEMANTICS,
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface SnapshotHeader {
  readonly format: number;
  readonly layout: string;
  readonly rules: string;
  readonly littleEndian: boolean;
  /** Caller's data (e.g. the event-log position the snapshot covers). */
  readonly meta: unknown;
  readonly engine: RiskEngineSnapshotParts;
  readonly fields: readonly string[];
  /** Per account in ref order: [user, ...field values, state words]. */
  readonly accounts: ReadonlyArray<readonly unknown[]>;
}

/**
 * Serialise `engine` (synchronously: call it between events). `meta` is stored as given (JSON)
 * and returned by {@link decodeRiskSnapshot}.
 */
export function encodeRiskSnapshot(engine: RiskEngine, meta: unknown = null): Uint8Array {
  for (const k of Object.keys(engine)) {
    if (ENGINE_FIELDS[k] === undefined && !ENGINE_SCRATCH.has(k)) {
      throw new Error(`engine field '${k}' is not covered by the snapshot format`);
    }
  }
  const fields = stateFields();
  const accounts: unknown[][] = [];
  let words = 0;
  let ref = 0;
  for (const s of engine.store.accounts()) {
    if (s.ref !== ref++) throw new Error('store refs are not dense');
    const row: unknown[] = [s.user];
    const rec = s as unknown as Record<string, unknown>;
    for (const f of fields) row.push(rec[f]);
    const n = s.data === null ? 0 : s.data.length;
    row.push(n);
    words += n;
    accounts.push(row);
  }
  const header: SnapshotHeader = {
    format: RISK_SNAPSHOT_FORMAT,
    layout: riskSnapshotLayout(),
    rules: JSON.stringify(engine.rules),
    littleEndian: LITTLE_ENDIAN,
    meta,
    engine: engine.exportSnapshotParts(),
    fields,
    accounts,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = (12 + json.length + 3) & ~3;
  const out = new Uint8Array(dataStart + words * 4);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, RISK_SNAPSHOT_FORMAT, true);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  const body = new Uint32Array(out.buffer, dataStart, words);
  let at = 0;
  for (const s of engine.store.accounts()) {
    if (s.data === null) continue;
    body.set(s.data, at);
    at += s.data.length;
  }
  return out;
}

/** Outcome of {@link decodeRiskSnapshot}: restored, or a log-safe reason why not. */
export type RiskSnapshotRestore =
  | { readonly ok: true; readonly meta: unknown; readonly accounts: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Restore a snapshot into `engine`, which must be fresh (no event ingested, empty store) and
 * configured with the same rules. Refuses (nothing restored) a snapshot of another format,
 * layout, rules or byte order, or a damaged one; the caller then replays the full event log.
 */
export function decodeRiskSnapshot(engine: RiskEngine, bytes: Uint8Array): RiskSnapshotRestore {
  const no = (reason: string): RiskSnapshotRestore => ({ ok: false, reason });
  if (engine.store.size !== 0 || engine.stats.accepted !== 0) {
    return no('the engine is not fresh');
  }
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) return no('not a risk snapshot');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = dv.getUint32(4, true);
  if (format !== RISK_SNAPSHOT_FORMAT) {
    return no(`snapshot format ${format}, this build reads ${RISK_SNAPSHOT_FORMAT}`);
  }
  const jsonLen = dv.getUint32(8, true);
  if (12 + jsonLen > bytes.length) return no('snapshot truncated (header)');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + jsonLen)),
    ) as SnapshotHeader;
  } catch {
    return no('snapshot header is not valid JSON');
  }
  if (header.layout !== riskSnapshotLayout()) {
    return no('snapshot state layout differs from this build (state fields or signals changed)');
  }
  if (header.rules !== JSON.stringify(engine.rules)) return no('rules changed since the snapshot');
  if (header.littleEndian !== LITTLE_ENDIAN) return no('snapshot byte order differs');
  const fields = header.fields;
  const dataStart = (12 + jsonLen + 3) & ~3;
  let words = 0;
  for (const row of header.accounts) words += row[row.length - 1] as number;
  if (dataStart + words * 4 !== bytes.length) return no('snapshot truncated (state arrays)');
  // Copy into an aligned buffer (the input may sit at any offset of a larger buffer).
  const body = new Uint32Array(words);
  new Uint8Array(body.buffer).set(bytes.subarray(dataStart, dataStart + words * 4));
  let at = 0;
  let ref = 0;
  for (const row of header.accounts) {
    const n = row[row.length - 1] as number;
    let data: Uint32Array | undefined;
    if (n > 0) {
      data = allocStateWords(n);
      data.set(body.subarray(at, at + n));
      at += n;
    }
    const s = new AccountRiskState(ref++, row[0] as string, data);
    const rec = s as unknown as Record<string, unknown>;
    for (let i = 0; i < fields.length; i++) rec[fields[i] as string] = row[i + 1];
    engine.store.adopt(s);
  }
  engine.importSnapshotParts(header.engine);
  return { ok: true, meta: header.meta, accounts: header.accounts.length };
}
