import { parseArgs } from 'node:util';
import { DEFAULT_SERVER_CONFIG, UserService } from '@lifeguard/server';
import { KyselyAuditLog, KyselyUserStore } from '@lifeguard/store';
import type { UserRecord } from '@lifeguard/store';
import { DATA_STORE_OPTIONS, DATA_STORE_USAGE, openDataStore } from '../util/data-store.js';
import { newPassword } from '../util/password.prompt.js';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage:
  lifeguard user add NAME --role ROLE[,ROLE...] [--password-stdin]
  lifeguard user list [--json]
  lifeguard user passwd NAME [--password-stdin]
  lifeguard user roles NAME --role ROLE[,ROLE...]
  lifeguard user disable NAME
  lifeguard user enable NAME
  lifeguard user totp-reset NAME

Console users (docs/console.md). Roles: admin, lead, reviewer, child_safety_reviewer (only
the last may see media of CSAM cases).

add         Create a user. The password (at least 10 characters) is asked twice on the
            terminal, or read from the first line of stdin with --password-stdin. It is
            never printed and never taken from the command line.
            First start: 'lifeguard user add admin --role admin' before or after
            'npm start', then log in at http://127.0.0.1:8080/.
list        Users, roles, disabled and TOTP state (never passwords).
passwd      Set a new password; every session of the user ends.
roles       Replace the user's roles; their sessions end.
disable     The user can no longer log in; their sessions end. enable reverses it.
totp-reset  Turn TOTP off (lost device); they can enrol again after logging in.

Options:
${DATA_STORE_USAGE}

The last enabled admin cannot be disabled or lose the admin role.
Exit codes: 0 success, 2 usage or data error (the message names an LG_ERR_* code).
`;

const OPTIONS = {
  ...DATA_STORE_OPTIONS,
  role: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

function roleList(v: string | undefined, io: CommandIo): string[] | undefined {
  if (v === undefined) {
    io.stderr.write(`lifeguard user: --role is required\n\n${USAGE}`);
    return undefined;
  }
  return v
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
}

/** `lifeguard user`: console user administration on the data store. */
export const userCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
    });
    const [sub, name] = positionals;
    const needsName = sub !== 'list';
    if (
      !['add', 'list', 'passwd', 'roles', 'disable', 'enable', 'totp-reset'].includes(sub ?? '') ||
      (needsName && name === undefined) ||
      positionals.length > (needsName ? 2 : 1)
    ) {
      io.stderr.write(`${USAGE}`);
      return 2;
    }
    const stdin = io.stdin ?? process.stdin;
    const store = await openDataStore(values);
    try {
      const users = new UserService(new KyselyUserStore(store.kysely), DEFAULT_SERVER_CONFIG.auth);
      const audit = new KyselyAuditLog(store.kysely, store.dialect);
      // User changes made on the command line go to the audit log like the API's.
      const changed = (u: UserRecord, what: string): Promise<unknown> =>
        audit.append({
          actor: 'system:cli',
          action: 'user_change',
          subject: `user:${u.id}`,
          details: {
            change: what,
            username: u.username,
            roles: [...u.roles],
            disabled: u.disabled,
          },
        });
      switch (sub ?? '') {
        case 'add': {
          const roles = roleList(values.role, io);
          if (!roles) return 2;
          const pw = await newPassword(stdin, io.stderr, values['password-stdin'] === true);
          const u = await users.create(name!, pw, roles);
          await changed(u, 'created');
          io.stdout.write(`created user '${u.username}' (${u.roles.join(', ')})\n`);
          return 0;
        }
        case 'list': {
          const list = await users.list();
          if (values.json) {
            io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
            return 0;
          }
          if (list.length === 0)
            io.stdout.write('no users yet (lifeguard user add NAME --role admin)\n');
          for (const u of list) {
            const flags = [u.disabled ? 'disabled' : '', u.totpEnabled ? 'totp' : '']
              .filter(Boolean)
              .join(', ');
            io.stdout.write(`${u.username}\t${u.roles.join(',')}${flags ? `\t(${flags})` : ''}\n`);
          }
          return 0;
        }
        case 'passwd': {
          await users.get(name!); // fail on an unknown user before asking for a password
          const pw = await newPassword(stdin, io.stderr, values['password-stdin'] === true);
          const u = await users.setPassword(name!, pw);
          await changed(u, 'password_reset');
          io.stdout.write(`password of '${u.username}' changed; their sessions ended\n`);
          return 0;
        }
        case 'roles': {
          const roles = roleList(values.role, io);
          if (!roles) return 2;
          const u = await users.update(name!, { roles });
          await changed(u, 'roles');
          io.stdout.write(`'${u.username}' now has ${u.roles.join(', ')}\n`);
          return 0;
        }
        case 'disable':
        case 'enable': {
          const u = await users.update(name!, { disabled: sub === 'disable' });
          await changed(u, 'disabled');
          io.stdout.write(`'${u.username}' ${u.disabled ? 'disabled' : 'enabled'}\n`);
          return 0;
        }
        default: {
          const u = await users.disableTotp(name!);
          await changed(u, 'totp_disabled');
          io.stdout.write(`TOTP turned off for '${u.username}'\n`);
          return 0;
        }
      }
    } finally {
      await store.close();
    }
  },
};
