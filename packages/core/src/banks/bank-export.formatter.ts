import type { BankEntry } from './bank.model.js';
import type { BankFileFormat } from './bank-file.format.js';

/** CSV columns written by {@link formatBankFile}; `parseBankFile` reads them back. */
export const CSV_EXPORT_COLUMNS = [
  'signal_type',
  'value',
  'source_id',
  'classification',
  'note',
  'metadata',
] as const;

/** Quote a CSV field when it needs it (RFC 4180). */
function csvField(s: string | null): string {
  if (s === null) return '';
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

function hasMetadata(e: BankEntry): boolean {
  return Object.keys(e.metadata).length > 0;
}

function formatOne(e: BankEntry, format: BankFileFormat): string {
  switch (format) {
    case 'text':
      // The text format carries the signal only; metadata needs CSV or JSON lines.
      return `${e.signalType} ${e.value}\n`;
    case 'csv':
      return `${[
        e.signalType,
        e.value,
        csvField(e.sourceId),
        csvField(e.classification),
        csvField(e.note),
        hasMetadata(e) ? csvField(JSON.stringify(e.metadata)) : '',
      ].join(',')}\n`;
    case 'jsonl':
      return `${JSON.stringify({
        signal_type: e.signalType,
        value: e.value,
        ...(e.sourceId !== null ? { source_id: e.sourceId } : {}),
        ...(e.classification !== null ? { classification: e.classification } : {}),
        ...(e.note !== null ? { note: e.note } : {}),
        ...(hasMetadata(e) ? { metadata: e.metadata } : {}),
      })}\n`;
  }
}

/**
 * Format pages of entries as a bank file, streaming: yields one string per page (plus a
 * header first for CSV). Only enabled entries are written: an export is the bank's active
 * content, and the formats have no field for the enabled flag.
 */
export async function* formatBankFile(
  pages: AsyncIterable<readonly BankEntry[]> | Iterable<readonly BankEntry[]>,
  format: BankFileFormat,
): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_EXPORT_COLUMNS.join(',')}\n`;
  for await (const page of pages) {
    let out = '';
    for (const e of page) if (e.enabled) out += formatOne(e, format);
    if (out.length > 0) yield out;
  }
}
