import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import type { BankStore } from '../ports/bank-store.port.js';
import type { NewBankEntry } from './bank.model.js';
import type { BankFileFormat } from './bank-file.format.js';
import { parseBankFile } from './bank-import.parser.js';
import { readLines } from './line.reader.js';

/** Byte or text chunks of a bank file. */
export type ChunkSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** One invalid line of an import. */
export interface InvalidLine {
  /** 1-based line number (for CSV, the line the record starts on). */
  readonly line: number;
  /** Why it was rejected (never echoes more than a few characters of the input). */
  readonly reason: string;
}

/** Outcome of an import. */
export interface ImportReport {
  /** Valid records read. */
  readonly records: number;
  /** Entries added to the bank. */
  readonly added: number;
  /** Valid records already in the bank (or repeated within the file). */
  readonly duplicates: number;
  /** Number of invalid lines (all of them). */
  readonly invalid: number;
  /** The first `maxReportedInvalid` invalid lines, in file order. */
  readonly invalidLines: readonly InvalidLine[];
}

/** Options of {@link importBankFile}. */
export interface ImportOptions {
  /** File format. */
  readonly format: BankFileFormat;
  /**
   * Strict mode: any invalid line aborts the import with `LG_ERR_INVALID_IMPORT_LINE` and
   * nothing is written. Implemented as a validation pass over the whole file before the
   * writing pass (so memory stays constant and no huge transaction is needed); this is why
   * `open` must be callable twice. If the file changes between the passes and the second pass
   * meets a bad line, the import still aborts with that error, but batches already written
   * stay (they are valid entries; re-running the import is idempotent).
   */
  readonly strict?: boolean;
  /** Entries per `addEntries` call (one transaction each); default 5000. */
  readonly batchSize?: number;
  /** How many invalid lines to list in the report (all are counted); default 20. */
  readonly maxReportedInvalid?: number;
  /** Called after each written batch with the running totals. */
  readonly onProgress?: (report: ImportReport) => void;
}

/**
 * Import a bank file into bank `bankId`, streaming with constant memory: records are parsed
 * as they arrive and written in batches of `batchSize` entries; invalid lines are counted
 * and the first few listed with their line numbers, and do not stop the import (unless
 * `strict`). Importing the same file twice adds nothing the second time (every record is
 * reported as a duplicate).
 * @param open returns the file's chunks; called once, or twice in strict mode
 */
export async function importBankFile(
  store: BankStore,
  bankId: number,
  open: () => ChunkSource,
  opts: ImportOptions,
): Promise<ImportReport> {
  const batchSize = opts.batchSize ?? 5000;
  const maxReported = opts.maxReportedInvalid ?? 20;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'batchSize must be a positive integer');
  }
  if (!(await store.getBank(bankId))) {
    throw new LifeguardError(ErrorCodes.NOT_FOUND, `bank ${bankId} does not exist`, { bankId });
  }
  const strictError = (line: number, reason: string): LifeguardError =>
    new LifeguardError(ErrorCodes.INVALID_IMPORT_LINE, `line ${line}: ${reason}`, { line, reason });

  if (opts.strict) {
    for await (const r of parseBankFile(readLines(open()), opts.format)) {
      if (!r.ok) throw strictError(r.line, r.reason);
    }
  }

  let records = 0;
  let added = 0;
  let duplicates = 0;
  let invalid = 0;
  const invalidLines: InvalidLine[] = [];
  const report = (): ImportReport => ({
    records,
    added,
    duplicates,
    invalid,
    invalidLines: [...invalidLines],
  });
  let batch: NewBankEntry[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const r = await store.addEntries(bankId, batch);
    added += r.added;
    duplicates += r.duplicates;
    batch = [];
    opts.onProgress?.(report());
  };

  for await (const r of parseBankFile(readLines(open()), opts.format)) {
    if (!r.ok) {
      if (opts.strict) throw strictError(r.line, r.reason);
      invalid++;
      if (invalidLines.length < maxReported) invalidLines.push({ line: r.line, reason: r.reason });
      continue;
    }
    records++;
    batch.push(r.entry);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report();
}
