import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';

/**
 * SHA-256 of some bytes as 64 lowercase hex characters, supplied by the caller (the server
 * and CLI pass `node:crypto`'s; a browser could pass one over Web Crypto). Core takes it as
 * a parameter so it imports no platform module and stays synchronous and portable.
 */
export type AuditDigest = (bytes: Uint8Array) => string;

/** `prevHash` of the first record of a chain. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** What an audit record is about (issue 6: logins, views, decisions, exports, settings). */
export const AUDIT_RECORD_TYPES = [
  'login',
  'logout',
  'login_failed',
  'media_view',
  'case_transition',
  'decision',
  'export',
  'report_sent',
  'settings_change',
  'user_change',
  // Evidence vault (issue 7): preservation, every access (granted or refused), every purge.
  'evidence_preserve',
  'evidence_access',
  'evidence_purge',
] as const;

/** One of {@link AUDIT_RECORD_TYPES}. */
export type AuditRecordType = (typeof AUDIT_RECORD_TYPES)[number];

/** A JSON value an audit record may carry (no undefined, no non-finite numbers). */
export type AuditValue =
  null | boolean | number | string | readonly AuditValue[] | { readonly [key: string]: AuditValue };

/** What the caller records. `data` must be log-safe: ids, modes, codes — never media or text. */
export interface AuditEntry {
  /** Kind of event. */
  readonly type: AuditRecordType;
  /** User id (or `system`). */
  readonly actor: string;
  /** When (epoch ms, UTC). */
  readonly at: number;
  /** What it concerns (`case:42`, `item:7`, `setting:retention`), or null. */
  readonly subject: string | null;
  /** Details, e.g. `{ mode: 'blurred' }` for a view or `{ from, to, reason }`. */
  readonly data: { readonly [key: string]: AuditValue };
}

/** A stored audit record: the entry, its position and the chain hashes. */
export interface AuditRecord extends AuditEntry {
  /** Position in the chain, 1 for the first record, no gaps. */
  readonly seq: number;
  /** `hash` of the previous record ({@link AUDIT_GENESIS_HASH} for the first). */
  readonly prevHash: string;
  /** Digest of the canonical body (every field but `hash`). */
  readonly hash: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const FIELDS = ['actor', 'at', 'data', 'hash', 'prevHash', 'seq', 'subject', 'type'];

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no whitespace, strings as
 * `JSON.stringify` writes them (the same idea as RFC 8785 JCS, without its number rules:
 * only finite numbers are allowed, written by ECMAScript's shortest round-trip form).
 * Refuses what JSON cannot carry faithfully rather than silently changing it.
 *
 * @throws LifeguardError `LG_ERR_INVALID_ARGUMENT` for undefined, a function, a non-finite
 *   number, or an object that is not plain (a class instance, a Date)
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) break;
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
      if (!isPlainObject(value)) break;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      break;
  }
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'value cannot be put in an audit record', {
    kind: typeof value,
  });
}

const encoder = new TextEncoder();

function digestOf(body: string, digest: AuditDigest): string {
  const h = digest(encoder.encode(body));
  if (!HEX64.test(h)) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'digest must return 64 lowercase hex');
  }
  return h;
}

/** The canonical text a record's hash covers: every field but `hash`. */
export function auditRecordBody(r: Omit<AuditRecord, 'hash'>): string {
  const { seq, prevHash, type, actor, at, subject, data } = r;
  return canonicalJson({ seq, prevHash, type, actor, at, subject, data });
}

/**
 * The record that follows `prev` (or starts a chain when `prev` is null).
 *
 * @throws LifeguardError `LG_ERR_INVALID_ARGUMENT` for data canonical JSON cannot carry, an
 *   unknown type, an empty actor or a non-integer time
 */
export function appendAuditRecord(
  prev: AuditRecord | null,
  entry: AuditEntry,
  digest: AuditDigest,
): AuditRecord {
  if (!(AUDIT_RECORD_TYPES as readonly string[]).includes(entry.type)) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'unknown audit record type', {
      type: String(entry.type),
    });
  }
  if (entry.actor.length === 0 || !Number.isSafeInteger(entry.at)) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      'audit record needs an actor and an integer time',
    );
  }
  const body = {
    seq: prev === null ? 1 : prev.seq + 1,
    prevHash: prev === null ? AUDIT_GENESIS_HASH : prev.hash,
    type: entry.type,
    actor: entry.actor,
    at: entry.at,
    subject: entry.subject,
    data: entry.data,
  };
  return { ...body, hash: digestOf(auditRecordBody(body), digest) };
}

/** One line of an audit log file: the record's canonical JSON. */
export function serializeAuditRecord(r: AuditRecord): string {
  return canonicalJson({ ...r });
}

/**
 * Parse one line written by {@link serializeAuditRecord}. The line must be exactly the
 * canonical form of what it parses to, so that no byte of a stored line can change (not even
 * whitespace or a `\u` escape spelled differently) without verification noticing.
 *
 * @throws LifeguardError `LG_ERR_INVALID_ARGUMENT` for anything else
 */
export function parseAuditLine(line: string): AuditRecord {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'audit line is not JSON');
  }
  const bad = (why: string) => new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `audit line ${why}`);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('is not an object');
  const r = v as Record<string, unknown>;
  if (Object.keys(r).sort().join(',') !== FIELDS.join(',')) throw bad('has wrong fields');
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1) throw bad('has a bad seq');
  if (typeof r.prevHash !== 'string' || !HEX64.test(r.prevHash)) throw bad('has a bad prevHash');
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) throw bad('has a bad hash');
  if (!(AUDIT_RECORD_TYPES as readonly string[]).includes(r.type as string))
    throw bad('has a bad type');
  if (typeof r.actor !== 'string' || !Number.isSafeInteger(r.at))
    throw bad('has a bad actor or time');
  if (r.subject !== null && typeof r.subject !== 'string') throw bad('has a bad subject');
  if (typeof r.data !== 'object' || r.data === null || Array.isArray(r.data))
    throw bad('has bad data');
  if (canonicalJson(r) !== line) throw bad('is not in canonical form');
  return r as unknown as AuditRecord;
}

/** Why verification stopped. */
export type AuditFailure = 'malformed' | 'seq' | 'prev_hash' | 'hash' | 'head';

/** The outcome of {@link verifyChain}. */
export type AuditVerification =
  | {
      /** Every record checks out. */
      readonly ok: true;
      /** Records checked. */
      readonly count: number;
      /** Seq and hash of the last record (store it elsewhere to detect truncation). */
      readonly head: { readonly seq: number; readonly hash: string } | null;
    }
  | {
      /** Tampering (or corruption) found. */
      readonly ok: false;
      /** 0-based position of the first bad record in the input. */
      readonly index: number;
      /** Its seq as stored, when readable. */
      readonly seq: number | null;
      /** What is wrong. */
      readonly failure: AuditFailure;
      /** One sentence for the operator. */
      readonly message: string;
    };

/** Where a chain segment must start and end. */
export interface VerifyOptions {
  /** The record before the segment (default: none, the segment starts at seq 1). */
  readonly after?: { readonly seq: number; readonly hash: string };
  /**
   * The head recorded elsewhere (a later anchor, the last exported head): catches records
   * deleted from the end, which the chain alone cannot see.
   */
  readonly expectedHead?: { readonly seq: number; readonly hash: string };
}

/**
 * Check a chain and pinpoint the first record that does not hold: each record's hash must be
 * the digest of its body, link to the previous record's hash, and carry the next seq. An
 * edited record fails `hash`; a deleted, inserted or reordered one fails `seq` or
 * `prev_hash` at the first place the order breaks.
 */
export function verifyChain(
  records: readonly AuditRecord[],
  digest: AuditDigest,
  options: VerifyOptions = {},
): AuditVerification {
  let seq = options.after?.seq ?? 0;
  let prevHash = options.after?.hash ?? AUDIT_GENESIS_HASH;
  const fail = (index: number, r: AuditRecord | null, failure: AuditFailure, message: string) =>
    ({ ok: false, index, seq: r?.seq ?? null, failure, message }) as const;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.seq !== seq + 1) {
      return fail(i, r, 'seq', `record ${i} has seq ${r.seq}, expected ${seq + 1}`);
    }
    if (r.prevHash !== prevHash) {
      return fail(i, r, 'prev_hash', `record ${i} (seq ${r.seq}) does not link to its predecessor`);
    }
    let h: string;
    try {
      h = digestOf(auditRecordBody(r), digest);
    } catch {
      return fail(i, r, 'malformed', `record ${i} (seq ${r.seq}) cannot be serialised`);
    }
    if (h !== r.hash) return fail(i, r, 'hash', `record ${i} (seq ${r.seq}) was altered`);
    seq = r.seq;
    prevHash = r.hash;
  }
  const head = records.length === 0 ? (options.after ?? null) : { seq, hash: prevHash };
  const want = options.expectedHead;
  if (want !== undefined && (head === null || head.seq !== want.seq || head.hash !== want.hash)) {
    return fail(
      records.length,
      null,
      'head',
      `chain ends at seq ${head?.seq ?? 0}, expected ${want.seq}`,
    );
  }
  return { ok: true, count: records.length, head };
}

/** {@link verifyChain} over serialised lines; a line that does not parse fails `malformed`. */
export function verifyAuditLines(
  lines: readonly string[],
  digest: AuditDigest,
  options: VerifyOptions = {},
): AuditVerification {
  const records: AuditRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      records.push(parseAuditLine(lines[i]!));
    } catch (e) {
      // Report an earlier chain break first: it is where tampering begins.
      const before = verifyChain(records, digest, options.after ? { after: options.after } : {});
      if (!before.ok) return before;
      const why = e instanceof Error ? e.message : 'unreadable';
      return { ok: false, index: i, seq: null, failure: 'malformed', message: `line ${i}: ${why}` };
    }
  }
  return verifyChain(records, digest, options);
}
