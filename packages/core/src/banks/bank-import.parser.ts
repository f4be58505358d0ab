import type { NewBankEntry } from './bank.model.js';
import type { BankFileFormat } from './bank-file.format.js';
import { MAX_LINE_LENGTH, OVERLONG_LINE } from './line.reader.js';
import { checkSignalValue } from './signal-value.js';

/** One parsed record of a bank file: an entry, or why its line is invalid. */
export type ParsedRecord =
  | { readonly ok: true; readonly line: number; readonly entry: NewBankEntry }
  | { readonly ok: false; readonly line: number; readonly reason: string };

/** Column / key names that map to entry fields rather than to free-form metadata. */
const SIGNAL_KEYS = new Set(['signal_type', 'signaltype']);
/**
 * Value column names: Lifeguard's `value`, and `signal_str` as written by python-threatexchange's
 * `threatexchange dataset -P --csv` (header `collab,signal_type,signal_str,category,tags`;
 * threatexchange/cli/dataset_cmd.py), so its CSV imports as is.
 */
const VALUE_KEYS = new Set(['value', 'signal_str']);
const FIELD_KEYS: ReadonlyMap<string, 'sourceId' | 'classification' | 'note'> = new Map([
  ['source_id', 'sourceId'],
  ['sourceid', 'sourceId'],
  ['classification', 'classification'],
  ['note', 'note'],
]);

type Fields = {
  sourceId?: string;
  classification?: string;
  note?: string;
  metadata: Record<string, unknown>;
};

function isSkippable(line: string): boolean {
  const t = line.trim();
  return t.length === 0 || t.startsWith('#');
}

function entryFrom(line: number, type: string, value: string, fields: Fields): ParsedRecord {
  const check = checkSignalValue(type, value);
  if (!check.ok) return { ok: false, line, reason: check.reason };
  const entry: NewBankEntry = {
    signalType: check.signalType,
    value: check.value,
    ...(fields.sourceId !== undefined ? { sourceId: fields.sourceId } : {}),
    ...(fields.classification !== undefined ? { classification: fields.classification } : {}),
    ...(fields.note !== undefined ? { note: fields.note } : {}),
    ...(Object.keys(fields.metadata).length > 0 ? { metadata: fields.metadata } : {}),
  };
  return { ok: true, line, entry };
}

/**
 * Parse the HMA / python-threatexchange text format: `<signal_type> <value>` separated by
 * spaces or tabs. Signal type names are case-insensitive and include the threatexchange
 * aliases (see `signalTypeFromName`).
 */
async function* parseText(lines: AsyncIterable<string>): AsyncGenerator<ParsedRecord> {
  let n = 0;
  for await (const raw of lines) {
    n++;
    if (raw === OVERLONG_LINE) {
      yield { ok: false, line: n, reason: `line longer than ${MAX_LINE_LENGTH} characters` };
      continue;
    }
    if (isSkippable(raw)) continue;
    const parts = raw.trim().split(/[ \t]+/);
    if (parts.length < 2) {
      yield { ok: false, line: n, reason: "expected '<signal_type> <value>', got one field" };
      continue;
    }
    if (parts.length > 2) {
      yield { ok: false, line: n, reason: `expected 2 fields, got ${parts.length}` };
      continue;
    }
    yield entryFrom(n, parts[0]!, parts[1]!, { metadata: {} });
  }
}

/**
 * Split one CSV record (RFC 4180: comma separator, `"` quoting, `""` escapes a quote).
 * Returns undefined when the record ends inside a quoted field (it continues on the next
 * line), or an error string for a stray quote.
 */
function splitCsv(record: string): string[] | undefined | { error: string } {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (record[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) return undefined; // open quote: the record continues on the next line
        field += record.slice(i, q);
        if (record[q + 1] === '"') {
          field += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(field);
      if (i === record.length) return out;
      if (record[i] !== ',') return { error: `unexpected character after closing quote` };
      i++;
    } else {
      const c = record.indexOf(',', i);
      const field = c < 0 ? record.slice(i) : record.slice(i, c);
      if (field.includes('"')) return { error: 'quote inside an unquoted field' };
      out.push(field);
      if (c < 0) return out;
      i = c + 1;
    }
  }
}

/**
 * Parse CSV with a header row naming at least `signal_type` (or `signalType`) and `value`.
 * Columns `source_id`, `classification` and `note` fill the entry's fields; a `metadata`
 * column holding a JSON object is merged into metadata; every other non-empty column becomes
 * a metadata key. Quoted fields may contain commas, quotes and newlines (a record's line
 * number is the line it starts on). Rows with a different field count than the header are
 * invalid (a truncated row is the usual cause).
 */
async function* parseCsv(lines: AsyncIterable<string>): AsyncGenerator<ParsedRecord> {
  let n = 0;
  let header: string[] | undefined;
  let typeCol = -1;
  let valueCol = -1;
  let pending: { start: number; text: string } | undefined;
  let headerError: string | undefined;

  const handle = (start: number, fields: string[]): ParsedRecord | undefined => {
    if (!header) {
      header = fields.map((f) => f.trim());
      const lower = header.map((h) => h.toLowerCase());
      typeCol = lower.findIndex((h) => SIGNAL_KEYS.has(h));
      valueCol = lower.findIndex((h) => VALUE_KEYS.has(h));
      if (typeCol < 0 || valueCol < 0) {
        headerError = "CSV header must name 'signal_type' and 'value' (or 'signal_str') columns";
        return { ok: false, line: start, reason: headerError };
      }
      return undefined;
    }
    if (headerError) return { ok: false, line: start, reason: headerError };
    if (fields.length !== header.length) {
      return {
        ok: false,
        line: start,
        reason: `row has ${fields.length} fields, header has ${header.length}`,
      };
    }
    const f: Fields = { metadata: {} };
    for (let i = 0; i < header.length; i++) {
      if (i === typeCol || i === valueCol) continue;
      const v = fields[i]!;
      if (v === '') continue;
      const key = header[i]!;
      const field = FIELD_KEYS.get(key.toLowerCase());
      if (field) f[field] = v;
      else if (key.toLowerCase() === 'metadata') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(v);
        } catch {
          parsed = undefined;
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          return { ok: false, line: start, reason: 'metadata column is not a JSON object' };
        }
        Object.assign(f.metadata, parsed);
      } else f.metadata[key] = v;
    }
    return entryFrom(start, fields[typeCol]!, fields[valueCol]!, f);
  };

  for await (const raw of lines) {
    n++;
    if (raw === OVERLONG_LINE) {
      if (pending) {
        yield { ok: false, line: pending.start, reason: 'unterminated quoted field' };
        pending = undefined;
      }
      yield { ok: false, line: n, reason: `line longer than ${MAX_LINE_LENGTH} characters` };
      continue;
    }
    if (!pending && isSkippable(raw)) continue;
    const rec = pending
      ? { start: pending.start, text: `${pending.text}\n${raw}` }
      : { start: n, text: raw };
    if (rec.text.length > MAX_LINE_LENGTH) {
      pending = undefined;
      yield {
        ok: false,
        line: rec.start,
        reason: `record longer than ${MAX_LINE_LENGTH} characters`,
      };
      continue;
    }
    const split = splitCsv(rec.text);
    if (split === undefined) {
      pending = rec;
      continue;
    }
    pending = undefined;
    if (!Array.isArray(split)) {
      yield { ok: false, line: rec.start, reason: split.error };
      continue;
    }
    const r = handle(rec.start, split);
    if (r) yield r;
  }
  if (pending) yield { ok: false, line: pending.start, reason: 'unterminated quoted field' };
}

/**
 * Parse JSON lines: each line one object with `signal_type` (or `signalType`) and `value`;
 * `source_id`/`sourceId`, `classification` and `note` (strings or numbers) fill the entry's
 * fields, a `metadata` object is merged into metadata, and every other key becomes metadata.
 */
async function* parseJsonl(lines: AsyncIterable<string>): AsyncGenerator<ParsedRecord> {
  let n = 0;
  for await (const raw of lines) {
    n++;
    if (raw === OVERLONG_LINE) {
      yield { ok: false, line: n, reason: `line longer than ${MAX_LINE_LENGTH} characters` };
      continue;
    }
    if (isSkippable(raw)) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      yield { ok: false, line: n, reason: 'not valid JSON' };
      continue;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      yield { ok: false, line: n, reason: 'not a JSON object' };
      continue;
    }
    let type: unknown;
    let value: unknown;
    const f: Fields = { metadata: {} };
    let bad: string | undefined;
    for (const [key, v] of Object.entries(obj as Record<string, unknown>)) {
      const lower = key.toLowerCase();
      if (SIGNAL_KEYS.has(lower)) type = v;
      else if (VALUE_KEYS.has(lower)) value = v;
      else if (FIELD_KEYS.has(lower)) {
        if (v === null || v === undefined) continue;
        if (typeof v !== 'string' && typeof v !== 'number') bad = `${key} must be a string`;
        else f[FIELD_KEYS.get(lower)!] = String(v);
      } else if (lower === 'metadata') {
        if (v === null) continue;
        if (typeof v !== 'object' || Array.isArray(v)) bad = 'metadata must be a JSON object';
        else Object.assign(f.metadata, v);
      } else f.metadata[key] = v;
    }
    if (bad) yield { ok: false, line: n, reason: bad };
    else if (typeof type !== 'string') yield { ok: false, line: n, reason: 'missing signal_type' };
    else if (typeof value !== 'string') yield { ok: false, line: n, reason: 'missing value' };
    else yield entryFrom(n, type, value, f);
  }
}

/**
 * Parse a bank file, streaming: one {@link ParsedRecord} per record, in order; blank lines
 * and lines starting with `#` are skipped (outside CSV quoted fields). Line numbers are
 * 1-based positions in `lines` (feed it `readLines` output).
 */
export function parseBankFile(
  lines: AsyncIterable<string>,
  format: BankFileFormat,
): AsyncGenerator<ParsedRecord> {
  switch (format) {
    case 'text':
      return parseText(lines);
    case 'csv':
      return parseCsv(lines);
    case 'jsonl':
      return parseJsonl(lines);
  }
}
