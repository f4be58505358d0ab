import { isLifeguardError } from '@lifeguard/core';
import type { CommandIo } from './commands/command.model.js';
import { COMMANDS } from './commands/registry.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: lifeguard <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `lifeguard <command> --help` for the options of one command.',
    '',
  ].join('\n');
}

/**
 * Entry point of the `lifeguard` command. Returns the exit code: 0 success, 1 when some
 * inputs failed, 2 for usage errors.
 */
export async function main(
  argv: readonly string[],
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write('lifeguard 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`lifeguard: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : `${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (isLifeguardError(e)) {
      io.stderr.write(`lifeguard ${name}: ${e.code}: ${e.message}\n`);
      return 2;
    }
    if (
      e instanceof TypeError &&
      'code' in e &&
      typeof e.code === 'string' &&
      e.code.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr.write(`lifeguard ${name}: LG_ERR_INVALID_ARGUMENT: ${e.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    throw e;
  }
}
