/** File formats for bank import and export. */
export const BANK_FILE_FORMATS = ['text', 'csv', 'jsonl'] as const;

/**
 * `text`: the HMA / python-threatexchange format, `<signal_type> <value>` per line.
 * `csv`: a header row with `signal_type` and `value` columns, other columns metadata.
 * `jsonl`: one JSON object per line, `{"signal_type": ..., "value": ..., ...}`.
 */
export type BankFileFormat = (typeof BANK_FILE_FORMATS)[number];

const BY_EXTENSION: ReadonlyMap<string, BankFileFormat> = new Map<string, BankFileFormat>([
  ['txt', 'text'],
  ['text', 'text'],
  ['hma', 'text'],
  ['te', 'text'],
  ['csv', 'csv'],
  ['jsonl', 'jsonl'],
  ['ndjson', 'jsonl'],
  ['json', 'jsonl'],
]);

/** The format implied by a file name's extension (case-insensitive), or undefined. */
export function formatFromFileName(name: string): BankFileFormat | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || dot < name.lastIndexOf('/')) return undefined;
  return BY_EXTENSION.get(name.slice(dot + 1).toLowerCase());
}

/** True when `s` names a {@link BankFileFormat}. */
export function isBankFileFormat(s: string): s is BankFileFormat {
  return (BANK_FILE_FORMATS as readonly string[]).includes(s);
}
