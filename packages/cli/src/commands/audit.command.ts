import { parseArgs } from 'node:util';
import {
  ErrorCodes,
  LifeguardError,
  verifyChain,
  type AuditRecord,
  type AuditVerification,
} from '@lifeguard/core';
import { auditRecordOf, KyselyAuditLog, sha256Hex } from '@lifeguard/store';
import { ProgressBar } from '../util/progress.js';
import { DATA_STORE_OPTIONS, DATA_STORE_USAGE, openDataStore } from '../util/data-store.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage:
  lifeguard audit verify [--data-dir DIR | --database-url URL] [--expect-head SEQ:HASH] [--json]

verify   Check the hash chain of the stored audit log (logins, media views, transitions,
         decisions, exports, settings changes): every record's hash must be the SHA-256 of
         its canonical body, link to the previous record's hash and carry the next seq.
         Prints the first bad record and why (hash: edited; seq / prev_hash: deleted,
         inserted or reordered; malformed: unreadable), or the head to keep elsewhere.

Options:
${DATA_STORE_USAGE}
  --expect-head SEQ:HASH  the head recorded earlier (printed by a previous verify): also
                        catches records cut off the end, which a chain alone cannot show
  --json                print the result as one JSON object

Exit codes: 0 the chain verifies; 1 tampering or corruption found (the first bad record is
printed); 2 usage error or the store cannot be opened.
`;

/** Records read per page (constant memory on long logs). */
const PAGE = 5000;

function parseHead(v: string | undefined): { seq: number; hash: string } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(v);
  if (!m) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      '--expect-head must be SEQ:HASH (64 hex)',
    );
  }
  return { seq: Number(m[1]), hash: m[2]! };
}

/**
 * Verify the whole stored chain a page at a time. Failure positions are 0-based over the
 * whole log. A row whose details are not JSON fails as `malformed` at its position.
 */
export async function verifyStoredAudit(
  log: KyselyAuditLog,
  expectedHead: { seq: number; hash: string } | undefined,
  onPage: (n: number) => void = () => undefined,
): Promise<AuditVerification> {
  let after: { seq: number; hash: string } | undefined;
  let offset = 0;
  for await (const rows of log.scan(PAGE)) {
    const records: AuditRecord[] = [];
    for (const row of rows) {
      try {
        records.push(auditRecordOf(row));
      } catch {
        const before = verifyChain(records, sha256Hex, after ? { after } : {});
        if (!before.ok) return { ...before, index: before.index + offset };
        const at = offset + records.length;
        return {
          ok: false,
          index: at,
          seq: Number(row.seq),
          failure: 'malformed',
          message: `record ${at} (seq ${String(row.seq)}) has details that are not JSON`,
        };
      }
    }
    const r = verifyChain(records, sha256Hex, after ? { after } : {});
    if (!r.ok) {
      return {
        ...r,
        index: r.index + offset,
        message: r.message.replace(/^record \d+/, `record ${r.index + offset}`),
      };
    }
    after = r.head ?? after;
    offset += rows.length;
    onPage(rows.length);
  }
  const head = after ?? null;
  if (
    expectedHead !== undefined &&
    (head === null ||
      head.seq < expectedHead.seq ||
      (head.seq === expectedHead.seq && head.hash !== expectedHead.hash))
  ) {
    return {
      ok: false,
      index: offset,
      seq: null,
      failure: 'head',
      message: `chain ends at seq ${head?.seq ?? 0}, expected at least ${expectedHead.seq} (${
        head !== null && head.seq === expectedHead.seq
          ? 'different head hash'
          : 'records missing at the end'
      })`,
    };
  }
  if (expectedHead !== undefined && head !== null && head.seq > expectedHead.seq) {
    // The log grew since the anchor: the anchored record must still be the one we saw.
    const anchored = await log.list({ afterSeq: expectedHead.seq - 1, limit: 1 });
    if (anchored[0]?.hash !== expectedHead.hash) {
      return {
        ok: false,
        index: expectedHead.seq - 1,
        seq: expectedHead.seq,
        failure: 'head',
        message: `record seq ${expectedHead.seq} no longer has the anchored hash`,
      };
    }
  }
  return { ok: true, count: offset, head };
}

async function verify(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      ...DATA_STORE_OPTIONS,
      'expect-head': { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) {
    io.stderr.write(
      `lifeguard audit verify: LG_ERR_INVALID_ARGUMENT: unexpected arguments\n\n${USAGE}`,
    );
    return 2;
  }
  const expected = parseHead(values['expect-head']);
  const store = await openDataStore(values);
  try {
    const log = new KyselyAuditLog(store.kysely, store.dialect);
    const bar = new ProgressBar(io.stderr, await log.count(), 'audit verify');
    const r = await verifyStoredAudit(log, expected, (n) => bar.tick(n));
    bar.finish();
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(r)}\n`);
    } else if (r.ok) {
      io.stdout.write(
        r.head === null
          ? 'audit log is empty\n'
          : `ok: ${r.count} records, head ${r.head.seq}:${r.head.hash}\n` +
              'keep the head somewhere else and pass it as --expect-head next time\n',
      );
    } else {
      io.stdout.write(
        `TAMPERED: ${r.failure} at record ${r.index}${r.seq !== null ? ` (seq ${r.seq})` : ''}: ${r.message}\n`,
      );
    }
    return r.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** `lifeguard audit`: verify the hash-chained audit log. */
export const auditCommand: Command = {
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'verify') return verify(rest, io);
    io.stderr.write(`lifeguard audit: LG_ERR_INVALID_ARGUMENT: unknown sub-command\n\n${USAGE}`);
    return 2;
  },
};
