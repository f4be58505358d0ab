import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXCHANGE_KINDS, ErrorCodes, LifeguardError, type ExchangeKind } from '@lifeguard/core';
import { checkExchangeConfig, standaloneExchangeService } from '@lifeguard/server';
import { KyselyExchangeStore, type ExchangeRecord, type LifeguardStore } from '@lifeguard/store';
import { DATA_STORE_OPTIONS, DATA_STORE_USAGE, openDataStore } from '../util/data-store.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage:
  lifeguard exchange add NAME --kind lifeguard|ncmec|stopncii|threatexchange --bank BANK
                         --config JSON|@FILE --credential FIELD=env:VAR|@FILE ...
                         [--bank-kind block|allow] [--interval SECONDS] [--disabled]
  lifeguard exchange list [--json]
  lifeguard exchange sync NAME [--json]
  lifeguard exchange reset NAME
  lifeguard exchange remove NAME

add       Subscribe to a hash-sharing source, importing into BANK (created if missing, with
          --bank-kind, default block). --config is the connector's settings (docs/sharing.md):
            lifeguard       {"url","feed","publisherKey","pageSize"?}
            ncmec           {"environment"? | "url"?, "startTime"?}
            stopncii        {"url"?, "pageSize"?, "startTimestamp"?}
            threatexchange  {"privacyGroup", "url"?, "pageSize"?}
          --credential sets one credential field; secrets are never taken on the command
          line: FIELD=env:VAR is resolved from the server's environment at each sync,
          FIELD=@FILE stores the file's content. Fields: lifeguard apiKey; ncmec username,
          password; stopncii subscriptionKey, fetchFunctionKey; threatexchange accessToken.
          --interval: seconds between the server's polls (default 300).
list      Exchanges with checkpoint, totals and last error (never credentials).
sync      Fetch and import now, one progress line per page; exit 1 if the sync failed.
reset     Forget the checkpoint: the next sync fetches everything again (idempotent).
remove    Unsubscribe; the bank and its entries stay.

Options:
${DATA_STORE_USAGE}

Exit codes: 0 success, 1 sync failed (the error is printed), 2 usage or data error.
`;

const OPTIONS = {
  ...DATA_STORE_OPTIONS,
  kind: { type: 'string' },
  bank: { type: 'string' },
  'bank-kind': { type: 'string' },
  config: { type: 'string' },
  credential: { type: 'string', multiple: true },
  interval: { type: 'string' },
  disabled: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

function invalid(message: string): LifeguardError {
  return new LifeguardError(ErrorCodes.INVALID_ARGUMENT, message);
}

function readArg(v: string, what: string): string {
  if (!v.startsWith('@')) return v;
  try {
    return readFileSync(v.slice(1), 'utf8').trim();
  } catch {
    throw new LifeguardError(ErrorCodes.READ_FAILED, `cannot read ${what} file ${v.slice(1)}`);
  }
}

function credentials(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of list ?? []) {
    const i = c.indexOf('=');
    if (i <= 0) throw invalid(`--credential must be FIELD=env:VAR or FIELD=@FILE`);
    const field = c.slice(0, i);
    const v = c.slice(i + 1);
    if (v.startsWith('env:')) out[field] = v;
    else if (v.startsWith('@')) out[field] = readArg(v, 'credential');
    else {
      // A secret typed on the command line ends up in shell history and process listings.
      throw invalid(`--credential ${field}: give env:VAR or @FILE, not the secret itself`);
    }
  }
  return out;
}

async function add(
  store: LifeguardStore,
  x: KyselyExchangeStore,
  pos: string[],
  v: Values,
  io: CommandIo,
): Promise<number> {
  const [name] = pos;
  if (name === undefined || pos.length !== 1) throw invalid('exchange add takes one NAME');
  const kind = v.kind as ExchangeKind | undefined;
  if (kind === undefined || !EXCHANGE_KINDS.includes(kind)) {
    throw invalid(`--kind must be one of ${EXCHANGE_KINDS.join(', ')}`);
  }
  if (v.bank === undefined) throw invalid('--bank is required');
  if (v.config === undefined) throw invalid('--config is required');
  let config: unknown;
  try {
    config = JSON.parse(readArg(v.config, 'config'));
  } catch (e) {
    if (e instanceof LifeguardError) throw e;
    throw invalid('--config is not valid JSON');
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalid('--config must be a JSON object');
  }
  const creds = credentials(v.credential);
  checkExchangeConfig(kind, config as Record<string, unknown>, creds);
  const bankKind = v['bank-kind'] ?? 'block';
  if (bankKind !== 'block' && bankKind !== 'allow')
    throw invalid('--bank-kind must be block or allow');
  const seconds = v.interval === undefined ? 300 : Number(v.interval);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 7 * 24 * 3600) {
    throw invalid('--interval must be whole seconds, 1 .. 604800');
  }
  if (await x.get(name))
    throw new LifeguardError(ErrorCodes.CONFLICT, `exchange '${name}' already exists`);
  const bank =
    (await store.getBankByName(v.bank)) ??
    (await store.createBank({
      name: v.bank,
      source: 'exchange',
      kind: bankKind,
      description: `signals from exchange ${name}`,
    }));
  const rec = await x.create({
    name,
    kind,
    bankId: bank.id,
    config: config as Record<string, unknown>,
    credentials: creds,
    intervalMs: seconds * 1000,
    enabled: v.disabled !== true,
  });
  io.stdout.write(
    `exchange ${rec.name} (${rec.kind}) -> bank ${bank.name}; credentials: ${rec.credentialFields.join(', ') || 'none'}\n`,
  );
  return 0;
}

function line(r: ExchangeRecord, bank: string): string {
  const s = r.stats;
  return [
    r.name.padEnd(20),
    r.kind.padEnd(15),
    bank.padEnd(20),
    r.enabled ? 'on ' : 'off',
    `every ${r.intervalMs / 1000}s`,
    `+${s.added} -${s.removed} pages ${s.pages} corrupt ${s.corruptPages} badsig ${s.signatureFailures} errors ${s.errors}`,
    r.lastError ? `last error: ${r.lastError}` : `last ok: ${r.lastSuccessAt ?? 'never'}`,
  ].join('  ');
}

async function list(
  store: LifeguardStore,
  x: KyselyExchangeStore,
  v: Values,
  io: CommandIo,
): Promise<number> {
  const all = await x.list();
  const names = new Map((await store.listBanks()).map((b) => [b.id, b.name]));
  if (v.json) {
    const out = all.map(({ id: _id, bankId, ...r }) => ({ ...r, bank: names.get(bankId) ?? '' }));
    io.stdout.write(`${JSON.stringify({ exchanges: out }, null, 2)}\n`);
  } else {
    for (const r of all) io.stdout.write(`${line(r, names.get(r.bankId) ?? '?')}\n`);
    if (all.length === 0) io.stdout.write('no exchanges\n');
  }
  return 0;
}

async function sync(
  store: LifeguardStore,
  pos: string[],
  v: Values,
  io: CommandIo,
): Promise<number> {
  const [name] = pos;
  if (name === undefined || pos.length !== 1) throw invalid('exchange sync takes one NAME');
  let pages = 0;
  const svc = standaloneExchangeService(store, {
    requestTimeoutMs: 30_000,
    warn: (l) => io.stderr.write(`${l}\n`),
    onPage: (_n, o) => {
      pages++;
      io.stderr.write(
        `page ${pages}: +${o.added} -${o.removed} duplicates ${o.duplicates}${o.corruptPages ? ' (corrupt, skipped)' : ''}\n`,
      );
    },
  });
  const r = await svc.sync(name);
  if (v.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else if (!r.ran)
    io.stdout.write(`exchange ${name} is being synced by another process; try later\n`);
  else {
    const s = r.stats;
    io.stdout.write(
      `exchange ${name}: ${s.pages} pages, +${s.added} -${s.removed}, ${s.duplicates} duplicates, ${s.corruptPages} corrupt, ${s.unsupported} unsupported${r.error ? `; FAILED: ${r.error}` : ''}\n`,
    );
  }
  return r.error ? 1 : 0;
}

/** `lifeguard exchange ...`: subscribe to hash-sharing feeds and programs, sync them. */
export const exchangeCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const { values, positionals: pos } = parse(argv);
    const [sub, ...rest] = pos;
    const subs = ['add', 'list', 'sync', 'reset', 'remove'];
    if (sub === undefined || !subs.includes(sub)) {
      io.stderr.write(
        `lifeguard exchange: LG_ERR_INVALID_ARGUMENT: ${sub === undefined ? 'missing sub-command' : `unknown sub-command '${sub}'`}\n\n${USAGE}`,
      );
      return 2;
    }
    const store = await openDataStore(values);
    const x = new KyselyExchangeStore(store.kysely);
    try {
      switch (sub) {
        case 'add':
          return await add(store, x, rest, values, io);
        case 'list':
          return await list(store, x, values, io);
        case 'sync':
          return await sync(store, rest, values, io);
        default: {
          const [name] = rest;
          if (name === undefined || rest.length !== 1)
            throw invalid(`exchange ${sub} takes one NAME`);
          const rec = await x.get(name);
          if (!rec)
            throw new LifeguardError(ErrorCodes.NOT_FOUND, `exchange '${name}' does not exist`);
          if (sub === 'reset') await x.update(rec.id, { resetCheckpoint: true });
          else await x.remove(name);
          io.stdout.write(`exchange ${name} ${sub === 'reset' ? 'reset' : 'removed'}\n`);
          return 0;
        }
      }
    } finally {
      await store.close();
    }
  },
};
