import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  ErrorCodes,
  formatBankFile,
  formatFromFileName,
  importBankFile,
  isBankFileFormat,
  LifeguardError,
  type Bank,
  type BankFileFormat,
  type ImportReport,
  type NewBank,
} from '@lifeguard/core';
import type { LifeguardStore } from '@lifeguard/store';
import {
  DATA_STORE_OPTIONS,
  DATA_STORE_USAGE,
  openDataStore,
  writeAll,
} from '../util/data-store.js';
import { ProgressBar } from '../util/progress.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage:
  lifeguard bank create NAME [--kind block|allow] [--threshold N] [--quality-floor N]
                             [--labels a,b] [--description TEXT] [--max-matches N]
                             [--enabled-ratio F]
  lifeguard bank list [--json]
  lifeguard bank import NAME FILE|- [--format text|csv|jsonl] [--strict] [--json]
  lifeguard bank export NAME [--format text|csv|jsonl] [--out FILE]
  lifeguard bank disable NAME
  lifeguard bank enable NAME

create    New bank. --kind allow makes a "negative" bank whose matches suppress block-bank
          matches for the same content. --threshold: PDQ distance 0..256 (default 31);
          --quality-floor 0..100 (default 50); --max-matches: flood-control cap per lookup
          (default 100); --enabled-ratio 0..1: gradual roll-out (default 1).
list      Banks with settings and entry counts (enabled/total).
import    Add a file's entries to a bank, streaming. Formats (by --format, else by extension:
          .txt/.hma text, .csv csv, .jsonl/.ndjson/.json jsonl; stdin '-' defaults to text):
            text   '<signal_type> <value>' per line (HMA / python-threatexchange)
            csv    header with signal_type,value (or signal_str, as python-threatexchange
                   writes); source_id, classification, note and a
                   JSON 'metadata' column map to fields, other columns become metadata
            jsonl  {"signal_type":"pdq","value":"...", ...} per line
          Blank lines and '#' comments are skipped; BOM and CRLF are fine. Entries already
          in the bank are counted as duplicates, so importing a file twice adds nothing.
          Invalid lines are counted and listed by line number; they do not stop the import
          and make the exit code 1. --strict validates the whole file first and writes
          nothing if any line is invalid (exit 2, LG_ERR_INVALID_IMPORT_LINE); it needs a
          file, not stdin.
export    Write the bank's enabled entries (stdout, or --out FILE written atomically).
disable   Stop matching a bank (entries are kept); enable turns it back on.

Options:
${DATA_STORE_USAGE}

Exit codes: 0 success, 1 import finished but some lines were invalid, 2 usage or data error
(the message names an LG_ERR_* code).
`;

const OPTIONS = {
  ...DATA_STORE_OPTIONS,
  kind: { type: 'string' },
  threshold: { type: 'string' },
  'quality-floor': { type: 'string' },
  labels: { type: 'string' },
  description: { type: 'string' },
  'max-matches': { type: 'string' },
  'enabled-ratio': { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  strict: { type: 'boolean' },
  out: { type: 'string' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

function invalid(message: string): LifeguardError {
  return new LifeguardError(ErrorCodes.INVALID_ARGUMENT, message);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw invalid(`--${name} must be a number, got '${v}'`);
  return n;
}

function positionals(p: readonly string[], want: number, shape: string): string[] {
  if (p.length !== want) throw invalid(`expected: lifeguard bank ${shape}`);
  return [...p];
}

async function bankByName(store: LifeguardStore, name: string): Promise<Bank> {
  const bank = await store.getBankByName(name);
  if (!bank)
    throw new LifeguardError(ErrorCodes.NOT_FOUND, `bank '${name}' does not exist`, { name });
  return bank;
}

function formatOption(
  v: Values,
  fileName: string | undefined,
  fallback?: BankFileFormat,
): BankFileFormat {
  if (v.format !== undefined) {
    if (!isBankFileFormat(v.format))
      throw invalid(`--format must be text, csv or jsonl, got '${v.format}'`);
    return v.format;
  }
  const byName = fileName === undefined ? undefined : formatFromFileName(fileName);
  if (byName) return byName;
  if (fallback) return fallback;
  throw invalid(`cannot tell the format of '${fileName ?? ''}' from its extension; pass --format`);
}

async function create(
  store: LifeguardStore,
  p: readonly string[],
  v: Values,
  io: CommandIo,
): Promise<number> {
  const [name] = positionals(p, 1, 'create NAME [options]');
  if (v.kind !== undefined && v.kind !== 'block' && v.kind !== 'allow') {
    throw invalid(`--kind must be block or allow, got '${v.kind}'`);
  }
  const spec: NewBank = {
    name: name!,
    ...(v.kind !== undefined ? { kind: v.kind } : {}),
    ...(v.threshold !== undefined ? { pdqThreshold: num('threshold', v.threshold)! } : {}),
    ...(v['quality-floor'] !== undefined
      ? { qualityFloor: num('quality-floor', v['quality-floor'])! }
      : {}),
    ...(v['max-matches'] !== undefined
      ? { maxMatchesPerLookup: num('max-matches', v['max-matches'])! }
      : {}),
    ...(v['enabled-ratio'] !== undefined
      ? { enabledRatio: num('enabled-ratio', v['enabled-ratio'])! }
      : {}),
    ...(v.labels !== undefined
      ? {
          labels: v.labels
            .split(',')
            .map((l) => l.trim())
            .filter((l) => l.length > 0),
        }
      : {}),
    ...(v.description !== undefined ? { description: v.description } : {}),
  };
  const bank = await store.createBank(spec);
  io.stdout.write(
    v.json
      ? `${JSON.stringify(bank)}\n`
      : `created ${bank.kind} bank '${bank.name}' (id ${bank.id}, threshold ${bank.pdqThreshold}, quality floor ${bank.qualityFloor})\n`,
  );
  return 0;
}

async function list(
  store: LifeguardStore,
  p: readonly string[],
  v: Values,
  io: CommandIo,
): Promise<number> {
  positionals(p, 0, 'list [--json]');
  const banks = await store.listBanks();
  const rows = await Promise.all(
    banks.map(async (b) => ({ ...b, entries: await store.countEntries(b.id) })),
  );
  if (v.json) {
    io.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    io.stdout.write('no banks (create one with: lifeguard bank create NAME)\n');
    return 0;
  }
  const table = [
    ['ID', 'NAME', 'KIND', 'ENABLED', 'THRESHOLD', 'Q-FLOOR', 'MAX', 'RATIO', 'ENTRIES', 'LABELS'],
    ...rows.map((r) => [
      String(r.id),
      r.name,
      r.kind,
      r.enabled ? 'yes' : 'no',
      String(r.pdqThreshold),
      String(r.qualityFloor),
      String(r.maxMatchesPerLookup),
      String(r.enabledRatio),
      `${r.entries.enabled}/${r.entries.total}`,
      r.labels.join(','),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table)
    io.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

async function importCmd(
  store: LifeguardStore,
  p: readonly string[],
  v: Values,
  io: CommandIo,
): Promise<number> {
  const [name, file] = positionals(p, 2, 'import NAME FILE|- [--format F] [--strict]');
  const stdin = file === '-';
  const format = formatOption(v, stdin ? undefined : file, stdin ? 'text' : undefined);
  if (stdin && v.strict)
    throw invalid('--strict reads the file twice, so it needs a FILE, not stdin');
  const bank = await bankByName(store, name!);
  let size: number | undefined;
  if (!stdin) {
    try {
      const st = await stat(file!);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
    } catch (e) {
      throw new LifeguardError(
        ErrorCodes.READ_FAILED,
        `cannot read ${file!}`,
        { path: file },
        { cause: e },
      );
    }
  }
  // The bar counts bytes of the writing pass (strict mode's validation pass is not shown).
  const bar = new ProgressBar(io.stderr, size, `import ${bank.name}`);
  let pass = 0;
  const open = (): AsyncIterable<Uint8Array> => {
    pass++;
    const counting = v.strict !== true || pass === 2;
    const src: AsyncIterable<Uint8Array> = stdin
      ? (process.stdin as AsyncIterable<Uint8Array>)
      : createReadStream(file!, { highWaterMark: 1 << 20 });
    return (async function* () {
      for await (const chunk of src) {
        if (counting) bar.tick(chunk.length);
        yield chunk;
      }
    })();
  };
  let report: ImportReport;
  try {
    report = await importBankFile(store, bank.id, open, { format, strict: v.strict === true });
  } finally {
    bar.finish();
  }
  if (v.json) {
    io.stdout.write(`${JSON.stringify({ bank: bank.name, format, ...report })}\n`);
  } else {
    io.stdout.write(
      `imported into bank '${bank.name}' (${format}): ${report.added} added, ${report.duplicates} duplicates, ${report.invalid} invalid\n`,
    );
    for (const l of report.invalidLines) io.stdout.write(`  line ${l.line}: ${l.reason}\n`);
    const more = report.invalid - report.invalidLines.length;
    if (more > 0) io.stdout.write(`  ... and ${more} more invalid lines\n`);
  }
  return report.invalid > 0 ? 1 : 0;
}

async function exportCmd(
  store: LifeguardStore,
  p: readonly string[],
  v: Values,
  io: CommandIo,
): Promise<number> {
  const [name] = positionals(p, 1, 'export NAME [--format F] [--out FILE]');
  const format = formatOption(v, v.out, 'text');
  const bank = await bankByName(store, name!);
  const chunks = formatBankFile(store.streamEntries(bank.id, 10_000), format);
  if (v.out === undefined) {
    for await (const s of chunks) await writeAll(io.stdout, s);
    return 0;
  }
  // Write beside the target and rename at the end: a failed export leaves no partial file.
  const tmp = `${v.out}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  try {
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    for await (const s of chunks) await writeAll(out, s);
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    await rename(tmp, v.out);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw new LifeguardError(
      ErrorCodes.READ_FAILED,
      `cannot write ${v.out}`,
      { path: v.out },
      { cause: e },
    );
  }
  return 0;
}

async function setEnabled(
  store: LifeguardStore,
  p: readonly string[],
  enabled: boolean,
  io: CommandIo,
): Promise<number> {
  const [name] = positionals(p, 1, `${enabled ? 'enable' : 'disable'} NAME`);
  const bank = await bankByName(store, name!);
  await store.updateBank(bank.id, { enabled });
  io.stdout.write(`bank '${bank.name}' ${enabled ? 'enabled' : 'disabled'}\n`);
  return 0;
}

/** `lifeguard bank ...`: create, list, import, export, enable and disable hash banks. */
export const bankCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const { values, positionals: pos } = parse(argv);
    const [sub, ...rest] = pos;
    const subs = ['create', 'list', 'import', 'export', 'disable', 'enable'];
    if (sub === undefined || !subs.includes(sub)) {
      io.stderr.write(
        `lifeguard bank: LG_ERR_INVALID_ARGUMENT: ${sub === undefined ? 'missing sub-command' : `unknown sub-command '${sub}'`}\n\n${USAGE}`,
      );
      return 2;
    }
    const store = await openDataStore(values);
    try {
      switch (sub) {
        case 'create':
          return await create(store, rest, values, io);
        case 'list':
          return await list(store, rest, values, io);
        case 'import':
          return await importCmd(store, rest, values, io);
        case 'export':
          return await exportCmd(store, rest, values, io);
        default:
          return await setEnabled(store, rest, sub === 'enable', io);
      }
    } finally {
      await store.close();
    }
  },
};
