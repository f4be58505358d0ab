import { parseArgs } from 'node:util';
import { loadServerConfig, startServer, SERVER_ROLES } from '@lifeguard/server';
import type { Command, CommandIo } from './command.model.js';

const USAGE = `Usage: lifeguard serve [--role all|api|worker] [--config FILE] [--port N] [--host ADDR]
                       [--data-dir DIR] [--database-url URL] [--risk-rules FILE]

Run the scanning service: an authenticated HTTP API that hashes uploads, matches them against
the hash banks and answers block / review / allow (see docs/configuration.md, and the API at
/openapi.json).

  --role ROLE          all (default): everything in one process; api: the HTTP API;
                       worker: keeps an index warm (no job queue yet, so no work to do)
  --config FILE        JSON config file (docs/configuration.md); env and flags override it
  --port N             listen port (default 8080, env LIFEGUARD_PORT; 0 = any free port)
  --host ADDR          listen address (default 127.0.0.1, env LIFEGUARD_HOST)
  --data-dir DIR       SQLite data directory (default ./.lifeguard, env LIFEGUARD_DATA_DIR)
  --database-url URL   PostgreSQL instead of SQLite (env DATABASE_URL)
  --risk-rules FILE    grooming-risk rules (docs/risk.md; env LIFEGUARD_RISK_RULES); checked
                       at start, and the event log is re-scored with them

On first start an admin API key is created and printed once (or LIFEGUARD_ADMIN_KEY is
installed). SIGINT / SIGTERM stop accepting connections and drain in-flight requests.`;

/** `lifeguard serve`: the scanning service. */
export const serveCommand: Command = {
  usage: USAGE,
  async run(argv: readonly string[], io: CommandIo): Promise<number> {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        role: { type: 'string' },
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        'risk-rules': { type: 'string' },
      },
      allowPositionals: false,
    });
    const overrides: Record<string, unknown> = {};
    if (values.role !== undefined) overrides.role = values.role;
    if (values.port !== undefined) overrides.port = values.port;
    if (values.host !== undefined) overrides.host = values.host;
    if (values['data-dir'] !== undefined) overrides.dataDir = values['data-dir'];
    if (values['database-url'] !== undefined) overrides.databaseUrl = values['database-url'];
    if (values['risk-rules'] !== undefined) overrides.riskRules = values['risk-rules'];
    const env = { ...process.env };
    // What is typed on the command line is what the user means: --data-dir beats DATABASE_URL
    // (the same precedence as the data commands).
    if (values['data-dir'] !== undefined && values['database-url'] === undefined) {
      delete env.DATABASE_URL;
    }
    const config = loadServerConfig({ env, file: values.config, overrides });
    if (!SERVER_ROLES.includes(config.role)) return 2;
    const server = await startServer(config, {
      notice: (line) => io.stdout.write(`${line}\n`),
      warn: (line) => io.stderr.write(`lifeguard serve: ${line}\n`),
    });
    const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
    io.stdout.write(
      config.role === 'worker'
        ? `Lifeguard worker running (${where})\n`
        : `Lifeguard listening on ${server.url} (role ${config.role}, ${where})\n`,
    );
    return new Promise<number>((resolve) => {
      const stop = (signal: string): void => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        io.stderr.write(`lifeguard serve: ${signal}, draining in-flight requests\n`);
        server.close().then(
          () => resolve(0),
          (e: unknown) => {
            io.stderr.write(`lifeguard serve: shutdown failed: ${String(e)}\n`);
            resolve(1);
          },
        );
      };
      const onInt = (): void => stop('SIGINT');
      const onTerm = (): void => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
  },
};
