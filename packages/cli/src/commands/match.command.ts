import { parseArgs } from 'node:util';
import {
  BankMatcher,
  ErrorCodes,
  IndexSync,
  isLifeguardError,
  LifeguardError,
  type MatchHit,
  type MatchQuery,
  type MatchResult,
} from '@lifeguard/core';
import { hashImageFile } from '@lifeguard/media';
import { DATA_STORE_OPTIONS, DATA_STORE_USAGE, openDataStore } from '../util/data-store.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage: lifeguard match [--json] [--fail-on-match] [--data-dir DIR] PATH|HASH...

Match images and hashes against every enabled bank and print every match with its bank,
entry id, signal type, distance and threshold.

Inputs, in this order of interpretation:
  pdq:HEX | md5:HEX | sha256:HEX   a hash of that signal type
  64 hex digits                     a PDQ hash (use sha256:HEX for a SHA-256)
  32 hex digits                     an MD5
  anything else                     an image file, hashed (PDQ, MD5, SHA-256); a file whose
                                    name is 32 or 64 hex digits must be given as ./NAME
A bare PDQ hash has no quality, so no bank's quality floor applies to it.

Output (text): one line per match, tab-separated:
  INPUT  match       bank=NAME entry=ID signal=pdq distance=D threshold=T [kind=allow]
  INPUT  suppressed  ... (a block-bank match suppressed by an allow-bank match)
  INPUT  truncated   bank=NAME omitted=N   (flood control: the bank's per-lookup cap)
  INPUT  no-match
--json: one JSON object per input: {"input","query":{...},"matches":[...],
  "suppressed":[...],"truncated":[...]} or {"input","error":{"code","message"}}.

Options:
  --json            JSON lines instead of text
  --fail-on-match   exit 3 when any input matched a block bank (for scripts gating uploads;
                    allow-bank matches do not count)
${DATA_STORE_USAGE}

Exit codes: 0 every input was checked (matched or not); 1 some input could not be checked
(its error is on stderr / in its JSON); 2 usage or data error; 3 with --fail-on-match, at
least one input matched a block bank (3 wins over 1: a match must not be missed).
`;

const PREFIXED = /^(pdq|md5|sha256):(.*)$/i;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const HEX32 = /^[0-9a-fA-F]{32}$/;

/** How one command-line input is looked up. */
async function queryFor(input: string): Promise<{ kind: 'hash' | 'file'; query: MatchQuery }> {
  const m = PREFIXED.exec(input);
  if (m) {
    const signal = m[1]!.toLowerCase() as 'pdq' | 'md5' | 'sha256';
    const value = m[2]!;
    const ok = signal === 'md5' ? HEX32.test(value) : HEX64.test(value);
    if (!ok) {
      throw new LifeguardError(
        ErrorCodes.INVALID_HASH,
        `invalid ${signal} hash: expected ${signal === 'md5' ? 32 : 64} hex digits`,
      );
    }
    return { kind: 'hash', query: { [signal]: value.toLowerCase() } };
  }
  if (HEX64.test(input)) return { kind: 'hash', query: { pdq: input.toLowerCase() } };
  if (HEX32.test(input)) return { kind: 'hash', query: { md5: input.toLowerCase() } };
  const h = await hashImageFile(input);
  return { kind: 'file', query: { pdq: h.pdq, quality: h.quality, md5: h.md5, sha256: h.sha256 } };
}

function hitText(h: MatchHit): string {
  return [
    `bank=${h.bankName}`,
    `entry=${h.entryId}`,
    `signal=${h.signal}`,
    `distance=${h.distance}`,
    `threshold=${h.threshold}`,
    ...(h.kind === 'allow' ? ['kind=allow'] : []),
    ...(h.classification !== null ? [`classification=${h.classification}`] : []),
    ...(h.labels.length > 0 ? [`labels=${h.labels.join(',')}`] : []),
  ].join(' ');
}

function textLines(input: string, r: MatchResult): string {
  // Inputs are paths or hex typed by the user; tabs/newlines in a path would break columns.
  const name = input.replace(/[\t\r\n]/g, ' ');
  const lines = [
    ...r.matches.map((h) => `${name}\tmatch\t${hitText(h)}`),
    ...r.suppressed.map((h) => `${name}\tsuppressed\t${hitText(h)}`),
    ...r.truncated.map((t) => `${name}\ttruncated\tbank=${t.bankName} omitted=${t.omitted}`),
  ];
  if (r.matches.length === 0 && r.suppressed.length === 0 && r.truncated.length === 0) {
    lines.push(`${name}\tno-match`);
  }
  return `${lines.join('\n')}\n`;
}

/** `lifeguard match`: look files and hashes up in the banks. */
export const matchCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        ...DATA_STORE_OPTIONS,
        json: { type: 'boolean' },
        'fail-on-match': { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length === 0) {
      io.stderr.write(
        `lifeguard match: LG_ERR_INVALID_ARGUMENT: no PATH or HASH given\n\n${USAGE}`,
      );
      return 2;
    }
    // Classification and source id make the output self-explaining; a one-shot CLI can
    // afford the side table that a 10M-entry server leaves off.
    const matcher = new BankMatcher({ retainEntryMetadata: true });
    const store = await openDataStore(values);
    try {
      await new IndexSync(store, matcher).load();
    } finally {
      await store.close();
    }
    let failed = false;
    let matched = false;
    for (const input of positionals) {
      try {
        const { kind, query } = await queryFor(input);
        const r = matcher.match(query);
        // Allow-bank matches mean "known benign"; they must not fail an upload gate.
        if (r.matches.some((h) => h.kind === 'block')) matched = true;
        io.stdout.write(
          values.json ? `${JSON.stringify({ input, kind, query, ...r })}\n` : textLines(input, r),
        );
      } catch (e) {
        failed = true;
        const code = isLifeguardError(e) ? e.code : ErrorCodes.INTERNAL;
        const message = e instanceof Error ? e.message : String(e);
        if (values.json)
          io.stdout.write(`${JSON.stringify({ input, error: { code, message } })}\n`);
        io.stderr.write(`lifeguard match: ${input}: ${code}: ${message}\n`);
      }
    }
    if (values['fail-on-match'] && matched) return 3;
    return failed ? 1 : 0;
  },
};
