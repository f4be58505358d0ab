import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import {
  DEFAULT_RISK_RULES,
  ErrorCodes,
  EventReorderBuffer,
  LifeguardError,
  parseRiskEventLine,
  parseRiskRules,
  RiskReplaySession,
  type RiskEvent,
  type RiskRules,
} from '@lifeguard/core';
import { ProgressBar } from '../util/progress.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage:
  lifeguard risk replay EVENTS.ndjson [--rules FILE] [--lateness SECONDS]
  lifeguard risk rules

replay   Run the grooming-risk engine over an NDJSON event file in time order and print
         one JSON line per account whose level ever rose above none:
         {"user","score","level","firstAlertAt","reasons":[{"signal","value","window",
         "weight","contribution","evidence"?}]}, highest score first.
         Malformed lines are reported on stderr by line number (never their text).
rules    Print the default rules as JSON (a starting point for --rules).

Options:
  --rules FILE          rules JSON (merged over the defaults; see docs/risk.md)
  --lateness SECONDS    how far out of time order events may arrive and still be sorted
                        (default 3600); memory holds the events of that window
`;

/** Longest line accepted (1 MiB); longer lines are reported malformed and skipped. */
const MAX_LINE = 1 << 20;

/** Most malformed lines reported individually; the rest are only counted. */
const MAX_REPORTED = 100;

function readFailed(file: string, cause: unknown): LifeguardError {
  return new LifeguardError(
    ErrorCodes.READ_FAILED,
    `cannot read ${file}`,
    { path: file },
    { cause },
  );
}

async function loadRules(path: string | undefined): Promise<RiskRules> {
  if (path === undefined) return DEFAULT_RISK_RULES;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new LifeguardError(
      ErrorCodes.READ_FAILED,
      `cannot read rules file ${path}`,
      { path },
      { cause: e },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LifeguardError(
      ErrorCodes.INVALID_RISK_RULES,
      `rules file ${path} is not valid JSON`,
      { path },
    );
  }
  return parseRiskRules(json);
}

async function replay(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { rules: { type: 'string' }, lateness: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    io.stderr.write(
      `lifeguard risk replay: LG_ERR_INVALID_ARGUMENT: expected exactly one EVENTS file\n\n${USAGE}`,
    );
    return 2;
  }
  const lateness = values.lateness === undefined ? 3600 : Number(values.lateness);
  if (!Number.isFinite(lateness) || lateness < 0) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      '--lateness must be a non-negative number of seconds',
    );
  }
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const rules = await loadRules(values.rules);
  const session = new RiskReplaySession(rules);
  const buffer = new EventReorderBuffer(lateness * 1000);
  const emit = (e: RiskEvent): void => session.ingest(e);
  // The bar counts bytes of the file (like `bank import`): its size is the total.
  const progress = new ProgressBar(io.stderr, undefined, 'risk replay');

  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw readFailed(file, e);
  }
  progress.setTotal(fstatSync(fd).size); // 0 for a pipe: the bar then shows a counter
  let lineNo = 0;
  let malformed = 0;
  const handle = (line: string): void => {
    lineNo++;
    const r =
      line.length > MAX_LINE
        ? ({ ok: false, reason: 'line longer than 1 MiB' } as const)
        : parseRiskEventLine(line);
    if (r === undefined) return;
    if (!r.ok) {
      malformed++;
      if (malformed <= MAX_REPORTED)
        io.stderr.write(`line ${lineNo}: ${ErrorCodes.INVALID_EVENT}: ${r.reason}\n`);
      return;
    }
    buffer.push(r.event, emit);
  };
  // Read synchronously in 64 KiB chunks and split lines by hand: the replay is CPU-bound, and
  // awaiting a stream's chunks left the core idle between reads (~6 % of the run), while
  // `readline` costs about as much as parsing the events. (Larger chunks make strings that V8
  // allocates outside its regular heap, one mapping each: more system time, not less.)
  const chunk = Buffer.allocUnsafe(1 << 16);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let skipping = false; // inside an over-long line, dropping until its newline
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw readFailed(file, e);
      }
      if (n === 0) break;
      progress.tick(n);
      const text = decoder.write(n === chunk.length ? chunk : chunk.subarray(0, n));
      const s = rest.length > 0 ? rest + text : text;
      let start = 0;
      let nl: number;
      while ((nl = s.indexOf('\n', start)) >= 0) {
        const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        if (skipping) {
          skipping = false;
          lineNo++;
        } else handle(s.slice(start, end));
        start = nl + 1;
      }
      rest = s.slice(start);
      if (rest.length > MAX_LINE && !skipping) {
        // Report the over-long line once and drop it up to its newline (bounded memory).
        handle(rest);
        lineNo--;
        skipping = true;
      }
      if (skipping) rest = '';
    }
  } finally {
    closeSync(fd);
  }
  rest += decoder.end();
  if (!skipping && rest.length > 0) handle(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  else if (skipping) lineNo++;
  buffer.flush(emit);
  progress.finish();

  const alerts = session.alerts();
  for (const a of alerts) io.stdout.write(`${JSON.stringify(a)}\n`);
  // Wall and CPU time of the replay (file read, parse, engine, output), for operators sizing
  // a backtest and for the benchmark; process start-up is not included.
  const secs = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpuStart);
  const cpu = (used.user + used.system) / 1e6;
  const st = session.engine.stats;
  const rate = st.newContacts > 0 ? (st.newMinorContacts / st.newContacts).toFixed(4) : 'n/a';
  if (malformed > MAX_REPORTED)
    io.stderr.write(`... ${malformed - MAX_REPORTED} more malformed lines not listed\n`);
  io.stderr.write(
    `risk replay: ${lineNo} lines, ${st.accepted} events applied, ${st.duplicates} duplicates ignored, ` +
      `${malformed} malformed, ${buffer.late} arrived later than --lateness, ${st.clampedLate} applied at a later time, ` +
      `${session.engine.store.size} accounts, ${alerts.length} above none; measured minor contact base rate ${rate} ` +
      `(rules: ${rules.minorContactBaseRate}); reorder buffer peak ${buffer.peakHeld} events; ` +
      `${secs.toFixed(2)} s, ${Math.round(lineNo / Math.max(secs, 1e-3))} lines/s, ` +
      `${cpu.toFixed(2)} s of CPU\n`,
  );
  return malformed > 0 ? 1 : 0;
}

/** `lifeguard risk`: backtest the grooming-risk rules on an event file. */
export const riskCommand: Command = {
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'replay') return replay(rest, io);
    if (sub === 'rules') {
      io.stdout.write(`${JSON.stringify(DEFAULT_RISK_RULES, null, 2)}\n`);
      return 0;
    }
    io.stderr.write(
      `lifeguard risk: LG_ERR_INVALID_ARGUMENT: expected 'replay' or 'rules'\n\n${USAGE}`,
    );
    return 2;
  },
};
